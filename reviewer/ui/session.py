"""The open case as the window sees it: the case, its undo stack, and change signals.

Views never query each other: an edit is an undo command whose do and undo each run
in exactly one core transaction and return the core's `Changes`; the session turns
that value into the change signals, and every view listening refreshes only what it
shows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from reviewer.core.case import Case, Transaction, open_case
from reviewer.core.changes import Changes
from reviewer.core.errors import ReviewerError


class CaseSession(QObject):
    evidenceChanged = Signal()          # items added (an import finished)
    regionsChanged = Signal(str)        # the evidence id whose regions changed ("": many)
    incidentsChanged = Signal()         # incidents or their links changed
    labelsChanged = Signal()            # the vocabulary changed
    comparisonsChanged = Signal()       # comparisons made, aligned, noted or deleted
    bestSourcesChanged = Signal()       # an item marked (or unmarked) as best source
    failed = Signal(str)                # a change could not be saved: one line for the user
    notice = Signal(str)                # an edit changed nothing: one line, for the status bar

    def __init__(self, case: Case, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.undo_stack = QUndoStack(self)

    @classmethod
    def open(cls, path: str | Path, actor: str | None, parent: QObject | None = None
             ) -> CaseSession:
        return cls(open_case(path, actor=actor), parent)

    @property
    def path(self) -> Path:
        return self.case.path

    @property
    def actor(self) -> str:
        return self.case.actor

    def set_actor(self, actor: str) -> None:
        self.case.actor = actor

    def push(self, command: EditCommand) -> bool:
        """Apply an edit now; only an edit that was saved goes onto the undo stack."""
        try:
            return self.push_or_raise(command)
        except ReviewerError as error:
            self.failed.emit(str(error))
            return False

    def push_or_raise(self, command: EditCommand) -> bool:
        """push(), for a dialog that shows a refusal itself: ReviewerError is raised."""
        changes = self.run(command.apply)
        if changes.is_empty():          # an undo step that undoes nothing would mislead
            self.notice.emit(command.unchanged())
            return False
        command.applied_once = True
        self.undo_stack.push(command)
        return True

    def run(self, step: Callable[[Transaction], Changes]) -> Changes:
        """One core transaction: `step` writes in it; then every view hears what changed."""
        with self.case.write() as tx:
            changes = step(tx)
        self.publish(changes)
        return changes

    def publish(self, changes: Changes) -> None:
        """The change signals a `Changes` calls for, each once."""
        if changes.touches("evidence"):
            self.evidenceChanged.emit()
        if changes.touches("label"):
            self.labelsChanged.emit()
        evidence_ids = {c.row.get("evidence_id", "") for c in changes.of("region")}
        if len(evidence_ids) == 1:
            self.regionsChanged.emit(evidence_ids.pop())
        elif evidence_ids:
            self.regionsChanged.emit("")
        # Incident rows show their tags' labels and crops, so region edits reach them too.
        if changes.touches("incident", "incident_region", "incident_evidence", "region",
                           "merge_conflict"):
            self.incidentsChanged.emit()
        if changes.touches("comparison"):
            self.comparisonsChanged.emit()
        if changes.touches("best_source"):
            self.bestSourcesChanged.emit()

    def close(self) -> None:
        self.undo_stack.clear()
        self.case.close()


class EditCommand(QUndoCommand):
    """One user action, saved at once. Subclasses implement apply(tx) and revert(tx):
    each writes in the one transaction it is given and returns the core's Changes.

    If undo or redo fails to save (the disk filled, the folder vanished), the
    failure is reported and the command is made obsolete, so the stack never
    claims a state the case does not have.
    """

    def __init__(self, session: CaseSession, text: str) -> None:
        super().__init__(text)
        self.session = session
        self.applied_once = False

    def apply(self, tx: Transaction) -> Changes:
        raise NotImplementedError

    def revert(self, tx: Transaction) -> Changes:
        raise NotImplementedError

    def unchanged(self) -> str:
        """Why an apply() that changed nothing changed nothing, in words."""
        return "Nothing to change"

    def redo(self) -> None:
        if self.applied_once:
            self.applied_once = False   # push() already applied it
            return
        self._guarded(self.apply)

    def undo(self) -> None:
        self._guarded(self.revert)

    def _guarded(self, step: Callable[[Transaction], Changes]) -> None:
        try:
            self.session.run(step)
        except ReviewerError as error:
            self.setObsolete(True)
            self.session.failed.emit(str(error))
