"""The main window's menus, toolbar and keys. Built here, apart from main_window.py
(which keeps the slots they call and the case they act on), so the window's file holds
its behaviour and this one its layout of commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import QToolBar, QWidget

from reviewer.ui import redaction_actions
from reviewer.ui.face_suggestions import face_actions
from reviewer.ui.help import SHEET_TEXT
from reviewer.ui.viewer.zooming import KEY_STEP as ZOOM_STEP

if TYPE_CHECKING:
    from reviewer.ui.main_window import MainWindow

TOOLS = (("select", "Select", "V"), ("rect", "Rectangle", "R"), ("polygon", "Polygon", "P"),
         ("point", "Point", "T"), ("redact", "Redact box", "X"))


def make_action(window: MainWindow, text: str, slot: Callable[..., object],
           shortcut: QKeySequence | str | None = None) -> QAction:
    made = QAction(text, window)
    if shortcut is not None:
        made.setShortcut(shortcut)
    made.triggered.connect(slot)
    return made


def build_menus(window: MainWindow) -> None:
    """File, Edit, View and Help, the tools bar and the label keys 1-9; the actions the
    window enables with a case kept in window.case_actions (and view_actions)."""
    menu = window.menuBar().addMenu("&File")
    keys = QKeySequence.StandardKey
    menu.addAction(make_action(window, "&New case…", window.new_case_dialog, keys.New))
    menu.addAction(make_action(window, "&Open case…", window.open_case_dialog, keys.Open))
    window.recent_menu = menu.addMenu("Open &recent")
    window.recent_menu.aboutToShow.connect(window.fill_recent_menu)
    menu.addSeparator()
    window.case_actions = [
        make_action(window, "&Import files…", window.import_files_dialog, "Ctrl+I"),
        make_action(window, "Import &folder…", window.import_folder_dialog, "Ctrl+Shift+I"),
    ]
    menu.addActions(window.case_actions)
    menu.addSeparator()
    sharing = [
        make_action(window, "&Export package…", lambda: window.share.export_dialog(
            window.selected_incidents()), "Ctrl+Shift+E"),
        make_action(window, "Export a&nnotations…", lambda: window.share.annotations_dialog(
            window.selected_incidents())),
        redaction_actions.publish_action(window),
        make_action(window, "&Merge package…", window.share.merge_dialog),
        make_action(window, "&Verify case", window.share.verify_case),
        make_action(window, "Save a si&gned copy for sharing…",
                    lambda: window.share.signed_copy_dialog(
                        window.workspace.current_id if window.workspace else None)),
    ]
    menu.addActions(sharing)
    window.case_actions.extend(sharing)
    menu.addAction(make_action(window, "Verify p&ackage…", window.share.verify_package_dialog))
    menu.addAction(make_action(window, "Open packa&ge as a new case…", window.open_package_dialog))
    menu.addAction(make_action(window, "Open &basemap (MBTiles)…", window.open_basemap_dialog))
    menu.addSeparator()
    close = make_action(window, "&Close case", window.close_case, QKeySequence.StandardKey.Close)
    menu.addAction(close)
    menu.addAction(make_action(window, "&Quit", window.close, QKeySequence.StandardKey.Quit))
    window.case_actions.append(close)

    edit = window.menuBar().addMenu("&Edit")
    window.undo_action = make_action(window, "&Undo", lambda: None, QKeySequence.StandardKey.Undo)
    window.redo_action = make_action(window, "&Redo", lambda: None, "Ctrl+Shift+Z")
    window.undo_action.setProperty(SHEET_TEXT, "Undo")
    window.redo_action.setProperty(SHEET_TEXT, "Redo")
    edit.addActions([window.undo_action, window.redo_action])
    edit.addSeparator()
    delete = make_action(window, "&Delete selected regions", window.delete_selected_regions,
                         QKeySequence.StandardKey.Delete)
    edit.addAction(delete)
    window.case_actions.append(delete)
    redacting = redaction_actions.edit_actions(window)
    edit.addActions(redacting)
    window.case_actions.extend(redacting)
    edit.addSeparator()
    labels = make_action(window, "&Label vocabulary…", window.labels_dialog)
    edit.addAction(labels)
    window.case_actions.append(labels)
    edit.addAction(make_action(window, "&Settings…", window.settings_dialog))

    view = window.menuBar().addMenu("&View")
    window.view_actions = [
        make_action(window, "&Fit to window", lambda: window.run_in_viewer("fit_to_window"), "F"),
        make_action(window, "&100%", lambda: window.run_in_viewer("actual_size"), "Z"),
        make_action(window, "&Next item", lambda: window.step_item(1), "PgDown"),
        make_action(window, "&Previous item", lambda: window.step_item(-1), "PgUp"),
    ]
    # The viewer's own keys, bound to the window so they work wherever the focus is
    # (the browser, the regions list), not only after a click in the viewer.
    zoom_in = make_action(window, "Zoom &in", lambda: window.zoom_by(ZOOM_STEP))
    zoom_in.setShortcuts([QKeySequence("+"), QKeySequence("=")])
    window.view_actions += [
        zoom_in, make_action(window, "Zoom &out", lambda: window.zoom_by(1 / ZOOM_STEP), "-"),
        make_action(window, "&Keep this video frame", window.keep_video_frame, "K"),
        make_action(window, "Rotate &clockwise", lambda: window.rotate_display(90), "Ctrl+R"),
        make_action(window, "Rotate &anticlockwise", lambda: window.rotate_display(-90),
                    "Ctrl+Shift+R"),
    ]
    view.addActions(window.view_actions)
    extract = make_action(window, "E&xtract frames of this video…",
                          window.extract_frames_dialog, "Ctrl+E")
    view.addAction(extract)
    window.case_actions.append(extract)
    window.compare_action = make_action(window, "&Compare the two selected items…",
                                        window.compare_selected, "Ctrl+Shift+C")
    view.addAction(window.compare_action)
    window.case_actions.append(window.compare_action)
    window.blur_action = QAction("&Blur graphic content", window, checkable=True,
                                 checked=window.settings.blur_graphic)
    window.blur_action.toggled.connect(window.set_blur_graphic)
    view.addAction(window.blur_action)
    view.addSeparator()
    window.face_actions = face_actions(window, lambda: window.faces)
    view.addActions(window.face_actions)
    window.case_actions += window.face_actions
    window.docks_menu = view.addMenu("&Panels")

    window.toolbar = QToolBar("Tools")
    window.toolbar.setObjectName("tools")
    window.addToolBar(window.toolbar)
    window.tool_group = QActionGroup(window)
    for name, text, key in TOOLS:
        action = QAction(f"{text} ({key})", window, checkable=True)
        action.setShortcut(key)
        action.setData(name)
        action.triggered.connect(lambda _=False, tool=name: window.set_tool(tool))
        window.tool_group.addAction(action)
        window.toolbar.addAction(action)
    window.tool_group.actions()[0].setChecked(True)
    window.toolbar.addSeparator()
    compare_button = QAction("Compare", window)
    compare_button.setToolTip("Compare the two selected items, before and after"
                              " (Ctrl+Shift+C)")
    compare_button.triggered.connect(window.compare_selected)
    window.toolbar.addAction(compare_button)
    window.case_actions.append(compare_button)
    window.toolbar.addSeparator()
    window.label_slot = QWidget()
    window.label_action = window.toolbar.addWidget(window.label_slot)
    for key in "123456789":
        shortcut = QShortcut(QKeySequence(key), window)
        shortcut.activated.connect(lambda key=key: window.choose_label_by_key(key))
    help_menu = window.menuBar().addMenu("&Help")
    help_menu.addAction(make_action(window, "&User guide", window.show_guide,
                                    QKeySequence.StandardKey.HelpContents))
    help_menu.addAction(make_action(window, "&Keyboard shortcuts", window.show_shortcuts, "Ctrl+/"))
    help_menu.addAction(make_action(window, "&About", window.show_about))
