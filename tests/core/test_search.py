"""Full-text search and the filters of `list` and the browser (core/search.py, EvidenceFilter)
on real cases: documents kept current by the case file's own triggers."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import datetime

import pytest

from reviewer.core import search
from reviewer.core.case import create_case, open_case
from reviewer.core.evidence import (
    EvidenceFilter,
    list_evidence,
    list_evidence_ids,
    matching_evidence_ids,
)
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident, link_region, link_to_incident, update_incident
from reviewer.core.labels import find_label, update_label
from reviewer.core.regions import add_region, delete_region, update_region
from reviewer.core.schema import versions_after
from reviewer.core.verify import verify_case
from tests.core.old_cases import downgrade

RECT = {"x": 10, "y": 20, "w": 30, "h": 40}


def found(case, text: str, **filters) -> set[str]:
    return set(list_evidence_ids(case, EvidenceFilter(search=text, **filters)))


@pytest.fixture
def three(case, photo_factory):
    """Three photos: two cameras, two dates, two places."""
    import_paths(case, [
        photo_factory("market_north.jpg", make="Canon", model="EOS 40D",
                      taken=datetime(2024, 3, 1, 14, 30), gps=(36.20, 37.13, 400.0)),
        photo_factory("market_south.jpg", make="Apple", model="iPhone 12",
                      taken=datetime(2024, 3, 2, 9, 0), gps=(36.10, 37.20, 400.0)),
        photo_factory("harbour.jpg", make="Apple", model="iPhone 12",
                      taken=datetime(2024, 4, 10, 9, 0), gps=None),
    ])
    items = {item.original_name: item.id for item in list_evidence(case)}
    return case, items


def test_a_word_from_a_tag_note_finds_its_item_and_follows_edits(three):
    case, items = three
    region = add_region(case, items["market_north.jpg"], "person", "rect", RECT,
                        note="Cylinder fragment beside the stairwell")
    assert found(case, "stairwell") == {items["market_north.jpg"]}
    assert found(case, "stair") == {items["market_north.jpg"]}        # as typed so far
    assert found(case, "cylinder stairwell") == {items["market_north.jpg"]}
    assert found(case, "cylinder harbour") == set()                  # every word must match
    update_region(case, region.id, note="crater by the gate")
    assert found(case, "stairwell") == set()
    assert found(case, "crater") == {items["market_north.jpg"]}
    assert found(case, "person") == {items["market_north.jpg"]}       # its label
    delete_region(case, region.id)
    assert found(case, "crater") == set() and found(case, "person") == set()


def test_incident_text_label_names_camera_and_names_are_searched(three):
    case, items = three
    region = add_region(case, items["market_south.jpg"], "vehicle", "rect", RECT)
    incident = add_incident(case, "Strike on the market", description="Barrel bomb",
                            sources="Witness WhatsApp")
    link_region(case, incident.id, region.id)
    link_to_incident(case, incident.id, evidence_ids=[items["harbour.jpg"]])
    both = {items["market_south.jpg"], items["harbour.jpg"]}
    assert found(case, "barrel") == both and found(case, "whatsapp") == both
    update_incident(case, incident.id, title="Attack at the bakery")
    assert found(case, "bakery") == both and found(case, "strike") == set()
    update_label(case, find_label(case, "vehicle").id, name="Truck")
    assert found(case, "truck") == {items["market_south.jpg"]}
    assert found(case, "canon") == {items["market_north.jpg"]}
    assert found(case, "harbour") == {items["harbour.jpg"]}             # the file's name


def test_phrases_or_and_words_left_out(three):
    case, items = three
    north, south, harbour = (items[name] for name in
                             ("market_north.jpg", "market_south.jpg", "harbour.jpg"))
    add_region(case, north, "person", "rect", RECT, note="smoke over the old market")
    add_region(case, south, "person", "rect", RECT, note="old smoke stains, market closed")
    add_region(case, harbour, "vehicle", "rect", RECT, note="burnt truck")
    assert found(case, "old market") == {north, south}              # both words, anywhere
    assert found(case, '"old market"') == {north}                   # the words in a row
    assert found(case, '"old mar') == {north}                       # a phrase being typed
    assert found(case, '"smoke"') == {north, south}
    assert found(case, "truck OR stains") == {south, harbour}
    assert found(case, "market truck OR stains") == {south}         # OR binds its neighbours
    assert found(case, "market -stains") == {north}
    assert found(case, 'smoke -"old market"') == {south}
    assert found(case, "-market") == {harbour}                      # only a word left out
    assert found(case, "-market -truck") == set()
    assert found(case, "or") == set()       # lower case: a word like any other
    assert found(case, "market AND smoke") == found(case, "market smoke") == {north, south}


def test_the_unordered_ids_the_browser_filters_with_are_the_listed_ones(three):
    case, items = three
    add_region(case, items["market_north.jpg"], "person", "rect", RECT, note="old smoke")
    for where in (EvidenceFilter(search="smoke"), EvidenceFilter(search="market -smoke"),
                  EvidenceFilter(search="-smoke"), EvidenceFilter(search="*"),
                  EvidenceFilter(search="market", camera="apple"), EvidenceFilter()):
        assert matching_evidence_ids(case, where) == set(list_evidence_ids(case, where)), where
    assert matching_evidence_ids(case, EvidenceFilter(search="smoke")) \
        == {items["market_north.jpg"]}


@pytest.mark.parametrize("text", ['"', '"unclosed', "AND(", "*", "NEAR(a b", "a OR", "^",
                                  "col:x", "-", "'; DROP TABLE evidence; --", 'OR -"',
                                  "- OR -x", '"" -""', "-AND"])
def test_query_syntax_in_user_text_is_plain_text(three, text):
    case, items = three
    # Never an FTS5 syntax error: the words in it are searched, punctuation alone is none.
    result = found(case, text)
    if search.parse_search(text) is None:
        assert result == set(items.values())
    else:
        assert result <= set(items.values())
    assert case.conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == 3


def test_filters_combine_with_search(three):
    case, items = three
    add_region(case, items["market_north.jpg"], "person", "rect", RECT, note="smoke")
    add_region(case, items["market_south.jpg"], "person", "rect", RECT, note="smoke")

    def listed(**filters) -> set[str]:
        return set(list_evidence_ids(case, EvidenceFilter(**filters)))

    north, south = items["market_north.jpg"], items["market_south.jpg"]
    assert listed(search="smoke", camera="canon") == {north}
    assert listed(camera="iphone") == {south, items["harbour.jpg"]}
    assert listed(search="smoke", time_from="2024-03-02") == {south}
    assert listed(time_to="2024-03-01") == {north}                  # the whole day
    assert listed(time_from="2024-03-01", time_to="2024-03-31") == {north, south}
    assert listed(bbox=(37.0, 36.15, 37.15, 36.25)) == {north}       # W, S, E, N
    assert listed(bbox=(37.1, 36.0, 37.3, 36.3)) == {north, south}
    assert listed(bbox=(170.0, 36.0, -170.0, 36.3)) == set()        # across the antimeridian
    assert listed(damaged=True) == set()
    assert listed(damaged=False, search="smoke") == {north, south}


def test_bad_box_and_time_are_one_clear_reason():
    with pytest.raises(ValueError, match="W,S,E,N"):
        search.parse_bbox("1,2,3")
    with pytest.raises(ValueError, match="number"):
        search.parse_bbox("a,b,c,d")
    with pytest.raises(ValueError, match="latitudes"):
        search.parse_bbox("0,50,1,40")
    with pytest.raises(ValueError, match="2024-05-01"):
        search.check_time("yesterday")
    assert search.check_time("2024-05-01 12:00") == "2024-05-01T12:00"


def test_verify_stays_intact_and_a_hand_edit_is_still_named(three):
    case, items = three
    region = add_region(case, items["market_north.jpg"], "person", "rect", RECT, note="smoke")
    incident = add_incident(case, "Strike")
    link_region(case, incident.id, region.id)
    report = verify_case(case)
    assert report.ok, report.problems
    assert search.inconsistent(case.conn) == []
    # Edited behind the app's back: the index follows (it is the case file's trigger), and
    # verify names the row all the same, since the audit log does not explain it.
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("UPDATE regions SET note = 'planted words' WHERE id = ?", (region.id,))
    raw.close()
    assert found(case, "planted") == {items["market_north.jpg"]}
    report = verify_case(case)
    assert not report.ok
    assert any(region.id in p["detail"] for p in report.problems if p["kind"] == "history")


def test_an_older_case_gets_its_index_at_opening(tmp_path, photo_factory):
    folder = tmp_path / "old.case"
    case = create_case(folder, actor="tester")
    import_paths(case, [photo_factory("kept_from_before.jpg")])
    item = list_evidence(case)[0]
    add_region(case, item.id, "person", "rect", RECT, note="written before search")
    case.close()
    downgrade(folder, 11)     # as the version before search left it
    assert versions_after(11) == [12]     # the case as the version before search left it
    case = open_case(folder)
    try:
        assert found(case, "before") == {item.id}
        assert verify_case(case).ok
    finally:
        case.close()


def test_a_partial_package_keeps_no_word_of_a_left_out_incident(three, tmp_path):
    case, items = three
    region = add_region(case, items["market_north.jpg"], "person", "rect", RECT)
    shared = add_incident(case, "Shared strike")
    private = add_incident(case, "Confidential informant Zarqawi")
    link_region(case, shared.id, region.id)
    link_region(case, private.id, region.id)
    out = tmp_path / "partial.zip"
    export_case(case, out, incidents=[shared.id], media=False)
    with zipfile.ZipFile(out) as package:
        database = next(name for name in package.namelist() if name.endswith(".sqlite"))
        (tmp_path / "unpacked.sqlite").write_bytes(package.read(database))
    conn = sqlite3.connect(tmp_path / "unpacked.sqlite")
    bodies = " ".join(row[0] for row in conn.execute("SELECT body FROM search_text"))
    conn.close()
    assert "Shared" in bodies and "Zarqawi" not in bodies
    # Nor in the index's own pages (FTS5 keeps deleted terms until its segments merge).
    assert b"zarqawi" not in (tmp_path / "unpacked.sqlite").read_bytes().lower()


def test_accented_words_are_found_composed_or_decomposed(three):
    import unicodedata

    case, items = three
    add_region(case, items["harbour.jpg"], "person", "rect", RECT,
               note=unicodedata.normalize("NFD", "Shelling reported in Ḥamā"))
    for typed in ("Ḥamā", unicodedata.normalize("NFD", "Ḥamā"), "hama", '"in Ḥamā"'):
        assert found(case, typed) == {items["harbour.jpg"]}, ascii(typed)
