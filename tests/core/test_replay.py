"""verify replays the audit log's after-states and names every row it does not explain:
the attacks of issue 13 made with a plain sqlite3 connection on a real case."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest

from reviewer.core import schema
from reviewer.core.case import create_case, open_case
from reviewer.core.comparisons import create_comparison
from reviewer.core.errors import CaseError
from reviewer.core.evidence import list_evidence
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident, link_region, update_incident
from reviewer.core.labels import add_label
from reviewer.core.merge import merge_package
from reviewer.core.regions import add_region, delete_region, update_region
from reviewer.core.verify import verify_case

RECT = {"x": 10, "y": 20, "w": 30, "h": 40}


@pytest.fixture
def tagged(case, photo_factory):
    """A case as an investigator leaves it: items, regions (one deleted), an incident."""
    import_paths(case, [photo_factory(), photo_factory()])
    items = list_evidence(case)
    kept = add_region(case, items[0].id, "person", "rect", RECT)
    gone = add_region(case, items[1].id, "vehicle", "rect", RECT)
    update_region(case, kept.id, geometry={"x": 12, "y": 20, "w": 30, "h": 40})
    delete_region(case, gone.id)
    incident = add_incident(case, "Strike on the market")
    link_region(case, incident.id, kept.id)
    create_comparison(case, items[0].id, items[1].id, note="before and after")
    return case, items, kept, incident


def _sql(case, *statements: str, params: tuple = ()) -> None:
    """An edit made with another program: no app, no audit record."""
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    try:
        for statement in statements:
            raw.execute(statement, params if "?" in statement else ())
    finally:
        raw.close()


def _history(report) -> list[str]:
    return [p["detail"] for p in report.problems if p["kind"] == "history"]


def test_a_case_made_in_the_app_is_explained_row_for_row(tagged):
    case, *_ = tagged
    report = verify_case(case)
    assert report.ok, report.problems
    assert report.history["unexplained"] == 0 and not report.history["from_snapshot"]
    assert report.history_line().endswith("records replayed, every row explained")
    assert report.to_dict()["history"]["records"] == report.history["records"] > 5


def test_the_demo_case_and_a_merge_of_it_are_explained(demo, tmp_path):
    add_label(demo, "Roadblock", "#aa5500")
    update_incident(demo, demo.conn.execute("SELECT id FROM incidents").fetchone()[0],
                    title="Renamed")
    assert verify_case(demo).ok, verify_case(demo).problems
    package = tmp_path / "sent.zip"
    export_case(demo, package)
    with create_case(tmp_path / "recipient", actor="bob") as recipient:
        merge_package(recipient, package)
        report = verify_case(recipient)
        assert report.ok, report.problems
        assert report.history["unexplained"] == 0


def test_a_replaced_original_with_its_row_updated_is_named(tagged, photo_factory):
    case, items, *_ = tagged
    item = items[0]
    forged = photo_factory(seed=999).read_bytes()
    digest = hashlib.sha256(forged).hexdigest()
    new_path = f"media/{digest[:2]}/{digest}.jpg"
    (case.path / new_path).parent.mkdir(exist_ok=True)
    (case.path / new_path).write_bytes(forged)
    (case.path / item.stored_path).unlink()
    _sql(case, "UPDATE evidence SET sha256 = ?, bytes = ?, stored_path = ? WHERE id = ?",
         params=(digest, len(forged), new_path, item.id))
    report = verify_case(case)
    assert not report.ok
    lines = _history(report)
    assert any(f"evidence {item.id}: sha256 is \"{digest}\", the history says"
               f" \"{item.sha256}\"" in line for line in lines), lines
    assert any(f"evidence {item.id}: bytes is {len(forged)}" in line for line in lines)
    assert any(f"evidence {item.id}: stored_path is" in line for line in lines)


@pytest.mark.parametrize(("statement", "expected"), [
    ("UPDATE regions SET x = 500, geometry = '{{}}' WHERE id = '{region}'",
     "regions {region}: x is 500.0, the history says 12"),
    ("UPDATE regions SET label_id = (SELECT id FROM labels WHERE name = 'vehicle')"
     " WHERE id = '{region}'", "regions {region}: label_id is"),
    ("UPDATE regions SET label_id = (SELECT id FROM labels WHERE name = 'vehicle')"
     " WHERE id = '{region}'", "(vehicle), the history says"),
    ("UPDATE incidents SET title = 'Nothing happened' WHERE id = '{incident}'",
     "incidents {incident}: title is \"Nothing happened\", the history says"
     " \"Strike on the market\""),
    ("UPDATE incidents SET lat = 1.5, lon = 2.5 WHERE id = '{incident}'",
     "incidents {incident}: lat is 1.5, the history says null"),
    ("UPDATE evidence SET gps_lat = 48.1, gps_lon = 11.5 WHERE id = '{item}'",
     "evidence {item}: gps_lat is 48.1, the history says"),
    ("UPDATE evidence SET taken_at = '1999-01-01T00:00:00' WHERE id = '{item}'",
     "evidence {item}: taken_at is \"1999-01-01T00:00:00\", the history says"),
    ("UPDATE exif SET value = 'Forged' WHERE evidence_id = '{item}'",
     "exif {item}/"),
    ("INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h, confidence,"
     " note, created_at, created_by, updated_at, updated_by)"
     " SELECT 'extra-region', evidence_id, label_id, shape, geometry, x, y,"
     " w, h, confidence, note, created_at, created_by, updated_at, updated_by"
     " FROM regions WHERE id = '{region}'",
     "regions extra-region: not in the history (added outside the app)"),
    ("DELETE FROM incident_regions WHERE region_id = '{region}'",
     "incident_regions {incident}/{region}: missing (the history has it; removed outside"
     " the app)"),
])
def test_a_hand_edit_of_a_table_is_named(tagged, statement, expected):
    case, items, region, incident = tagged
    ids = {"region": region.id, "incident": incident.id, "item": items[0].id}
    assert verify_case(case).ok
    _sql(case, statement.format(**ids))
    report = verify_case(case)
    assert not report.ok
    assert any(expected.format(**ids) in line for line in _history(report)), _history(report)
    assert "not explained by it" in report.history_line()


@pytest.mark.parametrize(("details", "why"), [
    ('{"rows": [1, 2]}', "its after-state is not in the form the app writes"),
    ('{"rows": {"regions": [1]}}', "its after-state is not in the form the app writes"),
    ('{"changes": {"added": {"region": [5]}}}',
     "its after-state is not in the form the app writes"),
    ('{"removed_rows": {"regions": 7}}', "its after-state is not in the form the app writes"),
    ('{"rows": {"labels": [{"id": [1]}]}}',
     "its after-state is not in the form the app writes"),
    ('{"rows": not json', "its details are not JSON"),
    (b"\x00\xff", "its details are not text"),
])
def test_an_audit_record_put_in_another_shape_is_named(tagged, details, why):
    """Not a traceback: the record is named as altered and as one that cannot be
    replayed."""
    case, *_ = tagged
    seq = case.conn.execute("SELECT seq FROM audit WHERE action = 'region.add'"
                            " ORDER BY seq LIMIT 1").fetchone()[0]
    _sql(case, "DROP TRIGGER audit_append_only_update",
         f"UPDATE audit SET details = ? WHERE seq = {seq}", params=(details,))
    report = verify_case(case)
    assert any(p["kind"] == "audit" and p.get("id") == seq and "altered" in p["detail"]
               for p in report.problems), report.problems
    assert f"audit record {seq} (region.add): {why}, so it cannot be replayed" in \
        _history(report)
    assert "1 record(s) that cannot be replayed" in report.history_line()


def test_a_row_deleted_by_hand_is_named(tagged):
    case, _items, region, _ = tagged
    _sql(case, "PRAGMA foreign_keys = ON", f"DELETE FROM regions WHERE id = '{region.id}'")
    lines = _history(verify_case(case))
    assert f"regions {region.id}: missing (the history has it; removed outside the app)" in lines
    _sql(case, "INSERT INTO evidence (id, kind, sha256, bytes, original_name, stored_path,"
               " imported_at, imported_by) VALUES ('ghost', 'photo', ?, 1, 'ghost.jpg',"
               " 'media/gh/ghost.jpg', '2020', 'x')", params=("a" * 64,))
    assert "evidence ghost: not in the history (added outside the app)" in \
        _history(verify_case(case))


def test_an_older_case_is_migrated_with_a_signed_snapshot(tmp_path, monkeypatch, photo_factory):
    """A case made before replay: its history starts at the snapshot the migration took."""
    with monkeypatch.context() as patch:
        for later in [v for v in schema.MIGRATIONS if v >= schema.REPLAY_VERSION]:
            patch.delitem(schema.MIGRATIONS, later)
        patch.setattr("reviewer.core.case.SCHEMA_VERSION", schema.REPLAY_VERSION - 1)
        with create_case(tmp_path / "old", actor="early") as old:
            import_paths(old, [photo_factory()])
            item = list_evidence(old)[0]
    # A region as that version stored it (today's reads know later columns), then what it
    # wrote by hand (before every record carried after-states).
    _sql(type("C", (), {"db_path": tmp_path / "old.case" / "case.sqlite"}),
         "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h, note,"
         " created_at, created_by, updated_at, updated_by) SELECT 'r1', ?, id, 'rect',"
         " '{}', 1, 2, 3, 4, '', '2020', 'early', '2020', 'early' FROM labels"
         " WHERE name = 'person'", "UPDATE regions SET note = 'from before'",
         params=(item.id,))
    with open_case(tmp_path / "old", actor="migrator") as case:
        snapshot = case.conn.execute(
            "SELECT at FROM audit WHERE action = 'case.snapshot'").fetchall()
        assert len(snapshot) == 1
        report = verify_case(case)
        assert report.ok, report.problems
        assert report.history["from_snapshot"]
        assert f"replayable from {snapshot[0][0]}: snapshot of the state found then" in \
            report.history_line()
        _sql(case, "UPDATE regions SET note = 'after'")
        assert "note is \"after\", the history says \"from before\"" in \
            " ".join(_history(verify_case(case)))


def test_a_copied_case_still_verifies(tagged, tmp_path):
    case, *_ = tagged
    shutil.copytree(case.path, tmp_path / "copy.case")
    with open_case(tmp_path / "copy.case") as copy:
        assert verify_case(copy).ok


def test_unpacked_packages_are_explained(demo, tmp_path):
    """A whole package replays from the sender's start; a partial one (its history has
    gaps by design) becomes a new case that merged it, so the merge's records explain it."""
    from reviewer.core.unpack import unpack_package

    whole, partial = tmp_path / "whole.zip", tmp_path / "partial.zip"
    export_case(demo, whole)
    first = demo.conn.execute("SELECT id FROM incidents ORDER BY id").fetchone()[0]
    export_case(demo, partial, incidents=[first])
    with unpack_package(whole, tmp_path / "whole", actor="bob") as case:
        report = verify_case(case)
        assert report.ok, report.problems
        assert not report.history["from_snapshot"]
    with unpack_package(partial, tmp_path / "partial", actor="bob") as case:
        report = verify_case(case)
        assert report.ok, report.problems
        assert not report.history["from_snapshot"]
        _sql(case, "UPDATE incidents SET title = 'Changed'")
        assert any("title is \"Changed\"" in line for line in _history(verify_case(case)))


