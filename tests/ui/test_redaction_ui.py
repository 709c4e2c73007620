"""Redaction in the app: the Redact box tool (X), Shift+X on selected regions (one undo
step), hatched black in the viewer, the label option, and File ▸ Export for publication."""

from __future__ import annotations

import zipfile

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from reviewer.core.case import open_case
from reviewer.core.evidence import list_evidence
from reviewer.core.labels import find_label
from reviewer.core.regions import add_region, list_regions
from reviewer.ui.share.public_dialog import PublishDialog, publish


def _wait_image(qtbot, window):
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0 and not viewer.sceneRect().isEmpty(), timeout=5000)
    return viewer


def _drag(qtbot, viewer, start: QPoint, end: QPoint, modifiers=Qt.KeyboardModifier.NoModifier):
    port = viewer.viewport()
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, modifiers, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(port, start + (end - start) * step / 5)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, modifiers, pos=end)


def _brightness(viewer, x: float, y: float) -> float:
    """Mean grey of the viewer's pixels around scene point (x, y), as drawn on screen."""
    image = viewer.viewport().grab().toImage()
    centre = viewer.mapFromScene(x, y)
    values = [image.pixelColor(centre.x() + dx, centre.y() + dy).value()
              for dx in range(-6, 7, 2) for dy in range(-6, 7, 2)]
    return sum(values) / len(values)


def _regions(path):
    with open_case(path, actor="check") as case:
        return list_regions(case)


def test_the_redact_tool_draws_a_region_marked_redact_shown_dark(window, qtbot, small_case):
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.keyClick(window, Qt.Key.Key_1)
    _drag(qtbot, viewer, viewer.mapFromScene(600, 100), viewer.mapFromScene(800, 300))
    qtbot.keyClick(window, Qt.Key.Key_X)                 # the Redact box tool
    _drag(qtbot, viewer, viewer.mapFromScene(100, 400), viewer.mapFromScene(300, 600))
    plain, covered = sorted(_regions(small_case), key=lambda r: r.created_at)
    assert not plain.redact and covered.redact and covered.redact_method == "fill"
    window.set_tool("select")
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(1000, 700))      # nothing selected
    # Hatched black, distinct from a label's light tint over the same photo.
    assert _brightness(viewer, 200, 500) < 0.6 * _brightness(viewer, 700, 200)


def test_shift_x_toggles_redaction_on_selected_regions_in_one_undo_step(window, qtbot,
                                                                       small_case):
    with open_case(small_case, actor="setup") as case:
        evidence_id = list_evidence(case)[0].id
        for x in (100, 400):
            add_region(case, evidence_id, "debris", "rect", {"x": x, "y": 100, "w": 150, "h": 150})
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    window.set_tool("select")
    _drag(qtbot, viewer, viewer.mapFromScene(50, 50), viewer.mapFromScene(700, 400),
          Qt.KeyboardModifier.ShiftModifier)
    assert len(viewer.selected_ids()) == 2
    before = window.session.undo_stack.count()
    qtbot.keyClick(window, Qt.Key.Key_X, Qt.KeyboardModifier.ShiftModifier)
    assert all(r.redact for r in _regions(small_case))
    assert window.session.undo_stack.count() == before + 1
    assert "marked for redaction" in window.statusBar().currentMessage()
    window.session.undo_stack.undo()
    assert not any(r.redact for r in _regions(small_case))


def test_the_label_dialog_sets_redact_by_default_and_undo_takes_it_back(window, qtbot,
                                                                       small_case):
    from reviewer.ui.dialogs import LabelsDialog

    window.open_case(small_case)
    dialog = LabelsDialog(window.session, window)
    qtbot.addWidget(dialog)
    row = next(i for i in range(dialog.list.count())
               if dialog.list.item(i).text().endswith("vehicle"))
    dialog.list.setCurrentRow(row)
    button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Redact by default")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert find_label(window.session.case, "vehicle").redact_default
    assert dialog.list.item(row).text().endswith("vehicle · redact")
    window.session.undo_stack.undo()
    assert not find_label(window.session.case, "vehicle").redact_default


def test_export_for_publication_names_undecided_items_and_leaves_them_out(window, qtbot,
                                                                          small_case, tmp_path):
    with open_case(small_case, actor="setup") as case:
        first = list_evidence(case)[0].id
        add_region(case, first, "person", "rect", {"x": 10, "y": 10, "w": 100, "h": 100})
    window.open_case(small_case)
    out = tmp_path / "public.zip"
    asked: list[str] = []

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PublishDialog)
        dialog.whole.setChecked(True)
        dialog.path.setText(str(out))
        QTimer.singleShot(0, leave_out)
        qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)

    def leave_out() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text() + box.detailedText())
        button = next(b for b in box.buttons() if b.text() == "Leave them out")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill_in)
    publish(window, window.share, window.session, [first])
    assert asked and "2 item(s) have no region marked for redaction" in asked[0]
    qtbot.waitUntil(lambda: window.share.last_dialog is not None
                    and window.share.last_dialog.isVisible(), timeout=30000)
    with zipfile.ZipFile(out) as package:
        assert [n for n in package.namelist() if n.startswith("images/")] == [
            "images/image-001.jpg"]
    # The derivative is an item of the case now, shown in the browser.
    qtbot.waitUntil(lambda: window.workspace.model.rowCount() == 4, timeout=5000)
