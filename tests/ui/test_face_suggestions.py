"""Face suggestions in the app, with real keys and mouse: found on a worker, shown as
dashed boxes with their score, adjusted by a drag, accepted (one undo step, a redaction
region) or rejected (nothing written); bad items listed, the others go on; Cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewer.core.case import create_case, open_case
from reviewer.core.importer import import_paths
from reviewer.core.regions import list_regions
from reviewer.core.verify import verify_case
from reviewer.ui.dialogs import ProblemsDialog

ONE_FACE = "faces/official_portrait_one_face.jpg"
NO_FACE = "photos_gps/nikon_coolpix_p6000_DSCN0010.jpg"
LEFT, NO_MODS = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def faces_case(tmp_path, corpus) -> tuple[Path, dict[str, str]]:
    case = create_case(tmp_path / "faces", title="Faces", actor="setup")
    report = import_paths(case, [corpus / ONE_FACE, corpus / NO_FACE])
    ids = {Path(item["path"]).name: item["id"] for item in report.imported}
    path = case.path
    case.close()
    return path, ids


def _regions(path: Path, evidence_id: str):
    with open_case(path, actor="check") as case:
        return list_regions(case, evidence_id)


def _suggest(window, qtbot, count: int) -> None:
    QTest.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)       # View ▸ Suggest faces to redact
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30_000)
    qtbot.waitUntil(lambda: len(window.workspace.viewer.suggestions_shown()) == count)


def _screen(view, x: float, y: float) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def test_a_face_is_suggested_adjusted_by_a_drag_and_accepted_as_one_undo_step(
        window, qtbot, faces_case):
    path, ids = faces_case
    face = ids[Path(ONE_FACE).name]
    assert window.open_case(path)
    workspace = window.workspace
    assert workspace.browser.select(face)
    viewer = workspace.viewer
    _suggest(window, qtbot, 1)
    assert "1 face suggested on 1 item" in window.statusBar().currentMessage()
    (shown,) = viewer.suggestions_shown()
    assert shown.score >= 0.5
    assert _regions(path, face) == []            # nothing written before a decision
    # The dashed box is drawn: the highlighted one's yellow dashes along its top edge.
    picture = viewer.grab().toImage()
    top = [_screen(viewer, shown.x + shown.w * t / 40, shown.y) for t in range(40)]
    assert any(picture.pixelColor(p).red() > 200 and picture.pixelColor(p).blue() < 80
               for p in top)

    # Drag the box 60 image pixels right and down (moves it), then Enter accepts it.
    start = _screen(viewer, shown.x + shown.w / 2, shown.y + shown.h / 2)
    end = _screen(viewer, shown.x + shown.w / 2 + 60, shown.y + shown.h / 2 + 60)
    port = viewer.viewport()
    QTest.mousePress(port, LEFT, NO_MODS, start)
    for step in range(1, 7):
        QTest.mouseMove(port, start + (end - start) * (step / 6))
    QTest.mouseRelease(port, LEFT, NO_MODS, end)
    (moved,) = viewer.suggestions_shown()
    assert moved.x == pytest.approx(shown.x + 60, abs=3)
    assert moved.y == pytest.approx(shown.y + 60, abs=3)
    viewer.setFocus()
    QTest.keyClick(viewer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_regions(path, face)) == 1)
    (region,) = _regions(path, face)
    assert region.redact and region.label == "person"
    assert region.bbox == pytest.approx((moved.x, moved.y, moved.w, moved.h), abs=0.2)
    assert viewer.suggestions_shown() == []
    assert region.id in [r.id for r in viewer.regions_shown()]

    # Undo: the region goes and the suggestion is back, undecided; redo: the same region.
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _regions(path, face) == [])
    assert len(viewer.suggestions_shown()) == 1
    QTest.keyClick(window, Qt.Key.Key_Z, CTRL_SHIFT)
    qtbot.waitUntil(lambda: [r.id for r in _regions(path, face)] == [region.id])
    assert viewer.suggestions_shown() == []
    with open_case(path, actor="check") as case:
        assert verify_case(case).ok


def test_a_rejected_suggestion_writes_nothing_and_a_double_click_accepts(
        window, qtbot, faces_case):
    path, ids = faces_case
    face = ids[Path(ONE_FACE).name]
    window.open_case(path)
    workspace = window.workspace
    workspace.browser.select(face)
    viewer = workspace.viewer
    with open_case(path, actor="check") as case:
        records = case.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    workspace.browser.view.setFocus()          # where the item was chosen
    _suggest(window, qtbot, 1)
    assert viewer.hasFocus()                   # the suggestions came: the keys go there
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)
    assert viewer.suggestions_shown() == []
    with open_case(path, actor="check") as case:
        assert case.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == records
    assert _regions(path, face) == []
    # Asked again, it comes back; a double click on it accepts it as it stands.
    _suggest(window, qtbot, 1)
    (shown,) = viewer.suggestions_shown()
    QTest.mouseDClick(viewer.viewport(), LEFT, NO_MODS,
                      _screen(viewer, shown.x + shown.w / 2, shown.y + shown.h / 2))
    qtbot.waitUntil(lambda: len(_regions(path, face)) == 1)
    assert _regions(path, face)[0].bbox == pytest.approx((shown.x, shown.y, shown.w,
                                                           shown.h), abs=0.2)
    # Asked again: the face now covered is not suggested a second time.
    _suggest(window, qtbot, 0)
    assert "(1 already covered by redaction regions)" in window.statusBar().currentMessage()


def _select_rows(browser, ids: list[str]) -> None:
    """Click the first item, Ctrl+click the others, in the browser's view."""
    view = browser.view
    for number, evidence_id in enumerate(ids):
        index = browser.model.index(browser.model.row_of(evidence_id))
        view.scrollTo(index)
        modifiers = NO_MODS if number == 0 else Qt.KeyboardModifier.ControlModifier
        QTest.mouseClick(view.viewport(), LEFT, modifiers, view.visualRect(index).center())


