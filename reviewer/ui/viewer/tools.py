"""The geometry of drawing and editing regions, as plain functions: no Qt, no window.

Coordinates are displayed-image pixels (the scene's), origin top-left, the image
spanning 0..width x 0..height. Tolerances are given in the same units: the view
divides its screen-pixel tolerances by the zoom before calling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reviewer.core import geometry as core_geometry

Geometry = dict
Point = tuple[float, float]
Box = tuple[float, float, float, float]          # x, y, w, h

MIN_DRAG_PX = 3.0          # screen pixels: a shorter drag is a slip of the hand, not a shape
HANDLE_HIT_PX = 7.0        # screen pixels around a handle that still grab it
REGION_HIT_PX = 6.0        # screen pixels around a point region or an outline that still hit
CLOSE_SNAP_PX = 10.0       # screen pixels from the first vertex that close a polygon

# Rect handles in the order of handle_positions(): which box edges each one moves.
_RECT_HANDLE_EDGES = (
    ("left", "top"), ("top",), ("right", "top"), ("right",),
    ("right", "bottom"), ("bottom",), ("left", "bottom"), ("left",),
)


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def clamp_point(x: float, y: float, width: float, height: float) -> Point:
    return clamp(x, 0.0, width), clamp(y, 0.0, height)


def rounded(shape: str, geometry: Geometry) -> Geometry:
    """Geometry with every coordinate rounded to 0.1 px: what is stored and signalled."""
    def r(value: float) -> float:
        return round(float(value), 1) + 0.0      # + 0.0 turns -0.0 into 0.0

    if shape == "polygon":
        return {"points": [[r(x), r(y)] for x, y in geometry["points"]]}
    return {key: r(value) for key, value in geometry.items()}


def is_tiny_drag(dx_screen: float, dy_screen: float) -> bool:
    """A rectangle thinner than MIN_DRAG_PX on screen either way was not meant."""
    return abs(dx_screen) < MIN_DRAG_PX or abs(dy_screen) < MIN_DRAG_PX


def rect_from_corners(x0: float, y0: float, x1: float, y1: float) -> Geometry:
    return {"x": min(x0, x1), "y": min(y0, y1), "w": abs(x1 - x0), "h": abs(y1 - y0)}


def bbox(shape: str, geometry: Geometry) -> Box:
    return core_geometry.bbox(shape, geometry)


def area(shape: str, geometry: Geometry) -> float:
    if shape == "rect":
        return float(geometry["w"]) * float(geometry["h"])
    if shape == "polygon":
        return core_geometry.polygon_area(core_geometry.points(shape, geometry))
    return 0.0


def translate(shape: str, geometry: Geometry, dx: float, dy: float) -> Geometry:
    if shape == "polygon":
        return {"points": [[x + dx, y + dy] for x, y in geometry["points"]]}
    moved = dict(geometry)
    moved["x"] = float(geometry["x"]) + dx
    moved["y"] = float(geometry["y"]) + dy
    return moved


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


def handle_positions(shape: str, geometry: Geometry) -> list[Point]:
    """Where a selected region's handles sit: 8 for a rect, one per polygon vertex."""
    if shape == "rect":
        x, y, w, h = (float(geometry[k]) for k in ("x", "y", "w", "h"))
        cx, cy, r, b = x + w / 2, y + h / 2, x + w, y + h
        return [(x, y), (cx, y), (r, y), (r, cy), (r, b), (cx, b), (x, b), (x, cy)]
    if shape == "polygon":
        return [(float(px), float(py)) for px, py in geometry["points"]]
    return []


def hit_handle(handles: list[Point], x: float, y: float, tolerance: float) -> int | None:
    """Index of the handle nearest to (x, y) within `tolerance`, else None."""
    best, best_distance = None, tolerance
    for index, (hx, hy) in enumerate(handles):
        distance = max(abs(hx - x), abs(hy - y))     # square handles: Chebyshev distance
        if distance <= best_distance:
            best, best_distance = index, distance
    return best


def _inside_polygon(vertices: list[Point], x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else clamp(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def contains(shape: str, geometry: Geometry, x: float, y: float, tolerance: float) -> bool:
    """Whether a click at (x, y) hits the region: inside it, or within `tolerance` of it."""
    if shape == "point":
        return math.hypot(float(geometry["x"]) - x, float(geometry["y"]) - y) <= tolerance
    vertices = core_geometry.points(shape, geometry)
    if _inside_polygon(vertices, x, y):
        return True
    edges = zip(vertices, vertices[1:] + vertices[:1], strict=True)
    return any(_segment_distance((x, y), a, b) <= tolerance for a, b in edges)


def resize_rect(geometry: Geometry, handle: int, x: float, y: float,
                width: float, height: float) -> Geometry:
    """The rect with `handle` dragged to (x, y), kept inside the image; may flip over."""
    x, y = clamp_point(x, y, width, height)
    left, top = float(geometry["x"]), float(geometry["y"])
    right, bottom = left + float(geometry["w"]), top + float(geometry["h"])
    edges = _RECT_HANDLE_EDGES[handle]
    left = x if "left" in edges else left
    right = x if "right" in edges else right
    top = y if "top" in edges else top
    bottom = y if "bottom" in edges else bottom
    return rect_from_corners(left, top, right, bottom)


def move_vertex(geometry: Geometry, index: int, x: float, y: float,
                width: float, height: float) -> Geometry:
    points = [list(p) for p in geometry["points"]]
    points[index] = list(clamp_point(x, y, width, height))
    return {"points": points}


def is_drawable(shape: str, geometry: Geometry) -> bool:
    """Whether a finished shape is worth signalling (it has an area after rounding)."""
    if shape == "rect":
        return geometry["w"] > 0 and geometry["h"] > 0
    if shape == "polygon":
        return len(geometry["points"]) >= 3 and area(shape, geometry) > 0
    return True


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
        return is_drawable("polygon", self.geometry())

    def geometry(self) -> Geometry:
        return rounded("polygon", {"points": [[x, y] for x, y in self.points]})
