"""Region shapes as typed values: a rectangle, a polygon or a point.

Coordinates are pixels of the image as displayed (EXIF orientation applied), origin
top-left. A shape knows its own geometry, bounds, hit-test, clamping to the image,
mapping by a homography and its stored form; nothing outside this module asks which
kind a shape is. The case file stores a shape as its kind (the `shape` column) plus
its geometry as JSON, unchanged since schema 1:

  rect     {"x": .., "y": .., "w": .., "h": ..}
  polygon  {"points": [[x, y], [x, y], [x, y], ...]}   (3 or more)
  point    {"x": .., "y": ..}
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from reviewer.core.errors import ValidationError

Geometry = dict[str, Any]
Vertex = tuple[float, float]
Box = tuple[float, float, float, float]          # x, y, w, h
Homography = Any                                 # 3x3: nested sequences or a numpy array

# Rect handles in the order of Rect.handles(): which box edges each one moves.
RECT_HANDLE_EDGES: tuple[tuple[str, ...], ...] = (
    ("left", "top"), ("top",), ("right", "top"), ("right",),
    ("right", "bottom"), ("bottom",), ("left", "bottom"), ("left",),
)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _round(value: float) -> float:
    return round(float(value), 1) + 0.0      # + 0.0 turns -0.0 into 0.0


def _rounded_json(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6) + 0.0
    if isinstance(value, dict):
        return {key: _rounded_json(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded_json(inner) for inner in value]
    return value


def _carry(matrix: Homography, x: float, y: float) -> Vertex:
    u = matrix[0][0] * x + matrix[0][1] * y + matrix[0][2]
    v = matrix[1][0] * x + matrix[1][1] * y + matrix[1][2]
    w = matrix[2][0] * x + matrix[2][1] * y + matrix[2][2]
    w = w if abs(w) > 1e-12 else 1e-12
    return float(u / w), float(v / w)


def polygon_area(vertices: Sequence[Vertex]) -> float:
    """Shoelace formula; absolute area in square pixels."""
    ring = list(vertices)
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def _inside_polygon(vertices: Sequence[Vertex], x: float, y: float) -> bool:
    ring = list(vertices)
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _segment_distance(p: Vertex, a: Vertex, b: Vertex) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else _clamp(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


class Shape(ABC):
    """What every kind of region shape answers. Values are frozen: edits return new ones."""

    kind: ClassVar[str]
    noun: ClassVar[str]          # what the user calls it ("box")
    # Painted as a dot of fixed screen size at its position rather than to scale.
    is_marker: ClassVar[bool] = False
    # Handles sit on the vertices themselves (dragging one moves that vertex only).
    handles_are_vertices: ClassVar[bool] = False
    # An axis-aligned box: what box-only formats (YOLO, VOC, MWG regions) hold exactly.
    is_box: ClassVar[bool] = False

    @abstractmethod
    def vertices(self) -> list[Vertex]:
        """The outline's corners in order (a point: itself)."""

    def bounds(self) -> Box:
        xs, ys = zip(*self.vertices(), strict=True)
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    def area(self) -> float:
        return polygon_area(self.vertices())

    def contains(self, x: float, y: float, tolerance: float = 0.0) -> bool:
        """Whether (x, y) hits the shape: inside it, or within `tolerance` of its outline."""
        vertices = self.vertices()
        if _inside_polygon(vertices, x, y):
            return True
        edges = zip(vertices, vertices[1:] + vertices[:1], strict=True)
        return any(_segment_distance((x, y), a, b) <= tolerance for a, b in edges)

    @abstractmethod
    def clamped(self, width: float, height: float) -> Shape:
        """The shape with every coordinate pulled inside a width x height image."""

    @abstractmethod
    def translated(self, dx: float, dy: float) -> Shape: ...

    @abstractmethod
    def transformed(self, matrix: Homography) -> Shape:
        """The shape carried by a 3x3 homography (source -> target pixels)."""

    def quarter_turned(self, matrix: Homography) -> Shape:
        """This shape carried by a map that keeps axes axis-aligned (a display's quarter
        turn): like `transformed`, but a box stays a box, and coordinates are rounded to
        6 decimals so that a turn and its inverse give the stored numbers back exactly."""
        return type(self).from_json(_rounded_json(self.transformed(matrix).to_json()))

    @abstractmethod
    def rounded(self) -> Shape:
        """Every coordinate rounded to 0.1 px: what is stored and signalled."""

    def is_empty(self) -> bool:
        """Whether the shape has collapsed to nothing worth keeping."""
        return self.problem() is not None

    def problem(self) -> str | None:
        """Why this shape cannot be a region, in words for the user; None if it can."""
        return None

    def handles(self) -> list[Vertex]:
        """Where a selected shape's drag handles sit."""
        return []

    def handle_edges(self, index: int) -> tuple[str, ...]:
        """Which box edges handle `index` moves; () for a free vertex."""
        return ()

    @abstractmethod
    def with_handle_at(self, index: int, x: float, y: float,
                       width: float, height: float) -> Shape:
        """The shape with handle `index` dragged to (x, y), kept inside the image."""

    @abstractmethod
    def to_json(self) -> Geometry:
        """The geometry as stored in the case file (next to `kind`)."""


