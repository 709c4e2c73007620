"""Turning an item's display by quarter turns, for files whose orientation data is wrong.

The original is never touched: the case records the turn (`evidence.display_rotation`,
degrees clockwise on top of the EXIF orientation) and the displayed size. Regions are
stored in displayed pixels, so turning the display turns every region of the item in
the same transaction (each one audited), and they stay on what they mark.

A video turns the same way (phones often record a wrong rotation flag): the video view
shows its frames turned, and a frame kept from it is written turned (`upright_frame`),
so the frame is upright as the investigator saw it and needs no turn of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reviewer.core.case import Case, Transaction
from reviewer.core.changes import NO_CHANGES, Changes, record_changes, updated
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import Evidence, get_evidence
from reviewer.core.regions import list_regions, update_region_in
from reviewer.core.shape import shape_from

ROTATIONS = (0, 90, 180, 270)
ROTATABLE_KINDS = ("photo", "frame", "derived", "video")
Matrix = tuple[tuple[float, float, float], tuple[float, float, float],
               tuple[float, float, float]]

def upright_frame(pixels: np.ndarray, degrees: int) -> np.ndarray:
    """A decoded video frame (rows, columns[, channels]) turned `degrees` clockwise, as
    the video view shows it: the pixels a frame kept from a turned video is made of."""
    turns = (degrees // 90) % 4
    if not turns:
        return pixels
    # np.rot90 turns anticlockwise; contiguous, since encoders and QImage want it so.
    return np.ascontiguousarray(np.rot90(pixels, k=-turns))


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


def transform_geometry(shape: str, geometry: dict[str, Any], matrix: Matrix
                       ) -> dict[str, Any]:
    """A region's stored geometry carried through a quarter turn (a box stays a box)."""
    return shape_from(shape, geometry).quarter_turned(matrix).to_json()


def rotate_display_in(tx: Transaction, evidence_id: str, degrees: int) -> Changes:
    """Turn an image's or a video's display by `degrees` (±90, 180...) more, clockwise;
    its regions turn with it, in the same transaction (a `region.update` record each, then
    `evidence.rotate`)."""
    if degrees % 90:
        raise ValidationError(str(degrees), "an item turns by quarter turns (90, 180, 270)")
    item = get_evidence(tx, evidence_id)
    if item.kind not in ROTATABLE_KINDS:
        raise ValidationError(item.original_name,
                              f"a {item.kind}'s display cannot be turned; only images"
                              " and videos can")
    width, height = item.width, item.height
    if not width or not height:
        raise ValidationError(item.original_name, "its size is unknown, so it cannot be"
                                                  " turned")
    old = item.display_rotation or 0
    new = (old + degrees) % 360
    matrix = rotation_matrix(degrees % 360, width, height)
    new_width, new_height = turned_size(width, height, degrees)
    # The new size first: each turned region is checked against the turned image.
    tx.conn.execute("UPDATE evidence SET display_rotation = ?, width = ?, height = ?"
                    " WHERE id = ?", (new, new_width, new_height, item.id))
    changes = NO_CHANGES
    regions = list_regions(tx, item.id)
    for region in regions:
        turned = region.shape_value.quarter_turned(matrix)
        changes |= update_region_in(tx, region.id, shape=turned.kind, geometry=turned.to_json())
    turned_item = updated(tx.conn, "evidence", item.id)
    record_changes(tx, "evidence.rotate", turned_item, item.id, {
        "from": old, "to": new, "size": [new_width, new_height],
        "regions": [region.id for region in regions]})
    return changes | turned_item


def rotate_display(case: Case, evidence_id: str, degrees: int) -> Evidence:
    """rotate_display_in() as one write of its own; returns the item as it is now."""
    with case.write() as tx:
        rotate_display_in(tx, evidence_id, degrees)
    return get_evidence(case, evidence_id)
