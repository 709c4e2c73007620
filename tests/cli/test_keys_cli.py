"""`reviewer key ...`, signed packages at the command line, and scripts that never wait."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from cli_support import Cli, one_error_line, query


def _as(name: str, tmp_path: Path, monkeypatch) -> None:
    """Be another investigator: their own config folder (the CLI inherits the environment)."""
    monkeypatch.setenv("REVIEWER_CONFIG_DIR", str(tmp_path / f"{name}-config"))


def test_without_a_terminal_first_use_makes_a_key_named_from_actor(cli: Cli, tmp_path):
    created = cli("new", tmp_path / "c", "--actor", "Amal Haddad", "--json").json()
    (actor,) = query(Path(created["path"]), "SELECT actor FROM audit WHERE seq = 1")[0]
    assert re.fullmatch(r"Amal Haddad \([0-9A-F]{16}\)", actor)
    listed = cli("key", "list", "--json").json()
    assert listed == [{"fingerprint": actor[-17:-1], "name": "Amal Haddad", "trust": "yours"}]
    key_file = Path(os.environ["REVIEWER_CONFIG_DIR"]) / "signing_key.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    cli("key", "rename", "Amal H.")
    assert cli("key", "list", "--json").json()[0]["name"] == "Amal H."


def test_a_package_from_a_colleague_is_refused_until_their_key_is_trusted(
        cli: Cli, tmp_path, monkeypatch):
    _as("amal", tmp_path, monkeypatch)
    cli("new", tmp_path / "amal", "--actor", "Amal")
    cli("incident", "add", tmp_path / "amal.case", "--title", "Shelling")
    exported = cli("export", tmp_path / "amal.case", tmp_path / "p.zip").stdout
    cli("key", "export", tmp_path / "amal.pub")
    fingerprint = cli("key", "list", "--json").json()[0]["fingerprint"]
    assert f"Amal ({fingerprint})" in (tmp_path / "amal.pub").read_text()

    _as("bashir", tmp_path, monkeypatch)
    cli("new", tmp_path / "bashir", "--actor", "Bashir")
    verified = cli("verify", tmp_path / "p.zip").stdout
    manifest_hash = re.search(r"manifest SHA-256 ([0-9a-f]{64})", exported).group(1)
    assert f"Manifest SHA-256: {manifest_hash}" in verified
    assert f"Signed by Amal ({fingerprint}) · untrusted" in verified
    refused = cli("merge", tmp_path / "bashir.case", tmp_path / "p.zip", expect=3)
    one_error_line(refused, "p.zip", "not trusted here", "--accept-untrusted")
    assert query(tmp_path / "bashir.case", "SELECT count(*) FROM incidents") == [(0,)]
    imported = cli("key", "import", tmp_path / "amal.pub").stdout
    assert "not trusted yet" in imported
    cli("key", "trust", fingerprint[:8])
    assert f"Signed by Amal ({fingerprint}) · trusted" in cli("verify", tmp_path / "p.zip").stdout
    cli("merge", tmp_path / "bashir.case", tmp_path / "p.zip")
    assert query(tmp_path / "bashir.case", "SELECT title FROM incidents") == [("Shelling",)]
    # The same package against the case that merged it: its history holds.
    checked = cli("verify", tmp_path / "p.zip", "--case", tmp_path / "bashir.case").stdout
    assert "INTACT" in checked
    # The case's own verify names who signed its head, in the package's words.
    own = cli("verify", tmp_path / "bashir.case").stdout.splitlines()
    assert own[1].startswith("Signed by Bashir (") and own[1].endswith(") · your key"), own


def test_accept_untrusted_merges_an_unknown_signer(cli: Cli, tmp_path, monkeypatch):
    _as("amal", tmp_path, monkeypatch)
    cli("new", tmp_path / "amal", "--actor", "Amal")
    cli("incident", "add", tmp_path / "amal.case", "--title", "Shelling")
    cli("export", tmp_path / "amal.case", tmp_path / "p.zip")
    _as("bashir", tmp_path, monkeypatch)
    cli("new", tmp_path / "bashir", "--actor", "Bashir")
    cli("merge", tmp_path / "bashir.case", tmp_path / "p.zip", "--accept-untrusted")
    assert query(tmp_path / "bashir.case", "SELECT title FROM incidents") == [("Shelling",)]


def test_a_key_others_can_read_is_one_error_line_and_the_case_untouched(
        cli: Cli, tmp_path):
    cli("new", tmp_path / "c", "--actor", "Amal")
    key_file = Path(os.environ["REVIEWER_CONFIG_DIR"]) / "signing_key.pem"
    key_file.chmod(0o644)
    before = query(tmp_path / "c.case", "SELECT count(*) FROM audit")
    result = cli("incident", "add", tmp_path / "c.case", "--title", "Not saved", expect=2)
    one_error_line(result, str(key_file), "readable by others", "chmod 600")
    assert query(tmp_path / "c.case", "SELECT count(*) FROM audit") == before


def test_a_wrong_passphrase_is_one_error_line_and_never_a_prompt(cli: Cli, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("REVIEWER_KEY_PASSPHRASE", "correct horse")
    cli("key", "new", "--name", "Amal", "--passphrase")
    cli("new", tmp_path / "c")
    monkeypatch.setenv("REVIEWER_KEY_PASSPHRASE", "wrong")
    result = cli("incident", "add", tmp_path / "c.case", "--title", "Not saved", expect=2)
    one_error_line(result, "signing_key.pem", "wrong passphrase")
    monkeypatch.delenv("REVIEWER_KEY_PASSPHRASE")
    result = cli("incident", "add", tmp_path / "c.case", "--title", "Not saved", expect=2)
    one_error_line(result, "passphrase-protected", "REVIEWER_KEY_PASSPHRASE")
    assert query(tmp_path / "c.case", "SELECT count(*) FROM incidents") == [(0,)]


def test_a_package_checks_with_the_minisign_tool(cli: Cli, tmp_path):
    tool = shutil.which("minisign")
    if tool is None:
        pytest.skip("the minisign tool is not installed")
    cli("new", tmp_path / "c", "--actor", "Amal")
    cli("export", tmp_path / "c.case", tmp_path / "p.zip")
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        zf.extractall(tmp_path / "unzipped", ["manifest.json", "manifest.json.minisig",
                                              "signer.pub"])
    checked = subprocess.run([tool, "-Vm", "manifest.json", "-x", "manifest.json.minisig",
                              "-p", "signer.pub"], cwd=tmp_path / "unzipped",
                             capture_output=True, text=True)
    assert checked.returncode == 0 and "signed by Amal" in checked.stdout
