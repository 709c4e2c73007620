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


def _two_photo_case(tmp_path, photo_factory, name="pair"):
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    case = create_case(tmp_path / name, title="Pair", actor="setup")
    import_paths(case, [photo_factory(size=(800, 600)), photo_factory(size=(800, 600))])
    path = case.path
    case.close()
    return path


def test_the_compare_window_closes_with_escape_and_ctrl_w(window, qtbot, tmp_path,
                                                         photo_factory):
    from PySide6.QtWidgets import QApplication

    window.open_case(_two_photo_case(tmp_path, photo_factory))
    workspace = window.workspace
    ids = workspace.model.ids()
    for key, modifier in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                          (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)):
        compare = workspace.compare(list(ids))
        qtbot.addWidget(compare)
        qtbot.waitExposed(compare)
        qtbot.waitUntil(lambda compare=compare: QApplication.activeWindow() is compare,
                        timeout=5000)
        qtbot.keyClick(compare, key, modifier)
        qtbot.waitUntil(lambda compare=compare: not compare.isVisible(), timeout=3000)
        assert workspace.compare_windows == {}


def _answer_file_dialog(qtbot, seen: list[str], typed: str) -> None:
    """When the file dialog opens, note the folder it shows, then choose `typed` (Enter)
    or, given "", cancel it (Escape)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog.directory().absolutePath())
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        if not typed:
            qtbot.keyClick(name, Qt.Key.Key_Escape)
            return
        # Set, not typed: Qt's dialog completes and splits a path typed key by key.
        name.setText(typed)
        qtbot.keyClick(name, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)


def test_file_dialogs_start_in_the_folder_last_used(qtbot, settings, small_case, tmp_path,
                                                    photo_factory):
    first = _laptop_window(qtbot, settings)
    first.open_case(small_case)
    evidence = photo_factory("from_the_field.jpg").parent
    seen: list[str] = []
    _answer_file_dialog(qtbot, seen, str(evidence / "from_the_field.jpg"))
    first.import_files_dialog()
    qtbot.waitUntil(lambda: not first.jobs.busy, timeout=10000)
    assert seen[0] != str(evidence)
    first.close()
    again = _laptop_window(qtbot, settings)            # the next session remembers too
    again.open_case(small_case)
    _answer_file_dialog(qtbot, seen, "")
    again.import_files_dialog()
    assert seen[1] == str(evidence)
    again.close()


def test_a_video_keeps_its_frame_when_chosen_again(window, qtbot, tmp_path, photo_factory):
    import cv2
    import numpy as np

    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    clip = tmp_path / "drone.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for index in range(30):
        writer.write(np.full((240, 320, 3), index * 8, np.uint8))
    writer.release()
    case = create_case(tmp_path / "video", actor="setup")
    import_paths(case, [clip, photo_factory(size=(800, 600))])
    case.close()
    window.open_case(tmp_path / "video.case")
    workspace = window.workspace
    view = workspace.browser.view
    model = view.model()
    rows = {model.evidence_row(row)["kind"]: row for row in range(model.rowCount())}

    def click(kind: str) -> None:
        rect = view.visualRect(model.index(rows[kind], 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    click("video")
    qtbot.waitUntil(lambda: workspace.center.currentWidget() is workspace.video, timeout=5000)
    for _ in range(7):
        qtbot.keyClick(workspace.video, Qt.Key.Key_Right)
    assert workspace.video.slider.value() == 7
    click("photo")
    qtbot.waitUntil(lambda: workspace.center.currentWidget() is workspace.viewer, timeout=5000)
    click("video")
    qtbot.waitUntil(lambda: workspace.center.currentWidget() is workspace.video, timeout=5000)
    qtbot.waitUntil(lambda: workspace.video.index == 7, timeout=5000)
    assert workspace.video.slider.value() == 7
    assert "frame 7 /" in workspace.video.position.text()


def test_viewer_keys_work_with_the_focus_anywhere_in_the_window(window, qtbot, small_case):
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    workspace = window.workspace
    window.set_tool("point")
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(300, 300))
    assert len(_regions_in(small_case)) == 1
    # Zoom with the focus in the evidence browser.
    browser = workspace.browser.view
    browser.setFocus()
    zoom = viewer.zoom()
    qtbot.keyClick(browser, Qt.Key.Key_Plus)
    assert viewer.zoom() > zoom
    qtbot.keyClick(browser, Qt.Key.Key_Minus)
    assert abs(viewer.zoom() - zoom) < 1e-6
    # Delete in the filter box edits the text, and deletes no region.
    search = workspace.browser.filters.text
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "photo")
    qtbot.keyClick(search, Qt.Key.Key_Home)
    qtbot.keyClick(search, Qt.Key.Key_Delete)
    assert search.text() == "hoto"
    assert len(_regions_in(small_case)) == 1
    qtbot.keyClick(search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(search, Qt.Key.Key_Delete)
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    # A region chosen in the Regions list, and Delete pressed there.
    table = workspace.regions.table
    qtbot.waitUntil(lambda: table.model().rowCount() == 1, timeout=3000)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(table.model().index(0, 1)).center())
    assert table.hasFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert _regions_in(small_case) == []
    assert table.model().rowCount() == 0


def _colour_at(viewer, scene_x: float, scene_y: float):
    from PySide6.QtGui import QColor

    image = viewer.viewport().grab().toImage()
    at = viewer.mapFromScene(scene_x, scene_y)
    return QColor(image.pixel(at.x(), at.y()))


def test_rotate_the_display_keeps_regions_on_their_mark_and_undoes(window, qtbot, small_case,
                                                                    tmp_path):
    from reviewer.core.evidence import get_evidence, media_path
    from reviewer.core.rotation import rotation_matrix, transform_geometry

    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    workspace = window.workspace
    qtbot.waitUntil(lambda: viewer._image.resolution() == 1.0, timeout=5000)
    item = workspace.current_id
    mark = next(x for x in range(0, 1200, 1) if _colour_at(viewer, x + 20, 35).blue() < 80)
    # The first photo carries a yellow mark at (mark, 10)-(mark + 40, 60): tag it.
    window.set_tool("rect")
    _drag(qtbot, viewer, viewer.mapFromScene(mark + 4, 14), viewer.mapFromScene(mark + 36, 56))
    [region] = _regions_in(small_case)
    original = media_path(window.session.case, get_evidence(window.session.case, item))
    before_bytes = original.read_bytes()

    qtbot.keyClick(workspace.browser.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: viewer.image_rect().width() == 800, timeout=5000)
    qtbot.waitUntil(lambda: viewer._image.resolution() == 1.0, timeout=5000)
    assert viewer.image_rect().height() == 1200
    [turned] = _regions_in(small_case)
    *_corner, w, h = turned.bbox
    assert (round(w, 3), round(h, 3)) == (round(region.bbox[3], 3), round(region.bbox[2], 3))
    shown = {r.id: r.geometry for r in viewer.regions_shown()}
    assert shown[region.id] == turned.geometry
    # Close up, the mark's edge just outside the tag is yellow, and beside it is not.
    viewer.center_on_region(region.id)
    qtbot.wait(50)
    turn = rotation_matrix(90, 1200, 800)
    for x_before, yellow in ((mark + 2, True), (mark + 44, False)):
        point = transform_geometry("point", {"x": x_before, "y": 35}, turn)
        colour = _colour_at(viewer, point["x"], point["y"])
        assert (colour.red() > 200 and colour.green() > 200 and colour.blue() < 80) == yellow
    viewer.grab().save(str(tmp_path / "turned.png"))
    qtbot.waitUntil(lambda: workspace.model.index(workspace.model.ids().index(item), 0)
                    .data(Qt.ItemDataRole.UserRole + 3) is not None, timeout=5000)
    thumbnail = workspace.model.index(workspace.model.ids().index(item), 0).data(
        Qt.ItemDataRole.UserRole + 3)
    assert thumbnail.height() > thumbnail.width()                 # portrait now
    assert original.read_bytes() == before_bytes                  # the original untouched
    assert "Rotate clockwise" in window.undo_action.text()

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: viewer.image_rect().width() == 1200, timeout=5000)
    [back] = _regions_in(small_case)
    assert back.geometry == region.geometry
    with open_case(small_case, actor="check") as case:
        actions = [row[0] for row in case.conn.execute("SELECT action FROM audit")]
    assert actions.count("evidence.rotate") == 2


def test_the_regions_panel_shows_the_incidents_of_each_tag(window, qtbot, small_case):
    from reviewer.core.incidents import add_incident

    with open_case(small_case, actor="setup") as case:
        add_incident(case, "Cylinder on roof")
        add_incident(case, "Strike on market")
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    workspace = window.workspace
    window.set_tool("point")
    for x in (200, 400):
        qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                         pos=viewer.mapFromScene(x, 300))
    table = workspace.regions.table
    model = table.model()
    column = model.COLUMNS.index("Incidents")
    incidents = workspace.incidents.table
    for row in range(2):                      # the first tag goes to both incidents
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualRect(model.index(0, 1)).center())
        qtbot.mouseClick(incidents.viewport(), Qt.MouseButton.LeftButton,
                         pos=incidents.visualRect(incidents.model().index(row, 0)).center())
        qtbot.mouseClick(workspace.incidents.attach_button, Qt.MouseButton.LeftButton)
    first = model.index(0, column).data()
    assert "Cylinder on roof" in first and "Strike on market" in first
    assert model.index(1, column).data() == ""
    assert "Not attached" in model.index(1, column).data(Qt.ItemDataRole.ToolTipRole)
    window.undo_action.trigger()                 # the panel follows undo too
    assert len(model.index(0, column).data().split("; ")) == 1


def test_help_has_a_shortcut_sheet_and_the_user_guide(window, qtbot, small_case):
    from PySide6.QtWidgets import QApplication

    from reviewer.ui.help import GuideWindow, ShortcutSheet

    window.open_case(small_case)
    _wait_image(qtbot, window)
    qtbot.keyClick(window.workspace.browser.view, Qt.Key.Key_Slash,
                   Qt.KeyboardModifier.ControlModifier)
    sheet = window.help_dialog
    assert isinstance(sheet, ShortcutSheet) and sheet.isVisible()
    assert sheet.keys_for("Rotate clockwise") == "Ctrl+R"
    assert sheet.keys_for("Rectangle (R)") == "R"
    assert "1 – 9" in [sheet.table.item(row, 1).text() for row in range(sheet.table.rowCount())]
    sheet.close()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    guide = window.help_dialog
    assert isinstance(guide, GuideWindow) and guide.isVisible()
    text = guide.text.toPlainText()
    assert "Evidence Reviewer: a user's guide" in text and "Tag what you see" in text
    assert QApplication.activeModalWidget() is None        # the guide stays open beside work
    guide.close()


def test_the_browser_tile_counts_a_tag_drawn_and_forgets_it_on_undo(window, qtbot, small_case):
    # The tile's row is read again alone after a region edit (not its page of 200 rows).
    window.open_case(small_case)
    viewer = _wait_image(qtbot, window)
    workspace = window.workspace
    model = workspace.model
    row = model.row_of(workspace.current_id)
    assert model.evidence_row(row)["labels"] == {}
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.keyClick(window, Qt.Key.Key_4)                      # "toppled column"
    _drag(qtbot, viewer, viewer.mapFromScene(100, 100), viewer.mapFromScene(300, 300))
    labels = model.evidence_row(row)["labels"]
    assert list(labels) == ["toppled column"] and labels["toppled column"][0] == 1
    window.undo_action.trigger()
    assert model.evidence_row(row)["labels"] == {}