@pytest.mark.parametrize(("statement", "expected"), [
    # Bytes where the app writes text: shown as SQLite shows a blob.
    ("UPDATE evidence SET original_name = X'00ff' WHERE id = '{item}'",
     "evidence {item}: original_name is x'00ff', the history says"),
    # Text where the size goes, the file itself intact.
    ("UPDATE evidence SET bytes = '{{}}' WHERE id = '{item}'",
     "evidence {item}: bytes is \"{{}}\", the history says"),
    ("UPDATE evidence SET stored_path = X'00ff' WHERE id = '{item}'",
     "the original of {name} is missing (its stored path is not text)"),
    ("UPDATE evidence SET original_name = CAST(X'ff41' AS TEXT) WHERE id = '{item}'",
     "damaged: Could not decode to UTF-8 column"),
    ("UPDATE meta SET value = NULL WHERE key = 'audit_head'",
     "the audit head marker was altered: it is not text"),
    ("UPDATE meta SET value = '" + "[" * 50000 + "]" * 50000 + "'"
     " WHERE key = 'audit_head_signature'", "the signature over the audit head is damaged"),
])
def test_a_value_of_another_type_put_in_by_hand_is_named_not_a_crash(tagged, statement,
                                                                     expected):
    """Found by fuzzing every column: each ended verify with an internal error."""
    case, items, *_ = tagged
    ids = {"item": items[0].id, "name": items[0].original_name}
    _sql(case, statement.format(**ids))
    report = verify_case(case)
    assert not report.ok
    details = [p["detail"] for p in report.problems]
    assert any(expected.format(**ids) in d for d in details), details


def test_a_merge_summary_that_is_not_json_is_named_not_a_crash(demo, tmp_path):
    package = tmp_path / "sent.zip"
    export_case(demo, package)
    with create_case(tmp_path / "recipient", actor="bob") as recipient:
        merge_package(recipient, package)
        _sql(recipient, "UPDATE merges SET summary = '{not json'")
        lines = _history(verify_case(recipient))
    assert any(": summary is \"{not json\", the history says" in line for line in lines), lines


def test_a_schema_version_that_is_not_a_number_is_one_error(tagged):
    case, *_ = tagged
    _sql(case, "UPDATE meta SET value = NULL WHERE key = 'schema_version'")
    case.close()
    with pytest.raises(CaseError, match="bad schema version"):
        open_case(case.path)
