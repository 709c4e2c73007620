"""Labels, regions and incidents through the core API, and the filters that find them."""

from __future__ import annotations

import pytest

from reviewer.core.errors import NotFoundError, ValidationError
from reviewer.core.evidence import EvidenceFilter, list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.incidents import (
    add_incident,
    delete_incident,
    incident_evidence_ids,
    incident_region_ids,
    link_evidence,
    link_region,
    list_incidents,
    unlink_region,
    update_incident,
)
from reviewer.core.labels import add_label, find_label, list_labels, merge_labels, update_label
from reviewer.core.regions import add_region, delete_region, get_region, list_regions, update_region
from reviewer.core.shape import parse_box, parse_point, parse_polygon


@pytest.fixture
def photos(case, photo_factory):
    """Two street photos (640x480 displayed) and one rotated (480x640 displayed)."""
    paths = [photo_factory(), photo_factory(gps=None), photo_factory(orientation=6)]
    report = import_paths(case, paths)
    by_path = {item["path"]: item["id"] for item in report.imported}
    return [by_path[str(p)] for p in paths]


def test_rect_polygon_and_point_regions_are_kept_in_display_pixels(case, photos):
    box = add_region(case, photos[0], "gas cylinder", "rect", parse_box("100,50,80,120"),
                     confidence=0.9, note="valve visible")
    poly = add_region(case, photos[0], "debris", "polygon", parse_polygon("10,10,200,10,100,90"))
    point = add_region(case, photos[0], "crater", "point", parse_point("320,240"))
    assert box.geometry == {"x": 100, "y": 50, "w": 80, "h": 120}
    assert box.bbox == (100, 50, 80, 120) and box.label == "gas cylinder"
    assert poly.bbox == (10, 10, 190, 80)
    assert point.geometry == {"x": 320, "y": 240}
    assert [r.id for r in list_regions(case, photos[0])] == [box.id, poly.id, point.id]
    assert box.created_by == "tester" and box.note == "valve visible"


def test_region_outside_the_image_is_refused(case, photos):
    with pytest.raises(ValidationError, match="outside the image"):
        add_region(case, photos[0], "crater", "rect", parse_box("600,400,100,100"))
    # the rotated photo is 480 wide as displayed, so x=500 is outside it
    with pytest.raises(ValidationError, match="outside the image"):
        add_region(case, photos[2], "crater", "point", parse_point("500,10"))
    add_region(case, photos[2], "crater", "point", parse_point("10,600"))
    assert len(list_regions(case, photos[2])) == 1


@pytest.mark.parametrize("text, parser, message", [
    ("1,2,3", parse_box, "four numbers"),
    ("a,b,c,d", parse_box, "numbers"),
    ("1,2,3,4", parse_polygon, "three or more"),
    ("nan,1", parse_point, "finite"),
])
def test_malformed_geometry_is_refused(text, parser, message):
    with pytest.raises(ValidationError, match=message):
        parser(text)


def test_degenerate_shapes_are_refused(case, photos):
    with pytest.raises(ValidationError, match="positive width"):
        add_region(case, photos[0], "crater", "rect", parse_box("10,10,0,5"))
    with pytest.raises(ValidationError, match="no area"):
        add_region(case, photos[0], "crater", "polygon", parse_polygon("0,0,10,10,20,20"))


def test_unknown_label_and_evidence_say_what_exists(case, photos):
    with pytest.raises(NotFoundError, match="gas cylinder"):
        add_region(case, photos[0], "cylindre", "rect", parse_box("1,1,5,5"))
    with pytest.raises(NotFoundError, match="no such evidence"):
        add_region(case, "0000-not-an-id", "crater", "rect", parse_box("1,1,5,5"))


