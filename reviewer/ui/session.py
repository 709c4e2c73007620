"""The open case as the window sees it: the case, its undo stack, and change signals.

Views never query each other: an edit goes through an undo command, which calls
the core and then tells the session what changed; every view listening refreshes
only what it shows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from reviewer.core.case import Case, open_case
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
            command.apply()
        except ReviewerError as error:
            self.failed.emit(str(error))
            return False
        unchanged = command.unchanged()
        if unchanged:                   # an undo step that undoes nothing would mislead
            self.notice.emit(unchanged)
            return False
        command.applied_once = True
        self.undo_stack.push(command)
        return True

    def close(self) -> None:
        self.undo_stack.clear()
        self.case.close()


class EditCommand(QUndoCommand):
    """An edit that is saved at once. Subclasses implement apply() and revert().

    If undo or redo fails to save (the disk filled, the folder vanished), the
    failure is reported and the command is made obsolete, so the stack never
    claims a state the case does not have.
    """

    def __init__(self, session: CaseSession, text: str) -> None:
        super().__init__(text)
        self.session = session
        self.applied_once = False

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def unchanged(self) -> str:
        """After apply(): why it changed nothing, in words; "" when it did change the case."""
        return ""

    def redo(self) -> None:
        if self.applied_once:
            self.applied_once = False   # push() already applied it
            return
        self._guarded(self.apply)

    def undo(self) -> None:
        self._guarded(self.revert)

    def _guarded(self, step) -> None:
        try:
            step()
        except ReviewerError as error:
            self.setObsolete(True)
            self.session.failed.emit(str(error))
