"""Turning an item's display: the original untouched, regions still on what they mark."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from reviewer.core.audit import check_chain
from reviewer.core.comparisons import item_pixels
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import get_evidence, media_path
from reviewer.core.importer import import_paths
from reviewer.core.regions import add_region, list_regions
from reviewer.core.rotation import rotate_display, rotation_matrix, transform_geometry
from reviewer.core.verify import verify_case

YELLOW_BOX = {"x": 5.0, "y": 10.0, "w": 40.0, "h": 50.0}      # make_photo's mark (seed 5)


def _photo_item(case, photo_factory):
    return import_paths(case, [photo_factory(size=(640, 480), seed=5)]).imported[0]["id"]


def _mean_colour(pixels: np.ndarray, box: dict) -> np.ndarray:
    x, y, w, h = (round(box[k]) for k in ("x", "y", "w", "h"))
    return pixels[y + 5:y + h - 5, x + 5:x + w - 5].reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize("degrees", [90, 180, 270, -90])
def test_turning_keeps_regions_on_what_they_mark(case, photo_factory, degrees):
    evidence_id = _photo_item(case, photo_factory)
    row = get_evidence(case, evidence_id)
    original = media_path(case, row)
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    box = add_region(case, evidence_id, "crater", "rect", YELLOW_BOX)
    centre = add_region(case, evidence_id, "crater", "point", {"x": 25.0, "y": 35.0})
    outline = add_region(case, evidence_id, "crater", "polygon",
                         {"points": [[5, 10], [45, 10], [45, 60]]})
    assert _mean_colour(item_pixels(case, row), YELLOW_BOX)[2] < 60     # yellow: no blue

    turned = rotate_display(case, evidence_id, degrees)

    assert turned["display_rotation"] == degrees % 360
    assert (turned["width"], turned["height"]) == ((480, 640) if degrees % 180 else (640, 480))
    pixels = item_pixels(case, turned)
    assert pixels.shape[:2] == (turned["height"], turned["width"])
    regions = {r.id: r for r in list_regions(case, evidence_id)}
    moved = regions[box.id].geometry
    assert _mean_colour(pixels, moved)[2] < 60 and _mean_colour(pixels, moved)[0] > 200
    x, y = regions[centre.id].geometry["x"], regions[centre.id].geometry["y"]
    assert pixels[round(y), round(x)][2] < 60
    assert len(regions[outline.id].geometry["points"]) == 3
    assert regions[box.id].bbox == (moved["x"], moved["y"], moved["w"], moved["h"])
    # The original is untouched; the turn and each region's new place are in the audit log.
    assert hashlib.sha256(original.read_bytes()).hexdigest() == digest
    actions = [r[0] for r in case.conn.execute(
        "SELECT action FROM audit ORDER BY seq DESC LIMIT 4")]
    assert actions[0] == "evidence.rotate" and actions[1:] == ["region.update"] * 3
    details = json.loads(case.conn.execute(
        "SELECT details FROM audit WHERE action = 'evidence.rotate'").fetchone()[0])
    assert details["from"] == 0 and details["to"] == degrees % 360
    assert check_chain(case.conn) == []
    assert not verify_case(case).problems


def test_turning_back_restores_every_number(case, photo_factory):
    evidence_id = _photo_item(case, photo_factory)
    region = add_region(case, evidence_id, "crater", "polygon",
                        {"points": [[0.1, 0.2], [639.9, 0.3], [320.25, 479.7]]})
    rotate_display(case, evidence_id, 90)
    rotate_display(case, evidence_id, -90)
    [back] = list_regions(case, evidence_id)
    assert back.geometry == region.geometry
    assert get_evidence(case, evidence_id)["display_rotation"] == 0


def test_a_quarter_turn_maps_the_corners():
    matrix = rotation_matrix(90, 640, 480)
    assert transform_geometry("point", {"x": 0, "y": 0}, matrix) == {"x": 480, "y": 0}
    assert transform_geometry("rect", {"x": 0, "y": 0, "w": 640, "h": 480}, matrix) == {
        "x": 0, "y": 0, "w": 480, "h": 640}


def test_an_odd_angle_is_refused_with_a_reason(case, photo_factory):
    evidence_id = _photo_item(case, photo_factory)
    with pytest.raises(ValidationError, match="quarter turns"):
        rotate_display(case, evidence_id, 45)
