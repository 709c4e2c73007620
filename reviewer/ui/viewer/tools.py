"""The geometry of drawing and editing regions, as plain functions: no Qt, no window.

Coordinates are displayed-image pixels (the scene's), origin top-left, the image
spanning 0..width x 0..height. Tolerances are given in the same units: the view
divides its screen-pixel tolerances by the zoom before calling. What depends on a
region's kind (bounds, hit-test, handles, resizing) is the Shape's own business, in
reviewer/core/shape.py; here is only what a gesture needs around it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reviewer.core.shape import Box, Geometry, Polygon, Rect, shape_from

Point = tuple[float, float]

MIN_DRAG_PX = 3.0          # screen pixels: a shorter drag is a slip of the hand, not a shape
HANDLE_HIT_PX = 7.0        # screen pixels around a handle that still grab it
REGION_HIT_PX = 6.0        # screen pixels around a point region or an outline that still hit
CLOSE_SNAP_PX = 10.0       # screen pixels from the first vertex that close a polygon


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def clamp_point(x: float, y: float, width: float, height: float) -> Point:
    return clamp(x, 0.0, width), clamp(y, 0.0, height)


def is_tiny_drag(dx_screen: float, dy_screen: float) -> bool:
    """A rectangle thinner than MIN_DRAG_PX on screen either way was not meant."""
    return abs(dx_screen) < MIN_DRAG_PX or abs(dy_screen) < MIN_DRAG_PX


def clamp_translation(box: Box, dx: float, dy: float, width: float, height: float) -> Point:
    """The part of (dx, dy) that keeps `box` inside the image."""
    x, y, w, h = box
    return (clamp(dx, -x, width - (x + w)) if w <= width else 0.0,
            clamp(dy, -y, height - (y + h)) if h <= height else 0.0)


def union_box(boxes: list[Box]) -> Box:
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[0] + b[2] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    return left, top, right - left, bottom - top


def hit_handle(handles: list[Point], x: float, y: float, tolerance: float) -> int | None:
    """Index of the handle nearest to (x, y) within `tolerance`, else None."""
    best, best_distance = None, tolerance
    for index, (hx, hy) in enumerate(handles):
        distance = max(abs(hx - x), abs(hy - y))     # square handles: Chebyshev distance
        if distance <= best_distance:
            best, best_distance = index, distance
    return best


# The same questions asked of a shape in its stored form (kind + geometry JSON).

def contains(kind: str, geometry: Geometry, x: float, y: float, tolerance: float) -> bool:
    return shape_from(kind, geometry).contains(x, y, tolerance)


def rounded(kind: str, geometry: Geometry) -> Geometry:
    return shape_from(kind, geometry).rounded().to_json()


def resize_rect(geometry: Geometry, handle: int, x: float, y: float,
                width: float, height: float) -> Geometry:
    return Rect.from_json(geometry).with_handle_at(handle, x, y, width, height).to_json()


@dataclass
class PolygonDraft:
    """A polygon being clicked out, vertex by vertex, inside a width x height image."""

    width: float
    height: float
    points: list[Point] = field(default_factory=list)

    def near_first(self, x: float, y: float, tolerance: float) -> bool:
        """Whether (x, y) would close the polygon rather than add a vertex."""
        if len(self.points) < 3:
            return False
        fx, fy = self.points[0]
        return math.hypot(fx - x, fy - y) <= tolerance

    def click(self, x: float, y: float, tolerance: float) -> bool:
        """Add a vertex at (x, y); True when the click closed the polygon instead."""
        if self.near_first(x, y, tolerance):
            return True
        point = clamp_point(x, y, self.width, self.height)
        if not self.points or math.hypot(point[0] - self.points[-1][0],
                                         point[1] - self.points[-1][1]) > tolerance / 4:
            self.points.append(point)
        return False

    def remove_last(self) -> None:
        if self.points:
            self.points.pop()

    def can_close(self) -> bool:
        return not self.shape().is_empty()

    def shape(self) -> Polygon:
        return Polygon(tuple(self.points)).rounded()
