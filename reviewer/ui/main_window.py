"""The main window: menus, toolbar and docks around the open case's workspace."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from reviewer import __version__
from reviewer.core import keys
from reviewer.core.case import create_case
from reviewer.core.errors import ReviewerError
from reviewer.core.frames import FrameReport
from reviewer.core.importer import ImportReport
from reviewer.ui.dialogs import LabelsDialog, ProblemsDialog, SettingsDialog
from reviewer.ui.face_suggestions import FaceSuggestions, attach_face_suggestions
from reviewer.ui.file_choice import dropped_path
from reviewer.ui.frames_dialog import FramesDialog
from reviewer.ui.help import (
    OTHER_KEYS,
    GuideWindow,
    ShortcutSheet,
    guide_path,
    menu_shortcuts,
)
from reviewer.ui.job_runner import JobBar, JobRunner
from reviewer.ui.key_dialog import KeyDialog, unlock_key
from reviewer.ui.map.docks import add_geo_docks, choose_basemap
from reviewer.ui.map.panes import GeoPanes
from reviewer.ui.qt_logging import quiet_image_decoders
from reviewer.ui.session import CaseSession
from reviewer.ui.settings import AppSettings
from reviewer.ui.share.share_actions import PACKAGE_FILTER, ShareActions
from reviewer.ui.window_fit import media_file_filter, resize_to_fit
from reviewer.ui.window_menus import build_menus
from reviewer.ui.workspace import CaseWorkspace


class WelcomePage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        text = QLabel(
            "<h2>Evidence Reviewer</h2><p>Open a case (File ▸ Open case…) or make a new one"
            " (File ▸ New case…).</p><p>To try the app, make the demo case from a terminal:"
            " <code>reviewer demo DIR</code>, then open <code>DIR/demo.case</code>.</p>")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)


class MainWindow(QMainWindow):
    def __init__(self, settings: AppSettings | None = None) -> None:
        super().__init__()
        quiet_image_decoders()
        self.settings = settings or AppSettings()
        self.session: CaseSession | None = None
        self.workspace: CaseWorkspace | None = None
        self.geo: GeoPanes | None = None
        self.basemap = None          # the MBTiles file opened, kept across cases
        self.faces: FaceSuggestions | None = None
        self.key_dialog: KeyDialog | None = None
        self.docks: list[QDockWidget] = []
        self.job_bar = JobBar()
        self.statusBar().addPermanentWidget(self.job_bar)
        self.jobs = JobRunner(self.job_bar)
        self.jobs.finished.connect(self._import_finished)
        self.jobs.failed.connect(self._import_failed)
        self.share = ShareActions(self, self.jobs, lambda: self.session, self._error,
                                  self.settings)
        self.share.caseUnpacked.connect(self.open_case)
        self.setAcceptDrops(True)
        self.help_dialog: QDialog | None = None
        build_menus(self)
        self._show_no_case()
        resize_to_fit(self, 1440, 900)
        geometry, _state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)

    def show_shortcuts(self) -> ShortcutSheet:
        menus = [action.menu() for action in self.menuBar().actions() if action.menu()]
        self.help_dialog = ShortcutSheet(
            menu_shortcuts(menus, self.tool_group.actions()) + list(OTHER_KEYS), self)
        self.help_dialog.show()
        return self.help_dialog

    def show_guide(self) -> GuideWindow:
        self.help_dialog = GuideWindow(guide_path(), self)
        self.help_dialog.show()
        return self.help_dialog

    def show_about(self) -> None:
        QMessageBox.about(self, "About Evidence Reviewer",
                          f"Evidence Reviewer {__version__}\nReview, tag and share photo and"
                          " video evidence. Originals are never changed; every change is"
                          " recorded in a tamper-evident audit log.")

    # -- the case ------------------------------------------------------------
    def open_case(self, path: str | Path) -> bool:
        """Open a case; on failure say why and keep whatever was open before.

        A package (.zip) is offered to be verified and unpacked as a new case instead."""
        if str(path).lower().endswith(".zip"):
            self.share.offer_unpack(Path(path))
            return False
        if keys.has_identity() and keys.key_is_encrypted():
            unlock_key(self)     # declined: the case opens, a change then says why it failed
        try:
            session = CaseSession.open(path, self.settings.investigator, self)
        except ReviewerError as error:
            self._error("Cannot open the case", str(error))
            return False
        self.close_case()
        self.session = session
        session.failed.connect(lambda message: self._error("Change not saved", message))
        session.notice.connect(lambda message: self.statusBar().showMessage(message, 8000))
        self.workspace = CaseWorkspace(session)
        self.workspace.set_blur_graphic(self.settings.blur_graphic)
        self.geo = GeoPanes(session, self.workspace.browser, self)
        # A lasso on the map narrows Evidence to its area (the filter bar's button clears it).
        filters = self.workspace.browser.filters
        self.geo.areaChosen.connect(
            lambda south, west, north, east: filters.set_area((west, south, east, north)))
        self.geo.set_basemap(self.basemap)
        self.faces = attach_face_suggestions(self, self.workspace, session, self.jobs)
        self.setCentralWidget(self.workspace.splitter)
        self._build_docks(self.workspace)
        # Restored once the new docks have been laid out: restored into docks never shown,
        # Qt gave them 70 px of the viewer's width each time the case was reopened.
        QTimer.singleShot(0, lambda workspace=self.workspace: self._restore_layout(workspace))
        self.label_action.setVisible(False)
        self.label_action = self.toolbar.addWidget(self.workspace.labels)
        self._bind_undo(session)
        self.workspace.browser.select(self.settings.last_item(session.path))
        self.workspace.currentChanged.connect(self._remember_place)
        self.settings.add_recent(session.path)
        self._set_case_actions(True)
        self.setWindowTitle(f"{session.case.title} — Evidence Reviewer ({session.path})")
        self.statusBar().showMessage(f"Opened {session.path}", 5000)
        self._first_run_key()
        return True

    def _first_run_key(self) -> None:
        """Once a run, while the investigator's key has no name of their choosing (none
        yet, or made under the OS login by a script): name it, and protect it, without
        waiting."""
        if not keys.needs_a_name() or self.key_dialog is not None:
            return
        self.key_dialog = KeyDialog(self.settings.investigator, self)
        self.key_dialog.accepted.connect(lambda: self._key_named(self.key_dialog))
        self.key_dialog.open()

    def name_key_first(self) -> bool:
        """Before the app begins a case: its first records are signed, and records signed
        under the OS login can never travel in a package of some incidents (found by a
        new-user walk: New case made the key under the login and the first-run question
        never came). False if the user closed the question."""
        if not keys.needs_a_name():
            return True
        dialog = KeyDialog(self.settings.investigator, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self._key_named(dialog)
        return True

    def _key_named(self, dialog: KeyDialog | None) -> None:
        if dialog is not None and dialog.identity is not None:
            self.settings.investigator = dialog.identity.name
            if self.session is not None:
                self.session.set_actor(self.settings.investigator)
            self.statusBar().showMessage(
                f"Your key: {dialog.identity.name} ({dialog.identity.fingerprint})", 10000)
    def _restore_layout(self, workspace: CaseWorkspace) -> None:
        if self.workspace is not workspace:
            return                          # closed (or another case opened) meanwhile
        _geometry, state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.splitter_state()
        if splitter is not None:
            workspace.splitter.restoreState(splitter)

    def _remember_place(self, evidence_id: str) -> None:
        if self.session is not None:
            self.settings.set_last_item(self.session.path, evidence_id)

    def close_case(self) -> None:
        if self.session is None:
            return
        if self.jobs.busy:
            self.jobs.cancel()
            self.jobs.wait()
        for dock in self.docks:
            self.removeDockWidget(dock)
            dock.deleteLater()
        self.docks.clear()
        if self.geo is not None:
            self.geo.shutdown()
            self.geo = None
        if self.workspace is not None:
            self.workspace.shutdown()
        self.session.close()
        self.session = None
        self.workspace = None
        self.faces = None
        self._show_no_case()

    def _show_no_case(self) -> None:
        self.setCentralWidget(WelcomePage())
        self.setWindowTitle("Evidence Reviewer")
        self._set_case_actions(False)

    def _set_case_actions(self, enabled: bool) -> None:
        for action in self.case_actions + self.view_actions + self.tool_group.actions():
            action.setEnabled(enabled)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)

    def _build_docks(self, workspace: CaseWorkspace) -> None:
        self.docks_menu.clear()
        right = Qt.DockWidgetArea.RightDockWidgetArea
        for title, widget in (("Regions", workspace.regions), ("Metadata", workspace.metadata),
                              ("Incidents", workspace.incidents),
                              ("Similar items", workspace.similar)):
            dock = QDockWidget(title, self)
            dock.setObjectName(title)
            dock.setWidget(widget)
            self.addDockWidget(right, dock)
            self.docks.append(dock)
            self.docks_menu.addAction(dock.toggleViewAction())
        regions, metadata, incidents, similar_items = self.docks
        # On the right: what is on this image (and its metadata), over what it is evidence of.
        self.splitDockWidget(regions, incidents, Qt.Orientation.Vertical)
        self.tabifyDockWidget(regions, metadata)
        self.tabifyDockWidget(regions, similar_items)
        regions.raise_()
        if self.geo is not None:
            self.docks += add_geo_docks(self, self.geo, self.docks_menu)
        # A third of the window, so a laptop screen keeps most of its width for the image.
        self.resizeDocks([regions], [min(540, self.width() * 36 // 100)],
                         Qt.Orientation.Horizontal)
        # Incidents get nearly half the height: on a laptop a fifth showed two of them.
        self.resizeDocks([regions, incidents],
                         [self.height() * 50 // 100, self.height() * 40 // 100],
                         Qt.Orientation.Vertical)

    def open_basemap_dialog(self) -> None:
        basemap = choose_basemap(self, self.settings.last_folder())
        if basemap is not None:
            previous, self.basemap = self.basemap, basemap
            if self.geo is not None:
                self.geo.set_basemap(basemap)
                self._raise_dock("Map")
            if previous is not None:
                previous.close()
            self.statusBar().showMessage(f"Basemap: {basemap.name}, read offline", 8000)

    def _raise_dock(self, title: str) -> None:
        for dock in self.docks:
            if dock.windowTitle() == title:
                dock.show()
                dock.raise_()

    def _bind_undo(self, session: CaseSession) -> None:
        stack = session.undo_stack
        for action, method, can in ((self.undo_action, self._undo, stack.canUndoChanged),
                                    (self.redo_action, self._redo, stack.canRedoChanged)):
            action.triggered.disconnect()
            action.triggered.connect(method)
            can.connect(action.setEnabled)
        # Bound methods, not lambdas holding the actions: Qt drops these connections when
        # the window goes, so a stack cleared later never reaches a deleted action.
        stack.undoTextChanged.connect(self._undo_text)
        stack.redoTextChanged.connect(self._redo_text)

    # The change undone may be on another item, out of sight: the status bar says what.
    def _undo(self) -> None:
        if self.session is not None and self.session.undo_stack.canUndo():
            what = self.session.undo_stack.undoText()
            self.session.undo_stack.undo()
            self.statusBar().showMessage(f"Undone: {what} (Ctrl+Shift+Z redoes it)", 8000)

    def _redo(self) -> None:
        if self.session is not None and self.session.undo_stack.canRedo():
            what = self.session.undo_stack.redoText()
            self.session.undo_stack.redo()
            self.statusBar().showMessage(f"Redone: {what}", 8000)

    def _undo_text(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}".strip())

    def _redo_text(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}".strip())

    # -- tagging ---------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if self.workspace is not None:
            self.workspace.viewer.set_tool(tool)
        for action in self.tool_group.actions():
            action.setChecked(action.data() == tool)

    def choose_label_by_key(self, key: str) -> None:
        if self.workspace is None:
            return
        message = self.workspace.label_key(key)
        self.statusBar().showMessage(message or f"No label has the key {key} (Edit ▸ Label"
                                     " vocabulary gives one)", 8000)

    def compare_selected(self) -> None:
        if self.workspace is not None:
            self.workspace.compare()

    def run_in_viewer(self, method: str) -> None:
        if self.workspace is not None:
            getattr(self.workspace.viewer, method)()

    def zoom_by(self, factor: float) -> None:
        if self.workspace is not None and self.workspace.center.currentWidget() \
                is self.workspace.viewer:
            self.workspace.viewer.zoom_by(factor)

    def rotate_display(self, degrees: int) -> None:
        if self.workspace is not None:
            self.workspace.rotate(degrees)

    def delete_selected_regions(self) -> None:
        if self.workspace is not None:
            chosen = self.workspace.regions.selected_ids()
            if chosen and self.workspace.delete_regions(chosen):
                self.statusBar().showMessage(
                    f"Deleted {len(chosen)} tag{'' if len(chosen) == 1 else 's'}"
                    " (Ctrl+Z brings them back)", 8000)

    def keep_video_frame(self) -> None:
        workspace = self.workspace
        if workspace is not None and workspace.center.currentWidget() is workspace.video:
            workspace.keep_frame(workspace.video.index)

    def step_item(self, delta: int) -> None:
        if self.workspace is not None:
            self.workspace.browser.step(delta)

    # -- dialogs -----------------------------------------------------------------
    def new_case_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New case", self.settings.last_folder(),
                                              "Case folder (*.case)")
        if not path or not self.name_key_first():
            return
        self.settings.remember_folder(path)
        try:
            create_case(path, actor=self.settings.investigator).close()
        except ReviewerError as error:
            self._error("Cannot create the case", str(error))
            return
        self.open_case(path if path.endswith(".case") else f"{path}.case")

    def set_blur_graphic(self, blur: bool) -> None:
        self.settings.blur_graphic = blur
        if self.workspace:
            self.workspace.set_blur_graphic(blur)

    def open_case_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open case folder (NAME.case)",
                                                self.settings.last_folder())
        if path:
            self.settings.remember_folder(Path(path).parent)
            self.open_case(path)

    def open_package_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a package as a new case",
                                              self.settings.last_folder(), PACKAGE_FILTER)
        if path:
            self.settings.remember_folder(path)
            self.share.offer_unpack(Path(path))

    def selected_incidents(self) -> list[str]:
        if self.workspace is None or not self.workspace.incidents.table.selectionModel() \
                .hasSelection():
            return []
        current = self.workspace.incidents.current_id()
        return [current] if current else []

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_cases():
            self.recent_menu.addAction(path, lambda p=path: self.open_case(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def import_files_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import files", self.settings.last_folder(),
            media_file_filter())
        if paths:
            self.settings.remember_folder(paths[0])
            self.import_paths(paths)

    def import_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a folder (with sub-folders)",
                                                self.settings.last_folder())
        if path:
            self.settings.remember_folder(Path(path).parent)
            self.import_paths([path])

    def import_paths(self, paths: list[str]) -> bool:
        if self.session is None:
            self._error("No case open", "Open or create a case before importing.")
            return False
        if not self.jobs.import_files(self.session.path, self.session.actor, paths):
            self.statusBar().showMessage("An import is already running", 5000)
            return False
        return True

    def extract_frames_dialog(self) -> None:
        """Ask how often to keep a frame of the current video, then extract in the background."""
        if self.workspace is None or self.session is None:
            return
        video_id = self.workspace.current_id
        if not video_id or self.workspace.center.currentWidget() is not self.workspace.video:
            self._error("No video", "Choose a video in the browser first.")
            return
        dialog = FramesDialog(self)
        if not dialog.exec():
            return
        every = dialog.every_s()
        if not self.jobs.extract(self.session.path, self.session.actor, video_id, every,
                                 every is None):
            self.statusBar().showMessage("Another job is running", 5000)

    def _import_failed(self, message: str) -> None:
        # An import stopped part way (a full disk) keeps what it committed: show it.
        if self.session is not None:
            self.session.evidenceChanged.emit()
        self._error("Import failed", message)

    def _import_finished(self, report: ImportReport | FrameReport) -> None:
        if self.session is not None:
            self.session.evidenceChanged.emit()
        if isinstance(report, FrameReport):
            self.statusBar().showMessage(
                f"Kept {len(report.imported)} frame(s), {report.existing} already in the case"
                + (" (cancelled: run again to finish)" if report.cancelled else ""), 15000)
            if report.warnings:
                ProblemsDialog("Frames: needs attention", report.warnings, self).open()
            return
        damaged = sum(1 for item in report.imported if item.get("damaged"))
        summary = (f"Imported {len(report.imported)}"
                   + (f" ({damaged} damaged, kept and flagged)" if damaged else "")
                   + f", {len(report.duplicates)} already in the"
                   f" case, {len(report.errors)} failed"
                   + (f", {len(report.skipped)} skipped (not a photo or video)"
                      if report.skipped else "")
                   + (f", {len(report.hidden)} hidden files skipped" if report.hidden else "")
                   + (" (cancelled)" if report.cancelled else ""))
        self.statusBar().showMessage(summary, 15000)
        lines = [f"error: {e['path']}: {e['error']}" for e in report.errors]
        lines += [f"warning: {w['path']}: {w['warning']}" for w in report.warnings]
        lines += [f"skipped: {path}: not a photo or video this app imports"
                  for path in report.skipped]
        lines += [f"skipped: {path}: hidden file (its name starts with a dot); import it by"
                  " choosing it" for path in report.hidden]
        if lines:
            ProblemsDialog("Import: files that need attention", lines, self).open()

    def labels_dialog(self) -> None:
        if self.session is not None:
            LabelsDialog(self.session, self).exec()

    def settings_dialog(self) -> None:
        dialog = SettingsDialog(self.settings.investigator, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted and dialog.name.text().strip():
            self.settings.investigator = dialog.name.text()
            if self.session is not None:
                self.session.set_actor(self.settings.investigator)

    def _error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(message, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    # -- window events -----------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.session is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [dropped_path(url) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths and self.import_paths(paths):
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.session is not None:
            self.settings.save_window_state(self.saveGeometry(), self.saveState())
            if self.workspace is not None:
                self.settings.save_splitter_state(self.workspace.splitter.saveState())
        self.close_case()
        super().closeEvent(event)
