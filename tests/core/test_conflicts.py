"""Merge conflicts: listed with their package, settled each way in one audited change, undone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from package_support import rows

from reviewer.core.case import create_case
from reviewer.core.conflicts import (
    conflict_versions,
    conflicts_by_object,
    get_conflict,
    list_conflicts,
    settle_conflict,
    undo_settlement,
)
from reviewer.core.errors import NotFoundError, ValidationError
from reviewer.core.export import export_case
from reviewer.core.incidents import delete_incident, update_incident
from reviewer.core.merge import merge_package
from reviewer.core.regions import update_region
from reviewer.core.verify import verify_case

_LINKS = "SELECT incident_id, region_id FROM incident_regions ORDER BY incident_id, region_id"
_ITEM_LINKS = ("SELECT incident_id, evidence_id FROM incident_evidence"
               " ORDER BY incident_id, evidence_id")
_CONTENT = ("SELECT id, title, category, time_from, time_to, place_name, lat, lon, radius_m,"
            " description, sources, status FROM incidents ORDER BY id")
_REGIONS = "SELECT id, evidence_id, label_id, shape, geometry, confidence, note FROM regions" \
           " ORDER BY id"


def _export(case, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    export_case(case, out)
    return out


@pytest.fixture
def conflicted(demo, tmp_path):
    """Bob's copy of Alice's case, then both edit an incident and a region and Bob merges.

    Returns (bob, alice, incident id, region id); Bob's case has one open conflict of each kind.
    """
    bob = create_case(tmp_path / "bob", actor="bob")
    merge_package(bob, _export(demo, tmp_path, "first.zip"))
    incident = rows(demo, "SELECT id FROM incidents WHERE title LIKE 'Chlorine%'")[0]["id"]
    region = rows(demo, "SELECT region_id FROM incident_regions WHERE incident_id = ?"
                        " ORDER BY region_id LIMIT 1", (incident,))[0]["region_id"]
    update_incident(bob, incident, description="bob: two cylinders, one on the roof")
    update_incident(demo, incident, description="alice: one cylinder", status="confirmed")
    update_region(bob, region, note="bob: dented")
    update_region(demo, region, note="alice: valve intact", confidence=0.9)
    report = merge_package(bob, _export(demo, tmp_path, "alice-week2.zip"))
    assert sorted(c["kind"] for c in report.conflicts) == ["incident", "region"]
    yield bob, demo, incident, region
    bob.close()


def _conflict(case, kind: str):
    return next(c for c in list_conflicts(case) if c.kind == kind)


def test_open_conflicts_are_listed_with_their_package(conflicted):
    bob, _, incident, region = conflicted
    conflicts = list_conflicts(bob)
    assert [c.kind for c in conflicts] == ["incident", "region"]
    merge = rows(bob, "SELECT * FROM merges WHERE package_name = 'alice-week2.zip'")[0]
    found = _conflict(bob, "incident")
    assert (found.local_id, found.package_name, found.merged_at, found.merged_by) == (
        incident, "alice-week2.zip", merge["merged_at"], "bob")
    assert found.is_open and found.kept is None and found.title.startswith("Chlorine")
    assert found.detail == ("both sides edited this incident; they differ in: description,"
                            " status")
    assert _conflict(bob, "region").local_id == region
    marked = conflicts_by_object(bob)
    assert {marked[c.local_id].id for c in conflicts} == {c.id for c in conflicts}
    assert marked[found.incoming_id] == found
    assert found.side(found.local_id) == "mine" and found.side(found.incoming_id) == "theirs"
    assert get_conflict(bob, found.id[:8]) == found


def test_versions_show_both_sides_and_what_differs(conflicted):
    bob, *_ = conflicted
    versions = conflict_versions(bob, _conflict(bob, "incident"))
    assert versions.differ == ["description", "status"]
    assert versions.mine["description"] == "bob: two cylinders, one on the roof"
    assert versions.theirs["description"] == "alice: one cylinder"
    region = conflict_versions(bob, _conflict(bob, "region"))
    assert region.differ == ["confidence", "note"]
    assert (region.mine["note"], region.theirs["note"]) == ("bob: dented", "alice: valve intact")
    assert region.mine["item"] == region.theirs["item"]


def _actions_of_last_change(case) -> list[str]:
    last = rows(case, "SELECT at FROM audit ORDER BY seq DESC LIMIT 1")[0]["at"]
    return [r["action"] for r in rows(case, "SELECT action FROM audit WHERE at = ? ORDER BY"
                                            " seq", (last,))]


def test_keep_theirs_takes_their_content_and_their_links_in_one_change(conflicted):
    bob, _, incident, _ = conflicted
    conflict = _conflict(bob, "incident")
    copy_links = {r["region_id"] for r in rows(
        bob, "SELECT region_id FROM incident_regions WHERE incident_id = ?",
        (conflict.incoming_id,))}
    copy_items = {r["evidence_id"] for r in rows(
        bob, "SELECT evidence_id FROM incident_evidence WHERE incident_id = ?",
        (conflict.incoming_id,))}
    assert copy_links
    settled = settle_conflict(bob, conflict.id, "theirs").conflict
    mine = rows(bob, "SELECT * FROM incidents WHERE id = ?", (incident,))[0]
    assert (mine["description"], mine["status"]) == ("alice: one cylinder", "confirmed")
    assert rows(bob, "SELECT id FROM incidents WHERE id = ?", (conflict.incoming_id,)) == []
    links = {r["region_id"] for r in rows(
        bob, "SELECT region_id FROM incident_regions WHERE incident_id = ?", (incident,))}
    items = {r["evidence_id"] for r in rows(
        bob, "SELECT evidence_id FROM incident_evidence WHERE incident_id = ?", (incident,))}
    assert copy_links <= links and copy_items <= items
    assert settled.resolved_by == "bob" and settled.resolved_at and settled.kept == "theirs"
    assert [c.kind for c in list_conflicts(bob)] == ["region"]
    assert settled.id not in {c.id for c in conflicts_by_object(bob).values()}
    # One transaction: the update, the deletion of the copy and the settlement, audited.
    actions = _actions_of_last_change(bob)
    assert actions[-3:] == ["incident.update", "incident.delete", "merge_conflict.settle"]
    update = rows(bob, "SELECT details FROM audit WHERE action = 'incident.update' ORDER BY seq"
                       " DESC LIMIT 1")[0]
    assert json.loads(update["details"])["changed"]["description"] == [
        "bob: two cylinders, one on the roof", "alice: one cylinder"]
    record = json.loads(rows(bob, "SELECT details FROM audit WHERE action ="
                                  " 'merge_conflict.settle'")[0]["details"])
    assert record["keep"] == "theirs" and record["incoming_id"] == conflict.incoming_id
    assert verify_case(bob).ok
    assert [c.kept for c in list_conflicts(bob, open_only=False)
            if c.id == conflict.id] == ["theirs"]


def test_keep_mine_removes_the_copy_and_a_later_package_does_not_bring_it_back(
        conflicted, tmp_path):
    bob, alice, _, region = conflicted
    conflict = _conflict(bob, "region")
    before = rows(bob, "SELECT * FROM regions WHERE id = ?", (region,))
    copy_incidents = {r["incident_id"] for r in rows(
        bob, "SELECT incident_id FROM incident_regions WHERE region_id = ?",
        (conflict.incoming_id,))}
    settle_conflict(bob, conflict.id, "mine")
    assert rows(bob, "SELECT * FROM regions WHERE id = ?", (region,)) == before
    assert rows(bob, "SELECT id FROM regions WHERE id = ?", (conflict.incoming_id,)) == []
    assert copy_incidents <= {r["incident_id"] for r in rows(
        bob, "SELECT incident_id FROM incident_regions WHERE region_id = ?", (region,))}
    assert _actions_of_last_change(bob)[-2:] == ["region.delete", "merge_conflict.settle"]
    assert verify_case(bob).ok
    # Alice sends her (unchanged) version again with something new: no second copy.
    update_incident(alice, rows(alice, "SELECT id FROM incidents WHERE title NOT LIKE"
                                       " 'Chlorine%'")[0]["id"], sources="new link")
    again = merge_package(bob, _export(alice, tmp_path, "alice-week3.zip"))
    assert [c["kind"] for c in again.conflicts] == ["incident"]
    assert any(s["kind"] == "region" and s["id"] == region for s in again.skipped)
    assert rows(bob, "SELECT id FROM regions WHERE id = ?", (conflict.incoming_id,)) == []


def test_keep_both_keeps_two_objects_and_closes_the_conflict(conflicted):
    bob, *_ = conflicted
    conflict = _conflict(bob, "incident")
    before = rows(bob, _CONTENT)
    settled = settle_conflict(bob, conflict.id, "both")
    assert rows(bob, _CONTENT) == before
    assert settled.conflict.kept == "both" and not settled.conflict.is_open
    assert _actions_of_last_change(bob) == ["merge_conflict.settle"]
    assert verify_case(bob).ok


@pytest.mark.parametrize("keep", ["mine", "theirs"])
@pytest.mark.parametrize("kind", ["incident", "region"])
def test_undo_puts_back_the_copy_its_links_and_the_old_content(conflicted, kind, keep):
    bob, *_ = conflicted
    conflict = _conflict(bob, kind)
    state = [rows(bob, sql) for sql in (_CONTENT, _REGIONS, _LINKS, _ITEM_LINKS)]
    settlement = settle_conflict(bob, conflict.id, keep)
    assert [rows(bob, sql) for sql in (_CONTENT, _REGIONS, _LINKS, _ITEM_LINKS)] != state
    reopened = undo_settlement(bob, settlement)
    assert [rows(bob, sql) for sql in (_CONTENT, _REGIONS, _LINKS, _ITEM_LINKS)] == state
    assert reopened.is_open and reopened.resolved_by is None
    assert _actions_of_last_change(bob)[-1] == "merge_conflict.reopen"
    assert conflict.id in {c.id for c in list_conflicts(bob)}
    # ... and it can be settled again.
    assert settle_conflict(bob, conflict.id, keep).conflict.kept == keep
    assert verify_case(bob).ok


def test_refusals_name_the_conflict_and_change_nothing(conflicted):
    bob, *_ = conflicted
    conflict = _conflict(bob, "incident")
    with pytest.raises(NotFoundError, match="no such merge conflict"):
        settle_conflict(bob, "not-a-conflict", "mine")
    with pytest.raises(ValidationError, match="mine, theirs, both"):
        settle_conflict(bob, conflict.id, "newest")
    delete_incident(bob, conflict.incoming_id)
    audit = rows(bob, "SELECT count(*) AS n FROM audit")
    with pytest.raises(ValidationError, match=r"package's version .* was deleted"):
        settle_conflict(bob, conflict.id, "theirs")
    assert rows(bob, "SELECT count(*) AS n FROM audit") == audit
    # With the copy gone, "mine" just closes the conflict.
    settle_conflict(bob, conflict.id, "mine")
    with pytest.raises(ValidationError, match="settled already"):
        settle_conflict(bob, conflict.id, "both")
    assert verify_case(bob).ok


def test_a_settlement_that_fails_half_way_leaves_everything_as_it_was(conflicted):
    """Their copy holds a position the update refuses (a latitude with no longitude, as a
    forged package could): the links already moved in that transaction are rolled back."""
    bob, *_ = conflicted
    conflict = _conflict(bob, "incident")
    bob.conn.execute("UPDATE incidents SET lat = 33.5, lon = NULL WHERE id = ?",
                     (conflict.incoming_id,))
    bob.conn.commit()
    state = [rows(bob, sql) for sql in (_CONTENT, _LINKS, _ITEM_LINKS,
                                        "SELECT * FROM audit", "SELECT * FROM merge_conflicts")]
    with pytest.raises(ValidationError, match="both latitude and longitude"):
        settle_conflict(bob, conflict.id, "theirs")
    assert [rows(bob, sql) for sql in (_CONTENT, _LINKS, _ITEM_LINKS, "SELECT * FROM audit",
                                       "SELECT * FROM merge_conflicts")] == state
    assert get_conflict(bob, conflict.id).is_open
