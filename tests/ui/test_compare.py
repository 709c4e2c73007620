"""Before/after comparison in the app: pick two items, align, swipe, difference, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from reviewer.core.align import map_points
from reviewer.core.case import create_case, open_case
from reviewer.core.comparisons import get_comparison, list_comparisons
from reviewer.core.evidence import EvidenceFilter, get_evidence, list_evidence, media_path
from reviewer.core.importer import import_paths
from reviewer.core.regions import add_region
from reviewer.demo.texture import camera_move, textured_scene, view_of

SIZE = (1200, 900)
MOVE = camera_move(SIZE, angle_deg=6, scale=0.92)     # before (scene) pixel -> after pixel
TRUTH = np.linalg.inv(MOVE)                            # after pixel -> before pixel
CHANGED = (700, 300, 160, 140)                         # x, y, w, h in before pixels


def _save(path: Path, pixels: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=95)
    return path


@pytest.fixture
def pair_case(tmp_path):
    """A case with a before photo and an after photo of one scene, moved and changed."""
    scene = textured_scene(*SIZE, seed=5)
    changed = scene.copy()
    x, y, w, h = CHANGED
    changed[y:y + h, x:x + w] = (200, 40, 40)          # something new stands there
    case = create_case(tmp_path / "pair", title="Pair", actor="setup")
    import_paths(case, [_save(tmp_path / "in" / "a_before.jpg", scene),
                        _save(tmp_path / "in" / "b_after.jpg", view_of(changed, MOVE))])
    path = case.path
    case.close()
    return path


def worst_error(found, truth=TRUTH) -> float:
    grid = np.array([[x, y] for x in np.linspace(0, SIZE[0], 7)
                     for y in np.linspace(0, SIZE[1], 5)])
    return float(np.hypot(*(map_points(np.asarray(found), grid) - map_points(truth, grid)).T).max())


def _select_both(window, qtbot) -> None:
    view = window.workspace.browser.view
    model = view.model()
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    first, second = (view.visualRect(model.index(row, 0)).center() for row in (0, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, pos=second)
    assert len(window.workspace.browser.selected_ids()) == 2


def _open_comparison(window, qtbot, case_path):
    window.open_case(case_path)
    _select_both(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(window.workspace.compare_windows) == 1, timeout=5000)
    compare = next(iter(window.workspace.compare_windows.values()))
    qtbot.addWidget(compare)
    qtbot.waitExposed(compare)
    qtbot.waitUntil(lambda: compare.pixels is not None, timeout=10000)
    return compare


def test_compare_align_swipe_and_see_the_change(window, qtbot, pair_case, tmp_path):
    compare = _open_comparison(window, qtbot, pair_case)
    saved = list_comparisons(window.session.case)
    assert len(saved) == 1 and saved[0].transform is None
    assert get_evidence(window.session.case, saved[0].before_id)["original_name"] == "a_before.jpg"
    assert not compare.mode_actions["swipe"].isEnabled()      # nothing to lay over yet

    qtbot.keyClick(compare, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: get_comparison(window.session.case, saved[0].id).aligned,
                    timeout=20000)
    stored = get_comparison(window.session.case, saved[0].id)
    assert worst_error(stored.transform) < 2.0
    assert "Aligned automatically" in compare.alignment_label.text()
    qtbot.waitUntil(lambda: compare.display is not None, timeout=10000)
    qtbot.wait(100)
    compare.grab().save(str(tmp_path / "side.png"))

    # Swipe: drag the divider from the middle to a quarter of the width.
    qtbot.keyClick(compare, Qt.Key.Key_2)
    assert compare.view.mode == "swipe" and not compare.view.after_view.isVisible()
    before_view = compare.view.before_view
    port = before_view.viewport()
    start = QPoint(round(compare.view.overlay.divider_x_on_screen()), port.height() // 2)
    target = before_view.mapFromScene(QPointF(SIZE[0] * 0.25, SIZE[1] / 2))
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(port, pos=QPoint((start.x() + target.x()) // 2, start.y()))
    qtbot.mouseMove(port, pos=QPoint(target.x(), start.y()))
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=QPoint(target.x(), start.y()))
    assert compare.view.overlay.divider == pytest.approx(0.25, abs=0.02)
    assert compare.slider.value() == pytest.approx(25, abs=2)
    qtbot.wait(100)
    compare.grab().save(str(tmp_path / "swipe.png"))

    # Difference: the painted block is found, the rest of the scene is not.
    qtbot.keyClick(compare, Qt.Key.Key_4)
    assert compare.view.mode == "difference"
    from reviewer.core.difference import changed_mask

    mask = changed_mask(compare.display.heat, compare.threshold())
    scale = mask.shape[1] / SIZE[0]
    x, y, w, h = (round(v * scale) for v in CHANGED)
    assert mask[y:y + h, x:x + w].mean() > 0.6
    assert mask.mean() < 0.1
    assert "changed" in compare.slider_label.text()
    qtbot.wait(100)
    compare.grab().save(str(tmp_path / "difference.png"))

    # Undo takes the alignment back; the overlay modes go with it.
    qtbot.keyClick(compare, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not get_comparison(window.session.case, saved[0].id).aligned
    assert compare.view.mode == "side" and not compare.mode_actions["swipe"].isEnabled()


def test_align_by_four_clicked_pairs(window, qtbot, pair_case):
    compare = _open_comparison(window, qtbot, pair_case)
    qtbot.keyClick(compare, Qt.Key.Key_P)
    assert compare.points_bar.isVisible()
    before_view, after_view = compare.view.before_view, compare.view.after_view
    for view in (before_view, after_view):
        qtbot.waitUntil(lambda v=view: v.zoom() > 0, timeout=5000)
    corners = [(150, 120), (1050, 150), (1000, 780), (200, 760)]
    for x, y in corners:
        after_x, after_y = map_points(MOVE, [[x, y]])[0]
        for view, (px, py) in ((before_view, (x, y)), (after_view, (after_x, after_y))):
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                             pos=view.mapFromScene(QPointF(px, py)))
    assert len(compare.view.picker.pairs()) == 4
    assert compare.points_apply.isEnabled()
    qtbot.mouseClick(compare.points_apply, Qt.MouseButton.LeftButton)
    stored = list_comparisons(window.session.case)[0]
    assert stored.alignment["method"] == "manual"
    # A click lands on a whole screen pixel, about two image pixels at this zoom.
    zoom = min(before_view.zoom(), after_view.zoom())
    assert worst_error(stored.transform) < 3.0 / zoom
    assert not compare.points_bar.isVisible()


def test_export_the_comparison_as_derived_evidence(window, qtbot, pair_case, tmp_path):
    compare = _open_comparison(window, qtbot, pair_case)
    qtbot.keyClick(compare, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: compare.comparison.aligned, timeout=20000)
    qtbot.keyClick(compare, Qt.Key.Key_4)
    out = tmp_path / "for the report.png"

    def fill_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QDialog)
        dialog.copy.setChecked(True)
        dialog.path.setText(str(out))
        dialog.width_box.setValue(1000)
        dialog.accept()

    QTimer.singleShot(0, fill_dialog)
    compare.export_action.trigger()
    qtbot.waitUntil(lambda: "Exported" in compare.statusBar().currentMessage(), timeout=20000)
    with Image.open(out) as picture:
        assert picture.width == 1000
    derived = list_evidence(window.session.case, EvidenceFilter(kind="derived"))
    assert len(derived) == 1 and derived[0]["original_name"].endswith("_difference.png")
    # The file written is the kept picture with Content Credentials: the same pixels.
    with Image.open(media_path(window.session.case, derived[0])) as kept, \
            Image.open(out) as shared:
        assert np.array_equal(np.asarray(kept), np.asarray(shared))
    assert b"caBX" in out.read_bytes()


def test_an_image_that_does_not_decode_is_said_and_nothing_breaks(window, qtbot, pair_case):
    with open_case(pair_case, actor="setup") as case:
        after = next(r for r in list_evidence(case) if r["original_name"] == "b_after.jpg")
        path = media_path(case, after)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:2000])             # cut short after import
    window.open_case(pair_case)
    _select_both(window, qtbot)
    window.workspace.compare()
    compare = next(iter(window.workspace.compare_windows.values()))
    qtbot.addWidget(compare)
    qtbot.waitUntil(lambda: "Cannot compare" in compare.alignment_label.text(), timeout=10000)
    assert "b_after.jpg" in compare.alignment_label.text()
    assert not compare.align_action.isEnabled()
    compare.set_mode("difference")
    assert compare.view.mode == "side"


def test_the_same_item_twice_is_refused(window, qtbot, pair_case):
    window.open_case(pair_case)
    item = window.workspace.browser.current_id() or list_evidence(window.session.case)[0]["id"]
    assert window.workspace.compare([item, item]) is None
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "both before and after" in boxes[0].text()
    assert list_comparisons(window.session.case) == []


def test_no_common_features_is_refused_in_words_and_nothing_is_overlaid(window, qtbot,
                                                                        tmp_path):
    flat = np.full((600, 800, 3), 128, np.uint8)
    noise = np.random.default_rng(1).integers(0, 255, (700, 500, 3), dtype=np.uint8)
    case = create_case(tmp_path / "unrelated", title="Unrelated", actor="setup")
    import_paths(case, [_save(tmp_path / "in" / "a.jpg", flat),
                        _save(tmp_path / "in" / "b.jpg", noise)])
    path = case.path
    case.close()
    compare = _open_comparison(window, qtbot, path)
    qtbot.keyClick(compare, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: "refused" in compare.alignment_label.text(), timeout=20000)
    assert "no common features" in compare.alignment_label.text()
    assert not compare.comparison.aligned and not compare.mode_actions["difference"].isEnabled()
    assert compare.align_action.isEnabled()               # the user can try again, or by points


def _tags_shown(view) -> list[str]:
    return sorted(region.label for region in view.regions_shown())


def test_every_mode_says_which_image_each_tag_was_drawn_on(window, qtbot, pair_case):
    case = open_case(pair_case, actor="setup")
    by_name = {row["original_name"]: row["id"] for row in list_evidence(case, EvidenceFilter())}
    add_region(case, by_name["a_before.jpg"], "crater", "rect",
               {"x": 100, "y": 100, "w": 80, "h": 60})
    add_region(case, by_name["b_after.jpg"], "gas cylinder", "rect",
               {"x": 300, "y": 200, "w": 50, "h": 90})
    case.close()
    compare = _open_comparison(window, qtbot, pair_case)
    view = compare.view
    # Side by side: each pane's own tags plain, the other image's marked with its name.
    assert _tags_shown(view.before_view) == ["crater", "gas cylinder (after)"]
    assert _tags_shown(view.after_view) == ["crater (before)", "gas cylinder"]

    qtbot.keyClick(compare, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: compare.display is not None
                    and compare.mode_actions["difference"].isEnabled(), timeout=20000)
    # One picture made of both images: every tag says which it was drawn on, whatever
    # the mode (difference shows the after image, swipe and blend both).
    for key, mode in ((Qt.Key.Key_2, "swipe"), (Qt.Key.Key_3, "blend"),
                      (Qt.Key.Key_4, "difference")):
        qtbot.keyClick(compare, key)
        assert view.mode == mode
        assert _tags_shown(view.before_view) == ["crater (before)", "gas cylinder (after)"]
    qtbot.keyClick(compare, Qt.Key.Key_1)
    assert _tags_shown(view.before_view) == ["crater", "gas cylinder (after)"]


def test_the_comparison_window_opens_inside_the_screen(window, qtbot, pair_case):
    compare = _open_comparison(window, qtbot, pair_case)
    room = compare.screen().availableGeometry()
    assert compare.width() <= room.width() and compare.height() <= room.height()
    assert compare.width() >= min(1000, room.width() - 40)     # but uses the room there is


def test_ctrl_e_exports_even_while_typing_the_note(window, qtbot, pair_case):
    compare = _open_comparison(window, qtbot, pair_case)
    qtbot.mouseClick(compare.note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(compare.note, "Block painted red")
    opened: list[str] = []

    def close_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        opened.append(type(dialog).__name__)
        if dialog is not None:
            dialog.reject()

    QTimer.singleShot(0, close_dialog)
    qtbot.keyClick(compare.note, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened != ["NoneType"]
    assert compare.comparison.note == "Block painted red"     # saved on the way out


def test_enter_saves_the_note_and_gives_the_keys_back_to_the_view(window, qtbot, pair_case):
    compare = _open_comparison(window, qtbot, pair_case)
    qtbot.mouseClick(compare.note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(compare.note, "Seen from the north")
    qtbot.keyClick(compare.note, Qt.Key.Key_Return)
    assert compare.comparison.note == "Seen from the north"
    assert not compare.note.hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or compare, Qt.Key.Key_A)   # align, not type
    qtbot.waitUntil(lambda: compare.comparison.aligned, timeout=20000)
    assert compare.note.text() == "Seen from the north"


def test_comparing_the_same_pair_again_reopens_the_saved_comparison(window, qtbot, pair_case):
    compare = _open_comparison(window, qtbot, pair_case)
    qtbot.mouseClick(compare.note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(compare.note, "First look")
    qtbot.keyClick(compare.note, Qt.Key.Key_Return)
    compare.close()
    qtbot.waitUntil(lambda: not window.workspace.compare_windows, timeout=5000)
    _select_both(window, qtbot)
    again = window.workspace.compare()
    assert again is not None
    qtbot.addWidget(again)
    assert len(list_comparisons(window.session.case)) == 1
    assert again.note.text() == "First look"
    assert "compared before" in window.statusBar().currentMessage()


def test_export_dialog_adds_png_and_says_what_is_wrong_before_closing(qtbot, tmp_path):
    from reviewer.ui.compare.export_dialog import ExportComparisonDialog

    dialog = ExportComparisonDialog(None, aligned=True, mode="difference")
    qtbot.addWidget(dialog)
    dialog.copy.setChecked(True)
    dialog.path.setText(str(tmp_path / "no such folder" / "columns"))
    dialog.accept()
    assert dialog.result() == 0 and "folder" in dialog.error.text()    # stays open, says why
    dialog.path.setText(str(tmp_path / "columns"))
    dialog.accept()
    assert dialog.result() == 1
    assert dialog.choice().path == tmp_path / "columns.png"


def test_side_by_side_images_line_up_whatever_their_captions(window, qtbot, pair_case):
    compare = _open_comparison(window, qtbot, pair_case)
    view = compare.view
    for width in range(1400, 500, -20):       # somewhere one caption wraps, not the other
        compare.resize(width, 700)
        qtbot.wait(50)
        before_top = view.before_view.mapTo(compare, view.before_view.rect().topLeft()).y()
        after_top = view.after_view.mapTo(compare, view.after_view.rect().topLeft()).y()
        assert before_top == after_top, width


def test_typing_a_note_is_one_undo_step_saved_in_one_transaction(window, qtbot, pair_case):
    compare = _open_comparison(window, qtbot, pair_case)
    stack = window.session.undo_stack
    steps = stack.count()
    begun: list[str] = []
    window.session.case.conn.set_trace_callback(
        lambda sql: begun.append(sql) if sql.startswith("BEGIN") else None)
    try:
        qtbot.mouseClick(compare.note, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(compare.note, "Roof gone")
        qtbot.keyClick(compare.note, Qt.Key.Key_Return)
        assert (len(begun), stack.count()) == (1, steps + 1)
        qtbot.keyClick(compare, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert len(begun) == 2
    finally:
        window.session.case.conn.set_trace_callback(None)
    assert get_comparison(window.session.case, compare.comparison.id).note == ""
    assert compare.note.text() == ""                   # the window shows the undone note