@dataclass(frozen=True)
class Rect(Shape):
    x: float
    y: float
    w: float
    h: float

    kind: ClassVar[str] = "rect"
    is_box: ClassVar[bool] = True
    noun: ClassVar[str] = "box"

    @classmethod
    def from_json(cls, geometry: Geometry) -> Rect:
        x, y, w, h = (float(geometry[k]) for k in ("x", "y", "w", "h"))
        return cls(x, y, w, h)

    @classmethod
    def from_corners(cls, x0: float, y0: float, x1: float, y1: float) -> Rect:
        return cls(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))

    def vertices(self) -> list[Vertex]:
        x, y, r, b = self.x, self.y, self.x + self.w, self.y + self.h
        return [(x, y), (r, y), (r, b), (x, b)]

    def bounds(self) -> Box:
        return self.x, self.y, self.w, self.h

    def area(self) -> float:
        return self.w * self.h

    def clamped(self, width: float, height: float) -> Rect:
        return Rect.from_corners(_clamp(self.x, 0.0, width), _clamp(self.y, 0.0, height),
                                 _clamp(self.x + self.w, 0.0, width),
                                 _clamp(self.y + self.h, 0.0, height))

    def translated(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def transformed(self, matrix: Homography) -> Polygon:
        # Under perspective a rectangle is no longer one: it becomes the quadrilateral
        # its corners map to.
        return Polygon(tuple(_carry(matrix, x, y) for x, y in self.vertices()))

    def quarter_turned(self, matrix: Homography) -> Rect:
        (x0, y0), (x1, y1) = _carry(matrix, self.x, self.y), _carry(
            matrix, self.x + self.w, self.y + self.h)
        box = Rect.from_corners(x0, y0, x1, y1)
        return Rect(*(round(v, 6) + 0.0 for v in box.bounds()))

    def rounded(self) -> Rect:
        return Rect(_round(self.x), _round(self.y), _round(self.w), _round(self.h))

    def problem(self) -> str | None:
        if self.w <= 0 or self.h <= 0:
            return "a box needs a positive width and height"
        return None

    def handles(self) -> list[Vertex]:
        x, y, w, h = self.x, self.y, self.w, self.h
        cx, cy, r, b = x + w / 2, y + h / 2, x + w, y + h
        return [(x, y), (cx, y), (r, y), (r, cy), (r, b), (cx, b), (x, b), (x, cy)]

    def handle_edges(self, index: int) -> tuple[str, ...]:
        return RECT_HANDLE_EDGES[index]

    def with_handle_at(self, index: int, x: float, y: float,
                       width: float, height: float) -> Rect:
        """Dragging a corner or edge; dragged past the opposite side, the box flips over."""
        x, y = _clamp(x, 0.0, width), _clamp(y, 0.0, height)
        left, top, right, bottom = self.x, self.y, self.x + self.w, self.y + self.h
        edges = RECT_HANDLE_EDGES[index]
        left = x if "left" in edges else left
        right = x if "right" in edges else right
        top = y if "top" in edges else top
        bottom = y if "bottom" in edges else bottom
        return Rect.from_corners(left, top, right, bottom)

    def to_json(self) -> Geometry:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass(frozen=True)
class Polygon(Shape):
    points: tuple[Vertex, ...]

    kind: ClassVar[str] = "polygon"
    noun: ClassVar[str] = "polygon"
    handles_are_vertices: ClassVar[bool] = True

    @classmethod
    def from_json(cls, geometry: Geometry) -> Polygon:
        return cls(tuple((float(px), float(py)) for px, py in geometry["points"]))

    def vertices(self) -> list[Vertex]:
        return list(self.points)

    def clamped(self, width: float, height: float) -> Polygon:
        return Polygon(tuple((_clamp(x, 0.0, width), _clamp(y, 0.0, height))
                             for x, y in self.points))

    def translated(self, dx: float, dy: float) -> Polygon:
        return Polygon(tuple((x + dx, y + dy) for x, y in self.points))

    def transformed(self, matrix: Homography) -> Polygon:
        return Polygon(tuple(_carry(matrix, x, y) for x, y in self.points))

    def rounded(self) -> Polygon:
        return Polygon(tuple((_round(x), _round(y)) for x, y in self.points))

    def problem(self) -> str | None:
        if len(self.points) < 3:
            return "a polygon needs at least three points"
        if self.area() <= 0:
            return "the polygon's points enclose no area"
        return None

    def handles(self) -> list[Vertex]:
        return list(self.points)

    def with_handle_at(self, index: int, x: float, y: float,
                       width: float, height: float) -> Polygon:
        points = list(self.points)
        points[index] = (_clamp(x, 0.0, width), _clamp(y, 0.0, height))
        return Polygon(tuple(points))

    def to_json(self) -> Geometry:
        return {"points": [[x, y] for x, y in self.points]}


@dataclass(frozen=True)
class Point(Shape):
    x: float
    y: float

    kind: ClassVar[str] = "point"
    noun: ClassVar[str] = "point"
    is_marker: ClassVar[bool] = True

    @classmethod
    def from_json(cls, geometry: Geometry) -> Point:
        return cls(float(geometry["x"]), float(geometry["y"]))

    def vertices(self) -> list[Vertex]:
        return [(self.x, self.y)]

    def area(self) -> float:
        return 0.0

    def contains(self, x: float, y: float, tolerance: float = 0.0) -> bool:
        return math.hypot(self.x - x, self.y - y) <= tolerance

    def clamped(self, width: float, height: float) -> Point:
        return Point(_clamp(self.x, 0.0, width), _clamp(self.y, 0.0, height))

    def translated(self, dx: float, dy: float) -> Point:
        return Point(self.x + dx, self.y + dy)

    def transformed(self, matrix: Homography) -> Point:
        return Point(*_carry(matrix, self.x, self.y))

    def rounded(self) -> Point:
        return Point(_round(self.x), _round(self.y))

    def with_handle_at(self, index: int, x: float, y: float,
                       width: float, height: float) -> Point:
        return Point(x, y).clamped(width, height)     # a point has no handles: it moves

    def to_json(self) -> Geometry:
        return {"x": self.x, "y": self.y}


_KINDS: dict[str, type[Rect] | type[Polygon] | type[Point]] = {
    kind.kind: kind for kind in (Rect, Polygon, Point)}
KINDS = tuple(_KINDS)


def shape_noun(kind: str) -> str:
    """What the user calls a shape of this kind ("box" for a rect); the kind if unknown."""
    cls = _KINDS.get(kind)
    return cls.noun if cls is not None else kind


def shape_from(kind: str, geometry: Geometry) -> Shape:
    """The shape stored as `kind` + `geometry`; ValidationError if either is malformed."""
    cls = _KINDS.get(kind)
    if cls is None:
        raise ValidationError(kind, f"unknown shape; use one of {', '.join(KINDS)}")
    try:
        return cls.from_json(geometry)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(kind, f"malformed {kind} geometry: {error}") from error


def validated(kind: str, geometry: Geometry, width: int | None, height: int | None) -> Shape:
    """The shape if it can tag a width x height image, else ValidationError saying why."""
    shape = shape_from(kind, geometry)
    vertices = shape.vertices()
    if not all(math.isfinite(v) for xy in vertices for v in xy):
        raise ValidationError(kind, "coordinates must be finite numbers")
    problem = shape.problem()
    if problem is not None:
        raise ValidationError(kind, problem)
    if width and height:
        outside = [(x, y) for x, y in vertices if not (0 <= x <= width and 0 <= y <= height)]
        if outside:
            x, y = outside[0]
            raise ValidationError(
                kind, f"the region reaches outside the image ({x:g},{y:g} is not within"
                      f" {width}x{height} pixels)")
    return shape


# -- shapes as people type them (the command line) ----------------------------------------

def _numbers(text: str, what: str) -> list[float]:
    try:
        values = [float(part) for part in text.replace(" ", "").split(",") if part != ""]
    except ValueError as error:
        raise ValidationError(text, f"{what} must be numbers separated by commas") from error
    if not all(math.isfinite(v) for v in values):
        raise ValidationError(text, f"{what} must be finite numbers")
    return values


def parse_box(text: str) -> Geometry:
    """'X,Y,W,H' -> rect geometry."""
    values = _numbers(text, "a box")
    if len(values) != 4:
        raise ValidationError(text, "a box is X,Y,W,H (four numbers)")
    return Rect(*values).to_json()


def parse_polygon(text: str) -> Geometry:
    """'X,Y,X,Y,...' -> polygon geometry."""
    values = _numbers(text, "a polygon")
    if len(values) < 6 or len(values) % 2:
        raise ValidationError(text, "a polygon is X,Y,X,Y,X,Y,... (three or more points)")
    return Polygon(tuple(zip(values[::2], values[1::2], strict=True))).to_json()


def parse_point(text: str) -> Geometry:
    """'X,Y' -> point geometry."""
    values = _numbers(text, "a point")
    if len(values) != 2:
        raise ValidationError(text, "a point is X,Y")
    return Point(*values).to_json()
