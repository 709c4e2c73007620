"""File ▸ Export annotations…: the dialog (format, labels, incidents, folder) driven by
mouse and keys, the export on the job runner, its result shown to the user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from reviewer.core.case import open_case
from reviewer.core.evidence import list_evidence
from reviewer.core.incidents import add_incident
from reviewer.core.regions import add_region
from reviewer.core.shape import parse_box, parse_polygon
from reviewer.ui.share.annotations_dialog import AnnotationsDialog


def _tagged(case_path: Path) -> str:
    with open_case(case_path, actor="setup") as case:
        photo = list_evidence(case)[0]
        incident = add_incident(case, "Shelling of the market")
        add_region(case, photo["id"], "crater", "rect", parse_box("10,20,100,80"),
                   incident_id=incident.id)
        add_region(case, photo["id"], "debris", "polygon", parse_polygon("300,300,400,310,350,420"))
        return incident.id


def _result_dialog(window, qtbot):
    qtbot.waitUntil(lambda: window.share.last_dialog is not None
                    and window.share.last_dialog.isVisible(), timeout=30000)
    dialog = window.share.last_dialog
    window.share.last_dialog = None
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def _click_check(qtbot, widget, row: int) -> None:
    """A real click on the row's check box."""
    rect = widget.visualItemRect(widget.item(row))
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 10, rect.center().y()))


def test_the_dialog_gives_the_format_labels_incidents_and_folder_chosen(qtbot, tmp_path):
    incidents = [{"id": "i1", "title": "Market"}, {"id": "i2", "title": "Bridge"}]
    dialog = AnnotationsDialog(["crater", "debris", "fire"], incidents, tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.chosen_format() == "coco"
    assert dialog.out_path() == tmp_path / "annotations-coco"
    dialog.format.setFocus()
    qtbot.keyClick(dialog.format, Qt.Key.Key_Down)          # YOLO
    assert dialog.chosen_format() == "yolo"
    assert dialog.out_path() == tmp_path / "annotations-yolo"   # the proposed name follows
    _click_check(qtbot, dialog.labels, 2)                   # untick "fire"
    assert dialog.chosen_labels() == ["crater", "debris"]
    assert dialog.chosen_incidents() == []                  # every tagged image
    qtbot.mouseClick(dialog.some, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, dialog.some.height() // 2))   # on its circle
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Tick at least one incident" in dialog.problem.text()
    _click_check(qtbot, dialog.incidents, 1)
    assert dialog.chosen_incidents() == ["i2"]
    for row in range(2):
        _click_check(qtbot, dialog.labels, row)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Tick at least one label" in dialog.problem.text()


def test_file_menu_exports_the_tags_on_the_job_runner_and_says_what_it_wrote(
        window, qtbot, small_case):
    _tagged(small_case)
    window.open_case(small_case)
    [action] = [a for menu in window.menuBar().actions() for a in menu.menu().actions()
                if a.text() == "Export a&nnotations…"]
    out = small_case.parent / "annotations-yolo"

    def choose_yolo_and_export() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AnnotationsDialog)
        dialog.format.setFocus()
        qtbot.keyClick(dialog.format, Qt.Key.Key_Down)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, choose_yolo_and_export)
    action.trigger()
    assert window.job_bar.isVisible() or out.exists()     # running, or already done
    heading = _result_dialog(window, qtbot)
    assert "Tags exported" in heading and "2 tag(s) on 1 image(s) as YOLO" in heading
    classes = (out / "classes.txt").read_text().splitlines()
    [labels] = (out / "labels").glob("*.txt")
    rows = [line.split() for line in labels.read_text().splitlines()]
    assert sorted(classes[int(row[0])] for row in rows) == ["crater", "debris"]
    crater = next(row for row in rows if classes[int(row[0])] == "crater")
    assert [float(v) for v in crater[1:]] == pytest.approx(
        [60 / 1200, 60 / 800, 100 / 1200, 80 / 800], abs=1e-6)
    assert json.loads((out / "reviewer-annotations.json").read_text())["tags"] == 2


