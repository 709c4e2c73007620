"""Every edit in the app is one undo step, saved in one transaction each way, and undo
puts the case back exactly: driven with real mouse and key events."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QInputDialog,
    QLineEdit,
    QMenu,
    QPushButton,
)

from reviewer.core.case import open_case
from reviewer.core.incidents import add_incident, link_region
from reviewer.core.regions import add_region
from reviewer.core.shape import parse_box

# Stamps an undo rightly writes anew (when the row was put back, by whom).
_STAMPS = {"updated_at", "updated_by", "linked_at", "linked_by"}
_TABLES = ("regions", "labels", "incidents", "incident_regions", "incident_evidence",
           "comparisons")


def _content(case) -> dict[str, list[tuple]]:
    """What the user's edits can change, stamps of the change aside."""
    content = {}
    for table in _TABLES:
        cursor = case.conn.execute(f"SELECT * FROM {table}")
        keep = [i for i, d in enumerate(cursor.description) if d[0] not in _STAMPS]
        content[table] = sorted(tuple(row[i] for i in keep) for row in cursor)
    return content


@contextlib.contextmanager
def _transactions(window):
    """The write transactions the app's own connection opens meanwhile."""
    begun: list[str] = []
    conn = window.session.case.conn
    conn.set_trace_callback(lambda sql: begun.append(sql) if sql.startswith("BEGIN") else None)
    try:
        yield begun
    finally:
        conn.set_trace_callback(None)


def _undo_keys(window, qtbot, redo: bool = False) -> None:
    """Ctrl+Z (Ctrl+Shift+Z: redo) in the main window, made active again after a dialog."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    modifiers = Qt.KeyboardModifier.ControlModifier
    if redo:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, modifiers)


def _one_step_each_way(window, qtbot, act) -> tuple[dict, dict]:
    """Do `act` (real events), then undo and redo it with the keyboard; each must be one
    undo step and one transaction. Returns the case's content before and after."""
    stack = window.session.undo_stack
    before_count = stack.count()
    before = _content(window.session.case)
    with _transactions(window) as begun:
        act()
    assert len(begun) == 1, begun
    assert stack.count() == before_count + 1
    after = _content(window.session.case)
    assert after != before
    with _transactions(window) as begun:
        _undo_keys(window, qtbot)
    assert len(begun) == 1, begun
    assert _content(window.session.case) == before
    with _transactions(window) as begun:
        _undo_keys(window, qtbot, redo=True)
    assert len(begun) == 1, begun
    assert _content(window.session.case) == after
    return before, after


def _first_photo(case_path) -> str:
    with open_case(case_path, actor="setup") as case:
        return case.conn.execute(
            "SELECT id FROM evidence WHERE original_name = 'photo_0000.jpg'").fetchone()[0]


def _three_tags(case_path) -> tuple[str, list[str]]:
    evidence_id = _first_photo(case_path)
    with open_case(case_path, actor="setup") as case:
        ids = [add_region(case, evidence_id, "debris", "rect", parse_box(box)).id
               for box in ("100,100,100,100", "400,100,100,100", "700,500,100,100")]
    return evidence_id, ids


def _open_at(window, qtbot, case_path, evidence_id):
    window.open_case(case_path)
    window.workspace.open_region(evidence_id, "")
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0 and not viewer.sceneRect().isEmpty(),
                    timeout=5000)
    qtbot.waitUntil(lambda: len(window.workspace.regions.model.regions) == 3, timeout=5000)
    return viewer


def _drag(qtbot, viewer, start: QPoint, end: QPoint, modifiers=Qt.KeyboardModifier.NoModifier):
    port = viewer.viewport()
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, modifiers, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(port, start + (end - start) * step / 5)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, modifiers, pos=end)


def _select_all_tags(window, qtbot, viewer) -> None:
    window.set_tool("select")
    _drag(qtbot, viewer, viewer.mapFromScene(50, 50), viewer.mapFromScene(1150, 750),
          Qt.KeyboardModifier.ShiftModifier)
    assert len(viewer.selected_ids()) == 3


