"""The edit protocol: every core write returns a Changes value and its audit record
carries enough to replay the edit on a copy of the case."""

from __future__ import annotations

import json
import shutil
import sqlite3

from reviewer.core.changes import KINDS, Change, Changes
from reviewer.core.comparisons import create_comparison, update_note
from reviewer.core.evidence import get_evidence, list_evidence
from reviewer.core.incidents import (
    add_incident,
    delete_incident,
    link_to_incident,
    list_incidents,
    restore_incident,
    update_incident,
)
from reviewer.core.labels import add_label, find_label, merge_labels, update_label
from reviewer.core.regions import add_region, delete_regions, restore_region, update_region
from reviewer.core.shape import parse_box


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
            for table, _key in KINDS.values()}


def _replay(conn: sqlite3.Connection, details: dict) -> None:
    """What the next issue's replay will do with an audit record: write the after-state
    of every added and updated row, delete every removed one."""
    changes = details["changes"]
    for op in ("added", "updated"):
        for kind, rows in changes.get(op, {}).items():
            table = KINDS[kind][0]
            for row in rows:
                conn.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(row)})"
                             f" VALUES ({', '.join('?' * len(row))})", list(row.values()))
    for kind, keys in changes.get("removed", {}).items():
        table, columns = KINDS[kind]
        for key in keys:
            values = [key] if isinstance(key, str) else [key[c] for c in columns]
            conn.execute(f"DELETE FROM {table} WHERE "
                         + " AND ".join(f"{c} = ?" for c in columns), values)


def test_the_audit_log_replays_a_session_of_edits_onto_a_copy(case, photo_factory, tmp_path):
    from reviewer.core.importer import import_paths

    import_paths(case, [photo_factory(size=(800, 600)), photo_factory(size=(800, 600))])
    first, second = (row.id for row in list_evidence(case))
    copy = tmp_path / "copy.sqlite"
    case.conn.execute("PRAGMA wal_checkpoint(FULL)")
    shutil.copy(case.db_path, copy)
    start = case.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]

    a = add_region(case, first, "debris", "rect", parse_box("10,10,50,50"))
    b = add_region(case, first, "crater", "point", {"x": 100, "y": 100}, note="deep")
    incident = add_incident(case, "Shelling", place_name="Market")
    link_to_incident(case, incident.id, [a.id, b.id], [second])
    update_region(case, a.id, geometry=parse_box("20,20,60,40"), confidence=0.7)
    update_incident(case, incident.id, status="confirmed")
    label = add_label(case, "shell fragment", shortcut="3")
    update_label(case, label.id, colour="#123456")
    merge_labels(case, find_label(case, "crater").id, label.id)
    removed = delete_regions(case, [a.id, b.id])
    restore_region(case, *removed[0])
    gone = delete_incident(case, incident.id)
    restore_incident(case, *gone)
    comparison = create_comparison(case, first, second, note="before/after")
    update_note(case, comparison.id, "the roof is gone")

    replayed = sqlite3.connect(copy)
    replayed.execute("PRAGMA foreign_keys = ON")
    for (details,) in case.conn.execute("SELECT details FROM audit WHERE seq > ? ORDER BY seq",
                                        (start,)):
        _replay(replayed, json.loads(details))
    assert _tables(replayed) == _tables(case.conn)
    replayed.close()


def test_each_audit_record_names_the_after_state_of_its_rows(case, photo_factory):
    from reviewer.core.importer import import_paths

    import_paths(case, [photo_factory(size=(800, 600))])
    item = list_evidence(case)[0]
    region = add_region(case, item.id, "debris", "rect", parse_box("10,10,50,50"))
    action, object_id, details = case.conn.execute(
        "SELECT action, object_id, details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    stored = case.conn.execute("SELECT * FROM regions WHERE id = ?", (region.id,))
    columns = [d[0] for d in stored.description]
    assert (action, object_id) == ("region.add", region.id)
    details = json.loads(details)
    assert details["changes"] == {"added": {"region": [dict(zip(columns, stored.fetchone(),
                                                                strict=True))]}}
    assert details["label"] == "debris"          # the readable details stay as they were
    delete_regions(case, [region.id])
    details = json.loads(case.conn.execute(
        "SELECT details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0])
    assert details["changes"] == {"removed": {"region": [region.id]}}


def test_merging_changes_keeps_each_rows_last_state():
    added = Changes((Change("added", "region", "r1", {"note": "a"}),))
    updated = Changes((Change("updated", "region", "r1", {"note": "b"}),
                       Change("updated", "label", "l1", {"name": "x"})))
    removed = Changes((Change("removed", "region", "r1", {"note": "b"}),))
    both = added | updated
    assert both.of("region")[0] == Change("added", "region", "r1", {"note": "b"})
    assert (both | removed).ids("region") == [] and (both | removed).ids("label") == ["l1"]
    assert Changes().is_empty() and not (added | removed)


def test_reads_return_typed_records_with_the_json_keys_of_the_columns(case, photo_factory):
    from reviewer.core.importer import import_paths

    import_paths(case, [photo_factory(size=(800, 600))])
    listed = list_evidence(case)[0]
    item = get_evidence(case, listed.id)
    columns = [d[0] for d in case.conn.execute("SELECT * FROM evidence").description]
    assert list(item.to_json()) == columns
    assert list(listed.to_json()) == [*columns, "regions"]
    assert (item.width, item.height) == (800, 600) and item["width"] == 800
    incident = add_incident(case, "Shelling")
    [row] = list_incidents(case)
    assert type(row) is type(incident) and row.id == incident.id
    assert (row.regions, row.evidence) == (0, 0)
    assert "regions" not in incident.to_json() and row.to_json()["regions"] == 0
