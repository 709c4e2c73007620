"""Region geometry as plain data: parse, check against the image, bounding box.

Coordinates are pixels of the image as displayed (EXIF orientation applied),
origin top-left. Shapes:
  rect     {"x": .., "y": .., "w": .., "h": ..}
  polygon  {"points": [[x, y], [x, y], [x, y], ...]}   (3 or more)
  point    {"x": .., "y": ..}
"""

from __future__ import annotations

import math
from typing import Any

from reviewer.core.errors import ValidationError

SHAPES = ("rect", "polygon", "point")
Geometry = dict[str, Any]


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
    x, y, w, h = values
    return {"x": x, "y": y, "w": w, "h": h}


def parse_polygon(text: str) -> Geometry:
    """'X,Y,X,Y,...' -> polygon geometry."""
    values = _numbers(text, "a polygon")
    if len(values) < 6 or len(values) % 2:
        raise ValidationError(text, "a polygon is X,Y,X,Y,X,Y,... (three or more points)")
    return {"points": [[values[i], values[i + 1]] for i in range(0, len(values), 2)]}


def parse_point(text: str) -> Geometry:
    values = _numbers(text, "a point")
    if len(values) != 2:
        raise ValidationError(text, "a point is X,Y")
    return {"x": values[0], "y": values[1]}


def points(shape: str, geometry: Geometry) -> list[tuple[float, float]]:
    if shape == "rect":
        x, y, w, h = (float(geometry[k]) for k in ("x", "y", "w", "h"))
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    if shape == "polygon":
        return [(float(px), float(py)) for px, py in geometry["points"]]
    return [(float(geometry["x"]), float(geometry["y"]))]


def bbox(shape: str, geometry: Geometry) -> tuple[float, float, float, float]:
    xs, ys = zip(*points(shape, geometry), strict=True)
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def polygon_area(vertices: list[tuple[float, float]]) -> float:
    """Shoelace formula; absolute area in square pixels."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def validate(shape: str, geometry: Geometry, width: int | None, height: int | None) -> Geometry:
    """Return the geometry normalised, or raise ValidationError saying what is wrong."""
    if shape not in SHAPES:
        raise ValidationError(shape, f"unknown shape; use one of {', '.join(SHAPES)}")
    try:
        vertices = points(shape, geometry)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(shape, f"malformed {shape} geometry: {error}") from error
    if not all(math.isfinite(v) for xy in vertices for v in xy):
        raise ValidationError(shape, "coordinates must be finite numbers")
    if shape == "rect" and (geometry["w"] <= 0 or geometry["h"] <= 0):
        raise ValidationError("rect", "a box needs a positive width and height")
    if shape == "polygon":
        if len(vertices) < 3:
            raise ValidationError("polygon", "a polygon needs at least three points")
        if polygon_area(vertices) <= 0:
            raise ValidationError("polygon", "the polygon's points enclose no area")
    if width and height:
        outside = [(x, y) for x, y in vertices if not (0 <= x <= width and 0 <= y <= height)]
        if outside:
            x, y = outside[0]
            raise ValidationError(
                shape, f"the region reaches outside the image ({x:g},{y:g} is not within"
                       f" {width}x{height} pixels)")
    if shape == "rect":
        return {k: float(geometry[k]) for k in ("x", "y", "w", "h")}
    if shape == "polygon":
        return {"points": [[x, y] for x, y in vertices]}
    return {"x": vertices[0][0], "y": vertices[0][1]}


def map_region(shape: str, geometry: Geometry, matrix: Any) -> tuple[str, Geometry]:
    """The region carried into another image by a 3x3 homography (source -> target pixels).

    A rectangle becomes the quadrilateral its corners map to (a polygon): under
    perspective it is no longer a rectangle. A point stays a point.
    """
    def carry(x: float, y: float) -> list[float]:
        u = matrix[0][0] * x + matrix[0][1] * y + matrix[0][2]
        v = matrix[1][0] * x + matrix[1][1] * y + matrix[1][2]
        w = matrix[2][0] * x + matrix[2][1] * y + matrix[2][2]
        w = w if abs(w) > 1e-12 else 1e-12
        return [float(u / w), float(v / w)]

    if shape == "point":
        x, y = carry(geometry["x"], geometry["y"])
        return "point", {"x": x, "y": y}
    return "polygon", {"points": [carry(x, y) for x, y in points(shape, geometry)]}
