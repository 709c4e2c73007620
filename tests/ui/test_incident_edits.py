"""Incident edits in the app change what the user changed, and only that."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from reviewer.core.case import open_case
from reviewer.core.incidents import (
    add_incident,
    get_incident,
    incident_evidence_ids,
    link_region,
)
from reviewer.ui.incident_form import IncidentForm


def _answer_form(qtbot, fill) -> None:
    def answer() -> None:
        form = QApplication.activeModalWidget()
        assert isinstance(form, IncidentForm)
        try:
            fill(form)
        finally:                 # a failing check must not leave the test waiting on a dialog
            form.accept()

    QTimer.singleShot(50, answer)


def _incident_edits(case_path, incident_id) -> list[dict]:
    with open_case(case_path, actor="check") as case:
        rows = case.conn.execute("SELECT details FROM audit WHERE action = 'incident.update'"
                                 " AND object_id = ? ORDER BY seq", (incident_id,))
        return [json.loads(details) for (details,) in rows]


def test_editing_the_title_keeps_a_fractional_radius_as_it_was(window, qtbot, small_case):
    with open_case(small_case, actor="setup") as case:
        incident = add_incident(case, "Cylinder", lat=33.5717, lon=36.4036, radius_m=12.5,
                                description="Found on the roof")
    window.open_case(small_case)
    panel = window.workspace.incidents
    panel.select(incident.id)

    def retitle(form: IncidentForm) -> None:
        form.title.clear()
        qtbot.keyClicks(form.title, "Cylinder on the roof")

    _answer_form(qtbot, retitle)
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    with open_case(small_case, actor="check") as case:
        stored = get_incident(case, incident.id)
    assert stored.title == "Cylinder on the roof"
    assert stored.radius_m == 12.5
    assert (stored.lat, stored.lon) == (33.5717, 36.4036)
    edits = _incident_edits(small_case, incident.id)
    assert len(edits) == 1 and set(edits[0]["changed"]) == {"title"}

    # A fractional radius can be typed, too.
    def set_radius(form: IncidentForm) -> None:
        form.radius.selectAll()
        qtbot.keyClicks(form.radius, "7.5")

    _answer_form(qtbot, set_radius)
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    with open_case(small_case, actor="check") as case:
        assert get_incident(case, incident.id).radius_m == 7.5


def _new_incident(window, qtbot, title: str) -> tuple[str, list[str]]:
    """New… in the Incidents panel: the form's Holds line, and the items it then holds."""
    seen: list[str] = []

    def fill(form: IncidentForm) -> None:
        seen.append(form.holds.text())
        qtbot.keyClicks(form.title, title)

    _answer_form(qtbot, fill)
    qtbot.mouseClick(window.workspace.incidents.new_button, Qt.MouseButton.LeftButton)
    assert seen, "the form did not open"
    (incident,) = window.session.case.conn.execute("SELECT id FROM incidents").fetchall()
    return seen[0], incident_evidence_ids(window.session.case, incident[0])


def test_new_incident_with_nothing_selected_holds_nothing(window, qtbot, small_case):
    window.open_case(small_case)
    workspace = window.workspace
    qtbot.waitUntil(lambda: bool(workspace.current_id), timeout=5000)
    workspace.browser.view.clearSelection()
    holds, items = _new_incident(window, qtbot, "Empty for now")
    assert "nothing" in holds.lower()
    assert items == []


def test_new_incident_says_what_it_will_hold(window, qtbot, small_case):
    window.open_case(small_case)
    view = window.workspace.browser.view
    qtbot.waitUntil(lambda: view.model().rowCount() == 3, timeout=5000)
    view.selectAll()
    holds, items = _new_incident(window, qtbot, "Three photos")
    assert holds == "3 selected items"
    assert len(items) == 3


def test_attaching_what_is_already_attached_adds_no_undo_step(window, qtbot, small_case):
    with open_case(small_case, actor="setup") as case:
        incident = add_incident(case, "Street")
    window.open_case(small_case)
    workspace = window.workspace
    qtbot.waitUntil(lambda: bool(workspace.current_id), timeout=5000)
    panel = workspace.incidents
    panel.select(incident.id)
    stack = window.session.undo_stack
    qtbot.mouseClick(panel.attach_button, Qt.MouseButton.LeftButton)
    assert stack.count() == 1
    qtbot.mouseClick(panel.attach_button, Qt.MouseButton.LeftButton)
    assert stack.count() == 1
    assert "already attached" in window.statusBar().currentMessage().lower()
    window.undo_action.trigger()
    with open_case(small_case, actor="check") as case:
        assert incident_evidence_ids(case, incident.id) == []


def _crop_pixels(page) -> list[bytes]:
    crops = page.crops
    return [crops.item(row).icon().pixmap(64, 64).toImage().constBits().tobytes()
            for row in range(crops.count())]


