"""Rough edges investigators hit on a 1366×768 laptop: keys, layout, windows, rotation."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from reviewer.core.case import open_case
from reviewer.core.regions import list_regions


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
        qtbot.mouseMove(port, start + (end - start) * step / 5)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=end)


def test_a_number_key_after_drawing_chooses_the_next_label_not_a_relabel(window, qtbot,
                                                                         small_case):
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.keyClick(window, Qt.Key.Key_4)                      # "toppled column"
    _drag(qtbot, viewer, viewer.mapFromScene(100, 100), viewer.mapFromScene(300, 300))
    qtbot.keyClick(window, Qt.Key.Key_2)                      # meant for the next shape
    [first] = _regions_in(small_case)
    assert first.label == "toppled column"                    # not silently relabelled
    message = window.statusBar().currentMessage()
    assert "next shape" in message and window.workspace.labels.current().name in message
    _drag(qtbot, viewer, viewer.mapFromScene(500, 400), viewer.mapFromScene(700, 600))
    second = next(r for r in _regions_in(small_case) if r.id != first.id)
    assert second.label == window.workspace.labels.current().name
    assert second.label != "toppled column"
    # Picked on purpose with the select tool: now the key relabels it.
    qtbot.keyClick(window, Qt.Key.Key_V)
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(200, 200))
    qtbot.keyClick(window, Qt.Key.Key_4)
    qtbot.keyClick(window, Qt.Key.Key_1)
    relabelled = {r.id: r.label for r in _regions_in(small_case)}
    assert relabelled[first.id] == window.workspace.labels.current().name
    assert relabelled[first.id] != "toppled column"
    assert relabelled[second.id] == second.label
    assert "Relabelled 1" in window.statusBar().currentMessage()
