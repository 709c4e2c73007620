"""The desktop app driven like a user: real mouse and key events, a real case on disk."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QMessageBox

from reviewer.core.case import open_case
from reviewer.core.incidents import add_incident
from reviewer.core.regions import add_region, list_regions
from reviewer.core.shape import parse_box


def _regions_in(path):
    with open_case(path, actor="check") as case:
        return list_regions(case)


def _wait_image(qtbot, window):
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0 and not viewer.sceneRect().isEmpty(), timeout=5000)
    return viewer


def _drag(qtbot, viewer, start: QPoint, end: QPoint) -> None:
    port = viewer.viewport()
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        at = start + (end - start) * step / 5
        qtbot.mouseMove(port, at)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=end)


def test_opening_a_case_shows_its_items(window, small_case):
    assert window.open_case(small_case)
    assert "Street" in window.windowTitle()
    assert window.workspace.model.rowCount() == 3
    assert window.workspace.current_id


def test_draw_rectangle_then_undo_and_redo(window, qtbot, small_case):
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.keyClick(window, Qt.Key.Key_4)           # "toppled column"
    start = viewer.mapFromScene(200, 150)
    end = viewer.mapFromScene(500, 450)
    _drag(qtbot, viewer, start, end)
    regions = _regions_in(small_case)
    assert len(regions) == 1
    region = regions[0]
    assert region.label == "toppled column" and region.shape == "rect"
    assert region.created_by == "Investigator A"
    x, y, w, h = region.bbox
    tolerance = 2 / viewer.zoom() + 1
    assert abs(x - 200) < tolerance and abs(y - 150) < tolerance
    assert abs(w - 300) < 2 * tolerance and abs(h - 300) < 2 * tolerance
    assert window.workspace.regions.model.rowCount() == 1
    model = window.workspace.regions.model      # the user's word, not the stored "rect"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.DisplayRole) == "box"
    window.undo_action.trigger()
    assert _regions_in(small_case) == []
    assert window.workspace.regions.model.rowCount() == 0
    window.redo_action.trigger()
    again = _regions_in(small_case)
    assert [r.id for r in again] == [region.id]


def test_attach_region_to_incident_shows_on_incident_page(window, qtbot, small_case):
    with open_case(small_case, actor="setup") as case:
        evidence_id = case.conn.execute("SELECT id FROM evidence LIMIT 1").fetchone()[0]
        region = add_region(case, evidence_id, "gas cylinder", "rect", parse_box("10,10,90,60"))
        incident = add_incident(case, "Cylinder on roof")
    window.open_case(small_case)
    workspace = window.workspace
    workspace.open_region(evidence_id, region.id)
    assert workspace.regions.selected_ids() == [region.id]
    workspace.incidents.select(incident.id)
    qtbot.mouseClick(workspace.incidents.attach_button, Qt.MouseButton.LeftButton)
    with open_case(small_case, actor="check") as case:
        linked = case.conn.execute("SELECT region_id FROM incident_regions").fetchall()
    assert linked == [(region.id,)]
    qtbot.mouseClick(workspace.incidents.open_button, Qt.MouseButton.LeftButton)
    page = workspace.incident_page
    assert page.heading.text() == "Cylinder on roof"
    assert page.crops.count() == 1 and "gas cylinder" in page.crops.item(0).text()
    window.undo_action.trigger()
    assert page.crops.count() == 0


def test_label_filter_narrows_the_grid(window, qtbot, small_case):
    with open_case(small_case, actor="setup") as case:
        evidence_id = case.conn.execute(
            "SELECT id FROM evidence WHERE original_name = 'photo_0000.jpg'").fetchone()[0]
        add_region(case, evidence_id, "crater", "point", {"x": 5, "y": 5})
    window.open_case(small_case)
    filters = window.workspace.browser.filters
    filters.set_choices(window.session)
    assert window.workspace.model.rowCount() == 3
    filters.label.setCurrentIndex(filters.label.findText("crater"))
    assert window.workspace.model.rowCount() == 1
    filters.untagged.setChecked(True)
    assert window.workspace.model.rowCount() == 0
    filters.label.setCurrentIndex(0)
    assert window.workspace.model.rowCount() == 2
    qtbot.keyClicks(filters.text, "photo_0002")
    assert window.workspace.model.rowCount() == 1


def test_damaged_case_shows_an_error_and_the_app_goes_on(window, qtbot, small_case, tmp_path):
    db = small_case / "case.sqlite"
    db.write_bytes(b"\x00" * 100 + db.read_bytes()[100:2000])
    assert not window.open_case(small_case)
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "case.sqlite" in boxes[0].text()
    assert window.session is None and window.windowTitle() == "Evidence Reviewer"


def test_everything_is_there_after_reopening(window, qtbot, small_case, settings):
    from reviewer.ui.main_window import MainWindow

    window.open_case(small_case)
    _wait_image(qtbot, window)
    qtbot.keyClick(window.workspace.viewer, Qt.Key.Key_PageDown)    # to the second item
    viewer = _wait_image(qtbot, window)
    where = window.workspace.current_id
    window.set_tool("point")
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(300, 300))
    assert len(_regions_in(small_case)) == 1
    window.close()
    second = MainWindow(settings)
    qtbot.addWidget(second)
    second.open_case(small_case)
    assert second.workspace.current_id == where            # back where the user left off
    assert second.workspace.regions.model.rowCount() == 1
    assert str(small_case) in settings.recent_cases()
    second.close_case()


def test_a_failed_save_is_reported_and_the_ui_stays_usable(window, qtbot, small_case):
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    # Another program locks the case for writing: the edit cannot be saved.
    blocker = sqlite3.connect(small_case / "case.sqlite", timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    window.session.case.conn.execute("PRAGMA busy_timeout = 100")
    window.set_tool("point")
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(100, 100))
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "not saved" in boxes[0].windowTitle().lower() + boxes[0].text().lower()
    assert window.session.undo_stack.count() == 0
    blocker.rollback()
    blocker.close()
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(120, 120))
    assert len(_regions_in(small_case)) == 1


def test_the_window_fits_a_laptop_screen_on_every_page(window, qtbot, tmp_path):
    """1366 × 768 is the commonest laptop screen: no panel may force the window wider."""
    from reviewer.demo import build_demo_case

    window.resize(1600, 1000)
    window.open_case(build_demo_case(tmp_path, actor="setup"))
    workspace = window.workspace
    model = workspace.model
    names = {model.evidence_row(row)["original_name"]: evidence_id
             for row, evidence_id in enumerate(model.ids())}
    needs = {}
    for name in ("DJI_0042.MP4", "colonnade_before.jpg"):    # the video page, a photo
        workspace.browser.select(names[name])
        window._raise_dock("Metadata")
        qtbot.waitUntil(lambda: bool(workspace.video.telemetry_label.text()), timeout=5000)
        qtbot.wait(50)
        needs[name] = window.minimumSizeHint().width()
    # A video's telemetry line wraps rather than making the window (and every page) wider.
    video = workspace.video
    assert video.telemetry_label.text().startswith("Telemetry: ")
    line = video.telemetry_label.fontMetrics().horizontalAdvance(video.telemetry_label.text())
    assert video.minimumSizeHint().width() < line
    widest = max(needs.values())
    workspace.incidents.table.selectRow(0)
    qtbot.mouseClick(workspace.incidents.open_button, Qt.MouseButton.LeftButton)
    qtbot.wait(200)
    widest = max(widest, window.minimumSizeHint().width())
    assert widest <= 1280, f"the main window needs {widest} px"
    assert window.minimumSizeHint().height() <= 700
    # On the laptop screen the incident titles can be read whole, and the SHA-256.
    window.resize(1366, 740)
    qtbot.wait(100)
    sha = workspace.metadata.values["sha256"]
    assert len(sha.text()) == 64
    assert sha.verticalScrollBar().maximum() == 0 and sha.horizontalScrollBar().maximum() == 0
    assert sha.document().size().width() <= sha.viewport().width()
    table = workspace.incidents.table
    bold = QFont(table.font())
    bold.setBold(True)
    for row in range(table.model().rowCount()):
        title = table.model().index(row, 0).data()
        assert QFontMetrics(bold).horizontalAdvance(title) <= table.columnWidth(0) - 12, title


def test_a_filter_that_matches_nothing_says_so_in_the_viewer(window, qtbot, small_case):
    window.open_case(small_case)
    _wait_image(qtbot, window)
    qtbot.keyClicks(window.workspace.browser.filters.text, "no such name")
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: window.workspace.model.rowCount() == 0, timeout=5000)
    message = viewer._image.message
    assert message.isVisible()
    text = message.toPlainText()
    assert "No item matches the filter" in text and "cannot be shown" not in text
    box = viewer.mapFromScene(message.pos())
    port = viewer.viewport().rect()
    width, height = message.boundingRect().width(), message.boundingRect().height()
    assert port.contains(box) and port.contains(box.x() + int(width) - 1,
                                                box.y() + int(height) - 1)


def test_enter_in_the_filter_box_gives_the_label_keys_back(window, qtbot, small_case):
    window.open_case(small_case)
    _wait_image(qtbot, window)
    search = window.workspace.browser.filters.text
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "photo")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert not search.hasFocus()
    labels = window.workspace.labels
    before = labels.current_id()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_3)
    assert search.text() == "photo"                       # not "photo3"
    assert labels.current_id() != before
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert not search.hasFocus() and search.text() == "photo"
