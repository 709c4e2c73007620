"""What a new user's trial of the app found, each driven with real events."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

REPO = Path(__file__).resolve().parents[2]


def _reviewer(*args: str) -> subprocess.CompletedProcess:
    """The real CLI, as the user runs it beside the app (same REVIEWER_CONFIG_DIR)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "reviewer", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _drag(qtbot, viewer, start: QPoint, end: QPoint) -> None:
    port = viewer.viewport()
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(port, start + (end - start) * step / 5)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=end)


def test_edits_in_the_app_record_the_keys_chosen_name_not_the_os_login(
        window, qtbot, small_case):
    renamed = _reviewer("key", "rename", "Tester A")
    assert renamed.returncode == 0, renamed.stderr
    window.open_case(small_case)
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0 and not viewer.sceneRect().isEmpty(),
                    timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_R)
    _drag(qtbot, viewer, viewer.mapFromScene(200, 150), viewer.mapFromScene(500, 450))
    conn = window.session.case.conn
    actor = conn.execute("SELECT actor FROM audit ORDER BY seq DESC").fetchone()[0]
    created_by = conn.execute(
        "SELECT created_by FROM regions ORDER BY created_at DESC").fetchone()[0]
    fingerprint = window.session.case.signer.fingerprint
    assert actor == f"Tester A ({fingerprint})"
    assert created_by == "Tester A"
    assert window.settings.investigator == "Tester A"


def test_the_apps_settings_follow_reviewer_config_dir(own_config_dir, tmp_path):
    from reviewer.ui.settings import AppSettings

    settings = AppSettings()
    settings.add_recent(tmp_path)
    settings.settings.sync()
    assert (own_config_dir / "reviewer.conf").is_file()
    assert AppSettings().recent_cases() == [str(tmp_path)]


@pytest.mark.no_qt_log   # Qt's messages go where they go for a user: the terminal
def test_a_truncated_jpeg_in_the_viewer_prints_nothing_on_the_terminal(
        window, qtbot, tmp_path, capfd, corpus):
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    # A phone photo cut off in transfer (the corpus's own truncated JPEG is too small for
    # libjpeg to complain about).
    cut = tmp_path / "cut.jpg"
    cut.write_bytes((corpus / "photos_gps" / "iphone6_hdr.jpg").read_bytes()[:1_000_000])
    with create_case(tmp_path / "broken", actor="setup") as case:
        report = import_paths(case, [cut])
        evidence_id = report.imported[0]["id"]
        path = case.path
    window.open_case(path)
    # (everything the app printed so far counts too)
    window.workspace.open_region(evidence_id, "")
    viewer = window.workspace.viewer
    qtbot.waitUntil(lambda: viewer.zoom() > 0 and not viewer.sceneRect().isEmpty(),
                    timeout=10000)
    qtbot.wait(200)   # the full-resolution pass after the preview
    assert "Corrupt JPEG" not in capfd.readouterr().err


def test_ctrl_z_in_the_label_vocabulary_undoes_a_merge_named_by_its_labels(
        window, qtbot, small_case):
    from test_edit_protocol import _answer_input, _open_at, _three_tags

    from reviewer.ui.dialogs import LabelsDialog

    evidence_id, _ids = _three_tags(small_case)
    _open_at(window, qtbot, small_case, evidence_id)
    dialog = LabelsDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    dialog.list.setCurrentRow(next(i for i, n in enumerate(names) if n.endswith("debris")))
    _answer_input(qtbot, "crater")
    dialog.merge()
    regions = window.workspace.regions.model
    assert {r.label for r in regions.regions} == {"crater"}
    assert window.undo_action.text().replace("&", "") == "Undo Merge labels debris into crater"
    window.show_shortcuts()
    assert window.help_dialog.keys_for("Undo") == "Ctrl+Z"
    assert window.help_dialog.keys_for("Redo") == "Ctrl+Shift+Z"
    window.help_dialog.close()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {r.label for r in regions.regions} == {"debris"}
    qtbot.keyClick(dialog.list, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert {r.label for r in regions.regions} == {"crater"}


def test_the_frames_dialog_takes_an_interval_with_hundredths(qtbot):
    from reviewer.ui.frames_dialog import FramesDialog

    dialog = FramesDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.seconds.setFocus()
    dialog.seconds.selectAll()
    qtbot.keyClicks(dialog.seconds.lineEdit(), "0.25")
    assert dialog.every_s() == 0.25


def test_undo_delete_and_attach_say_what_was_done_in_the_users_words(
        window, qtbot, small_case):
    from test_edit_protocol import _open_at, _select_all_tags, _three_tags

    from reviewer.core.incidents import add_incident

    evidence_id, _ids = _three_tags(small_case)
    viewer = _open_at(window, qtbot, small_case, evidence_id)
    qtbot.keyClick(window, Qt.Key.Key_R)
    _drag(qtbot, viewer, viewer.mapFromScene(200, 300), viewer.mapFromScene(350, 450))
    label = window.workspace.labels.current().name
    assert window.undo_action.text().replace("&", "") == f"Undo Tag {label} (box)"
    window.undo_action.trigger()
    incident = add_incident(window.session.case, "Market strike")
    window.workspace.incidents.model.reload()
    window.workspace.incidents.select(incident.id)
    _select_all_tags(window, qtbot, viewer)
    qtbot.mouseClick(window.workspace.incidents.attach_button, Qt.MouseButton.LeftButton)
    assert window.statusBar().currentMessage() == "Attached 3 tags to Market strike"
    _select_all_tags(window, qtbot, viewer)
    qtbot.keyClick(viewer, Qt.Key.Key_Delete)
    assert window.statusBar().currentMessage().startswith("Deleted 3 tags")
