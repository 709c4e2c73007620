"""Provenance and verification of items (issue 17): one write for one item or many, its
history of verification steps, undo, replay/verify, and the bad input it refuses or flags."""

from __future__ import annotations

import sqlite3

import pytest

from reviewer.core import schema
from reviewer.core.case import create_case, open_case
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import EvidenceFilter, get_evidence, list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.provenance import (
    by_verification,
    provenance_of,
    set_provenance,
    set_provenance_in,
    source_problem,
    undo_provenance_in,
    verification_history,
    warnings_of,
)
from reviewer.core.verify import verify_case


@pytest.fixture
def items(case, photo_factory):
    import_paths(case, [photo_factory(), photo_factory(), photo_factory()])
    return case, [item.id for item in list_evidence(case)]


def test_new_items_are_unverified_and_restricted(items):
    case, ids = items
    fields = provenance_of(get_evidence(case, ids[0]))
    assert fields["verification"] == "unverified" and fields["restriction"] == "restricted"
    assert fields["graphic"] == 0 and fields["generation"] is None


def test_bulk_set_writes_every_item_and_records_who_verified(items):
    case, ids = items
    changes = set_provenance(case, ids[:2], {
        "source_url": "https://t.me/somechannel/1234", "acquired_from": "Telegram channel",
        "collected_by": "Ana", "collected_at": "2024-03-01T10:00:00Z",
        "collection_tool": "Hunchly 2.5", "generation": "Copy", "graphic": True,
        "restriction": "confidential", "language": "ar", "verification": "in-review"},
        {"source_analysis": "channel active since 2019", "note": "first pass"})
    assert sorted(changes.ids("evidence")) == sorted(ids[:2])
    assert len(changes.of("verification", "added")) == 2
    first = provenance_of(get_evidence(case, ids[0]))
    assert first["generation"] == "copy" and first["graphic"] == 1
    assert first["restriction"] == "confidential" and first["verification"] == "in-review"
    assert provenance_of(get_evidence(case, ids[2]))["verification"] == "unverified"
    [step] = verification_history(case, ids[0])
    assert (step.previous, step.status, step.recorded_by) == ("unverified", "in-review", "tester")
    assert step.source_analysis == "channel active since 2019" and step.note == "first pass"
    filtered = list_evidence(case, EvidenceFilter(verification="in-review"))
    assert sorted(item.id for item in filtered) == sorted(ids[:2])
    groups = by_verification(list_evidence(case))
    assert [len(groups["in-review"]), len(groups["unverified"])] == [2, 1]


def test_setting_the_same_values_again_writes_nothing(items):
    case, ids = items
    set_provenance(case, ids[:1], {"language": "uk"})
    assert not set_provenance(case, ids[:1], {"language": "uk"})


def test_undo_puts_back_the_fields_and_removes_the_steps_it_added(items):
    case, ids = items
    before = {i: provenance_of(get_evidence(case, i)) for i in ids[:2]}
    with case.write() as tx:
        done = set_provenance_in(tx, ids[:2], {"verification": "verified",
                                               "acquired_from": "a witness"})
    with case.write() as tx:
        undo_provenance_in(tx, done, before)
    assert all(provenance_of(get_evidence(case, i)) == before[i] for i in ids[:2])
    assert verification_history(case, ids[0]) == []
    assert verify_case(case).ok


def test_a_source_that_is_not_a_url_is_kept_as_written_and_flagged(items):
    case, ids = items
    set_provenance(case, ids[:1], {"source_url": "found it on a forum somewhere"})
    item = get_evidence(case, ids[0])
    assert item.source_url == "found it on a forum somewhere"
    assert warnings_of(item) and "not a URL" in warnings_of(item)[0]
    record = case.conn.execute("SELECT details FROM audit WHERE action ="
                               " 'evidence.provenance'").fetchone()[0]
    assert '"flagged"' in record
    assert source_problem("https://example.org/video/1") is None
    assert source_problem("youtube:dQw4w9WgXcQ") is None
    assert source_problem("http:/no-host") is not None


@pytest.mark.parametrize(("values", "message"), [
    ({"verification": "probably"}, "verification status is one of unverified, in-review,"
                                   " verified, disputed"),
    ({"generation": "fourth"}, "generation is one of original, copy, derivative"),
    ({"restriction": "secret"}, "restriction is one of public, restricted, confidential"),
    ({"collected_at": "last Tuesday"}, "not an ISO 8601"),
])
def test_a_value_not_in_the_list_is_one_line_naming_the_allowed_ones(items, values, message):
    case, ids = items
    with pytest.raises(ValidationError, match=message) as caught:
        set_provenance(case, ids, values)
    assert "\n" not in str(caught.value)
    assert all(provenance_of(get_evidence(case, i))["verification"] == "unverified"
               for i in ids)


def test_an_unknown_id_in_a_bulk_edit_changes_none(items):
    case, ids = items
    with pytest.raises(Exception, match="no-such"):
        set_provenance(case, [ids[0], "no-such-item-id"], {"language": "fr"})
    assert get_evidence(case, ids[0]).language == ""


def test_verify_replays_provenance_and_names_a_row_edited_behind_the_apps_back(items):
    case, ids = items
    set_provenance(case, ids, {"verification": "verified", "restriction": "public"},
                   {"technical_analysis": "shadows match the time"})
    assert verify_case(case).ok
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("UPDATE evidence SET verification = 'disputed' WHERE id = ?", (ids[0],))
    raw.execute("UPDATE verifications SET recorded_by = 'someone else'")
    raw.close()
    details = [p["detail"] for p in verify_case(case).problems if p["kind"] == "history"]
    assert any(ids[0] in d and "verification is \"disputed\"" in d for d in details), details
    assert any(d.startswith("verifications ") and "recorded_by" in d for d in details), details


def test_an_older_case_gains_the_fields_and_a_seeded_vocabulary(tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        for newer in [v for v in schema.MIGRATIONS if v > 8]:
            patch.delitem(schema.MIGRATIONS, newer)
        patch.setattr("reviewer.core.case.SCHEMA_VERSION", 8)
        create_case(tmp_path / "old").close()
    with open_case(tmp_path / "old") as case:
        columns = {row[1] for row in case.conn.execute("PRAGMA table_info(evidence)")}
        assert {"source_url", "verification", "graphic", "restriction"} <= columns
        assert case.conn.execute("SELECT count(*) FROM vocabulary").fetchone()[0] > 20
        assert verify_case(case).ok
