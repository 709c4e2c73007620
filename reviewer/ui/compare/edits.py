"""Comparison edits as undoable commands over the core (alignment, creation, deletion)."""

from __future__ import annotations

from reviewer.core import comparisons as comparison_ops
from reviewer.core.align import Alignment
from reviewer.ui.session import CaseSession, EditCommand


class SetAlignment(EditCommand):
    """Align (automatically or by points) or reset; undo puts the previous transform back."""

    def __init__(self, session: CaseSession, comparison_id: str, alignment: Alignment | None,
                 text: str) -> None:
        super().__init__(session, text)
        self.comparison_id = comparison_id
        self.new = alignment
        self.old = comparison_ops.get_comparison(session.case, comparison_id).get_alignment()

    def apply(self) -> None:
        comparison_ops.set_alignment(self.session.case, self.comparison_id, self.new)
        self.session.comparisonsChanged.emit()

    def revert(self) -> None:
        comparison_ops.set_alignment(self.session.case, self.comparison_id, self.old)
        self.session.comparisonsChanged.emit()


class AddComparison(EditCommand):
    def __init__(self, session: CaseSession, before_id: str, after_id: str) -> None:
        super().__init__(session, "Compare two items")
        self.args = (before_id, after_id)
        self.comparison: comparison_ops.Comparison | None = None

    def apply(self) -> None:
        if self.comparison is None:
            self.comparison = comparison_ops.create_comparison(self.session.case, *self.args)
        else:
            comparison_ops.restore_comparison(self.session.case, self.comparison)
        self.session.comparisonsChanged.emit()

    def revert(self) -> None:
        assert self.comparison is not None
        self.comparison = comparison_ops.delete_comparison(self.session.case,
                                                           self.comparison.id)
        self.session.comparisonsChanged.emit()


class DeleteComparison(EditCommand):
    def __init__(self, session: CaseSession, comparison_id: str) -> None:
        super().__init__(session, "Delete comparison")
        self.comparison_id = comparison_id
        self.removed: comparison_ops.Comparison | None = None

    def apply(self) -> None:
        self.removed = comparison_ops.delete_comparison(self.session.case, self.comparison_id)
        self.session.comparisonsChanged.emit()

    def revert(self) -> None:
        assert self.removed is not None
        comparison_ops.restore_comparison(self.session.case, self.removed)
        self.session.comparisonsChanged.emit()
