"""Comparisons: a before and an after image kept together, with how they were aligned.

A comparison's transform maps AFTER pixels to BEFORE pixels (a 3x3 homography as JSON
in `comparisons.transform`); `comparisons.alignment` holds how it was found and how
far to trust it (see `reviewer.core.align.Alignment`). No transform means not aligned:
side by side only. Every change is one audited `Case.write()`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from reviewer.core.align import Alignment, AlignmentError, auto_align, no_alignment
from reviewer.core.case import Case, Transaction
from reviewer.core.changes import Changes, added, record_changes, removed, updated
from reviewer.core.clock import new_id
from reviewer.core.errors import MediaError, ValidationError
from reviewer.core.evidence import Evidence, get_evidence, media_path
from reviewer.core.ids import resolve_id
from reviewer.core.imaging import decode_pixels
from reviewer.core.rows import as_records

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


def _comparisons(cursor: sqlite3.Cursor) -> list[Comparison]:
    # transform and alignment are stored as JSON text; a Comparison holds them parsed.
    return [replace(c, transform=json.loads(c.transform) if c.transform else None,  # type: ignore[arg-type]
                    alignment=json.loads(c.alignment or "{}"))  # type: ignore[arg-type]
            for c in as_records(Comparison, cursor)]


def get_comparison(case: Case | Transaction, comparison_id: str) -> Comparison:
    """One comparison by id, or by a unique id prefix of at least 8 characters."""
    full_id = resolve_id(case.conn, "comparisons", comparison_id, "comparison")
    return _comparisons(case.conn.execute(f"SELECT {_COLUMNS} FROM comparisons WHERE id = ?",
                                          (full_id,)))[0]


def list_comparisons(case: Case, evidence_id: str | None = None) -> list[Comparison]:
    """All comparisons (or those an item is part of), oldest first."""
    if evidence_id is None:
        return _comparisons(case.conn.execute(
            f"SELECT {_COLUMNS} FROM comparisons ORDER BY created_at, id"))
    return _comparisons(case.conn.execute(
        f"SELECT {_COLUMNS} FROM comparisons WHERE before_id = ? OR after_id = ?"
        " ORDER BY created_at, id", (evidence_id, evidence_id)))


def find_comparison(case: Case, before_id: str, after_id: str) -> Comparison | None:
    """The latest comparison of this very pair (before, after), if it was compared before:
    the app and the CLI reopen it rather than make a blank duplicate."""
    saved = [c for c in list_comparisons(case, before_id)
             if (c.before_id, c.after_id) == (before_id, after_id)]
    return saved[-1] if saved else None


def image_item(case: Case | Transaction, evidence_id: str) -> Evidence:
    """An evidence row that can take part in a comparison (an image), or a refusal."""
    row = get_evidence(case, evidence_id)
    if row.kind == "video":
        raise ValidationError(row.original_name, "is a video: keep a frame of it and"
                              " compare the frame")
    if row.kind not in IMAGE_KINDS:
        raise ValidationError(row.original_name, f"is a {row.kind}, not an image")
    return row


def _pair(case: Case | Transaction, before_id: str, after_id: str
          ) -> tuple[Evidence, Evidence]:
    before, after = image_item(case, before_id), image_item(case, after_id)
    if before.id == after.id:
        raise ValidationError(before.original_name, "chosen as both before and after:"
                              " pick two different images")
    return before, after


def load_pixels(case: Case, evidence_id: str) -> np.ndarray:
    """An image item's pixels, full scale, upright (MediaError names the file)."""
    return item_pixels(case, image_item(case, evidence_id))


def item_pixels(case: Case, row: Evidence) -> np.ndarray:
    """The pixels of an evidence row; a MediaError names the item and where its file is."""
    path = media_path(case, row)
    try:
        return decode_pixels(path, row.display_rotation, damaged=bool(row.damaged))
    except MediaError as error:
        raise MediaError(f"{row.original_name} ({path})", error.reason) from error


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
    with case.write() as tx:
        changes = create_comparison_in(tx, before_id, after_id, note=note,
                                       alignment=alignment, comparison_id=comparison_id)
    return get_comparison(case, str(changes.ids("comparison")[0]))


