"""Signed packages: who sent it, checked here and by the standalone minisign tool.

Each bad package is refused by merge with one clear error and the recipient's case is
exactly as it was.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from package_support import case_state, edit_database, read_package, rewrite_package

from reviewer.core import keys, minisign
from reviewer.core.case import create_case
from reviewer.core.errors import PackageMismatchError, UntrustedSignerError
from reviewer.core.export import export_case
from reviewer.core.head_signature import sign_head
from reviewer.core.incidents import add_incident
from reviewer.core.merge import merge_package
from reviewer.core.package_verify import verify_package


@pytest.fixture
def sender(tmp_path, monkeypatch):
    """Amal's config folder and case; the test then switches to Bashir's (the recipient)."""
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "amal-config"))
    case = create_case(tmp_path / "amal", title="Amal's case", actor="Amal")
    add_incident(case, "Shelling of the market")
    yield case
    case.close()


@pytest.fixture
def package(sender, tmp_path) -> Path:
    out = tmp_path / "sent.zip"
    export_case(sender, out)
    return out


def _as_recipient(monkeypatch, tmp_path):
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "bashir-config"))
    return create_case(tmp_path / "bashir", title="Bashir's case", actor="Bashir")


def _trust_sender(sender) -> None:
    keys.import_public_key(sender.signer.public_key_file(), trusted=True)


def _signature_problems(path: Path) -> list[str]:
    return [p["detail"] for p in verify_package(path).problems if p["kind"] == "signature"]


def _refused(target, package: Path, error=PackageMismatchError, **kwargs) -> str:
    before = case_state(target.path)
    with pytest.raises(error) as caught:
        merge_package(target, package, **kwargs)
    assert case_state(target.path) == before
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_the_recipient_sees_who_signed_and_whether_that_key_is_trusted(
        sender, package, tmp_path, monkeypatch):
    report = verify_package(package)
    assert report.ok and report.signer["trust"] == keys.YOURS
    fingerprint = sender.signer.fingerprint
    with _as_recipient(monkeypatch, tmp_path) as target:
        report = verify_package(package)
        assert report.ok and report.manifest_sha256
        assert keys.signed_by_line(report.signer) == f"Signed by Amal ({fingerprint}) · untrusted"
        message = _refused(target, package, UntrustedSignerError)
        assert f"Amal ({fingerprint}), a key not trusted here" in message
        _trust_sender(sender)
        assert keys.signed_by_line(verify_package(package).signer).endswith("· trusted")
        merged = merge_package(target, package)
        assert merged.added["incidents"] == 1


def test_an_untrusted_signer_is_merged_when_the_user_accepts_it(
        package, tmp_path, monkeypatch):
    with _as_recipient(monkeypatch, tmp_path) as target:
        assert merge_package(target, package, accept_untrusted=True).added["incidents"] == 1


def test_an_edited_database_with_a_recomputed_manifest_is_refused(
        sender, package, tmp_path, monkeypatch):
    def forge(files: dict[str, bytes]) -> None:
        edit_database(files, tmp_path, "UPDATE incidents SET title = 'Nothing happened'")

    bad = rewrite_package(package, tmp_path / "forged.zip", forge, remanifest=True)
    assert any("signature is not valid" in p for p in _signature_problems(bad))
    with _as_recipient(monkeypatch, tmp_path) as target:
        _trust_sender(sender)
        _refused(target, bad)
        _refused(target, bad, accept_untrusted=True)   # a wrong signature is never accepted


def test_a_signature_over_a_different_manifest_is_refused(sender, package, tmp_path):
    add_incident(sender, "Another")
    other = tmp_path / "other.zip"
    export_case(sender, other)
    other_signature = read_package(other)[0]["manifest.json.minisig"]

    def swap(files: dict[str, bytes]) -> None:
        files["manifest.json.minisig"] = other_signature

    bad = rewrite_package(package, tmp_path / "swapped.zip", swap, remanifest=False)
    assert any("does not match the file" in p for p in _signature_problems(bad))
    _refused(sender, bad, accept_untrusted=True)


def test_a_truncated_signature_is_refused(sender, package, tmp_path):
    def cut(files: dict[str, bytes]) -> None:
        files["manifest.json.minisig"] = files["manifest.json.minisig"][:120]

    bad = rewrite_package(package, tmp_path / "cut.zip", cut, remanifest=False)
    problems = _signature_problems(bad)
    assert len(problems) == 1 and "cannot be read" in problems[0]
    _refused(sender, bad, accept_untrusted=True)


def test_a_package_signed_by_an_unknown_key_is_refused(sender, tmp_path, monkeypatch):
    """Mallory re-signs Amal's case with her own key: valid, but not Amal's."""
    amal = sender.signer                  # Amal's real key, which Bashir trusts
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "mallory-config"))
    mallory = keys.create_identity("Amal")   # the name is free to claim; the key is not
    forged = tmp_path / "mallory.zip"
    sender._signer = None                     # (else the case signs with Amal's key)
    export_case(sender, forged)
    sender._signer = None
    with _as_recipient(monkeypatch, tmp_path) as target:
        # (It trusted sender.signer here, by then the recipient's own key: importing your
        # own key is refused now.)
        keys.import_public_key(amal.public_key_file(), trusted=True)
        report = verify_package(forged)
        assert report.signer["trust"] == keys.UNTRUSTED
        assert report.signer["fingerprint"] == mallory.fingerprint != amal.fingerprint
        # Under the name of a key Bashir trusts: named, and refused even when accepted
        # (an adversary's trial found it read only "untrusted").
        assert any(f"not the key of Amal you trust ({amal.fingerprint})" in p
                   for p in _signature_problems(forged))
        assert "you trust" in _refused(target, forged, accept_untrusted=True)


def _as_made_before_keys(files: dict[str, bytes], tmp_path: Path) -> None:
    """The package as a version before investigator keys made it: no signatures, plain
    actors (the chain recomputed as that version did), schema 11."""
    from reviewer.core.audit import record_hash

    files.pop("manifest.json.minisig")
    files.pop("signer.pub")
    db = tmp_path / "old.sqlite"
    db.write_bytes(files["case.sqlite"])
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_append_only_update")
    conn.execute("DELETE FROM meta WHERE key = 'audit_head_signature'")
    conn.execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")
    prev = "0" * 64
    for seq, at, action, object_id, details in conn.execute(
            "SELECT seq, at, action, object_id, details FROM audit ORDER BY seq").fetchall():
        prev_of_record, prev = prev, record_hash(prev, seq, at, "amal", action, object_id,
                                                 details)
        conn.execute("UPDATE audit SET actor = 'amal', prev_hash = ?, hash = ? WHERE seq = ?",
                     (prev_of_record, prev, seq))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{seq}:{prev}",))
    conn.execute("CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN"
                 " SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    conn.close()
    files["case.sqlite"] = db.read_bytes()
    manifest = json.loads(files["manifest.json"])
    manifest["audit_head"] = f"{seq}:{prev}"
    manifest.pop("signer", None)
    manifest.pop("audit_tree", None)
    files["manifest.json"] = json.dumps(manifest).encode()


def test_an_unsigned_package_is_refused_unless_accepted(sender, package, tmp_path,
                                                         monkeypatch):
    bad = rewrite_package(package, tmp_path / "unsigned.zip",
                          lambda files: _as_made_before_keys(files, tmp_path), remanifest=True)
    report = verify_package(bad)
    assert report.ok and report.signer["status"] == "unsigned", report.problems
    assert keys.signed_by_line(report.signer).startswith("Not signed")
    with _as_recipient(monkeypatch, tmp_path) as target:
        assert "is not signed" in _refused(target, bad, UntrustedSignerError)
        assert merge_package(target, bad, accept_untrusted=True).added["incidents"] == 1


def test_a_package_whose_manifest_signature_was_removed_is_refused_even_if_accepted(
        sender, package, tmp_path, monkeypatch):
    """Found by an adversary's trial: an item's GPS edited in the package, the manifest
    re-hashed and its signature deleted read INTACT · "Not signed" and merged with
    --accept-untrusted. The history inside is signed, and the app that signs a history
    signs every manifest: the signature was removed."""
    def forge(files: dict[str, bytes]) -> None:
        edit_database(files, tmp_path, "UPDATE evidence SET gps_lat = 41.0, gps_lon = 13.0")
        files.pop("manifest.json.minisig")
        files.pop("signer.pub")

    bad = rewrite_package(package, tmp_path / "stripped.zip", forge, remanifest=True)
    assert any("the manifest's signature was removed" in p for p in _signature_problems(bad))
    with _as_recipient(monkeypatch, tmp_path) as target:
        assert "signature was removed" in _refused(target, bad, accept_untrusted=True)


def test_history_rewritten_since_an_earlier_package_is_caught(
        sender, package, tmp_path, monkeypatch):
    """The sender, holding the key, truncates their log and re-signs it: a recipient who
    merged the earlier package still has its head."""
    manifest_at = read_package(package)[0]["manifest.json"]
    identity = sender.signer
    raw = sqlite3.connect(sender.db_path, isolation_level=None)
    raw.execute("DROP TRIGGER audit_append_only_delete")
    last = raw.execute("SELECT max(seq) FROM audit").fetchone()[0]
    raw.execute("DELETE FROM audit WHERE seq >= ?", (last - 1,))
    raw.execute("DELETE FROM incidents")
    raw.execute("CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN"
                " SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    seq, digest = raw.execute("SELECT seq, hash FROM audit ORDER BY seq DESC").fetchone()
    raw.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{seq}:{digest}",))
    raw.execute("BEGIN")
    sign_head(raw, identity, f"{seq}:{digest}", "2026-01-01T00:00:00.000Z")
    raw.execute("COMMIT")
    raw.close()
    add_incident(sender, "A different story")
    later = tmp_path / "later.zip"
    export_case(sender, later)
    assert verify_package(later).ok            # alone, the rewritten package looks fine
    with _as_recipient(monkeypatch, tmp_path) as target:
        _trust_sender(sender)
        merge_package(target, package)
        problems = verify_package(later, against=target.conn).problems
        assert [p["kind"] for p in problems] == ["history"]
        assert "history rewritten since" in problems[0]["detail"]
        message = _refused(target, later)
        exported_at = json.loads(manifest_at)["exported_at"]
        assert f"history rewritten since {exported_at}" in message


def test_the_signature_checks_in_python_and_with_minisign(sender, package, tmp_path):
    files = read_package(package)[0]
    signature = minisign.parse_signature(files["manifest.json.minisig"].decode())
    key = minisign.parse_public_key(files["signer.pub"].decode())
    minisign.verify(files["manifest.json"], signature, key)
    assert signature.algorithm == b"ED"
    assert f"signed by Amal ({sender.signer.fingerprint})" in signature.trusted_comment
    with pytest.raises(minisign.MinisignError):
        minisign.verify(files["manifest.json"] + b" ", signature, key)
    tool = shutil.which("minisign")
    if tool is None:
        pytest.skip("the minisign tool is not installed")
    for name in ("manifest.json", "manifest.json.minisig", "signer.pub"):
        (tmp_path / name).write_bytes(files[name])
    checked = subprocess.run([tool, "-Vm", "manifest.json", "-p", "signer.pub"],
                             cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "Amal" in checked.stdout
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"].replace(b"Amal", b"Amai"))
    forged = subprocess.run([tool, "-Vm", "manifest.json", "-p", "signer.pub"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert forged.returncode != 0


def test_the_report_says_who_signed_and_its_commands_check_the_package_without_the_app(
        sender, package, tmp_path):
    """The package's report names the signer and gives the minisign and sha256sum
    commands; run as written in the unzipped package they pass, and fail on a changed
    file."""
    files = read_package(package)[0]
    page = files["report/index.html"].decode("utf-8")
    assert f"Signed by Amal (key {sender.signer.fingerprint})" in page
    commands = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))
    assert "minisign -Vm manifest.json" in commands
    if shutil.which("minisign") is None or shutil.which("bash") is None:
        pytest.skip("the minisign tool is not installed")
    (tmp_path / "PACKAGE.zip").write_bytes(package.read_bytes())
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    with zipfile.ZipFile(package) as zf:
        zf.extractall(unpacked)
    script = commands.replace("unzip PACKAGE.zip",
                              f"unzip -o -q {tmp_path / 'PACKAGE.zip'}")
    ran = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=unpacked,
                         capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Signature and comment signature verified" in ran.stdout
    assert "FAILED" not in ran.stdout and ": OK" in ran.stdout
    (unpacked / "data" / "incidents.csv").write_bytes(b"forged")
    again = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script.split("\n", 1)[1]],
                           cwd=unpacked, capture_output=True, text=True)
    assert again.returncode != 0 and "data/incidents.csv: FAILED" in again.stdout


def test_signatures_minisign_makes_check_here(tmp_path):
    tool = shutil.which("minisign")
    if tool is None:
        pytest.skip("the minisign tool is not installed")
    subprocess.run([tool, "-G", "-W", "-p", "k.pub", "-s", "k.key"], cwd=tmp_path,
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    (tmp_path / "file.txt").write_bytes(b"evidence")
    for legacy in ([], ["-l"]):
        subprocess.run([tool, "-S", *legacy, "-s", "k.key", "-m", "file.txt", "-t", "note"],
                       cwd=tmp_path, check=True, capture_output=True, stdin=subprocess.DEVNULL)
        signature = minisign.parse_signature((tmp_path / "file.txt.minisig").read_text())
        key = minisign.parse_public_key((tmp_path / "k.pub").read_text())
        minisign.verify(b"evidence", signature, key)
        assert signature.algorithm == (b"Ed" if legacy else b"ED")
        with pytest.raises(minisign.MinisignError):
            minisign.verify(b"evidencE", signature, key)


@pytest.mark.parametrize("partial", [False, True])
def test_rows_edited_then_signed_again_by_another_key_are_named_and_never_merged(
        sender, tmp_path, monkeypatch, partial):
    """Mallory edits an incident in Amal's package and signs the manifest with her own
    key: the signature is valid (untrusted), but the tables no longer match the history
    Amal signed, and verify names the row; merge refuses even an accepted signer."""
    from reviewer.core.incidents import list_incidents
    from reviewer.core.package_signature import manifest_signer, sign_manifest

    [incident] = list_incidents(sender)
    package = tmp_path / "sent.zip"
    export_case(sender, package, incidents=[incident.id] if partial else ())
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "mallory-config"))
    mallory = keys.create_identity("Mallory")

    def forge(files: dict[str, bytes]) -> None:
        edit_database(files, tmp_path, "UPDATE incidents SET title = 'Nothing happened'")

    bad = rewrite_package(package, tmp_path / "resigned.zip", forge, remanifest=True)
    files = read_package(bad)[0]
    manifest = json.loads(files["manifest.json"])
    manifest["signer"] = manifest_signer(mallory)
    files["manifest.json"] = json.dumps(manifest).encode()
    files.update(sign_manifest(mallory, files["manifest.json"], manifest["case_id"],
                               manifest["exported_at"]))
    resigned = tmp_path / "resigned-2.zip"
    rewrite_package(bad, resigned, lambda f: f.update(files), remanifest=False)
    report = verify_package(resigned)
    assert report.signer["name"] == "Mallory" and report.signer["status"] == "valid"
    assert [p["detail"] for p in report.problems] == [
        f"incidents {incident.id}: title is \"Nothing happened\", the history says"
        " \"Shelling of the market\""]
    with _as_recipient(monkeypatch, tmp_path) as target:
        _refused(target, resigned, accept_untrusted=True)
