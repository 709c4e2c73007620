"""Face suggestions in the app: found on a worker, decided by a person in the viewer.

"Suggest faces" runs core.faces.suggest_faces on the image shown or on every item
selected in the browser, through the status bar's job runner (progress, Cancel). The
suggestions wait here, per item, and the viewer shows those of the item on screen as
dashed boxes with their score. Each is accepted (Enter or a double click: one undoable
edit making a redaction region), adjusted first (dragged, or resized by its corner) or
rejected (Delete: nothing is written). Nothing is redacted without that decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from reviewer.core import regions as region_ops
from reviewer.core.case import Transaction, open_case
from reviewer.core.changes import Changes
from reviewer.core.errors import ReviewerError
from reviewer.core.evidence import get_evidence
from reviewer.core.faces import FaceReport, FaceSuggestion, suggest_faces
from reviewer.core.faces_accept import accept_faces_in
from reviewer.core.progress import CancelFlag, ProgressCallback
from reviewer.ui.dialogs import ProblemsDialog
from reviewer.ui.job_runner import JobRunner
from reviewer.ui.session import CaseSession, EditCommand
from reviewer.ui.viewer import ImageView, SuggestionDisplay
from reviewer.ui.workers import Job
from reviewer.ui.workspace import CaseWorkspace


def _faces_job(case_path: Path, actor: str, evidence_ids: list[str], *,
               progress: ProgressCallback, cancel: CancelFlag) -> FaceReport:
    # The worker opens its own connection: SQLite connections stay in their thread.
    with open_case(case_path, actor=actor) as case:
        return suggest_faces(case, evidence_ids, progress=progress, cancel=cancel)


class AcceptFaces(EditCommand):
    """Suggestions (as the person left them) become redaction regions: one undo step.
    Undo removes the regions and shows the suggestions again, still to be decided."""

    def __init__(self, session: CaseSession, suggestions: dict[int, FaceSuggestion],
                 accepted: Callable[[dict[int, FaceSuggestion]], None],
                 undone: Callable[[dict[int, FaceSuggestion]], None]) -> None:
        count = len(suggestions)
        super().__init__(session, f"Accept {count} face suggestion{'' if count == 1 else 's'}")
        self.suggestions = suggestions
        self.regions: list[region_ops.Region] = []
        self._accepted, self._undone = accepted, undone

    def apply(self, tx: Transaction) -> Changes:
        if self.regions:          # redo: the very same regions back
            changes = Changes()
            for region in self.regions:
                changes |= region_ops.restore_region_in(tx, region, [])
            return changes
        changes = accept_faces_in(tx, self.suggestions.values())
        self.regions = [region_ops.get_region(tx, str(key))
                        for key in changes.ids("region", "added")]
        return changes

    def revert(self, tx: Transaction) -> Changes:
        return region_ops.delete_regions_in(tx, [region.id for region in self.regions])

    def redo(self) -> None:
        super().redo()
        if not self.isObsolete():
            self._accepted(self.suggestions)

    def undo(self) -> None:
        super().undo()
        if not self.isObsolete():
            self._undone(self.suggestions)


class FaceSuggestions(QObject):
    """The suggestions waiting for a decision, per item, and the viewer's part in them."""

    found = Signal(str, list)     # a one-line summary; the items that could not be looked at

    def __init__(self, session: CaseSession, viewer: ImageView, jobs: JobRunner,
                 current_id: Callable[[], str], chosen: Callable[[], list[str]]) -> None:
        super().__init__()
        self.session = session
        self.viewer = viewer
        self.jobs = jobs
        self.current_id = current_id
        self.chosen = chosen          # the items selected in the browser, else the one shown
        self.pending: dict[str, dict[int, FaceSuggestion]] = {}
        self._turn: dict[str, int] = {}      # each item's display rotation when looked at
        self._next_key = 0
        viewer.suggestionAccepted.connect(self.accept)
        viewer.suggestionRejected.connect(self.reject)

    # -- finding -----------------------------------------------------------------------

    def suggest(self, evidence_ids: list[str]) -> bool:
        """Look for faces on these items on a worker; False if another job is running."""
        if not evidence_ids:
            return False
        return self.jobs.run("Looking for faces",
                             Job(_faces_job, self.session.path, self.session.actor,
                                 list(evidence_ids)), self._found, self._failed)

    def suggest_chosen(self) -> bool:
        return self.suggest(self.chosen())

    def _found(self, report: FaceReport) -> None:
        for evidence_id in report.suggestions:
            self._turn[evidence_id] = self._rotation(evidence_id)
        for evidence_id, suggestions in report.suggestions.items():
            waiting = self.pending[evidence_id] = {}     # looked at anew: these replace
            for suggestion in suggestions:
                waiting[self._next_key] = suggestion
                self._next_key += 1
        self.show(self.current_id())
        if self.viewer.suggestions_shown() and self.viewer.isVisible():
            self.viewer.setFocus()     # Enter and Delete decide: they go to the viewer
        faces = len(report.all)
        items = len(report.suggestions)
        summary = (f"{faces} face{'' if faces == 1 else 's'} suggested on {items}"
                   f" item{'' if items == 1 else 's'}")
        summary += (": Enter or a double click accepts the highlighted one, Delete rejects"
                    " it, drag to adjust" if faces else "")
        if report.covered:
            summary += f" ({report.covered} already covered by redaction regions)"
        if report.cancelled:
            summary = f"Stopped: {summary}"
        self.found.emit(summary, [f"{subject}: {reason}" for subject, reason in report.errors])

    def _failed(self, message: str) -> None:
        self.found.emit(f"Looking for faces failed: {message}", [])

    # -- showing and deciding ------------------------------------------------------

    def show(self, evidence_id: str) -> None:
        """Show the suggestions waiting on the item now in the viewer."""
        if evidence_id in self.pending and self._rotation(evidence_id) != self._turn.get(
                evidence_id):
            # Turned since they were found: their boxes are for the old display.
            self.pending.pop(evidence_id)
        waiting = self.pending.get(evidence_id, {})
        self.viewer.show_suggestions([
            SuggestionDisplay(key, s.x, s.y, s.w, s.h, s.score) for key, s in waiting.items()])

    def _rotation(self, evidence_id: str) -> int:
        try:
            return get_evidence(self.session.case, evidence_id).display_rotation
        except ReviewerError:
            return 0

    def waiting(self, evidence_id: str) -> list[FaceSuggestion]:
        return list(self.pending.get(evidence_id, {}).values())

    def accept(self, shown: SuggestionDisplay) -> bool:
        """Accept one suggestion as the viewer shows it (adjusted or not)."""
        waiting = self.pending.get(self.current_id(), {})
        if shown.key not in waiting:
            return False
        adjusted = replace(waiting[shown.key], x=round(shown.x, 1), y=round(shown.y, 1),
                           w=round(shown.w, 1), h=round(shown.h, 1))
        return self._accept({shown.key: adjusted})

    def accept_all(self) -> bool:
        """Accept every suggestion on the item on screen, as shown: one undo step."""
        shown = {s.key: s for s in self.viewer.suggestions_shown()}
        waiting = self.pending.get(self.current_id(), {})
        chosen = {key: replace(s, x=shown[key].x, y=shown[key].y, w=shown[key].w,
                               h=shown[key].h) if key in shown else s
                  for key, s in waiting.items()}
        return bool(chosen) and self._accept(chosen)

    def _accept(self, chosen: dict[int, FaceSuggestion]) -> bool:
        return self.session.push(AcceptFaces(self.session, chosen, self._decided,
                                             self._undecided))

    def reject(self, key: int) -> None:
        """Drop a suggestion: nothing is written (a rejection is no edit of the case)."""
        waiting = self.pending.get(self.current_id(), {})
        if key in waiting:
            self._decided({key: waiting[key]})

    def reject_all(self) -> None:
        self._decided(dict(self.pending.get(self.current_id(), {})))

    def _decided(self, suggestions: dict[int, FaceSuggestion]) -> None:
        for key, suggestion in suggestions.items():
            self.pending.get(suggestion.evidence_id, {}).pop(key, None)
            if suggestion.evidence_id == self.current_id():
                self.viewer.remove_suggestion(key)

    def _undecided(self, suggestions: dict[int, FaceSuggestion]) -> None:
        for key, suggestion in suggestions.items():
            self.pending.setdefault(suggestion.evidence_id, {})[key] = suggestion
        self.show(self.current_id())


