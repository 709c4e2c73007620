"""Sharing from the app: export a package, verify it, merge it, open it as a new case."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from reviewer.core.case import create_case, open_case
from reviewer.core.evidence import list_evidence
from reviewer.core.export import export_case
from reviewer.core.incidents import Incident, add_incident, link_evidence, list_incidents
from reviewer.core.labels import list_labels
from reviewer.core.regions import add_region, list_regions
from reviewer.core.shape import parse_box
from reviewer.ui.share.export_dialog import ExportDialog


def _tag_and_incident(case_path: Path) -> str:
    with open_case(case_path, actor="setup") as case:
        photo = list_evidence(case)[0]
        incident = add_incident(case, "Shelling of the market <b>bold?</b>")
        add_region(case, photo["id"], list_labels(case)[0].id, "rect",
                   parse_box("10,10,100,80"), incident_id=incident.id)
        return incident.id


def _wait_for_dialog(window, qtbot, timeout: int = 30000):
    qtbot.waitUntil(lambda: window.share.last_dialog is not None
                    and window.share.last_dialog.isVisible(), timeout=timeout)
    dialog = window.share.last_dialog
    window.share.last_dialog = None
    return dialog


def _heading(dialog) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def test_export_verify_and_merge_from_the_app(window, qtbot, small_case, tmp_path):
    incident_id = _tag_and_incident(small_case)
    window.open_case(small_case)
    out = tmp_path / "shared" / "market.zip"
    out.parent.mkdir()
    assert window.share.start_export(out, [incident_id], True)
    assert window.job_bar.isVisible()                  # progress with Cancel while it runs
    dialog = _wait_for_dialog(window, qtbot)
    assert "Package written" in _heading(dialog) and out.exists()
    assert "Only the chosen incidents' history:" in _heading(dialog)
    with zipfile.ZipFile(out) as package:
        names = package.namelist()
    assert "manifest.json" in names and "report/index.html" in names

    window.share.start_verify_package(out)
    dialog = _wait_for_dialog(window, qtbot)
    assert "is intact" in _heading(dialog)
    assert "it carries a partial history:" in _heading(dialog)
    assert "each proven against the signed head of" in _heading(dialog)

    # A second investigator merges it into their own case and finds the tag and incident.
    other = create_case(tmp_path / "other", title="Other", actor="B")
    other_path = other.path
    other.close()
    window.open_case(other_path)
    assert window.workspace.model.rowCount() == 0
    window.share.start_merge(out)
    dialog = _wait_for_dialog(window, qtbot)
    assert "Merged market.zip" in _heading(dialog)
    assert "1 tag attached to an incident" in _heading(dialog)      # words, not tables
    assert "incident_regions" not in _heading(dialog)
    qtbot.waitUntil(lambda: window.workspace.model.rowCount() == 1, timeout=5000)
    assert [i["title"] for i in list_incidents(window.session.case)] == [
        "Shelling of the market <b>bold?</b>"]
    assert window.workspace.incidents.model.rowCount() == 1
    assert len(list_regions(window.session.case, list_evidence(window.session.case)[0]["id"])) == 1

    # The same package again changes nothing, and says so.
    window.share.start_merge(out)
    dialog = _wait_for_dialog(window, qtbot)
    assert "merged into this case before" in _heading(dialog)


def test_a_tampered_package_is_named_by_verify_and_refused_by_merge(window, qtbot, small_case,
                                                                   tmp_path):
    window.open_case(small_case)
    out = tmp_path / "case.zip"
    window.share.start_export(out, [], True)
    _wait_for_dialog(window, qtbot)
    with zipfile.ZipFile(out) as package:
        media = next(i for i in package.infolist() if i.filename.startswith("media/"))
    data = bytearray(out.read_bytes())
    data[media.header_offset + 30 + len(media.filename) + 100] ^= 0xFF   # inside the stored bytes
    out.write_bytes(bytes(data))

    window.share.start_verify_package(out)
    dialog = _wait_for_dialog(window, qtbot)
    assert "FAILS verification" in _heading(dialog)
    assert media.filename in dialog.text.toPlainText()

    before = sorted(p.name for p in (small_case / "media").rglob("*"))
    window.share.start_merge(out)
    qtbot.waitUntil(lambda: any(box.isVisible() and "fails verification" in box.text()
                                for box in window.findChildren(QMessageBox)), timeout=30000)
    assert sorted(p.name for p in (small_case / "media").rglob("*")) == before


def test_opening_a_package_unpacks_it_as_a_new_case_after_asking(window, qtbot, small_case,
                                                                 tmp_path):
    window.open_case(small_case)
    out = tmp_path / "handover.zip"
    window.share.start_export(out, [], True)
    _wait_for_dialog(window, qtbot)
    window.close_case()

    def say_yes() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and "evidence package" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(0, say_yes)
    window.open_case(out)
    qtbot.waitUntil(lambda: window.session is not None, timeout=30000)
    assert window.session.path == tmp_path / "handover.case"
    assert window.workspace.model.rowCount() == 3



def test_opening_incidents_sent_without_media_lists_the_items_left_out(window, qtbot,
                                                                       small_case, tmp_path):
    # Found by a new user: the new case opened without the incident's item and tag, and
    # nothing said so (merge lists them).
    incident_id = _tag_and_incident(small_case)
    with open_case(small_case, actor="setup") as case:
        item = list_evidence(case)[0]
        link_evidence(case, incident_id, item["id"])
        export_case(case, tmp_path / "no-media.zip", incidents=[incident_id], media=False)
    window.share.start_unpack(tmp_path / "no-media.zip", tmp_path / "opened")
    dialog = _wait_for_dialog(window, qtbot)
    assert window.session.path == tmp_path / "opened.case"
    assert "not in the new case" in _heading(dialog)
    lines = dialog.text.toPlainText().splitlines()
    assert any(line.startswith(f"skipped (item {item['id']})") for line in lines), lines
    assert any(line.startswith("skipped (tag ") for line in lines), lines

def test_export_dialog_takes_the_whole_case_or_ticked_incidents(qtbot, tmp_path):
    incidents = [Incident(id="a", title="One"), Incident(id="b", title="Two")]
    dialog = ExportDialog(incidents, "My case: Douma", tmp_path, ["b"])
    qtbot.addWidget(dialog)
    assert dialog.some.isChecked() and dialog.incidents() == ["b"]
    # A partial package's file is named after its own title: the case's stays home.
    assert dialog.out_path().name.startswith("Two-")
    dialog.whole.setChecked(True)
    assert dialog.out_path().name.startswith("My_case__Douma-")
    dialog.some.setChecked(True)
    dialog.list.item(1).setCheckState(Qt.CheckState.Unchecked)
    dialog.accept()                                    # nothing ticked: stays open
    assert dialog.result() == 0 and "tick at least one" in dialog.some.text()
    dialog.whole.setChecked(True)
    assert dialog.incidents() == []


def test_export_dialog_says_what_is_and_is_not_in_the_package(qtbot, tmp_path):
    incidents = [Incident(id="a", title="One"), Incident(id="b", title="Two"),
                 Incident(id="c", title="Three")]
    dialog = ExportDialog(incidents, "Case", tmp_path, ["b"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    text = dialog.contents.text()
    assert "In the package: 1 incident(s), their tags and the items" in text
    assert "only their history" in text and "the other 2 incident(s)" in text
    assert "the package title below" in text
    assert "the case's title and id (the package has an id of its own)" in text
    assert "your folders (items keep their file names only)" in text
    first = dialog.list.visualItemRect(dialog.list.item(0)).center()
    qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Space)            # tick "One" as well
    assert dialog.incidents() == ["a", "b"]
    assert "In the package: 2 incident(s)" in dialog.contents.text()
    assert "the other 1 incident(s)" in dialog.contents.text()
    qtbot.mouseClick(dialog.media, Qt.MouseButton.LeftButton)
    assert "without media files (records and hashes only)" in dialog.contents.text()
    # On the button's indicator: the widget is as wide as the dialog, its label is not.
    qtbot.mouseClick(dialog.whole, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, dialog.whole.height() // 2))
    assert "the whole case" in dialog.contents.text()
    assert "including the folders files were imported from" in dialog.contents.text()


def test_verify_the_open_case_names_a_changed_original(window, qtbot, small_case):
    window.open_case(small_case)
    assert window.share.verify_case()
    assert "is intact" in _heading(_wait_for_dialog(window, qtbot))
    original = next((small_case / "media").rglob("*.jpg"))
    original.chmod(0o644)
    original.write_bytes(original.read_bytes()[:-10] + b"0123456789")
    assert window.share.verify_case()
    dialog = _wait_for_dialog(window, qtbot)
    assert "FAILS verification" in _heading(dialog)
    assert original.name in dialog.text.toPlainText()


def test_a_typed_package_name_that_exists_is_replaced_only_if_the_user_agrees(
        window, qtbot, small_case, tmp_path, answer_box):
    window.open_case(small_case)
    earlier = tmp_path / "earlier"          # no .zip: the dialog adds it
    (tmp_path / "earlier.zip").write_bytes(b"the package sent last week")
    dialog = ExportDialog([], "Street", tmp_path, None, window)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(earlier))
    asked: list[str] = []
    answer_box(QMessageBox.StandardButton.No, asked)
    dialog.accept()
    assert asked and "earlier.zip already exists" in asked[0]
    assert dialog.result() == 0                               # still open, to change the name
    assert (tmp_path / "earlier.zip").read_bytes() == b"the package sent last week"

    # Without asking (a script, a second export), an existing package is never replaced.
    assert window.share.start_export(tmp_path / "earlier.zip", [], True)
    qtbot.waitUntil(lambda: any(box.isVisible() and "exists" in box.text()
                                for box in window.findChildren(QMessageBox)), timeout=30000)
    for box in window.findChildren(QMessageBox):
        box.close()
    assert (tmp_path / "earlier.zip").read_bytes() == b"the package sent last week"

    asked.clear()
    answer_box(QMessageBox.StandardButton.Yes, asked)
    dialog.accept()
    assert asked and dialog.result() == 1 and dialog.replace
    assert window.share.start_export(dialog.out_path(), [], True, replace=dialog.replace)
    done = _wait_for_dialog(window, qtbot)
    assert "Package written" in _heading(done)
    assert zipfile.is_zipfile(tmp_path / "earlier.zip")


def test_verify_the_open_case_names_a_row_edited_with_sqlite3(window, qtbot, small_case):
    import sqlite3

    window.open_case(small_case)
    assert window.share.verify_case()
    assert "every row explained" in _heading(_wait_for_dialog(window, qtbot))
    raw = sqlite3.connect(small_case / "case.sqlite", isolation_level=None)
    raw.execute("UPDATE evidence SET taken_at = '1999-01-01T00:00:00'")
    raw.close()
    assert window.share.verify_case()
    dialog = _wait_for_dialog(window, qtbot)
    assert "FAILS verification" in _heading(dialog)
    assert "rows not explained" in _heading(dialog)
    assert 'taken_at is "1999-01-01T00:00:00", the history says' in dialog.text.toPlainText()


def test_the_sender_titles_a_partial_package_in_the_export_dialog(window, qtbot, small_case,
                                                                  tmp_path):
    """The title field follows the ticked incidents until the user types one; an empty
    title keeps the dialog open; the package carries the typed title, not the case's."""
    import json

    window.open_case(small_case)
    case = window.session.case
    add_incident(case, "Roof strike")
    add_incident(case, "Market fire")
    incidents = list_incidents(case)
    dialog = ExportDialog(incidents, case.title, tmp_path, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.title.isEnabled()                     # whole case: the case's title
    qtbot.mouseClick(dialog.some, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, dialog.some.height() // 2))
    first = dialog.list.visualItemRect(dialog.list.item(0)).center()
    qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Space)
    assert dialog.title.isEnabled() and dialog.title.text() == incidents[0].title
    dialog.title.selectAll()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Delete)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "1 to 200 characters" in dialog.title_label.text()
    qtbot.keyClicks(dialog.title, "For the tribunal")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.package_title() == "For the tribunal"
    assert window.share.start_export(dialog.out_path(), dialog.incidents(), True,
                                     title=dialog.package_title())
    _wait_for_dialog(window, qtbot)
    with zipfile.ZipFile(dialog.out_path()) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        everything = b"".join(zf.read(n) for n in zf.namelist())
    assert manifest["case_title"] == "For the tribunal" and manifest["case_id"] != case.id
    assert case.title.encode() not in everything and case.id.encode() not in everything
