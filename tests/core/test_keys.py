"""Investigators' keys and the signed head of a case's history.

The attacks are a tamperer's with `sqlite3` and the project's own hash function: each
leaves a hash chain that holds, so only the signature over the head catches them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest

from reviewer.core import keys
from reviewer.core.audit import canonical_json, check_chain, record_hash
from reviewer.core.case import create_case, open_case
from reviewer.core.incidents import add_incident, list_incidents
from reviewer.core.keys import KeyFileError
from reviewer.core.verify import verify_case


@pytest.fixture
def case(tmp_path):
    case = create_case(tmp_path / "signed", title="Signed", actor="Amal")
    for title in ("First", "Second", "Third"):
        add_incident(case, title)
    yield case
    case.close()


def _raw(case) -> sqlite3.Connection:
    conn = sqlite3.connect(case.db_path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_append_only_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_append_only_delete")
    return conn


def _signature_problems(case) -> list[str]:
    report = verify_case(case)
    return [p["detail"] for p in report.problems if p["kind"] == "signature"]


def test_first_use_makes_a_private_key_only_its_owner_can_read(case, own_config_dir):
    key_file = own_config_dir / keys.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not any(p.suffix == ".pem" for p in case.path.rglob("*"))   # never in a case
    actor = case.conn.execute("SELECT actor FROM audit ORDER BY seq DESC").fetchone()[0]
    assert actor == f"Amal ({case.signer.fingerprint})"
    assert keys.identity_name() == "Amal"


def test_verify_names_the_signer_of_an_untouched_case(case):
    report = verify_case(case)
    assert report.ok
    assert report.signer["name"] == "Amal" and report.signer["trust"] == keys.YOURS
    assert keys.signed_by_line(report.signer) \
        == f"Signed by Amal ({case.signer.fingerprint}) · your key"


def test_truncated_log_with_its_head_moved_back_is_caught(case):
    """Delete the last records and set the stored head to the new last one: the chain holds."""
    conn = _raw(case)
    conn.execute("DELETE FROM audit WHERE seq > (SELECT max(seq) - 2 FROM audit)")
    seq, digest = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC").fetchone()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{seq}:{digest}",))
    assert check_chain(case.conn) == []      # the hash chain alone is fooled
    problems = _signature_problems(case)
    assert len(problems) == 1 and "records were removed or rewritten" in problems[0]
    # The "Signed by" line both front ends show does not read as a clean bill any more
    # (it said "· your key" above the problem, found by a new-user trial).
    line = keys.signed_by_line(verify_case(case).signer)
    assert line.startswith("Signed by ") and "but NOT what is here" in line


def test_rewritten_record_with_the_chain_recomputed_is_caught(case):
    conn = _raw(case)
    rows = conn.execute("SELECT seq, at, actor, action, object_id, details FROM audit"
                        " ORDER BY seq").fetchall()
    prev = "0" * 64
    for seq, at, actor, action, object_id, details in rows:
        if action == "incident.add" and "Second" in details:
            details = canonical_json({**json.loads(details), "title": "Nothing happened"})
        digest = record_hash(prev, seq, at, actor, action, object_id, details)
        conn.execute("UPDATE audit SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                     (details, prev, digest, seq))
        prev = digest
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'",
                 (f"{rows[-1][0]}:{prev}",))
    assert check_chain(case.conn) == []
    assert any(f"record {rows[-1][0]} is not the one signed: records were rewritten" in p
               for p in _signature_problems(case))


def test_removed_head_signature_is_caught(case):
    _raw(case).execute("DELETE FROM meta WHERE key = 'audit_head_signature'")
    assert any("was removed" in p for p in _signature_problems(case))


def _unsigned_as_before_keys(case) -> None:
    """The log as a version before keys wrote it: plain actors, no signature over the head
    (the chain recomputed, as that version did)."""
    conn = _raw(case)
    conn.execute("DELETE FROM meta WHERE key = 'audit_head_signature'")
    rows = conn.execute("SELECT seq, at, actor, action, object_id, details FROM audit"
                        " ORDER BY seq").fetchall()
    prev = "0" * 64
    for seq, at, _actor, action, object_id, details in rows:
        digest = record_hash(prev, seq, at, "amal", action, object_id, details)
        conn.execute("UPDATE audit SET actor = 'amal', prev_hash = ?, hash = ? WHERE seq = ?",
                     (prev, digest, seq))
        prev = digest
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{rows[-1][0]}:{prev}",))


def test_a_case_from_before_keys_is_noted_not_failed(tmp_path, case):
    _unsigned_as_before_keys(case)
    # Keys came with schema 11: a case of that schema may be from before them.
    _raw(case).execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")
    report = verify_case(case)
    assert report.signer is None and not [p for p in report.problems if p["kind"] == "signature"]
    assert any(n["kind"] == "unsigned" for n in report.notes)
    add_incident(case, "Signed from now on")
    report = verify_case(case)
    assert report.signer["trust"] == keys.YOURS
    last = case.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    assert any(n["detail"].startswith(f"records 1-{last - 1} name no key")
               and n["detail"].endswith(f"signed from record {last}") for n in report.notes)


def test_a_signed_history_stripped_to_look_older_than_keys_is_caught(case):
    """Found by an adversary's trial: every fingerprint stripped from the actors, the
    chain recomputed and the signature deleted read as "made before keys" and INTACT. A
    case of this schema was written by an app that signs every change."""
    _unsigned_as_before_keys(case)
    report = verify_case(case)
    assert not report.ok
    assert any("signature over the audit head was removed" in p["detail"]
               for p in report.problems if p["kind"] == "signature"), report.problems


def test_a_history_signed_again_by_a_key_of_the_same_name_is_caught(case, tmp_path,
                                                                      monkeypatch):
    """Found by an adversary's trial: a record rewritten, the chain recomputed and the head
    signed with a key of their own named as the investigator read INTACT · untrusted, even
    to the investigator whose key every record names."""
    from reviewer.core.head_signature import sign_head

    own_config = os.environ[keys.CONFIG_ENV]
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "mallory"))
    mallory = keys.create_identity(case.signer.name)
    conn = _raw(case)
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()[0]
    conn.execute("BEGIN")
    sign_head(conn, mallory, head, "2026-01-01T00:00:00.000Z")
    conn.execute("COMMIT")
    monkeypatch.setenv(keys.CONFIG_ENV, own_config)      # the investigator verifies
    report = verify_case(case)
    assert not report.ok and report.signer["fingerprint"] == mallory.fingerprint
    details = [p["detail"] for p in report.problems]
    assert any(f"signed by the key {mallory.fingerprint}, but its record was written with"
               f" the key {case.signer.fingerprint}" in d for d in details), details
    # Even had Mallory rewritten every record to name her key: not this investigator's.
    assert any(f"({mallory.fingerprint}) that is not your key ({case.signer.fingerprint})"
               in d for d in details), details


def test_key_readable_by_others_is_refused_and_the_case_untouched(tmp_path, own_config_dir):
    create_case(tmp_path / "c", actor="Amal").close()
    key_file = own_config_dir / keys.KEY_FILE
    key_file.chmod(0o644)
    keys._unlocked.clear()
    with open_case(tmp_path / "c") as case:
        before = case.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        with pytest.raises(KeyFileError, match=r"readable by others.*chmod 600") as caught:
            add_incident(case, "Not saved")
        assert str(key_file) in str(caught.value) and "\n" not in str(caught.value)
        assert case.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == before
        assert list_incidents(case) == []


def test_passphrase_protected_key(tmp_path, monkeypatch):
    keys.create_identity("Amal", "correct horse")
    keys._unlocked.clear()
    with pytest.raises(KeyFileError, match="passphrase-protected"):
        keys.load_identity()
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        keys.load_identity("wrong")
    assert b"ENCRYPTED" in keys.key_path().read_bytes()
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "wrong")
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        create_case(tmp_path / "c", actor="Amal")
    assert not (tmp_path / "c.case").exists()        # nothing half made
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "correct horse")
    with create_case(tmp_path / "c", actor="Amal") as case:
        assert verify_case(case).signer["trust"] == keys.YOURS


def test_colleague_keys_are_untrusted_until_trusted(tmp_path, monkeypatch):
    colleague = keys.create_identity("Bashir")
    exported = colleague.public_key_file()
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "mine"))
    keys.ensure_identity("Amal")
    assert keys.trust_of(colleague.public_key) == (keys.UNTRUSTED, None)
    entry = keys.import_public_key(exported)
    assert entry["name"] == "Bashir" and entry["fingerprint"] == colleague.fingerprint
    assert keys.trust_of(colleague.public_key) == (keys.UNTRUSTED, "Bashir")
    keys.trust_key(colleague.fingerprint[:6])
    assert keys.trust_of(colleague.public_key) == (keys.TRUSTED, "Bashir")
    with pytest.raises(KeyFileError, match="not a minisign public key"):
        keys.import_public_key("hello\n")
    with pytest.raises(KeyFileError, match="no such key"):
        keys.trust_key("ABCDEF")


def test_importing_your_own_public_key_is_refused_not_listed_as_a_stranger(tmp_path):
    mine = keys.ensure_identity("Amal")
    with pytest.raises(KeyFileError, match="your own key"):
        keys.import_public_key(mine.public_key_file())
    assert keys.keyring() == {}
    assert keys.trust_of(mine.public_key) == (keys.YOURS, "Amal")


def test_config_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.CONFIG_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert keys.config_dir() == tmp_path / "xdg" / "evidence-reviewer"


def test_tests_never_use_the_real_config_folder():
    real = os.path.expanduser("~/.config")
    assert not str(keys.config_dir()).startswith(real)


@pytest.mark.parametrize("value", [5, None, [1]])
def test_a_keyring_entry_edited_into_another_type_is_one_error(tmp_path, monkeypatch, value):
    """A public key that is not text in keyring.json ended verify with an internal error."""
    colleague = keys.create_identity("Bashir")
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "mine"))
    keys.ensure_identity("Amal")
    keys.import_public_key(colleague.public_key_file())
    ring = keys.config_dir() / keys.KEYRING_FILE
    data = json.loads(ring.read_text("utf-8"))
    data[colleague.fingerprint]["public_key"] = value
    ring.write_text(json.dumps(data), "utf-8")
    with pytest.raises(KeyFileError, match="damaged"):
        keys.trust_of(colleague.public_key)
