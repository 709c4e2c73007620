"""`reviewer verify --thorough`: SQLite's full integrity check, which the default quick
check leaves out (an index that disagrees with its table, the content intact)."""

from __future__ import annotations

import sqlite3


def _move_a_row_behind_its_index(db) -> None:
    raw = sqlite3.connect(db, isolation_level=None)
    try:
        index = raw.execute("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master"
                            " WHERE name = 'regions_evidence'").fetchone()
        raw.execute("PRAGMA writable_schema = ON")
        raw.execute("DELETE FROM sqlite_master WHERE name = 'regions_evidence'")
    finally:
        raw.close()
    raw = sqlite3.connect(db, isolation_level=None)
    try:
        row = raw.execute("SELECT * FROM regions LIMIT 1").fetchone()
        raw.execute("DELETE FROM regions WHERE id = ?", (row[0],))
        raw.execute(f"INSERT INTO regions VALUES ({', '.join('?' * len(row))})", row)
        raw.execute("PRAGMA writable_schema = ON")
        raw.execute("INSERT INTO sqlite_master VALUES (?, ?, ?, ?, ?)", index)
    finally:
        raw.close()


def test_thorough_names_an_index_the_quick_check_leaves_out(cli, demo_case):
    _move_a_row_behind_its_index(demo_case / "case.sqlite")
    quick = cli("verify", demo_case)
    assert "INTACT" in quick.stdout and "every row explained" in quick.stdout
    result = cli("verify", demo_case, "--thorough", expect=3)
    assert "database:" in result.stderr and "regions_evidence" in result.stderr
    assert cli("verify", demo_case, "--thorough", "--json", expect=3).json()["thorough"] is True
