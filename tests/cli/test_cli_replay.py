"""`reviewer verify` on a case edited behind the app's back with sqlite3: named, exit 3."""

from __future__ import annotations

import sqlite3


def _edit(case, statement: str) -> None:
    raw = sqlite3.connect(case / "case.sqlite", isolation_level=None)
    try:
        raw.execute(statement)
    finally:
        raw.close()


def test_verify_names_rows_edited_with_sqlite3(cli, demo_case):
    clean = cli("verify", demo_case)
    assert "INTACT" in clean.stdout
    assert "records replayed, every row explained" in clean.stdout
    region, title = sqlite3.connect(demo_case / "case.sqlite").execute(
        "SELECT r.id, i.title FROM regions r, incidents i LIMIT 1").fetchone()
    _edit(demo_case, f"UPDATE regions SET x = x + 100 WHERE id = '{region}'")
    _edit(demo_case, "UPDATE incidents SET title = 'Nothing happened'")
    _edit(demo_case, "UPDATE evidence SET gps_lat = 0, gps_lon = 0")

    result = cli("verify", demo_case, expect=3)
    assert f"history: regions {region}: x is" in result.stderr
    assert f"title is \"Nothing happened\", the history says {title!r}".replace("'", '"') \
        in result.stderr
    assert "gps_lat is 0.0, the history says" in result.stderr
    assert "rows not explained by it" in result.stdout and "INTACT" not in result.stdout

    verdict = cli("verify", demo_case, "--json", expect=3).json()
    assert verdict["ok"] is False and verdict["history"]["unexplained"] >= 3
    assert {p["table"] for p in verdict["problems"] if p["kind"] == "history"} >= {
        "regions", "incidents", "evidence"}
