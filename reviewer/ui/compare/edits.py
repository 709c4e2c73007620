"""Comparison edits as undoable commands over the core (alignment, note, creation,
deletion); each way is one transaction returning the core's Changes."""

from __future__ import annotations

from reviewer.core import comparisons as comparison_ops
from reviewer.core.align import Alignment
from reviewer.core.case import Transaction
from reviewer.core.changes import Changes
from reviewer.ui.session import CaseSession, EditCommand


class SetAlignment(EditCommand):
    """Align (automatically or by points) or reset; undo puts the previous transform back."""

    def __init__(self, session: CaseSession, comparison_id: str, alignment: Alignment | None,
                 text: str) -> None:
        super().__init__(session, text)
        self.comparison_id = comparison_id
        self.new = alignment
        self.old = comparison_ops.get_comparison(session.case, comparison_id).get_alignment()

    def apply(self, tx: Transaction) -> Changes:
        return comparison_ops.set_alignment_in(tx, self.comparison_id, self.new)

    def revert(self, tx: Transaction) -> Changes:
        return comparison_ops.set_alignment_in(tx, self.comparison_id, self.old)


class EditNote(EditCommand):
    """The comparison's note as typed; undo gives back the note it had."""

    def __init__(self, session: CaseSession, comparison_id: str, note: str) -> None:
        super().__init__(session, "Edit comparison note")
        self.comparison_id = comparison_id
        self.new = note
        self.old = comparison_ops.get_comparison(session.case, comparison_id).note

    def apply(self, tx: Transaction) -> Changes:
        return comparison_ops.update_note_in(tx, self.comparison_id, self.new)

    def revert(self, tx: Transaction) -> Changes:
        return comparison_ops.update_note_in(tx, self.comparison_id, self.old)


class AddComparison(EditCommand):
    def __init__(self, session: CaseSession, before_id: str, after_id: str) -> None:
        super().__init__(session, "Compare two items")
        self.args = (before_id, after_id)
        self.comparison: comparison_ops.Comparison | None = None

    def apply(self, tx: Transaction) -> Changes:
        if self.comparison is not None:
            return comparison_ops.restore_comparison_in(tx, self.comparison)
        changes = comparison_ops.create_comparison_in(tx, *self.args)
        self.comparison = comparison_ops.get_comparison(tx, str(changes.ids("comparison")[0]))
        return changes

    def revert(self, tx: Transaction) -> Changes:
        assert self.comparison is not None
        self.comparison = comparison_ops.get_comparison(tx, self.comparison.id)
        return comparison_ops.delete_comparison_in(tx, self.comparison.id)


class DeleteComparison(EditCommand):
    def __init__(self, session: CaseSession, comparison_id: str) -> None:
        super().__init__(session, "Delete comparison")
        self.comparison_id = comparison_id
        self.removed: comparison_ops.Comparison | None = None

    def apply(self, tx: Transaction) -> Changes:
        self.removed = comparison_ops.get_comparison(tx, self.comparison_id)
        return comparison_ops.delete_comparison_in(tx, self.comparison_id)

    def revert(self, tx: Transaction) -> Changes:
        assert self.removed is not None
        return comparison_ops.restore_comparison_in(tx, self.removed)