def test_update_and_delete_region_keep_history(case, photos):
    region = add_region(case, photos[0], "gas cylinder", "rect", parse_box("10,10,50,50"))
    moved = update_region(case, region.id, geometry=parse_box("20,20,50,50"), label="debris",
                          confidence=0.5)
    assert moved.label == "debris" and moved.geometry["x"] == 20 and moved.confidence == 0.5
    incident = add_incident(case, "Strike")
    link_region(case, incident.id, region.id)
    deleted, incidents = delete_region(case, region.id)
    assert deleted.id == region.id and incidents == [incident.id]
    with pytest.raises(NotFoundError):
        get_region(case, region.id)
    assert incident_region_ids(case, incident.id) == []
    actions = [r[0] for r in case.conn.execute(
        "SELECT action FROM audit WHERE object_id = ? ORDER BY seq", (region.id,))]
    assert actions == ["region.add", "region.update", "region.delete"]


def test_region_can_be_restored_with_its_id_for_undo(case, photos):
    region = add_region(case, photos[0], "crater", "point", parse_point("5,5"))
    delete_region(case, region.id)
    again = add_region(case, photos[0], "crater", "point", parse_point("5,5"),
                       region_id=region.id)
    assert again.id == region.id


def test_incident_with_interval_place_and_uncertainty(case):
    incident = add_incident(
        case, "Chlorine cylinder on residential building", category="chemical attack",
        time_from="2018-04-07T19:00:00+03:00", time_to="2018-04-07T19:45:00+03:00",
        place_name="Douma", lat=33.5717, lon=36.4036, radius_m=150, status="confirmed",
        description="Yellow cylinder on roof", sources="witness video; OPCW report")
    assert incident.radius_m == 150 and incident.status == "confirmed"
    assert list_incidents(case)[0]["title"].startswith("Chlorine")
    updated = update_incident(case, incident.id, status="disputed")
    assert updated.status == "disputed" and updated.updated_by == "tester"


@pytest.mark.parametrize("values, message", [
    ({"title": " "}, "needs a title"),
    ({"title": "x", "time_from": "yesterday"}, "ISO 8601"),
    ({"title": "x", "time_from": "2020-01-02", "time_to": "2020-01-01"}, "before the start"),
    ({"title": "x", "lat": 91.0, "lon": 0.0}, "latitude"),
    ({"title": "x", "lat": 10.0}, "both latitude and longitude"),
    ({"title": "x", "radius_m": -1.0}, "negative"),
    ({"title": "x", "status": "maybe"}, "status"),
])
def test_bad_incident_fields_are_refused(case, values, message):
    title = values.pop("title")
    with pytest.raises(ValidationError, match=message):
        add_incident(case, title, **values)
    assert list_incidents(case) == []


def test_links_and_filters_find_the_tagged_items(case, photos):
    strike = add_incident(case, "Strike on market")
    cylinder = add_region(case, photos[0], "gas cylinder", "rect", parse_box("1,1,20,20"),
                          incident_id=strike.id)
    add_region(case, photos[1], "debris", "rect", parse_box("1,1,20,20"))
    assert link_evidence(case, strike.id, photos[2])
    assert not link_evidence(case, strike.id, photos[2])       # already linked
    assert incident_region_ids(case, strike.id) == [cylinder.id]
    assert incident_evidence_ids(case, strike.id) == [photos[2]]

    def ids(**kwargs):
        return {row["id"] for row in list_evidence(case, EvidenceFilter(**kwargs))}

    assert ids(label="gas cylinder") == {photos[0]}
    assert ids(label="GAS CYLINDER") == {photos[0]}
    assert ids(incident=strike.id) == {photos[0], photos[2]}
    assert ids(untagged=True) == {photos[2]}
    assert ids(has_gps=False) == {photos[1]}
    assert ids(text="photo_0001") == {photos[1]}
    assert ids(text="%") == set()
    summary = list_incidents(case)[0]
    assert (summary["regions"], summary["evidence"]) == (1, 1)
    assert unlink_region(case, strike.id, cylinder.id)
    assert ids(incident=strike.id) == {photos[2]}
    delete_incident(case, strike.id)
    assert get_region(case, cylinder.id).id == cylinder.id   # the tag itself stays


