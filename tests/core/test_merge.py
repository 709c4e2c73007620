"""merge_package: a round trip, conflicts kept side by side, idempotence, matching by bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from package_support import case_state, rows

from reviewer.core.case import create_case, open_case
from reviewer.core.errors import PackageMismatchError
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident, update_incident
from reviewer.core.labels import add_label
from reviewer.core.merge import merge_package, merged_audit_records
from reviewer.core.regions import add_region, delete_region, update_region
from reviewer.core.verify import verify_case

_TABLES = {
    "evidence": "SELECT * FROM evidence ORDER BY id",
    "exif": "SELECT * FROM exif ORDER BY evidence_id, tag",
    "regions": "SELECT * FROM regions ORDER BY id",
    "incidents": "SELECT * FROM incidents ORDER BY id",
    "incident_regions": "SELECT * FROM incident_regions ORDER BY incident_id, region_id",
    "incident_evidence": "SELECT * FROM incident_evidence ORDER BY incident_id, evidence_id",
    "attachments": "SELECT * FROM attachments ORDER BY id",
}


@pytest.fixture
def empty(tmp_path):
    case = create_case(tmp_path / "empty", actor="bob")
    yield case
    case.close()


def _export(case, tmp_path: Path, name: str = "sent.zip", **kwargs) -> Path:
    out = tmp_path / name
    export_case(case, out, **kwargs)
    return out


def test_round_trip_into_an_empty_case_matches_row_for_row(demo, empty, tmp_path):
    package = _export(demo, tmp_path)
    report = merge_package(empty, package)
    assert report.ok and report.conflicts == [] and not report.already_merged
    for table, sql in _TABLES.items():
        assert rows(empty, sql) == rows(demo, sql), table
    labels = lambda case: {(r["name"], r["colour"]) for r in rows(case, "SELECT * FROM labels")}  # noqa: E731
    assert labels(empty) == labels(demo)
    # Every original is in the recipient's store with its bytes.
    for row in rows(empty, "SELECT stored_path FROM evidence UNION SELECT stored_path FROM"
                           " attachments"):
        assert (empty.path / row["stored_path"]).read_bytes() == \
            (demo.path / row["stored_path"]).read_bytes()
    # The sender's audit log came along, record for record, up to the export.
    sent = rows(demo, "SELECT * FROM audit WHERE action <> 'case.export' ORDER BY seq")
    assert merged_audit_records(empty, report.merge_id) == sent
    merge = rows(empty, "SELECT * FROM merges")[0]
    assert merge["package_sha256"] == report.package_sha256 and merge["source_case_id"] == demo.id
    # After the merge's record come only the hashes of the pictures it brought (for its
    # near-duplicate report).
    last = rows(empty, "SELECT action, details FROM audit WHERE action <> 'similar.hash'"
                       " ORDER BY seq DESC LIMIT 1")[0]
    assert last["action"] == "case.merge"
    assert verify_case(empty).ok


def test_merging_the_same_package_twice_changes_nothing(demo, empty, tmp_path):
    package = _export(demo, tmp_path)
    first = merge_package(empty, package)
    before = case_state(empty.path)
    again = merge_package(empty, package)
    assert again.already_merged and again.merge_id == first.merge_id
    assert case_state(empty.path) == before


def _two_copies(demo, tmp_path):
    """Alice's case and Bob's copy of it (merged from her package)."""
    bob = create_case(tmp_path / "bob", actor="bob")
    merge_package(bob, _export(demo, tmp_path, "first.zip"))
    return bob


def test_both_sides_edited_a_region_keeps_both(demo, tmp_path):
    bob = _two_copies(demo, tmp_path)
    region = rows(demo, "SELECT id, note FROM regions ORDER BY id LIMIT 1")[0]
    update_region(bob, region["id"], note="bob: cylinder is dented")
    update_region(demo, region["id"], note="alice: valve intact")
    package = _export(demo, tmp_path, "second.zip")
    report = merge_package(bob, package)
    assert len(report.conflicts) == 1
    conflict = report.conflicts[0]
    assert conflict["kind"] == "region" and conflict["local_id"] == region["id"]
    assert "note" in conflict["detail"]
    mine = rows(bob, "SELECT * FROM regions WHERE id = ?", (region["id"],))[0]
    theirs = rows(bob, "SELECT * FROM regions WHERE id = ?", (conflict["incoming_id"],))[0]
    assert mine["note"] == "bob: cylinder is dented"
    assert theirs["note"] == "alice: valve intact"
    assert (theirs["evidence_id"], theirs["geometry"]) == (mine["evidence_id"], mine["geometry"])
    stored = rows(bob, "SELECT * FROM merge_conflicts")
    assert [(c["local_id"], c["incoming_id"]) for c in stored] == [
        (region["id"], conflict["incoming_id"])]
    # The copy keeps the incoming region's incident links.
    links = rows(demo, "SELECT incident_id FROM incident_regions WHERE region_id = ?",
                 (region["id"],))
    copied = rows(bob, "SELECT incident_id FROM incident_regions WHERE region_id = ?",
                  (conflict["incoming_id"],))
    assert copied == links
    # The same edits arriving again in another package make no second copy.
    update_incident(demo, rows(demo, "SELECT id FROM incidents LIMIT 1")[0]["id"],
                    status="closed")
    third = merge_package(bob, _export(demo, tmp_path, "third.zip"))
    assert [c["kind"] for c in third.conflicts] == ["incident"]
    assert len(rows(bob, "SELECT * FROM regions")) == len(rows(demo, "SELECT * FROM regions")) + 1
    bob.close()


def test_an_incident_edited_on_one_side_only_is_a_conflict_not_an_overwrite(demo, tmp_path):
    bob = _two_copies(demo, tmp_path)
    incident = rows(demo, "SELECT id, title FROM incidents ORDER BY id LIMIT 1")[0]
    local = rows(bob, "SELECT * FROM incidents WHERE id = ?", (incident["id"],))
    update_incident(demo, incident["id"], description="new witness statement")
    report = merge_package(bob, _export(demo, tmp_path, "second.zip"))
    assert [c["kind"] for c in report.conflicts] == ["incident"]
    assert rows(bob, "SELECT * FROM incidents WHERE id = ?", (incident["id"],)) == local
    copy = rows(bob, "SELECT description FROM incidents WHERE id = ?",
                (report.conflicts[0]["incoming_id"],))
    assert copy == [{"description": "new witness statement"}]
    bob.close()


def test_identical_objects_and_new_ones(demo, tmp_path):
    bob = _two_copies(demo, tmp_path)
    photo = rows(demo, "SELECT id FROM evidence WHERE kind = 'photo' LIMIT 1")[0]["id"]
    new = add_region(demo, photo, "crater", "rect", {"x": 5, "y": 5, "w": 20, "h": 20})
    report = merge_package(bob, _export(demo, tmp_path, "second.zip"))
    assert report.conflicts == [] and report.added.get("regions") == 1
    assert report.added.get("evidence") is None
    assert rows(bob, "SELECT id FROM regions WHERE id = ?", (new.id,)) == [{"id": new.id}]
    bob.close()


def test_a_region_deleted_here_is_not_brought_back(demo, tmp_path):
    bob = _two_copies(demo, tmp_path)
    region = rows(demo, "SELECT id FROM regions ORDER BY id LIMIT 1")[0]["id"]
    delete_region(bob, region)
    update_incident(demo, rows(demo, "SELECT id FROM incidents LIMIT 1")[0]["id"], status="closed")
    report = merge_package(bob, _export(demo, tmp_path, "second.zip"))
    assert rows(bob, "SELECT id FROM regions WHERE id = ?", (region,)) == []
    assert {"kind": "region", "id": region, "reason": "deleted in this case; not brought back"} \
        in report.skipped
    bob.close()


def test_labels_merge_by_name_and_items_by_bytes(case, photo_factory, tmp_path):
    """Bob imported the same photo himself (another id) and has the label spelt otherwise."""
    photo = photo_factory()
    import_paths(case, [photo])
    add_label(case, "Drone Debris")
    alice_item = rows(case, "SELECT id FROM evidence")[0]["id"]
    tag = add_region(case, alice_item, "Drone Debris", "rect", {"x": 1, "y": 1, "w": 9, "h": 9})
    bob = create_case(tmp_path / "bob", actor="bob")
    shutil.copy(photo, tmp_path / "bobs_copy.jpg")
    import_paths(bob, [tmp_path / "bobs_copy.jpg"])
    bob_label = add_label(bob, "drone debris")
    bob_item = rows(bob, "SELECT id FROM evidence")[0]["id"]
    assert bob_item != alice_item
    report = merge_package(bob, _export(case, tmp_path))
    assert report.added.get("evidence") is None and report.added.get("labels") is None
    region = rows(bob, "SELECT evidence_id, label_id FROM regions WHERE id = ?", (tag.id,))[0]
    assert region == {"evidence_id": bob_item, "label_id": bob_label.id}
    assert len(rows(bob, "SELECT * FROM evidence")) == 1
    bob.close()


def test_a_package_without_media_adds_only_what_the_case_can_hold(demo, empty, tmp_path):
    report = merge_package(empty, _export(demo, tmp_path, media=False))
    assert not report.ok
    assert {s["kind"] for s in report.skipped} >= {"evidence", "region"}
    assert rows(empty, "SELECT count(*) AS n FROM evidence") == [{"n": 0}]
    # Incidents need no media: they arrive, without links to what is missing.
    assert len(rows(empty, "SELECT * FROM incidents")) == 2
    assert verify_case(empty).ok


def test_a_package_failing_verification_changes_nothing(demo, empty, tmp_path):
    package = _export(demo, tmp_path)
    import zipfile

    with zipfile.ZipFile(package, "a") as zf:
        zf.writestr("media/zz/extra.bin", b"x")
    before = case_state(empty.path)
    with pytest.raises(PackageMismatchError, match="fails verification"):
        merge_package(empty, package)
    assert case_state(empty.path) == before


def test_an_incident_package_merges_into_a_case_that_already_has_some_of_it(demo, tmp_path):
    bob = _two_copies(demo, tmp_path)
    douma = rows(demo, "SELECT id FROM incidents WHERE title LIKE 'Chlorine%'")[0]["id"]
    new = add_incident(demo, "Follow-up strike", place_name="Douma")
    report = merge_package(bob, _export(demo, tmp_path, "douma.zip", incidents=[douma]))
    assert report.ok and report.conflicts == [] and report.added == {}
    assert rows(bob, "SELECT id FROM incidents WHERE id = ?", (new.id,)) == []
    merged = json.loads(rows(bob, "SELECT summary FROM merges ORDER BY merged_at DESC")[0]
                        ["summary"])
    assert merged["selection"]["incidents"] == [douma]
    bob.close()


def test_merge_reopened_case_still_verifies(demo, empty, tmp_path):
    merge_package(empty, _export(demo, tmp_path))
    path = empty.path
    empty.close()
    with open_case(path) as reopened:
        assert verify_case(reopened).ok
