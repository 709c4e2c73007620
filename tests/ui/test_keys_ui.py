"""The investigator's key in the app: first run, who signed what, untrusted packages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from reviewer.core import keys
from reviewer.core.case import create_case, open_case
from reviewer.core.incidents import add_incident, list_incidents


def _wait_for_dialog(window, qtbot, timeout: int = 30000):
    qtbot.waitUntil(lambda: window.share.last_dialog is not None
                    and window.share.last_dialog.isVisible(), timeout=timeout)
    dialog = window.share.last_dialog
    window.share.last_dialog = None
    return dialog


def _heading(dialog) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def test_first_run_asks_for_a_name_and_passphrase_without_blocking(window, qtbot, tmp_path,
                                                                   own_config_dir):
    create_case(tmp_path / "c", actor="setup").close()
    for name in (keys.KEY_FILE, keys.IDENTITY_FILE):      # a computer with no key yet
        (own_config_dir / name).unlink()
    keys._unlocked.clear()
    assert window.open_case(tmp_path / "c.case")        # the case is open behind the dialog
    dialog = window.key_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert window.session is not None
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Amal Haddad")
    qtbot.keyClicks(dialog.passphrase, "olive tree")
    qtbot.keyClicks(dialog.again, "olive trees")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "differ" in dialog.error.text()
    qtbot.keyClick(dialog.again, Qt.Key.Key_Backspace)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert keys.identity_name() == "Amal Haddad" and keys.key_is_encrypted()
    assert window.settings.investigator == "Amal Haddad"
    assert "Amal Haddad" in window.statusBar().currentMessage()
    add_incident(window.session.case, "Signed by Amal")
    actor = window.session.case.conn.execute(
        "SELECT actor FROM audit ORDER BY seq DESC").fetchone()[0]
    assert actor.startswith("Amal Haddad (")


def test_verify_shows_who_signed_the_case_and_the_package(window, qtbot, small_case, tmp_path):
    window.open_case(small_case)
    assert window.key_dialog is None                    # a key exists: nothing asked
    fingerprint = window.session.case.signer.fingerprint
    window.share.verify_case()
    dialog = _wait_for_dialog(window, qtbot)
    assert "is intact" in _heading(dialog)
    assert f"({fingerprint}) · your key" in _heading(dialog)
    out = tmp_path / "p.zip"
    window.share.start_export(out, [], True)
    _wait_for_dialog(window, qtbot)
    window.share.start_verify_package(out)
    dialog = _wait_for_dialog(window, qtbot)
    assert "Manifest SHA-256" in _heading(dialog)
    # The key's own name (the settings fixture made it, as the investigator's).
    assert f"Signed by Investigator A ({fingerprint}) · your key" in _heading(dialog)


def test_a_package_from_an_untrusted_signer_is_merged_only_when_the_user_says_so(
        window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "sender-config"))
    with create_case(tmp_path / "sender", actor="Bashir") as sender:
        add_incident(sender, "Shelling")
        from reviewer.core.export import export_case

        export_case(sender, tmp_path / "from-bashir.zip")
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "my-config"))
    create_case(tmp_path / "mine", actor="Investigator A").close()
    window.open_case(tmp_path / "mine.case")
    window.share.start_merge(tmp_path / "from-bashir.zip")
    box = _wait_for_dialog(window, qtbot)
    assert isinstance(box, QMessageBox) and "Bashir" in box.text()
    assert "not trusted here" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    assert list_incidents(window.session.case) == []

    window.share.start_merge(tmp_path / "from-bashir.zip")
    box = _wait_for_dialog(window, qtbot)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    dialog = _wait_for_dialog(window, qtbot)
    assert "Merged from-bashir.zip" in _heading(dialog)
    assert "Signed by Bashir (" in _heading(dialog) and "· untrusted" in _heading(dialog)
    with open_case(tmp_path / "mine.case") as case:
        assert [i.title if hasattr(i, "title") else i["title"]
                for i in list_incidents(case)] == ["Shelling"]


def test_an_altered_package_is_refused_without_merge_anyway_whatever_its_name(
        window, qtbot, tmp_path, monkeypatch):
    """The dialog decides by the refusal's type: a file name holding the words of the
    untrusted-signer refusal must not turn an altered package into a 'merge anyway?'."""
    import zipfile

    from reviewer.core.export import export_case
    from reviewer.core.merge import UNTRUSTED_MARK

    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "sender-config"))
    with create_case(tmp_path / "sender", actor="Bashir") as sender:
        add_incident(sender, "Shelling")
        export_case(sender, tmp_path / "sent.zip")
    altered = tmp_path / f"{UNTRUSTED_MARK}.zip"
    with zipfile.ZipFile(tmp_path / "sent.zip") as source, \
            zipfile.ZipFile(altered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "report/index.html":
                data = data.replace(b"Shelling", b"Shellinh")
            target.writestr(info, data)
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "my-config"))
    create_case(tmp_path / "mine", actor="Investigator A").close()
    window.open_case(tmp_path / "mine.case")
    window.share.start_merge(altered)
    qtbot.waitUntil(lambda: not window.share.runner.busy, timeout=30000)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert [b.windowTitle() for b in boxes] == ["Merge refused"]
    assert UNTRUSTED_MARK in boxes[0].text()       # the name is in the line, as it should be
    assert window.share.last_dialog is None          # no "merge anyway?" question
    boxes[0].close()
    assert list_incidents(window.session.case) == []


def test_the_first_run_dialog_does_not_offer_the_login_as_a_name(window, qtbot, tmp_path,
                                                                  own_config_dir):
    """Found by a new-user trial: the name was filled with the OS login, so a click on OK
    made a key that a package of some incidents must refuse to carry."""
    from reviewer.core.clock import default_actor

    create_case(tmp_path / "c", actor="setup").close()
    for name in (keys.KEY_FILE, keys.IDENTITY_FILE):
        (own_config_dir / name).unlink()
    keys._unlocked.clear()
    window.settings.settings.remove("investigator")
    assert window.open_case(tmp_path / "c.case")
    dialog = window.key_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.name.text() == ""
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "name is needed" in dialog.error.text()
    qtbot.keyClicks(dialog.name, default_actor())
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "login" in dialog.error.text()
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Amal Haddad")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert keys.identity_name() == "Amal Haddad"


def _no_key_yet(own_config_dir, window) -> None:
    for name in (keys.KEY_FILE, keys.IDENTITY_FILE):      # a computer with no key yet
        (own_config_dir / name).unlink()
    keys._unlocked.clear()
    window.settings.settings.remove("investigator")


def _answer_key_dialog(window, qtbot, name: str | None) -> None:
    """Answer the modal key question when it comes: type `name` and OK, or close it."""
    from PySide6.QtCore import QTimer

    from reviewer.ui.key_dialog import KeyDialog

    def answer():
        dialog = next(d for d in window.findChildren(KeyDialog) if d.isVisible())
        if name is None:
            buttons = dialog.findChild(QDialogButtonBox)
            qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Cancel),
                             Qt.MouseButton.LeftButton)
            return
        qtbot.keyClicks(dialog.name, name)
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(200, answer)


def test_a_new_case_made_in_the_app_is_begun_under_the_name_the_user_gives(
        window, qtbot, tmp_path, own_config_dir, monkeypatch):
    """Found by a new-user walk: File ▸ New case made the key under the OS login before the
    first-run question could come (it then never came), so every record of the case was
    the login's and a package of one incident was refused for ever."""
    from PySide6.QtWidgets import QFileDialog

    from reviewer.core.export import export_case
    from reviewer.core.package_verify import verify_package

    _no_key_yet(own_config_dir, window)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "first.case"), "")))
    _answer_key_dialog(window, qtbot, "Carla Mendes")
    window.new_case_dialog()
    assert window.session is not None and keys.identity_name() == "Carla Mendes"
    actors = {a for (a,) in window.session.case.conn.execute("SELECT actor FROM audit")}
    assert actors == {window.session.case.signer.actor("Carla Mendes")}
    assert window.key_dialog is None                     # not asked a second time
    incident = add_incident(window.session.case, "Roof strike")
    add_incident(window.session.case, "Not shared")
    report = export_case(window.session.case, tmp_path / "one.zip", incidents=[incident.id])
    assert report.path and not verify_package(report.path).problems


def test_closing_the_key_question_makes_no_case(window, qtbot, tmp_path, own_config_dir,
                                               monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    _no_key_yet(own_config_dir, window)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "first.case"), "")))
    _answer_key_dialog(window, qtbot, None)
    window.new_case_dialog()
    assert window.session is None and not (tmp_path / "first.case").exists()
    assert not keys.has_identity()


def test_a_key_a_script_made_under_the_login_is_asked_for_a_name(window, qtbot, tmp_path,
                                                                 own_config_dir):
    _no_key_yet(own_config_dir, window)
    create_case(tmp_path / "c").close()                    # a script: key made without asking
    assert keys.needs_a_name()
    assert window.open_case(tmp_path / "c.case")
    dialog = window.key_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.name, "Amal Haddad")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert keys.identity_name() == "Amal Haddad" and not keys.needs_a_name()
