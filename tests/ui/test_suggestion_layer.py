"""Face suggestions in the bare viewer (no case): drawn apart from regions, picked by a
click, resized by the corner within the image, a drag undone by Escape, decided by keys."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt, QThreadPool
from PySide6.QtTest import QTest

from reviewer.ui.viewer import ImageView, RegionDisplay, SuggestionDisplay

LEFT, NO_MODS = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


@pytest.fixture
def view(qtbot, tmp_path):
    path = tmp_path / "plain.jpg"
    Image.fromarray(np.full((800, 1200, 3), (70, 90, 120), np.uint8)).save(path)
    widget = ImageView()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    with qtbot.waitSignal(widget.imageLoaded, timeout=10_000):
        widget.set_image(path, 1200, 800)
    widget.show_suggestions([SuggestionDisplay(1, 100, 100, 200, 200, 0.9),
                             SuggestionDisplay(2, 700, 300, 150, 150, 0.6)])
    yield widget
    assert QThreadPool.globalInstance().waitForDone(20_000)


def _at(view, x: float, y: float) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def _drag(view, start: QPoint, end: QPoint, release: bool = True) -> None:
    port = view.viewport()
    QTest.mousePress(port, LEFT, NO_MODS, start)
    for step in range(1, 7):
        QTest.mouseMove(port, start + (end - start) * (step / 6))
    if release:
        QTest.mouseRelease(port, LEFT, NO_MODS, end)


def test_the_first_is_highlighted_and_a_click_picks_another(view, qtbot):
    assert view.current_suggestion().key == 1
    QTest.mouseClick(view.viewport(), LEFT, NO_MODS, _at(view, 775, 375))
    assert view.current_suggestion().key == 2
    with qtbot.waitSignal(view.suggestionAccepted) as accepted:
        QTest.keyClick(view, Qt.Key.Key_Return)
    assert accepted.args[0].key == 2
    with qtbot.waitSignal(view.suggestionRejected) as rejected:
        QTest.keyClick(view, Qt.Key.Key_Backspace)
    assert rejected.args == [2]


def test_the_corner_resizes_within_the_image_and_escape_undoes_a_drag(view):
    # Drag the bottom-right corner of the second far past the image's right edge.
    _drag(view, _at(view, 850, 450), _at(view, 1400, 500))
    second = next(s for s in view.suggestions_shown() if s.key == 2)
    assert (second.x, second.y) == (700, 300)
    assert second.x + second.w == pytest.approx(1200)        # clamped to the image
    assert second.h == pytest.approx(200, abs=3)
    # A move started and cancelled with Escape leaves the box where it was.
    _drag(view, _at(view, 200, 200), _at(view, 400, 300), release=False)
    moved = next(s for s in view.suggestions_shown() if s.key == 1)
    assert moved.x == pytest.approx(300, abs=3)
    QTest.keyClick(view, Qt.Key.Key_Escape)
    QTest.mouseRelease(view.viewport(), LEFT, NO_MODS, _at(view, 400, 300))
    first = next(s for s in view.suggestions_shown() if s.key == 1)
    assert (first.x, first.y, first.w, first.h) == (100, 100, 200, 200)


def test_delete_means_the_selected_region_when_there_is_one(view, qtbot):
    view.set_regions([RegionDisplay("r1", "rect", {"x": 500, "y": 500, "w": 100, "h": 100},
                                    "person", "#f032e6")])
    QTest.mouseClick(view.viewport(), LEFT, NO_MODS, _at(view, 550, 550))
    assert view.selected_ids() == ["r1"]
    with qtbot.waitSignal(view.deleteRequested) as asked:
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert asked.args == [["r1"]]
    assert len(view.suggestions_shown()) == 2              # no suggestion was rejected


def test_a_new_image_clears_the_suggestions(view, tmp_path):
    view.set_image(None, 0, 0, "nothing")
    assert view.suggestions_shown() == [] and view.current_suggestion() is None
