"""The shortcuts that keep verify fast keep it exact: the bulk comparison of a table
with its history (also on a case migrated since its rows were logged) still names a
row edited by hand, and the quick database check leaves out only what `--thorough`
adds: each index against its table."""

from __future__ import annotations

import json
import sqlite3

import pytest

from reviewer.core.evidence import list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.regions import add_region, update_region
from reviewer.core.replay import _same_rows, compare, replay
from reviewer.core.verify import verify_case

RECT = {"x": 10, "y": 20, "w": 30, "h": 40}


@pytest.fixture
def regions(case, photo_factory):
    import_paths(case, [photo_factory(), photo_factory()])
    items = list_evidence(case)
    made = [add_region(case, items[i % 2].id, "person", "rect", RECT) for i in range(6)]
    update_region(case, made[0].id, note="moved")
    return case, made


def _sql(case, *statements: str) -> None:
    """An edit made with another program: no app, no audit record."""
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    try:
        for statement in statements:
            raw.execute(statement)
    finally:
        raw.close()


def _live(case, table: str) -> tuple[list[str], list[tuple]]:
    cursor = case.conn.execute(f"SELECT * FROM {table}")
    return [d[0] for d in cursor.description], cursor.fetchall()


def _history(report) -> list[str]:
    return [p["detail"] for p in report.problems if p["kind"] == "history"]


def test_a_column_added_since_the_rows_were_logged_keeps_the_bulk_comparison(regions):
    """As after a migration: no logged row has the new column; the table is still
    recognised intact in one comparison, not walked row by row."""
    case, _ = regions
    _sql(case, "ALTER TABLE regions ADD COLUMN later TEXT DEFAULT 'x'")
    names, live = _live(case, "regions")
    assert _same_rows("regions", live, names, replay(case.conn).state["regions"])
    assert verify_case(case).ok, verify_case(case).problems


def test_a_hand_edit_is_named_on_a_migrated_table(regions):
    case, made = regions
    _sql(case, "ALTER TABLE regions ADD COLUMN later TEXT DEFAULT 'x'",
         f"UPDATE regions SET note = 'planted' WHERE id = '{made[3].id}'")
    assert f'regions {made[3].id}: note is "planted", the history says ""' in \
        _history(verify_case(case))


def test_rows_logged_before_and_after_a_new_column_are_compared_by_their_columns(regions):
    """Some logged rows lack the new column, some have it: each compared on its own."""
    case, made = regions
    _sql(case, "ALTER TABLE regions ADD COLUMN later TEXT DEFAULT 'x'")
    names, live = _live(case, "regions")
    state = replay(case.conn).state["regions"]
    newer = state[(made[1].id,)]
    newer["later"] = "x"            # as a record written after the migration has it
    assert _same_rows("regions", live, names, state)
    assert not compare(case.conn, replay(case.conn))
    newer["later"] = "y"            # the table says x: walked, and named
    assert not _same_rows("regions", live, names, state)
    del state[(made[2].id,)]        # a live row the history lacks
    newer["later"] = "x"
    assert not _same_rows("regions", live, names, state)


def test_the_same_rows_in_another_order_are_the_same(regions):
    case, _ = regions
    names, live = _live(case, "regions")
    state = replay(case.conn).state["regions"]
    reordered = dict(reversed(list(state.items())))
    assert _same_rows("regions", live, names, reordered)
    first = next(iter(reordered))
    reordered[first] = {**reordered[first], "note": "other"}
    assert not _same_rows("regions", live, names, reordered)


def _break_an_index(case, made) -> None:
    """A row moved to a new rowid while its index was hidden: the table's content is
    what the history says, the index still points to where the row was."""
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    try:
        index = raw.execute("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master"
                            " WHERE name = 'regions_evidence'").fetchone()
        raw.execute("PRAGMA writable_schema = ON")
        raw.execute("DELETE FROM sqlite_master WHERE name = 'regions_evidence'")
    finally:
        raw.close()
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        row = raw.execute("SELECT * FROM regions WHERE id = ?", (made[4].id,)).fetchone()
        raw.execute("DELETE FROM regions WHERE id = ?", (made[4].id,))
        raw.execute(f"INSERT INTO regions VALUES ({', '.join('?' * len(row))})", row)
        raw.execute("PRAGMA writable_schema = ON")
        raw.execute("INSERT INTO sqlite_master VALUES (?, ?, ?, ?, ?)", index)
    finally:
        raw.close()


