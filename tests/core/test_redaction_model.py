"""Redaction as data: a region's redact flag and method, a label's "redact by default",
items reviewed for redaction; all replayed by verify like any other edit."""

from __future__ import annotations

import sqlite3

import pytest

from reviewer.core.errors import ValidationError
from reviewer.core.evidence import list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.labels import add_label, find_label, update_label
from reviewer.core.redaction import mark_reviewed, undecided
from reviewer.core.regions import add_region, get_region, set_redact_in, update_region
from reviewer.core.verify import verify_case

RECT = {"x": 10, "y": 20, "w": 30, "h": 40}


@pytest.fixture
def items(case, photo_factory):
    import_paths(case, [photo_factory(), photo_factory(), photo_factory()])
    return list_evidence(case)


def test_a_region_is_not_redacted_unless_marked(case, items):
    region = add_region(case, items[0].id, "vehicle", "rect", RECT)
    assert region.redact is False and region.redact_method == "fill"
    marked = add_region(case, items[0].id, "vehicle", "rect", RECT, redact=True)
    assert marked.redact is True


def test_a_label_can_redact_by_default_and_a_region_can_say_otherwise(case, items):
    assert find_label(case, "person").redact_default is True     # shipped vocabulary
    sign = add_label(case, "street sign", redact_default=True)
    assert add_region(case, items[0].id, sign.name, "rect", RECT).redact is True
    assert add_region(case, items[0].id, sign.name, "rect", RECT, redact=False).redact is False
    update_label(case, sign.id, redact_default=False)
    assert add_region(case, items[0].id, sign.name, "rect", RECT).redact is False


def test_the_method_is_checked(case, items):
    with pytest.raises(ValidationError, match="fill, blur, pixelate"):
        add_region(case, items[0].id, "vehicle", "rect", RECT, redact=True,
                   redact_method="smudge")
    region = add_region(case, items[0].id, "vehicle", "rect", RECT, redact=True,
                        redact_method="blur")
    assert region.redact_method == "blur"
    assert update_region(case, region.id, redact_method="pixelate").redact_method == "pixelate"


def test_marking_several_regions_is_one_edit_of_the_changed_ones(case, items):
    a = add_region(case, items[0].id, "vehicle", "rect", RECT)
    b = add_region(case, items[0].id, "vehicle", "rect", RECT, redact=True)
    with case.write() as tx:
        changes = set_redact_in(tx, [a.id, b.id], True)
    assert changes.ids("region") == [a.id]
    assert get_region(case, a.id).redact and get_region(case, b.id).redact


def test_undecided_items_are_those_without_redact_region_or_review(case, items):
    add_region(case, items[0].id, "vehicle", "rect", RECT, redact=True)
    add_region(case, items[1].id, "vehicle", "rect", RECT)       # tagged, not redacted
    ids = [item.id for item in items]
    assert undecided(case, ids) == ids[1:]
    mark_reviewed(case, [ids[2]])
    assert undecided(case, ids) == [ids[1]]


def test_verify_replays_redaction_edits_and_names_a_flag_changed_behind_its_back(case, items):
    region = add_region(case, items[0].id, "person", "rect", RECT)
    update_region(case, region.id, redact_method="pixelate")
    update_label(case, find_label(case, "vehicle").id, redact_default=True)
    mark_reviewed(case, [items[1].id])
    assert verify_case(case).ok, verify_case(case).problems
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("UPDATE regions SET redact = 0 WHERE id = ?", (region.id,))
    raw.execute("DELETE FROM redaction_reviews")
    raw.close()
    problems = [p["detail"] for p in verify_case(case).problems if p["kind"] == "history"]
    assert any(region.id in p and "redact is 0" in p for p in problems), problems
    assert any(items[1].id in p and "removed outside the app" in p for p in problems)


def test_a_redaction_box_partly_outside_the_image_is_clamped_to_it(case, items):
    """Bad input: a redaction region partly outside the image (640x480) covers up to the
    edge; one wholly outside, or a point, is refused with the reason."""
    region = add_region(case, items[0].id, "vehicle", "rect",
                        {"x": 600, "y": -20, "w": 100, "h": 60}, redact=True)
    assert region.geometry == {"x": 600, "y": 0, "w": 40, "h": 40}
    with pytest.raises(ValidationError, match="outside the image"):
        add_region(case, items[0].id, "vehicle", "rect",
                   {"x": 700, "y": 10, "w": 10, "h": 10}, redact=True)
    with pytest.raises(ValidationError, match="a point covers nothing"):
        add_region(case, items[0].id, "vehicle", "point", {"x": 5, "y": 5}, redact=True)
    plain = add_region(case, items[0].id, "vehicle", "point", {"x": 5, "y": 5})
    with pytest.raises(ValidationError, match="a point covers nothing"):
        update_region(case, plain.id, redact=True)
