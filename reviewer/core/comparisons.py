"""Comparisons: a before and an after image kept together, with how they were aligned.

A comparison's transform maps AFTER pixels to BEFORE pixels (a 3x3 homography as JSON
in `comparisons.transform`); `comparisons.alignment` holds how it was found and how
far to trust it (see `reviewer.core.align.Alignment`). No transform means not aligned:
side by side only. Every change is one audited `Case.write()`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from reviewer.core.align import Alignment, AlignmentError, auto_align, no_alignment
from reviewer.core.case import Case
from reviewer.core.clock import new_id
from reviewer.core.errors import MediaError, ValidationError
from reviewer.core.evidence import get_evidence, media_path
from reviewer.core.ids import resolve_id
from reviewer.core.imaging import decode_pixels

IMAGE_KINDS = ("photo", "frame", "derived")
ALIGN_CHOICES = ("auto", "none")


@dataclass(frozen=True)
class Comparison:
    id: str
    before_id: str
    after_id: str
    transform: list[list[float]] | None       # after pixel -> before pixel; None: not aligned
    alignment: dict[str, Any]                 # method, quality figures, clicked points
    note: str
    created_at: str
    created_by: str
    updated_at: str | None
    updated_by: str | None

    @property
    def aligned(self) -> bool:
        return self.transform is not None

    def get_alignment(self) -> Alignment | None:
        if self.transform is None:
            return None
        return Alignment.from_stored(self.transform, self.alignment)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_COLUMNS = ("id, before_id, after_id, transform, alignment, note, created_at, created_by,"
            " updated_at, updated_by")


def _row(row: tuple) -> Comparison:
    values = list(row)
    values[3] = json.loads(values[3]) if values[3] else None
    values[4] = json.loads(values[4] or "{}")
    return Comparison(*values)


def get_comparison(case: Case, comparison_id: str) -> Comparison:
    """One comparison by id, or by a unique id prefix of at least 8 characters."""
    full_id = resolve_id(case.conn, "comparisons", comparison_id, "comparison")
    return _row(case.conn.execute(f"SELECT {_COLUMNS} FROM comparisons WHERE id = ?",
                                  (full_id,)).fetchone())


def list_comparisons(case: Case, evidence_id: str | None = None) -> list[Comparison]:
    """All comparisons (or those an item is part of), oldest first."""
    if evidence_id is None:
        rows = case.conn.execute(f"SELECT {_COLUMNS} FROM comparisons ORDER BY created_at, id")
    else:
        rows = case.conn.execute(
            f"SELECT {_COLUMNS} FROM comparisons WHERE before_id = ? OR after_id = ?"
            " ORDER BY created_at, id", (evidence_id, evidence_id))
    return [_row(row) for row in rows]


def image_item(case: Case, evidence_id: str) -> dict[str, Any]:
    """An evidence row that can take part in a comparison (an image), or a refusal."""
    row = get_evidence(case, evidence_id)
    if row["kind"] == "video":
        raise ValidationError(row["original_name"], "is a video: keep a frame of it and"
                              " compare the frame")
    if row["kind"] not in IMAGE_KINDS:
        raise ValidationError(row["original_name"], f"is a {row['kind']}, not an image")
    return row


def _pair(case: Case, before_id: str, after_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = image_item(case, before_id), image_item(case, after_id)
    if before["id"] == after["id"]:
        raise ValidationError(before["original_name"], "chosen as both before and after:"
                              " pick two different images")
    return before, after


def load_pixels(case: Case, evidence_id: str) -> np.ndarray:
    """An image item's pixels, full scale, upright (MediaError names the file)."""
    return item_pixels(case, image_item(case, evidence_id))


def item_pixels(case: Case, row: dict[str, Any]) -> np.ndarray:
    """The pixels of an evidence row; a MediaError names the item and where its file is."""
    path = media_path(case, row)
    try:
        return decode_pixels(path, row.get("display_rotation") or 0)
    except MediaError as error:
        raise MediaError(f"{row['original_name']} ({path})", error.reason) from error


def _stored(alignment: Alignment | None) -> tuple[str | None, str]:
    if alignment is None:
        return None, "{}"
    return json.dumps([list(row) for row in alignment.transform]), json.dumps(
        alignment.to_dict())


def _figures(alignment: Alignment | None) -> dict[str, Any] | None:
    if alignment is None:
        return None
    return {"transform": [list(row) for row in alignment.transform], **alignment.to_dict()}


def create_comparison(case: Case, before_id: str, after_id: str, *, note: str = "",
                      alignment: Alignment | None = None,
                      comparison_id: str | None = None) -> Comparison:
    """Keep a before/after pair (ids or unique prefixes) with a note and maybe a transform."""
    before, after = _pair(case, before_id, after_id)
    comparison_id = comparison_id or new_id()
    transform, stored = _stored(alignment)
    with case.write() as tx:
        tx.conn.execute(
            "INSERT INTO comparisons (id, before_id, after_id, transform, alignment, note,"
            " created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (comparison_id, before["id"], after["id"], transform, stored, note, tx.at,
             tx.actor, tx.at, tx.actor))
        tx.record("comparison.add", comparison_id, {
            "before_id": before["id"], "after_id": after["id"], "note": note,
            "alignment": _figures(alignment)})
    return get_comparison(case, comparison_id)