def test_a_label_or_incident_filter_counts_the_regions_that_match_it(case, photos):
    strike = add_incident(case, "Strike on market")
    add_region(case, photos[0], "gas cylinder", "rect", parse_box("1,1,20,20"),
               incident_id=strike.id)
    add_region(case, photos[0], "gas cylinder", "rect", parse_box("30,30,20,20"))
    add_region(case, photos[0], "debris", "rect", parse_box("60,60,20,20"),
               incident_id=strike.id)

    def counts(**kwargs):
        [row] = [r for r in list_evidence(case, EvidenceFilter(**kwargs)) if r["id"] == photos[0]]
        return row["regions"], row.get("matching_regions")

    assert counts() == (3, None)
    assert counts(label="Gas Cylinder") == (3, 2)
    assert counts(incident=strike.id) == (3, 2)
    assert counts(label="gas cylinder", incident=strike.id) == (3, 1)
    assert counts(label="gas cylinder", kind="photo", has_gps=True) == (3, 2)


def test_label_vocabulary_edits(case, photos):
    drone = add_label(case, "drone wreck", shortcut="1")
    assert find_label(case, "gas cylinder").shortcut is None     # the shortcut moved
    assert find_label(case, "DRONE WRECK").id == drone.id
    with pytest.raises(ValidationError, match="already exists"):
        add_label(case, "Crater")
    with pytest.raises(ValidationError, match="#rrggbb"):
        add_label(case, "thing", colour="red")
    renamed = update_label(case, drone.id, name="UAV wreck", colour="#112233")
    assert renamed.name == "UAV wreck" and renamed.colour == "#112233"
    region = add_region(case, photos[0], "UAV wreck", "point", parse_point("3,3"))
    moved = merge_labels(case, drone.id, find_label(case, "aircraft").id)
    assert moved == 1 and get_region(case, region.id).label == "aircraft"
    assert "UAV wreck" not in [label.name for label in list_labels(case)]


def test_deleted_regions_and_incidents_are_restored_as_they_were(case, photos):
    from reviewer.core.incidents import restore_incident
    from reviewer.core.regions import delete_regions, restore_region

    strike = add_incident(case, "Strike", place_name="Douma")
    a = add_region(case, photos[0], "gas cylinder", "rect", parse_box("1,1,9,9"),
                   incident_id=strike.id, note="first")
    b = add_region(case, photos[0], "crater", "point", parse_point("4,4"))
    removed = delete_regions(case, [a.id, b.id])
    assert list_regions(case, photos[0]) == []
    for region, incidents in removed:
        restore_region(case, region, incidents)
    back = get_region(case, a.id)
    assert (back.note, back.created_at, back.geometry) == ("first", a.created_at, a.geometry)
    assert incident_region_ids(case, strike.id) == [a.id]
    link_evidence(case, strike.id, photos[1])
    incident, regions, evidence = delete_incident(case, strike.id)
    assert list_incidents(case) == []
    restore_incident(case, incident, regions, evidence)
    again = list_incidents(case)[0]
    assert (again["id"], again["place_name"], again["regions"], again["evidence"]) == (
        strike.id, "Douma", 1, 1)


def test_text_with_a_nul_byte_is_refused_naming_the_field_and_nothing_changes(case, photos):
    from reviewer.core.case import create_case

    incident = add_incident(case, "Strike")
    region = add_region(case, photos[0], "crater", "point", parse_point("10,10"))
    audit_before = case.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    attempts = {
        "title": lambda: add_incident(case, "Strike\x00 at dawn"),
        "note": lambda: add_region(case, photos[0], "crater", "point", parse_point("5,5"),
                                   note="seen\x00"),
        "description": lambda: update_incident(case, incident.id, description="a\x00b"),
        "name": lambda: add_label(case, "rubble\x00pile"),
    }
    for field_name, attempt in attempts.items():
        with pytest.raises(ValidationError, match=f"^{field_name}: contains a NUL byte"):
            attempt()
    with pytest.raises(ValidationError, match="note: contains a NUL byte"):
        update_region(case, region.id, note="x\x00")
    assert get_region(case, region.id).note == ""
    assert [i["title"] for i in list_incidents(case)] == ["Strike"]
    assert not any("\x00" in label.name for label in list_labels(case))
    assert case.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before
    with pytest.raises(ValidationError, match="title: contains a NUL byte"):
        create_case(case.path.parent / "other", title="Case\x00 1")
    assert not (case.path.parent / "other.case").exists()