def test_drawing_a_tag_is_one_step_and_one_transaction_each_way(window, qtbot, small_case):
    window.open_case(small_case)
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0 and not viewer.sceneRect().isEmpty(),
                    timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_R)

    def draw() -> None:
        _drag(qtbot, viewer, viewer.mapFromScene(200, 150), viewer.mapFromScene(500, 450))

    before, after = _one_step_each_way(window, qtbot, draw)
    assert len(after["regions"]) == len(before["regions"]) + 1
    assert len(viewer.selected_ids()) <= 1


def test_moving_a_tag_is_one_step(window, qtbot, small_case):
    evidence_id, _ids = _three_tags(small_case)
    viewer = _open_at(window, qtbot, small_case, evidence_id)
    window.set_tool("select")

    def move() -> None:
        _drag(qtbot, viewer, viewer.mapFromScene(150, 150), viewer.mapFromScene(250, 200))

    before, after = _one_step_each_way(window, qtbot, move)
    assert len(after["regions"]) == 3 and after["regions"] != before["regions"]


def test_relabelling_three_selected_tags_with_a_number_key_is_one_step(window, qtbot,
                                                                       small_case):
    evidence_id, _ids = _three_tags(small_case)
    viewer = _open_at(window, qtbot, small_case, evidence_id)
    _select_all_tags(window, qtbot, viewer)

    _one_step_each_way(window, qtbot, lambda: qtbot.keyClick(window, Qt.Key.Key_1))
    with open_case(small_case, actor="check") as case:
        labels = {row[0] for row in case.conn.execute(
            "SELECT l.shortcut FROM regions r JOIN labels l ON l.id = r.label_id")}
    assert labels == {"1"}
    assert window.session.undo_stack.undoText() == "Relabel 3 region(s)"
    _undo_keys(window, qtbot)
    assert {r.label for r in window.workspace.regions.model.regions} == {"debris"}


def test_deleting_three_selected_tags_is_one_step_and_undo_brings_their_links_back(
        window, qtbot, small_case):
    evidence_id, ids = _three_tags(small_case)
    with open_case(small_case, actor="setup") as case:
        incident = add_incident(case, "Debris field")
        link_region(case, incident.id, ids[0])
    viewer = _open_at(window, qtbot, small_case, evidence_id)
    _select_all_tags(window, qtbot, viewer)

    before, after = _one_step_each_way(
        window, qtbot, lambda: qtbot.keyClick(viewer, Qt.Key.Key_Delete))
    assert after["regions"] == [] and after["incident_regions"] == []
    _undo_keys(window, qtbot)
    assert len(before["incident_regions"]) == 1
    assert len(window.workspace.regions.model.regions) == 3


def test_attaching_three_tags_from_the_menu_is_one_step(window, qtbot, small_case):
    evidence_id, _ids = _three_tags(small_case)
    with open_case(small_case, actor="setup") as case:
        add_incident(case, "Debris field")
    _open_at(window, qtbot, small_case, evidence_id)
    table = window.workspace.regions.table
    table.selectAll()
    assert len(window.workspace.regions.selected_ids()) == 3

    def attach() -> None:
        table.customContextMenuRequested.emit(QPoint(10, 10))
        menu = next(m for m in table.findChildren(QMenu) if m.isVisible())
        submenu = next(a for a in menu.actions() if a.text().startswith("Attach")).menu()
        next(a for a in submenu.actions() if a.text() == "Debris field").trigger()
        menu.close()

    before, after = _one_step_each_way(window, qtbot, attach)
    assert len(after["incident_regions"]) == 3 and before["incident_regions"] == []