def test_on_a_selection_bad_items_are_listed_and_the_others_go_on(window, qtbot, tmp_path,
                                                                   corpus):
    case = create_case(tmp_path / "mixed", title="Mixed", actor="setup")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes((corpus / ONE_FACE).read_bytes()[:2000])
    report = import_paths(case, [corpus / ONE_FACE, corpus / NO_FACE, cut])
    ids = {Path(item["path"]).name: item["id"] for item in report.imported}
    path = case.path
    case.close()
    window.open_case(path)
    workspace = window.workspace
    _select_rows(workspace.browser, [ids["cut.jpg"], ids[Path(NO_FACE).name],
                                     ids[Path(ONE_FACE).name]])
    assert len(workspace.browser.selected_ids()) == 3
    QTest.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget()
                                       or _problems(window), ProblemsDialog),
                    timeout=30_000)
    dialog = _problems(window)
    text = dialog.text.toPlainText()
    assert text.count("\n") == 0 and text.startswith("cut.jpg: ")
    assert "1 face suggested on 2 items" in window.statusBar().currentMessage()
    dialog.accept()
    # The face waits on its item: shown when it is opened.
    workspace.browser.select(ids[Path(ONE_FACE).name])
    assert len(workspace.viewer.suggestions_shown()) == 1
    workspace.browser.select(ids[Path(NO_FACE).name])
    assert workspace.viewer.suggestions_shown() == []


def _problems(window):
    return next((w for w in window.findChildren(ProblemsDialog) if w.isVisible()), None)


def test_cancel_stops_the_search(window, qtbot, tmp_path, corpus):
    case = create_case(tmp_path / "many", title="Many", actor="setup")
    copies = []
    for number in range(8):          # distinct files (their own hashes) of the portrait
        copy = tmp_path / f"portrait_{number}.jpg"
        Image.open(corpus / ONE_FACE).save(copy, quality=60 + number)
        copies.append(copy)
    report = import_paths(case, copies)
    ids = [item["id"] for item in report.imported]
    path = case.path
    case.close()
    window.open_case(path)
    _select_rows(window.workspace.browser, ids)
    QTest.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)
    assert window.jobs.busy and window.job_bar.isVisible()
    QTest.mouseClick(window.job_bar.cancel, LEFT)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30_000)
    message = window.statusBar().currentMessage()
    assert message.startswith("Stopped: "), message
    looked_at = int(message.split("suggested on ")[1].split(" ")[0])
    assert looked_at < len(ids)


def test_suggestions_found_before_a_turn_are_dropped(window, qtbot, faces_case):
    """Turning the display (Ctrl+R) moves every pixel: boxes found before are wrong."""
    path, ids = faces_case
    face = ids[Path(ONE_FACE).name]
    window.open_case(path)
    workspace = window.workspace
    workspace.browser.select(face)
    _suggest(window, qtbot, 1)
    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: workspace.viewer.image_rect().width() == 1200)
    workspace.browser.select(ids[Path(NO_FACE).name])
    workspace.browser.select(face)
    assert workspace.viewer.suggestions_shown() == []
    assert window.faces.waiting(face) == []


def test_accept_all_takes_every_suggestion_of_the_image_in_one_undo_step(
        window, qtbot, faces_case):
    path, ids = faces_case
    face = ids[Path(ONE_FACE).name]
    window.open_case(path)
    workspace = window.workspace
    workspace.browser.select(face)
    _suggest(window, qtbot, 1)
    QTest.keyClick(window, Qt.Key.Key_Return, CTRL_SHIFT)   # View ▸ Accept all …
    qtbot.waitUntil(lambda: len(_regions(path, face)) == 1)
    assert workspace.viewer.suggestions_shown() == []
    assert window.session.undo_stack.undoText() == "Accept 1 face suggestion"
