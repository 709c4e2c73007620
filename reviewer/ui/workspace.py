"""Everything shown for one open case, and the wiring between its parts.

The browser picks the current item; the viewer shows it and reports what the user
drew or moved; edits become undo commands on the session; the session's change
signals refresh the views. No part reaches into another's widgets.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QMenu,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer.core import similar
from reviewer.core.case import open_case
from reviewer.core.comparisons import find_comparison
from reviewer.core.errors import ReviewerError
from reviewer.core.evidence import Evidence, EvidenceFilter, get_evidence, media_path
from reviewer.core.frames import keep_frame, telemetry_for
from reviewer.core.incidents import list_incidents
from reviewer.core.labels import list_labels
from reviewer.core.progress import CancelFlag, ProgressCallback
from reviewer.core.provenance import graphic_item
from reviewer.core.regions import get_region, list_regions
from reviewer.ui.browser import EvidenceBrowser
from reviewer.ui.compare.compare_window import CompareWindow
from reviewer.ui.compare.comparisons_panel import ComparisonsPanel
from reviewer.ui.compare.edits import AddComparison
from reviewer.ui.damage_bar import DamageBar
from reviewer.ui.edits import (
    AddRegion,
    DeleteRegions,
    EditRegion,
    MarkReviewed,
    RelabelRegions,
    RotateDisplay,
    SetRedaction,
    SetRedactionMethod,
    region_values,
)
from reviewer.ui.evidence_model import EvidenceModel
from reviewer.ui.graphic import GraphicBar
from reviewer.ui.incident_page import IncidentPage
from reviewer.ui.incidents_panel import IncidentsPanel
from reviewer.ui.label_picker import LabelPicker
from reviewer.ui.metadata_panel import MetadataPanel
from reviewer.ui.regions_panel import RegionsPanel
from reviewer.ui.session import CaseSession
from reviewer.ui.similar_panel import DuplicatesView, SimilarPanel
from reviewer.ui.thumbnails import ThumbnailCache
from reviewer.ui.video_view import VideoView
from reviewer.ui.viewer import ImageView, RegionDisplay
from reviewer.ui.viewer.drawing import REDACT_TOOL
from reviewer.ui.workers import Job, Jobs


def before_after(rows: list[Evidence]) -> tuple[Evidence, Evidence]:
    """Two items in before/after order: by capture time where both have one, else as given."""
    first, second = rows
    if first.taken_at and second.taken_at and second.taken_at < first.taken_at:
        return second, first
    return first, second


def _keep_frame_job(case_path: Path, actor: str, video_id: str, index: int, *,
                    progress: ProgressCallback, cancel: CancelFlag) -> Evidence:
    with open_case(case_path, actor=actor) as case:
        return keep_frame(case, video_id, index)


class CaseWorkspace(QObject):
    currentChanged = Signal(str)     # evidence id shown in the viewer
    frameKept = Signal(str)          # a video frame became an evidence item

    def __init__(self, session: CaseSession) -> None:
        super().__init__()
        self.session = session
        # The viewer's last displays by region id, reused while a region is unchanged.
        self._displayed: dict[str, RegionDisplay] = {}
        self.thumbnails = ThumbnailCache(session.path)
        self.model = EvidenceModel(session, self.thumbnails)
        self.browser = EvidenceBrowser(self.model)
        self.viewer = ImageView()
        self.labels = LabelPicker(session)
        self.regions = RegionsPanel(session)
        self.metadata = MetadataPanel(session)
        self.incidents = IncidentsPanel(session, self.selection)
        self.incident_page = IncidentPage(session)
        # The left column: the evidence, or the incident being read (its crops open
        # the image in the viewer beside it).
        self.left = QTabWidget()
        self.left.addTab(self.browser, "Evidence")
        self.left.addTab(self.incident_page, "Incident")
        self.comparisons = ComparisonsPanel(session)
        self.left.addTab(self.comparisons, "Comparisons")
        self.similar = SimilarPanel(session, self.thumbnails)
        self.compare_windows: dict[str, CompareWindow] = {}
        self.video = VideoView()
        self.center = QStackedWidget()
        self.center.addWidget(self.viewer)
        self.center.addWidget(self.video)
        # A damaged item says so above its image or video, whichever shows it.
        self.damage_bar = DamageBar()
        centre_box = QWidget()
        centre_layout = QVBoxLayout(centre_box)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.damage_bar)
        self.graphic_bar = GraphicBar(self.model.graphic, self.center)
        centre_layout.addWidget(self.graphic_bar)
        centre_layout.addWidget(self.center, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(centre_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([380, 620])      # two columns of thumbnails at 1600 px
        # A panel dragged to nothing could not be found again: the View menu lists docks.
        self.splitter.setChildrenCollapsible(False)
        self.current_id = ""
        self._jobs = Jobs()
        # Regions selected by a click (viewer or list), not merely left selected after
        # drawing: only these do the number keys relabel.
        self.chosen_on_purpose = False
        self._video_frames: dict[str, int] = {}     # video id -> the frame last shown
        self._shown_rotation = 0
        self._keeping: Job | None = None
        self.duplicates = DuplicatesView(session, self.thumbnails, self._jobs)
        self.left.addTab(self.duplicates, "Duplicates")
        self._connect()
        # The hashes are read once, off the UI thread, so the Similar items panel answers
        # at once even on a large case (the first item is shown before they are in).
        self._warming = self._jobs.run(Job(similar.warm_up, session.path),
                                       self.similar.hashes_ready, self.similar.hashes_ready)
        self.show_evidence(self.browser.current_id())

    def _connect(self) -> None:
        session = self.session
        # An item (or a label) just flagged graphic, or no longer, is blurred or shown at once.
        for signal in (session.evidenceChanged, session.labelsChanged):
            signal.connect(lambda: self.graphic_bar.show_item(
                self.current_id,
                self.current_id and graphic_item(session.case, self.current_id)))
        # Several items selected: the provenance form edits them together (bulk edit).
        self.browser.view.selectionModel().selectionChanged.connect(
            lambda *_: self.metadata.provenance.show_items(self.selection()[1]))
        self.browser.currentChanged.connect(self.show_evidence)
        # Enter or Escape in the filter box hands the keys (1-9, R, P, Page Down) back.
        search = self.browser.filters.text
        search.returnPressed.connect(self._focus_centre)
        search.installEventFilter(self)
        self.video.keepRequested.connect(self.keep_frame)
        self.viewer.regionDrawn.connect(self._drawn)
        self.viewer.regionChanged.connect(self._moved)
        self.viewer.selectionChanged.connect(self.regions.select)
        self.viewer.selectionChanged.connect(self._chosen)
        self.regions.selectionChanged.connect(self._chosen)
        self.viewer.deleteRequested.connect(self.delete_regions)
        self.regions.selectionChanged.connect(self.viewer.select_regions)
        session.regionsChanged.connect(self._regions_changed)
        session.evidenceChanged.connect(self._turned_maybe)
        session.labelsChanged.connect(lambda: self._regions_changed(self.current_id))
        session.incidentsChanged.connect(self.browser.filters.set_choices_later)
        session.labelsChanged.connect(self.browser.filters.set_choices_later)
        self.incidents.openIncident.connect(self.show_incident)
        self.incident_page.openRegion.connect(self.open_region)
        self.incident_page.settleRequested.connect(self.incidents.settle_conflict)
        self.comparisons.openComparison.connect(self.open_comparison)
        self.similar.openItem.connect(self.go_to)
        self.duplicates.openItem.connect(self.go_to)
        for widget, source in ((self.regions.table, self._selected_regions),
                               (self.viewer, self._selected_regions),
                               (self.browser.view, self._selected_items)):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda at, w=widget, s=source: self._context_menu(w, at, *s()))

    def _selected_regions(self) -> tuple[list[str], list[str]]:
        return self.regions.selected_ids(), []

    def _selected_items(self) -> tuple[list[str], list[str]]:
        return [], self.browser.selected_ids()

    def _context_menu(self, widget: QWidget, at: QPoint, region_ids: list[str],
                      evidence_ids: list[str]) -> None:
        """Attach what is selected to an incident, or start a new one from it."""
        if not region_ids and not evidence_ids:
            return
        what = (f"{len(region_ids)} region(s)" if region_ids
                else f"{len(evidence_ids)} item(s)")
        menu = QMenu(widget)
        attach = menu.addMenu(f"Attach {what} to incident")
        for row in list_incidents(self.session.case):
            attach.addAction(row.title, lambda incident_id=row.id: self.incidents.attach(
                incident_id, region_ids, evidence_ids))
        attach.setEnabled(not attach.isEmpty())
        menu.addAction(f"New incident with {what}…",
                       lambda: self.incidents.new_incident(region_ids, evidence_ids))
        if len(evidence_ids) == 2 and not region_ids:
            menu.addSeparator()
            menu.addAction("Compare these two (before / after)…",
                           lambda: self.compare(evidence_ids))
        if region_ids:
            menu.addSeparator()
            menu.addAction(f"Delete {what}", lambda: self.delete_regions(region_ids))
        if len(region_ids) == 1 and self.regions.model.conflict_of(region_ids[0]) is not None:
            menu.addSeparator()
            menu.addAction("⚠ Settle merge conflict…",
                           lambda: self.regions.settle_conflict(region_ids[0]))
        menu.popup(widget.mapToGlobal(at))

    # -- what the user has chosen ------------------------------------------
    def selection(self, explicit_only: bool = False) -> tuple[list[str], list[str]]:
        """(selected regions, selected items): what "attach" and "new incident" take.

        With no item selected, the item on screen counts, unless `explicit_only`.
        """
        regions = self.regions.selected_ids()
        items = self.browser.selected_ids()
        if not items and self.current_id and not explicit_only:
            items = [self.current_id]
        return regions, items

    # -- showing -----------------------------------------------------------
    def _focus_centre(self) -> None:
        self.center.currentWidget().setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Escape in the filter box: the keys go back to the viewer (the filter stays)."""
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape):
            self._focus_centre()
            return True
        return super().eventFilter(watched, event)

    def _nothing_shown(self) -> str:
        """Why the viewer is empty, and what to do about it."""
        if self.model.rowCount():
            return "No item selected: click one in Evidence"
        if self.model.filter != EvidenceFilter():
            return "No item matches the filter: change or clear it in Evidence"
        return ("This case has no items yet: File ▸ Import files or Import folder, or drop"
                " photos and videos on the window")

    def set_blur_graphic(self, blur: bool) -> None:
        """Blur graphic items until revealed (the View menu's setting), or never."""
        self.model.graphic.set_blur(blur)
        self.graphic_bar.show_item(self.current_id, self.current_id
                                   and graphic_item(self.session.case, self.current_id))

    def go_to(self, evidence_id: str) -> None:
        """Make an item current in the browser (clearing a filter that hides it)."""
        if not self.browser.select(evidence_id):
            self.browser.filters.reset()
            self.browser.select(evidence_id)

    def show_evidence(self, evidence_id: str) -> None:
        if self.current_id and self.center.currentWidget() is self.video:
            # Back on this video later, the user finds the frame they were studying.
            self._video_frames[self.current_id] = self.video.slider.value()
        self.current_id = evidence_id
        self.chosen_on_purpose = False
        self.regions.show_evidence(evidence_id)
        self.metadata.show_evidence(evidence_id)
        self.metadata.provenance.show_items(self.selection()[1] if evidence_id else [])
        self.similar.show_evidence(evidence_id)
        self.video.stop()
        self.damage_bar.show_item(None)
        self.graphic_bar.show_item("", False)
        if not evidence_id:
            self.center.setCurrentWidget(self.viewer)
            self.viewer.set_image(None, 0, 0, self._nothing_shown())
            self.viewer.set_regions([])
        else:
            row = get_evidence(self.session.case, evidence_id)
            self.damage_bar.show_item(row)
            self.graphic_bar.show_item(evidence_id, graphic_item(self.session.case, evidence_id))
            path = media_path(self.session.case, row)
            error = None if path.exists() else f"The original is missing: {path}"
            if row.kind == "video":
                if not error and row.damaged and not row.frame_count:
                    error = "No frame of this video decodes (see why above)."
                self.center.setCurrentWidget(self.video)
                self._shown_rotation = row.display_rotation
                self.video.set_video(path, row.frame_count or 0, row.fps or 0,
                                     telemetry_for(self.session.case, evidence_id), error,
                                     start=self._video_frames.get(evidence_id, 0),
                                     rotation=self._shown_rotation)
                self.video.setFocus()
            else:
                self.center.setCurrentWidget(self.viewer)
                self._shown_rotation = row.display_rotation
                self.viewer.set_image(path, row.width or 0, row.height or 0, error,
                                      self._shown_rotation)
                self.viewer.set_regions(self._displays(evidence_id))
        self.currentChanged.emit(evidence_id)

    def _displays(self, evidence_id: str) -> list[RegionDisplay]:
        # The regions panel has usually just read this image's regions: reuse them
        # (an image can carry a thousand, and reading them is most of an edit's cost).
        panel = self.regions.model
        regions = (panel.regions if panel.evidence_id == evidence_id
                   else list_regions(self.session.case, evidence_id))
        colours = panel.colours or {label.id: label.colour
                                    for label in list_labels(self.session.case)}
        conflicts = panel.conflicts if panel.evidence_id == evidence_id else {}
        # A display checks its shape when made: for a thousand regions that is most of the
        # cost, so one whose every value is the same as last time is handed over again.
        before, self._displayed = self._displayed, {}
        for r in regions:
            values = (r.shape, r.geometry, (f"⚠ {r.label}" if r.id in conflicts else r.label)
                      + (" · redact" if r.redact else ""),
                      colours.get(r.label_id, "#ff0000"), r.redact)
            kept = before.get(r.id)
            self._displayed[r.id] = kept if kept is not None and (
                kept.shape, kept.geometry, kept.label, kept.colour, kept.redact) == values \
                else RegionDisplay(r.id, *values)
        return list(self._displayed.values())

    def _turned_maybe(self) -> None:
        """The item on screen was turned (or turned back): show it anew, turned."""
        if not self.current_id or self.center.currentWidget() not in (self.viewer,
                                                                       self.video):
            return
        try:
            rotation = get_evidence(self.session.case, self.current_id).display_rotation
        except ReviewerError:
            return
        if (rotation or 0) != self._shown_rotation:
            self.show_evidence(self.current_id)

    def rotate(self, degrees: int) -> None:
        """Turn the image or video on screen by `degrees` clockwise (an undoable step)."""
        if not self.current_id or self.center.currentWidget() not in (self.viewer,
                                                                       self.video):
            self.session.failed.emit("Rotate turns an image or a video: choose one first")
            return
        if self.session.push(RotateDisplay(self.session, self.current_id, degrees)):
            self.session.notice.emit("Display turned; the original file is unchanged"
                                     " (Ctrl+Z turns it back)")

    def _regions_changed(self, evidence_id: str) -> None:
        if evidence_id in (self.current_id, ""):
            selected = self.viewer.selected_ids()
            displays = self._displays(self.current_id)
            # set_regions rebuilds only the regions that changed: cheap with 1,000 of them.
            self.viewer.set_regions(displays)
            present = {display.id for display in displays}
            self.viewer.select_regions([r for r in selected if r in present])

    def show_incident(self, incident_id: str) -> None:
        self.incident_page.show_incident(incident_id)
        self.left.setCurrentWidget(self.incident_page)

    def open_region(self, evidence_id: str, region_id: str) -> None:
        if not self.browser.select(evidence_id):
            self.browser.filters.reset()
            self.browser.select(evidence_id)
        if self.current_id != evidence_id:
            self.show_evidence(evidence_id)
        if region_id:
            self.viewer.select_regions([region_id])
            self.regions.select([region_id])
            self.viewer.center_on_region(region_id)

    # -- edits from the viewer ---------------------------------------------
    def _drawn(self, shape: str, geometry: dict) -> None:
        label_id = self.labels.current_id()
        if not self.current_id or not label_id:
            self.viewer.set_regions(self._displays(self.current_id))
            return
        # The Redact tool's boxes are covered in public exports whatever the label.
        redact = True if self.viewer.tool() == REDACT_TOOL else None
        command = AddRegion(self.session, self.current_id, label_id, shape, geometry,
                            redact=redact)
        if not self.session.push(command):
            self.viewer.set_regions(self._displays(self.current_id))
        elif command.region:
            self.viewer.select_regions([command.region.id])
            self.regions.select([command.region.id])
            self.chosen_on_purpose = False

    def _moved(self, region_id: str, geometry: dict) -> None:
        region = get_region(self.session.case, region_id)
        command = EditRegion(self.session, region_id, region_values(region, ["geometry"]),
                             {"geometry": geometry}, "Move region")
        if not self.session.push(command):
            self.viewer.set_regions(self._displays(self.current_id))

    def delete_regions(self, region_ids: list[str]) -> bool:
        """Whether they were deleted (one undo step)."""
        return bool(region_ids) and bool(
            self.session.push(DeleteRegions(self.session, list(region_ids))))

    def _chosen(self, region_ids: list[str]) -> None:
        self.chosen_on_purpose = bool(region_ids)

    def label_key(self, key: str) -> str:
        """A number key: the label for the next shape, or for the shapes picked on purpose.

        Returns what the key did, for the status bar (empty: no label has that key)."""
        if not self.labels.choose_shortcut(key):
            return ""
        label = self.labels.current()
        name = label.name if label else ""
        selected = self.regions.selected_ids()
        if self.chosen_on_purpose and selected:
            self.relabel_selected(self.labels.current_id())
            return f"Relabelled {len(selected)} selected region(s) as “{name}” (Ctrl+Z undoes)"
        return (f"Label for the next shape: “{name}” (to relabel a shape, click it with the"
                " Select tool first)")

    def toggle_redaction(self) -> str:
        """Mark the selected regions redact, or unmark them if all are: one undo step.
        Returns what happened, for the status bar."""
        selected = self.regions.selected_ids()
        if not selected:
            return "Select regions first (Select tool, click; Shift+click for more)"
        regions = [get_region(self.session.case, region_id) for region_id in selected]
        redact = not all(region.redact for region in regions)
        if not self.session.push(SetRedaction(self.session, regions, redact)):
            return ""
        return (f"{len(regions)} region(s) marked for redaction: covered in public exports"
                if redact else f"{len(regions)} region(s) no longer redacted")

    def set_redaction_method(self, method: str) -> str:
        """Cover the selected regions this way (marking them redact): one undo step."""
        regions = [get_region(self.session.case, region_id)
                   for region_id in self.regions.selected_ids()]
        regions = [region for region in regions if not region.shape_value.is_marker]
        if not regions:
            return "Select regions first (Select tool, click; Shift+click for more)"
        if not self.session.push(SetRedactionMethod(self.session, regions, method)):
            return ""
        return f"{len(regions)} region(s) redacted by {method} in public exports"

    def mark_reviewed(self) -> str:
        """The selected items need nothing (more) covered: one undo step."""
        ids = self.browser.selected_ids()
        if not ids or not self.session.push(MarkReviewed(self.session, ids)):
            return ""
        return (f"{len(ids)} item(s) marked reviewed for redaction: a public export takes"
                " them without asking")

    def relabel_selected(self, label_id: str) -> None:
        regions = [get_region(self.session.case, region_id)
                   for region_id in self.regions.selected_ids()]
        if any(region.label_id != label_id for region in regions):
            self.session.push(RelabelRegions(self.session, regions, label_id))

    # -- comparisons -------------------------------------------------------------------
    def compare(self, evidence_ids: list[str] | None = None) -> CompareWindow | None:
        """Compare two selected images (the earlier one taken as before) in a new window."""
        ids = evidence_ids if evidence_ids is not None else self.browser.selected_ids()
        if len(ids) != 2:
            self.session.failed.emit(f"Compare needs two images selected ({len(ids)} are):"
                                     " Ctrl+click a second one in Evidence")
            return None
        rows = [get_evidence(self.session.case, evidence_id) for evidence_id in ids]
        before, after = before_after(rows)
        # The pair compared before: its window, alignment and note, not a blank duplicate.
        saved = find_comparison(self.session.case, before.id, after.id)
        if saved is not None:
            self.session.notice.emit("These two were compared before: opened that comparison"
                                     " (the Comparisons tab lists every one)")
            self.left.setCurrentWidget(self.comparisons)
            return self.open_comparison(saved.id)
        command = AddComparison(self.session, before.id, after.id)
        if not self.session.push(command) or command.comparison is None:
            return None
        self.left.setCurrentWidget(self.comparisons)
        return self.open_comparison(command.comparison.id)

    def open_comparison(self, comparison_id: str) -> CompareWindow | None:
        window = self.compare_windows.get(comparison_id)
        if window is None:
            try:
                window = CompareWindow(self.session, comparison_id)
            except ReviewerError as error:
                self.session.failed.emit(str(error))
                return None
            window.closed.connect(lambda cid: self.compare_windows.pop(cid, None))
            self.compare_windows[comparison_id] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def keep_frame(self, index: int) -> None:
        """Add the frame on screen to the case (off the UI thread), then open it to tag."""
        if self._keeping is not None or not self.current_id:
            return
        self._keeping = self._jobs.run(
            Job(_keep_frame_job, self.session.path, self.session.actor, self.current_id, index),
            self._frame_kept, self._keep_failed)

    def _frame_kept(self, row: dict) -> None:
        self._keeping = None
        self.session.evidenceChanged.emit()
        if not self.browser.select(row.id):
            self.browser.filters.reset()      # a filter hid the new frame: show everything
            self.browser.select(row.id)
        self.frameKept.emit(row.id)

    def _keep_failed(self, message: str) -> None:
        self._keeping = None
        self.session.failed.emit(message)

    def shutdown(self) -> None:
        for window in list(self.compare_windows.values()):
            window.close()
        self.video.stop()
        if self._keeping is not None:
            self._keeping.done.wait(30)
        self.thumbnails.shutdown()
        self.incident_page.shutdown()
        self.duplicates.shutdown()
        self.similar.shutdown()
        self._warming.done.wait(30)