def test_the_publication_tick_exports_redacted_copies_with_no_ids(window, qtbot, small_case):
    """The "For publication" tick, clicked: XMP is refused in the dialog; COCO gives
    image-001.jpg with the covered area black and its tag left out."""
    with open_case(small_case, actor="setup") as case:
        photo = list_evidence(case)[0]
        add_region(case, photo.id, "crater", "rect", parse_box("10,20,100,80"))
        add_region(case, photo.id, "person", "rect", parse_box("300,300,120,160"),
                   redact=True)
    window.open_case(small_case)
    [action] = [a for menu in window.menuBar().actions() for a in menu.menu().actions()
                if a.text() == "Export a&nnotations…"]
    out = small_case.parent / "annotations-coco"
    seen: dict[str, str] = {}

    def tick_and_export() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AnnotationsDialog)
        qtbot.mouseClick(dialog.public, Qt.MouseButton.LeftButton,
                         pos=QPoint(8, dialog.public.height() // 2))     # on its box
        assert dialog.chosen_public()
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        dialog.format.setFocus()
        for _ in range(4):
            qtbot.keyClick(dialog.format, Qt.Key.Key_Down)              # XMP
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen["problem"] = dialog.problem.text()
        for _ in range(4):
            qtbot.keyClick(dialog.format, Qt.Key.Key_Up)                # back to COCO
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, tick_and_export)
    action.trigger()
    heading = _result_dialog(window, qtbot)
    assert "XMP sidecars cannot be published" in seen["problem"]
    assert "1 tag(s) on 1 redacted image(s) as COCO" in heading
    document = json.loads((out / "annotations.json").read_text())
    assert [image["file_name"] for image in document["images"]] == ["images/image-001.jpg"]
    assert [c["name"] for c in document["categories"]] == ["crater"]
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert photo.id.encode() not in everything
    assert photo.original_name.encode() not in everything
    from PIL import Image

    with Image.open(out / "images" / "image-001.jpg") as copy:
        covered = copy.convert("RGB").crop((302, 302, 418, 458))
        assert max(band[1] for band in covered.getextrema()) <= 12


def test_a_confidential_item_is_asked_about_before_a_public_export(window, qtbot, small_case):
    """Bad input in the app: ticking "For publication" with an item marked confidential:
    the app names it and publishes only when the person says so; Cancel writes nothing."""
    from PySide6.QtWidgets import QMessageBox

    from reviewer.core.provenance import set_provenance

    with open_case(small_case, actor="setup") as case:
        photo = list_evidence(case)[0]
        add_region(case, photo.id, "crater", "rect", parse_box("10,20,100,80"))
        add_region(case, photo.id, "person", "rect", parse_box("300,300,120,160"),
                   redact=True)
        set_provenance(case, [photo.id], {"restriction": "confidential"})
    window.open_case(small_case)
    out = small_case.parent / "annotations-coco"
    asked: list[str] = []

    def export_public(answer: str) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AnnotationsDialog)
        qtbot.mouseClick(dialog.public, Qt.MouseButton.LeftButton,
                         pos=QPoint(8, dialog.public.height() // 2))
        QTimer.singleShot(0, lambda: click(answer))
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    def click(answer: str) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text() + box.detailedText())
        button = next(b for b in box.buttons() if answer in b.text())
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, lambda: export_public("Cancel"))
    window.share.annotations_dialog()
    assert "1 item(s) are marked confidential" in asked[0]
    assert photo.original_name in asked[0]
    assert not out.exists()
    QTimer.singleShot(200, lambda: export_public("Publish them anyway"))
    window.share.annotations_dialog()
    heading = _result_dialog(window, qtbot)
    assert "1 tag(s) on 1 redacted image(s)" in heading
    assert (out / "images" / "image-001.jpg").is_file()