def _answer_input(qtbot, text: str) -> None:
    """Answer the input dialog about to open as a user would: type the text (in a list of
    choices, typing picks the one it begins), then Enter."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QInputDialog)
        if box.comboBoxItems():
            combo = box.findChild(QComboBox)
            qtbot.keyClicks(combo, text)
            assert combo.currentText() == text
        else:
            field = box.findChild(QLineEdit)
            field.selectAll()
            qtbot.keyClicks(field, text)
        qtbot.keyClick(box.focusWidget(), Qt.Key.Key_Return)

    QTimer.singleShot(50, answer)


def test_label_rename_and_merge_are_undoable_steps(window, qtbot, small_case):
    from reviewer.ui.dialogs import LabelsDialog

    evidence_id, _ids = _three_tags(small_case)
    _open_at(window, qtbot, small_case, evidence_id)
    dialog = LabelsDialog(window.session, window)
    qtbot.addWidget(dialog)

    dialog.show()
    qtbot.waitExposed(dialog)

    def pick(name: str) -> None:
        row = next(i for i in range(dialog.list.count())
                   if dialog.list.item(i).text().split("] ")[-1].startswith(name))
        rect = dialog.list.visualItemRect(dialog.list.item(row))
        qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert dialog.list.currentRow() == row

    def button(text: str) -> QPushButton:
        return next(b for b in dialog.findChildren(QPushButton) if b.text() == text)

    def rename() -> None:
        pick("debris")
        _answer_input(qtbot, "rubble")
        qtbot.mouseClick(button("Rename…"), Qt.MouseButton.LeftButton)

    _before, after = _one_step_each_way(window, qtbot, rename)
    assert "rubble" in {row[1] for row in after["labels"]}
    assert {r.label for r in window.workspace.regions.model.regions} == {"rubble"}

    def merge() -> None:
        pick("rubble")
        _answer_input(qtbot, "crater")
        qtbot.mouseClick(button("Merge into…"), Qt.MouseButton.LeftButton)

    before, after = _one_step_each_way(window, qtbot, merge)
    assert len(after["labels"]) == len(before["labels"]) - 1
    assert {r.label for r in window.workspace.regions.model.regions} == {"crater"}
    _undo_keys(window, qtbot)
    assert {r.label for r in window.workspace.regions.model.regions} == {"rubble"}
    assert window.session.undo_stack.count() == 2


def test_a_new_label_is_an_undoable_step(window, qtbot, small_case):
    from reviewer.ui.dialogs import LabelsDialog

    window.open_case(small_case)
    dialog = LabelsDialog(window.session, window)
    qtbot.addWidget(dialog)

    def add() -> None:
        _answer_input(qtbot, "tank track")
        dialog.add()

    before, after = _one_step_each_way(window, qtbot, add)
    assert len(after["labels"]) == len(before["labels"]) + 1
    _undo_keys(window, qtbot)
    assert not any(dialog.list.item(i).text().endswith("tank track")
                   for i in range(dialog.list.count()))


def test_attaching_two_items_clicked_in_the_browser_with_the_button_is_one_step(
        window, qtbot, small_case):
    # As a new user did it: Ctrl+click two thumbnails, click the incident, Attach selected.
    with open_case(small_case, actor="setup") as case:
        add_incident(case, "Debris field")
    window.open_case(small_case)
    workspace = window.workspace
    view = workspace.browser.view
    qtbot.waitUntil(lambda: view.model().rowCount() == 3, timeout=5000)
    first, second = (view.visualRect(view.model().index(row, 0)).center() for row in (0, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, pos=second)
    assert len(workspace.browser.selected_ids()) == 2
    panel = workspace.incidents
    incidents = panel.table
    qtbot.waitUntil(lambda: incidents.model().rowCount() == 1, timeout=5000)
    qtbot.mouseClick(incidents.viewport(), Qt.MouseButton.LeftButton,
                     pos=incidents.visualRect(incidents.model().index(0, 0)).center())

    def attach() -> None:
        qtbot.mouseClick(panel.attach_button, Qt.MouseButton.LeftButton)
        assert window.statusBar().currentMessage() == "Attached 2 items to Debris field"

    before, after = _one_step_each_way(window, qtbot, attach)
    assert before["incident_evidence"] == [] and len(after["incident_evidence"]) == 2
    assert window.statusBar().currentMessage() == "Redone: Attach to incident"
