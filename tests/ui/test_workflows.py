"""Longer user workflows in the app: import, incidents by form, menu and drag, vanished case."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from reviewer.core.case import open_case
from reviewer.core.incidents import add_incident, incident_region_ids, list_incidents
from reviewer.core.regions import add_region
from reviewer.core.shape import parse_box
from reviewer.ui import mime
from reviewer.ui.incident_form import IncidentForm


def _first_photo(case_path):
    with open_case(case_path, actor="setup") as case:
        return case.conn.execute(
            "SELECT id FROM evidence WHERE original_name = 'photo_0000.jpg'").fetchone()[0]


def test_import_a_folder_runs_in_the_background_and_lists_problems(window, qtbot, small_case,
                                                                   photo_factory):
    window.open_case(small_case)
    folder = photo_factory(name="batch/scene_0.jpg", size=(800, 600)).parent
    for seed in range(1, 5):
        photo_factory(name=f"batch/scene_{seed}.jpg", size=(800, 600))
    (folder / "notes.jpg").write_text("not a photo at all")
    (folder / "witness list.txt").write_text("names")           # not media: skipped, said
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000) as finished:
        assert window.import_paths([str(folder)])
        assert window.job_bar.isVisible()
    report = finished.args[0]
    assert len(report.imported) == 5 and len(report.errors) == 1
    assert not window.job_bar.isVisible()
    assert window.workspace.model.rowCount() == 8
    dialog = _problems_dialog(window)
    assert dialog is not None
    text = dialog.text.toPlainText()
    assert "notes.jpg" in text and "text file" in text
    assert "witness list.txt: not a photo or video" in text
    assert "1 skipped" in window.statusBar().currentMessage()


def _problems_dialog(window):
    from reviewer.ui.dialogs import ProblemsDialog

    shown = [d for d in window.findChildren(ProblemsDialog) if d.isVisible()]
    return shown[0] if shown else None


def test_dropping_files_on_the_window_imports_them(window, qtbot, small_case, photo_factory):
    window.open_case(small_case)
    photo = photo_factory(size=(640, 480))
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(photo))])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000):
        window.dropEvent(event)
    assert window.workspace.model.rowCount() == 4



def test_a_dropped_folder_whose_name_is_not_utf8_imports_every_item(window, qtbot, small_case,
                                                                    corpus, tmp_path):
    # Found by hand: a file manager sends the name's bytes as %FF; toLocalFile() made it
    # U+FFFD, a folder that does not exist, and nothing was imported.
    import os
    import shutil
    folder = os.fsencode(tmp_path) + b"/caso-\xff"
    os.mkdir(folder)
    phone = (corpus / "photos_gps" / "iphone6_hdr.jpg").read_bytes()
    with open(folder + b"/cut_\xfe.jpg", "wb") as cut:
        cut.write(phone[:len(phone) // 2])                 # a truncated phone photo
    shutil.copyfile(corpus / "video_phone" / "phone_mp4_gps_udta_xyz.mp4",
                    os.fsdecode(folder + b"/phone.mp4"))
    shutil.copyfile(corpus / "photos_gps" / "nikon_d3100_gps_alt0.jpg",
                    os.fsdecode(folder + b"/normal.jpg"))
    window.open_case(small_case)
    data = QMimeData()
    data.setData("text/uri-list", b"file://" + folder.replace(b"\xff", b"%FF") + b"\r\n")
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.jobs.finished, timeout=120_000) as finished:
        window.dropEvent(event)
    report = finished.args[0]
    assert len(report.imported) == 3 and not report.errors
    assert [item for item in report.imported if item.get("damaged")]
    assert window.workspace.model.rowCount() == 6
    with open_case(small_case, actor="check") as case:
        rows = case.conn.execute("SELECT original_path_hex, damaged, gps_lat FROM evidence"
                                 " WHERE original_path LIKE '%caso-%'").fetchall()
    assert len(rows) == 3 and all(lat is not None for _, _, lat in rows)
    exact = {bytes.fromhex(path_hex) for path_hex, _, _ in rows if path_hex}
    assert folder + b"/cut_\xfe.jpg" in exact

def test_new_incident_from_the_form_holds_the_selected_region(window, qtbot, small_case):
    evidence_id = _first_photo(small_case)
    with open_case(small_case, actor="setup") as case:
        region = add_region(case, evidence_id, "gas cylinder", "rect", parse_box("5,5,50,50"))
    window.open_case(small_case)
    workspace = window.workspace
    workspace.open_region(evidence_id, region.id)

    def fill_form():
        form = QApplication.activeModalWidget()
        assert isinstance(form, IncidentForm)
        qtbot.keyClicks(form.title, "Cylinder in courtyard")
        qtbot.keyClicks(form.time_from, "2018-04-07T19:00+03:00")
        qtbot.keyClicks(form.time_to, "2018-04-07T19:30+03:00")
        qtbot.keyClicks(form.lat, "33.5717")
        qtbot.keyClicks(form.lon, "36.4036")
        form.radius.setValue(250)
        form.accept()

    QTimer.singleShot(50, fill_form)
    qtbot.mouseClick(workspace.incidents.new_button, Qt.MouseButton.LeftButton)
    with open_case(small_case, actor="check") as case:
        incidents = list_incidents(case)
        assert [(i["title"], i["radius_m"], i["regions"]) for i in incidents] == [
            ("Cylinder in courtyard", 250, 1)]
        assert incidents[0]["created_by"] == "Investigator A"
    window.undo_action.trigger()
    with open_case(small_case, actor="check") as case:
        assert list_incidents(case) == []


def test_form_refuses_an_interval_that_ends_before_it_starts(qtbot):
    form = IncidentForm()
    qtbot.addWidget(form)
    form.title.setText("Backwards")
    form.time_from.setText("2020-01-02")
    form.time_to.setText("2020-01-01")
    form.accept()
    assert form.result() != IncidentForm.DialogCode.Accepted
    assert "before the start" in form.error.text()


def test_context_menu_attaches_regions_to_an_incident(window, qtbot, small_case):
    evidence_id = _first_photo(small_case)
    with open_case(small_case, actor="setup") as case:
        region = add_region(case, evidence_id, "crater", "rect", parse_box("5,5,50,50"))
        incident = add_incident(case, "Crater in road")
    window.open_case(small_case)
    workspace = window.workspace
    workspace.open_region(evidence_id, region.id)
    table = workspace.regions.table
    table.customContextMenuRequested.emit(QPoint(10, 10))
    menu = next(m for m in table.findChildren(QMenu) if m.isVisible())
    attach = next(a for a in menu.actions() if a.text().startswith("Attach"))
    target = next(a for a in attach.menu().actions() if a.text() == "Crater in road")
    target.trigger()
    with open_case(small_case, actor="check") as case:
        assert incident_region_ids(case, incident.id) == [region.id]


def test_dragging_a_region_onto_an_incident_attaches_it(window, qtbot, small_case):
    evidence_id = _first_photo(small_case)
    with open_case(small_case, actor="setup") as case:
        region = add_region(case, evidence_id, "debris", "rect", parse_box("5,5,50,50"))
        incident = add_incident(case, "Debris field")
    window.open_case(small_case)
    workspace = window.workspace
    workspace.open_region(evidence_id, region.id)
    table = workspace.incidents.table
    target = table.visualRect(workspace.incidents.model.index(0, 0)).center()
    data = workspace.regions.model.mimeData([workspace.regions.model.index(0, 0)])
    assert mime.unpack(data, mime.REGIONS) == [region.id]
    event = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    table.dropEvent(event)
    with open_case(small_case, actor="check") as case:
        assert incident_region_ids(case, incident.id) == [region.id]


def test_case_folder_removed_while_open_reports_and_keeps_going(window, qtbot, small_case,
                                                                 tmp_path):
    window.open_case(small_case)
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0, timeout=5000)
    small_case.rename(tmp_path / "moved away.case")
    window.set_tool("point")
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(50, 50))
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "moved or deleted" in boxes[0].text()
    assert window.session.undo_stack.count() == 0
    window.workspace.browser.step(1)          # the app is still usable
    assert window.workspace.current_id


def test_vocabulary_dialog_renames_and_merges_labels(window, qtbot, small_case):
    from PySide6.QtWidgets import QInputDialog

    from reviewer.core.labels import list_labels
    from reviewer.ui.dialogs import LabelsDialog

    evidence_id = _first_photo(small_case)
    with open_case(small_case, actor="setup") as case:
        add_region(case, evidence_id, "debris", "rect", parse_box("5,5,50,50"))
    window.open_case(small_case)
    window.workspace.open_region(evidence_id, "")
    assert window.workspace.current_id == evidence_id
    assert [r.label for r in window.workspace.regions.model.regions] == ["debris"]
    dialog = LabelsDialog(window.session, window)
    qtbot.addWidget(dialog)
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    dialog.list.setCurrentRow(next(i for i, n in enumerate(names) if n.endswith("debris")))

    def answer(text):
        box = QApplication.activeModalWidget()
        assert isinstance(box, QInputDialog)
        if box.comboBoxItems():
            box.setTextValue(text)
        else:
            box.setTextValue("")
            qtbot.keyClicks(box.findChild(type(window.workspace.browser.filters.text)), text)
        box.accept()

    QTimer.singleShot(50, lambda: answer("rubble"))
    dialog.rename()
    with open_case(small_case, actor="check") as case:
        assert "rubble" in [label.name for label in list_labels(case)]
    assert [r.label for r in window.workspace.regions.model.regions] == ["rubble"], (
        window.workspace.current_id == evidence_id, window.workspace.regions.model.evidence_id)
    QTimer.singleShot(50, lambda: answer("crater"))
    dialog.merge()
    with open_case(small_case, actor="check") as case:
        labels = [label.name for label in list_labels(case)]
        assert "rubble" not in labels
        assert case.conn.execute("SELECT l.name FROM regions r JOIN labels l"
                                 " ON l.id = r.label_id").fetchall() == [("crater",)]
    assert [r.label for r in window.workspace.regions.model.regions] == ["crater"]


def test_page_keys_step_through_the_items(window, qtbot, small_case):
    window.open_case(small_case)
    workspace = window.workspace
    first = workspace.current_id
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert workspace.current_id not in ("", first)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert workspace.current_id == first


def test_keep_a_video_frame_and_tag_it(window, qtbot, tmp_path):
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
    import_paths(case, [clip])
    case.close()
    window.open_case(tmp_path / "video.case")
    workspace = window.workspace
    assert workspace.center.currentWidget() is workspace.video
    video_id = workspace.current_id
    workspace.video.slider.setValue(17)
    qtbot.waitUntil(lambda: workspace.video.index == 17, timeout=5000)
    with qtbot.waitSignal(workspace.frameKept, timeout=20_000) as kept:
        qtbot.keyClick(workspace.video, Qt.Key.Key_K)
    frame_id = kept.args[0]
    assert workspace.current_id == frame_id
    assert workspace.center.currentWidget() is workspace.viewer
    assert workspace.model.ids() == [video_id, frame_id]
    viewer = workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0, timeout=5000)
    window.set_tool("point")
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewer.mapFromScene(100, 100))
    with open_case(tmp_path / "video.case", actor="check") as check:
        row = check.conn.execute("SELECT frame_index, parent_id FROM evidence WHERE id = ?",
                                 (frame_id,)).fetchone()
        assert row == (17, video_id)
        assert check.conn.execute("SELECT count(*) FROM regions WHERE evidence_id = ?",
                                  (frame_id,)).fetchone()[0] == 1


def _video_case(tmp_path, frames: int, name="long"):
    import cv2
    import numpy as np

    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    clip = tmp_path / f"{name}.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 360))
    for index in range(frames):
        image = np.full((360, 640, 3), (index * 7) % 255, np.uint8)
        cv2.putText(image, str(index), (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 4, (255, 0, 0), 6)
        writer.write(image)
    writer.release()
    case = create_case(tmp_path / name, actor="setup")
    import_paths(case, [clip])
    case.close()
    return tmp_path / f"{name}.case"


def test_extract_frames_from_the_app_with_progress(window, qtbot, tmp_path):
    from reviewer.ui.frames_dialog import FramesDialog

    case_path = _video_case(tmp_path, 250)
    window.open_case(case_path)

    def choose():
        box = QApplication.activeModalWidget()
        assert isinstance(box, FramesDialog)
        # Any N, typed as a user would: 2.5 s is none of the old fixed choices.
        box.seconds.setFocus()
        box.seconds.selectAll()
        qtbot.keyClicks(box.seconds.lineEdit(), "2.5")
        qtbot.keyClick(box.seconds, Qt.Key.Key_Return)

    QTimer.singleShot(50, choose)
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000) as done:
        window.extract_frames_dialog()
    report = done.args[0]
    assert len(report.imported) == 4 and not report.cancelled
    assert window.workspace.model.rowCount() == 5
    assert "Kept 4 frame(s)" in window.statusBar().currentMessage()
    with open_case(case_path, actor="check") as case:
        times = [row[0] for row in case.conn.execute(
            "SELECT frame_time_ms FROM evidence WHERE kind = 'frame' ORDER BY frame_time_ms")]
    # The frames on screen at 0, 2.5, 5 and 7.5 s: at 25 fps the one shown from 2.48 s
    # to 2.52 s is on screen at 2.5 s.
    assert times == [0, 2480, 5000, 7480]


def test_cancel_a_long_extraction_leaves_the_case_whole(window, qtbot, tmp_path):
    from reviewer.core.verify import verify_case

    case_path = _video_case(tmp_path, 1500)
    window.open_case(case_path)
    video_id = window.workspace.current_id
    assert window.jobs.extract(case_path, "Investigator A", video_id, 1.0, False)
    qtbot.waitUntil(lambda: window.job_bar.bar.value() > 100, timeout=30_000)
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000) as done:
        qtbot.mouseClick(window.job_bar.cancel, Qt.MouseButton.LeftButton)
    report = done.args[0]
    assert report.cancelled and len(report.imported) < 60
    with open_case(case_path, actor="check") as case:
        assert verify_case(case).ok
        frames = case.conn.execute("SELECT count(*) FROM evidence WHERE kind = 'frame'"
                                   ).fetchone()[0]
    assert frames == len(report.imported)


def test_tab_in_the_incident_form_moves_on_instead_of_typing_a_tab(qtbot):
    form = IncidentForm()
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.description.setFocus()
    qtbot.keyClicks(form.description, "Seen from the roof")
    qtbot.keyClick(form.description, Qt.Key.Key_Tab)
    assert form.description.toPlainText() == "Seen from the roof"
    assert form.focusWidget() is form.sources