def test_an_index_that_disagrees_with_its_table_takes_the_thorough_check(regions):
    case, made = regions
    _break_an_index(case, made)
    quick = verify_case(case)
    # The content is intact, so the replay explains every row: only the index is wrong.
    assert quick.ok, quick.problems
    thorough = verify_case(case, thorough=True)
    assert not thorough.ok and thorough.to_dict()["thorough"]
    assert any(p["kind"] == "database" and "regions_evidence" in p["detail"]
               for p in thorough.problems), thorough.problems


def test_a_big_case_is_replayed_in_a_process_of_its_own_and_still_names_edits(
        regions, monkeypatch):
    """The process path (taken from APART_BYTES on) finds what the thread path finds."""
    from reviewer.core import replay_apart

    case, made = regions
    monkeypatch.setattr(replay_apart, "APART_BYTES", 0)
    started = []
    real_pool = replay_apart.ProcessPoolExecutor
    monkeypatch.setattr(replay_apart, "ProcessPoolExecutor",
                        lambda *a, **k: started.append(1) or real_pool(*a, **k))
    clean = verify_case(case)
    assert clean.ok and clean.history["unexplained"] == 0 and started
    _sql(case, f"UPDATE regions SET x = 99 WHERE id = '{made[2].id}'")
    assert f"regions {made[2].id}: x is 99.0, the history says 10.0" in \
        _history(verify_case(case))


def test_a_big_case_s_chain_walked_in_a_process_still_names_an_altered_record(
        regions, monkeypatch):
    from reviewer.core import replay_apart

    case, _ = regions
    monkeypatch.setattr(replay_apart, "APART_BYTES", 0)
    _sql(case, "DROP TRIGGER audit_append_only_update",
         "UPDATE audit SET details = '{}' WHERE seq = 3")
    problems = verify_case(case).problems
    assert any(p["kind"] == "audit" and p.get("id") == 3 and "altered" in p["detail"]
               for p in problems), problems
    assert any("trigger audit_append_only_update" in p["detail"] for p in problems)


def test_a_bulk_write_is_replayed_in_the_order_its_table_stores_it(regions):
    """Rows written in one audited write, in no order of their keys, come out of the
    replay in the order a scan of the table reads them (so the comparison is one pass
    over two lists, not a set of every row), and a hand edit is still named."""
    case, _ = regions
    evidence_id, label_id = case.conn.execute(
        "SELECT evidence_id, label_id FROM regions LIMIT 1").fetchone()
    ids = [f"{n:04d}-bulk" for n in (7, 3, 9, 1, 8, 2, 6, 0, 5, 4)]
    with case.write() as tx:
        tx.conn.executemany(
            "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h,"
            " created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, 'rect', ?, 1, 2, 3, 4, ?, ?, ?, ?)",
            [(i, evidence_id, label_id, json.dumps({"x": 1, "y": 2, "w": 3, "h": 4}),
              tx.at, tx.actor, tx.at, tx.actor) for i in ids])
        tx.record("test.bulk", None, {"count": len(ids)})
    names, live = _live(case, "regions")     # a scan of the table, as compare() reads it
    scanned = [row[names.index("id")] for row in live]
    assert [key[0] for key in replay(case.conn).state["regions"]] == scanned
    assert scanned[-len(ids):] == ids
    assert verify_case(case).ok
    _sql(case, "UPDATE regions SET w = 30 WHERE id = '0009-bulk'")
    assert "regions 0009-bulk: w is 30.0, the history says 3.0" in _history(verify_case(case))