def face_actions(window: QMainWindow, faces: Callable[[], FaceSuggestions | None]
                 ) -> list[QAction]:
    """The menu's actions (View): suggest faces; accept or reject all on this image."""
    def run(method: str) -> None:
        controller = faces()
        if controller is not None:
            getattr(controller, method)()

    made = []
    for text, method, key in (
            ("Suggest &faces to redact", "suggest_chosen", "Ctrl+Shift+F"),
            ("Accept all face suggestions on this image", "accept_all", "Ctrl+Shift+Return"),
            ("Reject all face suggestions on this image", "reject_all", None)):
        action = QAction(text, window)
        if key:
            action.setShortcut(key)
        action.triggered.connect(lambda _=False, method=method: run(method))
        made.append(action)
    made[0].setToolTip("Look for faces on the image shown, or on every item selected in"
                       " Evidence; you then accept, adjust or reject each")
    return made


def attach_face_suggestions(window: QMainWindow, workspace: CaseWorkspace,
                            session: CaseSession, jobs: JobRunner) -> FaceSuggestions:
    """Face suggestions for the case just opened: shown with the item on screen, their
    summary in the status bar, the items that could not be looked at in a list."""
    faces = FaceSuggestions(session, workspace.viewer, jobs, lambda: workspace.current_id,
                            lambda: workspace.selection()[1])
    workspace.currentChanged.connect(faces.show)

    def report(summary: str, problems: list[str]) -> None:
        window.statusBar().showMessage(summary, 20000)
        if problems:
            ProblemsDialog("Face suggestions", problems, window,
                           heading=f"{len(problems)} item(s) could not be looked at:").open()

    faces.found.connect(report)
    return faces