def test_moving_a_tag_updates_its_crop_on_the_incident_page(window, qtbot, small_case):
    from reviewer.core.regions import add_region
    from reviewer.core.shape import parse_box
    from reviewer.ui.edits import EditRegion

    with open_case(small_case, actor="setup") as case:
        evidence_id = case.conn.execute(
            "SELECT id FROM evidence WHERE original_name = 'photo_0000.jpg'").fetchone()[0]
        region = add_region(case, evidence_id, "crater", "rect", parse_box("20,20,200,150"))
        incident = add_incident(case, "Crater")
        link_region(case, incident.id, region.id)
    window.open_case(small_case)
    workspace = window.workspace
    workspace.show_incident(incident.id)
    page = workspace.incident_page
    blank = _crop_pixels(page)
    qtbot.waitUntil(lambda: _crop_pixels(page) != blank, timeout=5000)
    qtbot.wait(100)
    before = _crop_pixels(page)
    window.session.push(EditRegion(window.session, region.id, {"geometry": region.geometry},
                                   {"geometry": parse_box("900,500,200,150")}, "Move region"))
    qtbot.waitUntil(lambda: _crop_pixels(page) not in (before, blank), timeout=5000)


def test_attaching_is_all_or_nothing_when_one_tag_is_gone(window, qtbot, small_case):
    from reviewer.core.incidents import incident_region_ids
    from reviewer.core.regions import add_region, delete_region
    from reviewer.core.shape import parse_box
    from reviewer.ui.edits import LinkToIncident

    with open_case(small_case, actor="setup") as case:
        evidence_id = case.conn.execute(
            "SELECT id FROM evidence WHERE original_name = 'photo_0000.jpg'").fetchone()[0]
        kept = add_region(case, evidence_id, "crater", "rect", parse_box("20,20,50,50"))
        gone = add_region(case, evidence_id, "crater", "rect", parse_box("90,20,50,50"))
        incident = add_incident(case, "Craters")
    window.open_case(small_case)
    delete_region(window.session.case, gone.id)      # deleted elsewhere while selected
    errors: list[str] = []
    window.session.failed.connect(errors.append)
    pushed = window.session.push(LinkToIncident(window.session, incident.id,
                                                [kept.id, gone.id], []))
    assert not pushed and errors and "region" in errors[0]
    assert incident_region_ids(window.session.case, incident.id) == []
    assert window.session.undo_stack.count() == 0


def test_the_incident_page_heading_keeps_its_size_through_edits_and_undo(window, qtbot,
                                                                         small_case):
    with open_case(small_case, actor="setup") as case:
        incident = add_incident(case, "Cylinder on the roof of the school")
    window.open_case(small_case)
    workspace = window.workspace
    workspace.show_incident(incident.id)
    page = workspace.incident_page
    qtbot.wait(50)
    size = page.heading.font().pointSizeF()
    needs = window.minimumSizeHint().width()
    panel = workspace.incidents
    panel.select(incident.id)
    for title in ("Cylinder on the school roof", "Cylinder, school roof", "Cylinder"):
        _answer_form(qtbot, lambda form, title=title: (form.title.clear(),
                                                       qtbot.keyClicks(form.title, title)))
        qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    for _ in range(3):
        window.undo_action.trigger()
    for _ in range(3):
        window.redo_action.trigger()
    assert page.heading.text() == "Cylinder"
    assert page.heading.font().pointSizeF() == size
    qtbot.wait(50)
    assert window.minimumSizeHint().width() <= needs


def test_the_evidence_panel_cannot_be_dragged_out_of_reach(window, small_case):
    window.open_case(small_case)
    splitter = window.workspace.splitter
    assert not splitter.childrenCollapsible()
    splitter.setSizes([0, 2000])
    assert splitter.sizes()[0] > 0


def test_delete_incident_asks_first_and_undo_says_what_it_undid(window, qtbot, small_case,
                                                                answer_box):
    from PySide6.QtWidgets import QMessageBox

    with open_case(small_case, actor="setup") as case:
        incident = add_incident(case, "Market shelling", description="Three witnesses")
    window.open_case(small_case)
    panel = window.workspace.incidents
    panel.select(incident.id)
    asked: list[str] = []
    answer_box(QMessageBox.StandardButton.No, asked)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert asked and "Market shelling" in asked[0]
    assert panel.model.rowCount() == 1                       # No: nothing deleted
    answer_box(QMessageBox.StandardButton.Yes, asked)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 0
    assert "Deleted the incident" in window.statusBar().currentMessage()
    window.undo_action.trigger()
    assert panel.model.rowCount() == 1
    assert window.statusBar().currentMessage().startswith("Undone: Delete incident")
    window.redo_action.trigger()
    assert window.statusBar().currentMessage().startswith("Redone: Delete incident")


def test_a_polygon_tag_is_drawn_as_its_shape_on_the_incident_page_crop(qapp, tmp_path):
    from PIL import Image

    from reviewer.ui.incident_page import _CropSignals, _MakeCrop, _outline

    photo = tmp_path / "wall.png"
    Image.new("RGB", (600, 600), (128, 128, 128)).save(photo)
    triangle = {"points": [[100, 100], [300, 100], [100, 300]]}
    signals = _CropSignals()
    crops = []
    signals.done.connect(lambda _key, image: crops.append(image))
    _MakeCrop("r", photo, (100, 100, 200, 200), "#00ff00", "toppled column", signals,
              _outline("polygon", triangle)).run()
    (crop,) = crops
    # The crop shows 42..358 px of the image, scaled 300/316, centred 50 px from the left.
    def at(x, y):
        colour = crop.pixelColor(round(50 + (x - 42) * 300 / 316), round((y - 42) * 300 / 316))
        return colour.red(), colour.green(), colour.blue()

    assert at(200, 200)[1] > 200 and at(200, 200)[0] < 60       # on the slanted side
    assert at(300, 300) == (128, 128, 128)                       # the box's corner: no line
