"""Region shapes as typed values: bounds, hit-test, clamp, homography, stored form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from reviewer.core.errors import ValidationError
from reviewer.core.evidence import list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.regions import add_region, get_region
from reviewer.core.shape import Point, Polygon, Rect, parse_polygon, shape_from, validated

ROOT = Path(__file__).resolve().parents[2]

# x -> 2x + 10, y -> 3y + 20: an affine map written as a homography, easy to check by hand.
SCALE_SHIFT = [[2.0, 0.0, 10.0], [0.0, 3.0, 20.0], [0.0, 0.0, 1.0]]
# A true perspective map: (x, y) -> (x, y) / (1 + x / 100).
PERSPECTIVE = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.01, 0.0, 1.0]])

TRIANGLE = Polygon(((0.0, 0.0), (10.0, 0.0), (0.0, 10.0)))


def flat(shape: Polygon) -> list[float]:
    return [coordinate for vertex in shape.vertices() for coordinate in vertex]


def test_bounds_of_each_kind():
    assert Rect(10, 20, 30, 40).bounds() == (10, 20, 30, 40)
    assert Polygon(((5, 50), (25, 10), (40, 30))).bounds() == (5, 10, 35, 40)
    assert Point(7, 8).bounds() == (7, 8, 0, 0)


def test_hit_test_of_each_kind():
    rect = Rect(10, 10, 20, 20)
    assert rect.contains(15, 15)
    assert not rect.contains(35, 15)
    assert rect.contains(33, 15, tolerance=3)             # near the right edge
    assert TRIANGLE.contains(2, 2)
    assert not TRIANGLE.contains(9, 9, tolerance=1)       # outside the hypotenuse
    assert TRIANGLE.contains(5.5, 5.5, tolerance=1)       # just outside, within 1 px
    assert Point(5, 5).contains(9, 8, tolerance=6)        # 5 px away
    assert not Point(5, 5).contains(9, 8, tolerance=4)


def test_clamped_to_the_image():
    assert Rect(-10, 50, 120, 80).clamped(100, 100) == Rect(0, 50, 100, 50)
    assert Polygon(((-5, 5), (150, 5), (50, 120))).clamped(100, 100) == Polygon(
        ((0, 5), (100, 5), (50, 100)))
    assert Point(-3, 300).clamped(100, 100) == Point(0, 100)
    assert Point(30, 40).clamped(100, 100) == Point(30, 40)


def test_transformed_by_a_known_homography_lands_on_known_points():
    polygon = Polygon(((0, 0), (10, 0), (10, 10)))
    assert polygon.transformed(SCALE_SHIFT) == Polygon(((10, 20), (30, 20), (30, 50)))
    assert Point(100, 50).transformed(SCALE_SHIFT) == Point(210, 170)
    # A rectangle under perspective is the quadrilateral its corners land on.
    carried = Rect(0, 0, 100, 100).transformed(PERSPECTIVE)
    assert isinstance(carried, Polygon)
    assert flat(carried) == pytest.approx([0, 0, 50, 0, 50, 50, 0, 100])
    assert flat(Polygon(((100, 0), (100, 100), (0, 100))).transformed(PERSPECTIVE)) == (
        pytest.approx([50, 0, 50, 50, 0, 100]))


def test_the_stored_form_is_unchanged():
    """The case file keeps kind + geometry JSON exactly as before the Shape type."""
    assert json.dumps(Rect(1, 2, 3, 4).to_json()) == '{"x": 1, "y": 2, "w": 3, "h": 4}'
    assert json.dumps(validated("rect", {"h": 4, "w": 3, "y": 2, "x": 1}, 10, 10).to_json()) \
        == '{"x": 1.0, "y": 2.0, "w": 3.0, "h": 4.0}'
    assert parse_polygon("0,0, 10,0, 0,10") == {"points": [[0, 0], [10, 0], [0, 10]]}
    assert shape_from("polygon", {"points": [[0, 0], [10, 0], [0, 10]]}) == TRIANGLE
    assert shape_from("point", {"x": 3, "y": 4}).to_json() == {"x": 3.0, "y": 4.0}
    for shape in (Rect(1, 2, 3, 4), TRIANGLE, Point(3, 4)):
        assert shape_from(shape.kind, json.loads(json.dumps(shape.to_json()))) == shape


@pytest.mark.parametrize(("kind", "geometry", "message"), [
    ("circle", {"x": 1, "y": 1}, "unknown shape; use one of rect, polygon, point"),
    ("rect", {"x": 1, "y": 1, "w": 5}, "malformed rect geometry: 'h'"),
    ("rect", {"x": 1, "y": 1, "w": 0, "h": 5}, "a box needs a positive width and height"),
    ("polygon", {"points": [[0, 0], [5, 5]]}, "a polygon needs at least three points"),
    ("polygon", {"points": [[0, 0], [5, 5], [9, 9]]}, "the polygon's points enclose no area"),
    ("point", {"x": float("nan"), "y": 1}, "coordinates must be finite numbers"),
    ("point", {"x": 120, "y": 1},
     "the region reaches outside the image (120,1 is not within 100x50 pixels)"),
])
def test_validation_says_what_is_wrong(kind, geometry, message):
    with pytest.raises(ValidationError) as caught:
        validated(kind, geometry, 100, 50)
    assert caught.value.reason == message


def test_handles_move_what_they_hold():
    rect = Rect(10, 10, 20, 20)
    assert rect.handles()[4] == (30, 30)
    assert rect.with_handle_at(4, 50, 60, 100, 100) == Rect(10, 10, 40, 50)
    assert rect.with_handle_at(7, 50, 0, 100, 100) == Rect(30, 10, 20, 20)   # flips over
    assert rect.handle_edges(1) == ("top",)
    assert TRIANGLE.handles() == list(TRIANGLE.points)
    assert TRIANGLE.with_handle_at(1, 500, 3, 100, 100).points[1] == (100, 3)
    assert Point(1, 1).handles() == []
    assert Polygon(((0, 0), (5, 0))).is_empty() and not TRIANGLE.is_empty()


def test_a_region_in_a_case_file_reads_as_its_shape(case, photo_factory):
    """Regions written as text by an earlier version (or another investigator) open as
    Shapes; a shape added through the core comes back equal."""
    import_paths(case, [photo_factory("a.jpg", size=(200, 100))])
    item = list_evidence(case)[0]
    added = add_region(case, item["id"], "crater", "polygon",
                       {"points": [[10, 10], [90, 10], [50, 80]]})
    assert added.shape_value == Polygon(((10, 10), (90, 10), (50, 80)))
    assert added.bbox == (10, 10, 80, 70)
    with case.write() as tx:       # as schema 1 stored it: text, integers, any key order
        tx.conn.execute("UPDATE regions SET shape = 'rect', geometry = ? WHERE id = ?",
                        ('{"w": 30, "h": 20, "x": 5, "y": 6}', added.id))
        tx.record("test.rewrite", added.id, {})
    assert get_region(case, added.id).shape_value == Rect(5, 6, 30, 20)


# -- no module outside the Shape type asks which kind a shape is --------------------------

_KIND = r"""["'](?:rect|polygon|point)["']"""
BRANCH = re.compile("|".join([
    rf"[=!]=\s*{_KIND}", rf"{_KIND}\s*[=!]=",            # shape == "rect", "rect" != kind
    rf"\bin\s*[(\[{{][^)\]}}]*{_KIND}",                  # kind in ("rect", "polygon")
    rf"\bcase\s+{_KIND}",                                # match kind: case "point"
    rf"\[\s*{_KIND}\s*\]", rf"\.get\(\s*{_KIND}",        # table["rect"], table.get("rect")
    rf"\bis\s+{_KIND}",
]))
ALLOWED = {Path("reviewer/core/shape.py")}     # the Shape type and its stored form


def test_the_pattern_finds_a_branch_on_a_shape_name():
    for line in ('if shape == "rect":', "elif region.shape != 'point':", 'if "polygon" == k:',
                 'if kind in ("rect", "polygon"):', 'case "point":', 'DRAW["rect"](g)',
                 'handlers.get("polygon")'):
        assert BRANCH.search(line), line
    for line in ('shape TEXT CHECK (shape IN (\'rect\', \'polygon\'))', '{"points": pts}',
                 'if self._tool == "select":', 'kind: ClassVar[str] = "rect"'):
        assert not BRANCH.search(line), line


def test_no_branching_on_shape_names_outside_the_shape_type():
    found = []
    for folder in ("reviewer", "bench", "packaging"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if BRANCH.search(line.split("#")[0]):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "ask the Shape instead of its kind:\n" + "\n".join(found)