def update_note(case: Case, comparison_id: str, note: str) -> Comparison:
    old = get_comparison(case, comparison_id)
    with case.write() as tx:
        tx.conn.execute("UPDATE comparisons SET note = ?, updated_at = ?, updated_by = ?"
                        " WHERE id = ?", (note, tx.at, tx.actor, old.id))
        tx.record("comparison.update", old.id, {"changed": {"note": [old.note, note]}})
    return get_comparison(case, old.id)


def set_alignment(case: Case, comparison_id: str, alignment: Alignment | None) -> Comparison:
    """Save a transform with its figures (None: reset to not aligned). Undo passes the old one."""
    old = get_comparison(case, comparison_id)
    transform, stored = _stored(alignment)
    with case.write() as tx:
        tx.conn.execute("UPDATE comparisons SET transform = ?, alignment = ?, updated_at = ?,"
                        " updated_by = ? WHERE id = ?",
                        (transform, stored, tx.at, tx.actor, old.id))
        tx.record("comparison.align" if alignment else "comparison.reset_alignment", old.id, {
            "alignment": _figures(alignment),
            "previous": {"transform": old.transform, **old.alignment} if old.aligned else None})
    return get_comparison(case, old.id)


def reset_alignment(case: Case, comparison_id: str) -> Comparison:
    """Forget the transform: the comparison is side by side only until aligned again."""
    return set_alignment(case, comparison_id, None)


def delete_comparison(case: Case, comparison_id: str) -> Comparison:
    """Remove a comparison; returns it (for undo). Refused once an export of it is evidence."""
    old = get_comparison(case, comparison_id)
    exported = case.conn.execute("SELECT evidence_id FROM derivations WHERE comparison_id = ?",
                                 (old.id,)).fetchone()
    if exported:
        raise ValidationError(old.id, f"an image exported from it is evidence ({exported[0]}):"
                              " the comparison is kept so that image can be traced")
    with case.write() as tx:
        tx.conn.execute("DELETE FROM comparisons WHERE id = ?", (old.id,))
        tx.record("comparison.delete", old.id, old.to_dict())
    return old


def restore_comparison(case: Case, comparison: Comparison) -> Comparison:
    """Put back a deleted comparison as it was (same id and creation): undo of a delete."""
    with case.write() as tx:
        tx.conn.execute(
            "INSERT INTO comparisons (id, before_id, after_id, transform, alignment, note,"
            " created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (comparison.id, comparison.before_id, comparison.after_id,
             json.dumps(comparison.transform) if comparison.transform else None,
             json.dumps(comparison.alignment), comparison.note, comparison.created_at,
             comparison.created_by, tx.at, tx.actor))
        tx.record("comparison.restore", comparison.id, {
            "before_id": comparison.before_id, "after_id": comparison.after_id})
    return get_comparison(case, comparison.id)


def _subject(before: dict[str, Any], after: dict[str, Any]) -> str:
    return f"{before['original_name']} / {after['original_name']}"


def align_pair(case: Case, before_id: str, after_id: str) -> Alignment:
    """Automatic alignment of two image items (decoded at full scale); AlignmentError when
    refused, MediaError when one does not decode. Writes nothing."""
    before, after = _pair(case, before_id, after_id)
    before_pixels, after_pixels = item_pixels(case, before), item_pixels(case, after)
    return auto_align(before_pixels, after_pixels, subject=_subject(before, after))


def align_comparison(case: Case, comparison_id: str) -> Comparison:
    """Align a saved comparison automatically and save the transform (or raise, saving
    nothing: AlignmentError says why)."""
    comparison = get_comparison(case, comparison_id)
    alignment = align_pair(case, comparison.before_id, comparison.after_id)
    return set_alignment(case, comparison.id, alignment)


def compare(case: Case, before_id: str, after_id: str, *, align: str = "auto",
            note: str = "") -> tuple[Comparison, AlignmentError | None]:
    """Make a comparison and align it: the command line's `compare`, one call.

    Both images are decoded first, so a file that does not decode refuses the whole
    thing (MediaError) before anything is written. When automatic alignment is refused,
    the comparison is still saved, unaligned, and the refusal is returned with it.
    """
    if align not in ALIGN_CHOICES:
        raise ValidationError(align, f"unknown alignment: choose one of {', '.join(ALIGN_CHOICES)}")
    before, after = _pair(case, before_id, after_id)
    before_pixels, after_pixels = item_pixels(case, before), item_pixels(case, after)
    refusal: AlignmentError | None = None
    alignment: Alignment | None
    if align == "none":
        alignment = no_alignment(before_pixels.shape, after_pixels.shape)
    else:
        try:
            alignment = auto_align(before_pixels, after_pixels, subject=_subject(before, after))
        except AlignmentError as error:
            alignment, refusal = None, error
    comparison = create_comparison(case, before["id"], after["id"], note=note,
                                   alignment=alignment)
    return comparison, refusal
