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


def _laptop_window(qtbot, settings):
    from reviewer.ui.main_window import MainWindow

    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    qtbot.waitExposed(main)
    return main


def _layout(main) -> dict:
    workspace = main.workspace
    return {"viewer": workspace.center.width(), "browser": workspace.left.width(),
            "docks": [(d.windowTitle(), d.width(), d.height(), d.isVisible())
                      for d in main.docks], "window": (main.width(), main.height())}


def test_the_layout_at_1366x768_comes_back_exactly_after_reopening(qtbot, settings,
                                                                   small_case):
    first = _laptop_window(qtbot, settings)
    first.open_case(small_case)
    _wait_image(qtbot, first)
    qtbot.wait(50)
    left = first.workspace.left
    # At least two columns of thumbnails in the evidence browser at this size.
    view = first.workspace.browser.view
    assert view.viewport().width() >= 2 * view.gridSize().width()
    # The investigator widens the evidence browser by dragging the splitter handle.
    handle = first.workspace.splitter.handle(1)
    middle = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=middle)
    qtbot.mouseMove(handle, middle + QPoint(60, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=middle + QPoint(60, 0))
    qtbot.waitUntil(lambda: left.width() > 400, timeout=2000)
    before = _layout(first)
    first.close()
    for _session in range(2):
        again = _laptop_window(qtbot, settings)
        again.open_case(small_case)
        _wait_image(qtbot, again)

        def same(again=again) -> None:
            assert _layout(again) == before

        qtbot.waitUntil(same, timeout=3000)
        again.close()
