"""The audit log: every change recorded in its own transaction, tampering detected."""

from __future__ import annotations

import sqlite3

import pytest

from reviewer.core.audit import check_chain
from reviewer.core.case import open_case
from reviewer.core.errors import CaseError
from reviewer.core.incidents import add_incident, update_incident


def _raw(case):
    """A connection that bypasses the app, as a tamperer with a database browser would."""
    conn = sqlite3.connect(case.db_path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_append_only_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_append_only_delete")
    return conn


def test_each_change_appends_a_linked_record_with_actor(case):
    before = case.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    incident = add_incident(case, "Chlorine attack", place_name="Saraqib")
    update_incident(case, incident.id, status="confirmed")
    rows = case.conn.execute(
        "SELECT seq, actor, action, object_id, prev_hash, hash FROM audit WHERE seq > ?"
        " ORDER BY seq", (before,)).fetchall()
    assert [r[2] for r in rows] == ["incident.add", "incident.update"]
    assert all(r[1] == f"tester ({case.signer.fingerprint})" and r[3] == incident.id
               for r in rows)
    assert rows[1][4] == rows[0][5]          # linked to the record before
    assert check_chain(case.conn) == []


def test_app_cannot_rewrite_history(case):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        case.conn.execute("UPDATE audit SET actor = 'someone else' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        case.conn.execute("DELETE FROM audit WHERE seq = 1")


def test_altered_record_is_detected(case):
    add_incident(case, "Column toppled")
    raw = _raw(case)
    raw.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    problems = check_chain(case.conn)
    assert any(p.seq == 2 and "altered" in p.detail for p in problems)


def test_removed_record_in_the_middle_is_detected(case):
    add_incident(case, "One")
    raw = _raw(case)
    raw.execute("DELETE FROM audit WHERE seq = 3")
    problems = check_chain(case.conn)
    assert any("missing" in p.detail for p in problems)


def test_removed_last_record_is_detected(case):
    add_incident(case, "Last one")
    last = case.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    _raw(case).execute("DELETE FROM audit WHERE seq = ?", (last,))
    problems = check_chain(case.conn)
    assert any("removed or rewritten" in p.detail for p in problems)


def test_write_without_audit_record_is_refused_and_rolled_back(case):
    with pytest.raises(RuntimeError, match="without an audit record"), case.write() as tx:
        tx.conn.execute("UPDATE meta SET value = 'sneaky' WHERE key = 'title'")
    assert case.title == "Test case"


def test_failure_inside_a_change_leaves_nothing_behind(case):
    count = case.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(ValueError), case.write() as tx:
        tx.conn.execute("UPDATE meta SET value = 'half' WHERE key = 'title'")
        tx.record("case.rename", case.id, {})
        raise ValueError("interrupted")
    assert case.title == "Test case"
    assert case.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == count


def test_changes_from_two_connections_keep_one_chain(case):
    other = open_case(case.path, actor="second")
    add_incident(case, "From the first")
    add_incident(other, "From the second")
    add_incident(case, "First again")
    other.close()
    assert check_chain(case.conn) == []
    actors = [r[0] for r in case.conn.execute("SELECT actor FROM audit ORDER BY seq DESC LIMIT 3")]
    key = case.signer.fingerprint
    assert actors == [f"tester ({key})", f"second ({key})", f"tester ({key})"]


def test_write_to_a_read_only_case_reports_the_file(case):
    raw = sqlite3.connect(f"{case.db_path.as_uri()}?mode=ro", uri=True)
    from reviewer.core.case import Case

    readonly = Case(case.path, raw, "reader")
    with pytest.raises(CaseError, match=r"case\.sqlite"):
        add_incident(readonly, "Cannot be saved")
    raw.close()


def test_write_after_the_case_folder_vanished_is_refused(case, tmp_path):
    case.path.rename(tmp_path / "moved.case")
    with pytest.raises(CaseError, match="moved or deleted"):
        add_incident(case, "Lost edit")
    with open_case(tmp_path / "moved.case") as moved:
        assert [r[0] for r in moved.conn.execute("SELECT title FROM incidents")] == []
