"""Turning an item's display by quarter turns, for files whose orientation data is wrong.

The original is never touched: the case records the turn (`evidence.display_rotation`,
degrees clockwise on top of the EXIF orientation) and the displayed size. Regions are
stored in displayed pixels, so turning the display turns every region of the item in
the same transaction (each one audited), and they stay on what they mark.
"""

from __future__ import annotations

from typing import Any

from reviewer.core import geometry as geo
from reviewer.core.case import Case
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import get_evidence
from reviewer.core.regions import list_regions, update_region

ROTATIONS = (0, 90, 180, 270)
ROTATABLE_KINDS = ("photo", "frame", "derived")
Matrix = tuple[tuple[float, float, float], tuple[float, float, float],
               tuple[float, float, float]]

def turned_size(width: int, height: int, degrees: int) -> tuple[int, int]:
    return (height, width) if degrees % 180 else (width, height)


def rotation_matrix(degrees: int, width: float, height: float) -> Matrix:
    """The homography taking a pixel of a width x height image to the image turned
    `degrees` clockwise (a multiple of 90): the origin stays top-left."""
    turns = (degrees // 90) % 4
    if turns == 1:
        return ((0.0, -1.0, float(height)), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    if turns == 2:
        return ((-1.0, 0.0, float(width)), (0.0, -1.0, float(height)), (0.0, 0.0, 1.0))
    if turns == 3:
        return ((0.0, 1.0, 0.0), (-1.0, 0.0, float(width)), (0.0, 0.0, 1.0))
    return ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def _apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    (a, b, c), (d, e, f), (g, h, i) = matrix
    w = g * x + h * y + i
    # Rounded: a quarter turn and back gives the stored numbers again, not 0.1000000002.
    return round((a * x + b * y + c) / w, 6), round((d * x + e * y + f) / w, 6)


def transform_geometry(shape: str, geometry: dict[str, Any], matrix: Matrix
                       ) -> dict[str, Any]:
    """A region's geometry mapped through `matrix` (a rectangle stays an upright box).

    Written against a plain 3x3 homography so that it can become the core Shape's own
    transform once that type lands."""
    mapped = [_apply(matrix, x, y) for x, y in geo.points(shape, geometry)]
    if shape == "rect":
        xs, ys = zip(*mapped, strict=True)
        return {"x": min(xs), "y": min(ys), "w": round(max(xs) - min(xs), 6),
                "h": round(max(ys) - min(ys), 6)}
    if shape == "polygon":
        return {"points": [[x, y] for x, y in mapped]}
    (x, y), = mapped
    return {"x": x, "y": y}


def rotate_display(case: Case, evidence_id: str, degrees: int) -> dict[str, Any]:
    """Turn an image's display by `degrees` (±90, 180...) more, clockwise; its regions
    turn with it. Returns the item as it is now."""
    if degrees % 90:
        raise ValidationError(str(degrees), "an item turns by quarter turns (90, 180, 270)")
    row = get_evidence(case, evidence_id)
    if row["kind"] not in ROTATABLE_KINDS:
        raise ValidationError(row["original_name"],
                              f"a {row['kind']}'s display cannot be turned; only images can")
    width, height = row["width"], row["height"]
    if not width or not height:
        raise ValidationError(row["original_name"], "its size is unknown, so it cannot be"
                                                    " turned")
    old = row["display_rotation"] or 0
    new = (old + degrees) % 360
    matrix = rotation_matrix(degrees % 360, width, height)
    new_width, new_height = turned_size(width, height, degrees)
    with case.write() as tx:
        tx.conn.execute("UPDATE evidence SET display_rotation = ?, width = ?, height = ?"
                        " WHERE id = ?", (new, new_width, new_height, row["id"]))
        regions = list_regions(case, row["id"])
        for region in regions:
            update_region(case, region.id, tx=tx,
                          geometry=transform_geometry(region.shape, region.geometry, matrix))
        tx.record("evidence.rotate", row["id"], {
            "from": old, "to": new, "size": [new_width, new_height],
            "regions": [region.id for region in regions]})
    return get_evidence(case, row["id"])