def create_comparison_in(tx: Transaction, before_id: str, after_id: str, *, note: str = "",
                         alignment: Alignment | None = None,
                         comparison_id: str | None = None) -> Changes:
    before, after = _pair(tx, before_id, after_id)
    comparison_id = comparison_id or new_id()
    transform, stored = _stored(alignment)
    tx.conn.execute(
        "INSERT INTO comparisons (id, before_id, after_id, transform, alignment, note,"
        " created_at, created_by, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (comparison_id, before.id, after.id, transform, stored, note, tx.at,
         tx.actor, tx.at, tx.actor))
    changes = added(tx.conn, "comparison", comparison_id)
    record_changes(tx, "comparison.add", changes, comparison_id, {
        "before_id": before.id, "after_id": after.id, "note": note,
        "alignment": _figures(alignment)})
    return changes


def update_note(case: Case, comparison_id: str, note: str) -> Comparison:
    with case.write() as tx:
        changes = update_note_in(tx, comparison_id, note)
    return get_comparison(case, str(changes.ids("comparison")[0]))


def update_note_in(tx: Transaction, comparison_id: str, note: str) -> Changes:
    old = get_comparison(tx, comparison_id)
    tx.conn.execute("UPDATE comparisons SET note = ?, updated_at = ?, updated_by = ?"
                    " WHERE id = ?", (note, tx.at, tx.actor, old.id))
    changes = updated(tx.conn, "comparison", old.id)
    record_changes(tx, "comparison.update", changes, old.id,
                   {"changed": {"note": [old.note, note]}})
    return changes


def set_alignment(case: Case, comparison_id: str, alignment: Alignment | None) -> Comparison:
    """Save a transform with its figures (None: reset to not aligned). Undo passes the old one."""
    with case.write() as tx:
        changes = set_alignment_in(tx, comparison_id, alignment)
    return get_comparison(case, str(changes.ids("comparison")[0]))


def set_alignment_in(tx: Transaction, comparison_id: str, alignment: Alignment | None
                     ) -> Changes:
    old = get_comparison(tx, comparison_id)
    transform, stored = _stored(alignment)
    tx.conn.execute("UPDATE comparisons SET transform = ?, alignment = ?, updated_at = ?,"
                    " updated_by = ? WHERE id = ?",
                    (transform, stored, tx.at, tx.actor, old.id))
    changes = updated(tx.conn, "comparison", old.id)
    record_changes(tx, "comparison.align" if alignment else "comparison.reset_alignment",
                   changes, old.id, {
                       "alignment": _figures(alignment),
                       "previous": ({"transform": old.transform, **old.alignment}
                                    if old.aligned else None)})
    return changes


def reset_alignment(case: Case, comparison_id: str) -> Comparison:
    """Forget the transform: the comparison is side by side only until aligned again."""
    return set_alignment(case, comparison_id, None)


def delete_comparison(case: Case, comparison_id: str) -> Comparison:
    """Remove a comparison; returns it (for undo). Refused once an export of it is evidence."""
    old = get_comparison(case, comparison_id)
    with case.write() as tx:
        delete_comparison_in(tx, old.id)
    return old


def delete_comparison_in(tx: Transaction, comparison_id: str) -> Changes:
    old = get_comparison(tx, comparison_id)
    exported = tx.conn.execute("SELECT evidence_id FROM derivations WHERE comparison_id = ?",
                               (old.id,)).fetchone()
    if exported:
        raise ValidationError(old.id, f"an image exported from it is evidence ({exported[0]}):"
                              " the comparison is kept so that image can be traced")
    changes = removed(tx.conn, "comparison", old.id)
    tx.conn.execute("DELETE FROM comparisons WHERE id = ?", (old.id,))
    record_changes(tx, "comparison.delete", changes, old.id, old.to_dict())
    return changes


def restore_comparison(case: Case, comparison: Comparison) -> Comparison:
    """Put back a deleted comparison as it was (same id and creation): undo of a delete."""
    with case.write() as tx:
        restore_comparison_in(tx, comparison)
    return get_comparison(case, comparison.id)


def restore_comparison_in(tx: Transaction, comparison: Comparison) -> Changes:
    tx.conn.execute(
        "INSERT INTO comparisons (id, before_id, after_id, transform, alignment, note,"
        " created_at, created_by, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (comparison.id, comparison.before_id, comparison.after_id,
         json.dumps(comparison.transform) if comparison.transform else None,
         json.dumps(comparison.alignment), comparison.note, comparison.created_at,
         comparison.created_by, tx.at, tx.actor))
    changes = added(tx.conn, "comparison", comparison.id)
    record_changes(tx, "comparison.restore", changes, comparison.id, {
        "before_id": comparison.before_id, "after_id": comparison.after_id})
    return changes


def _subject(before: Evidence, after: Evidence) -> str:
    return f"{before.original_name} / {after.original_name}"


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
    comparison = create_comparison(case, before.id, after.id, note=note,
                                   alignment=alignment)
    return comparison, refusal
