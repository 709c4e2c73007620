"""Regions: what an investigator tags on an image (a box round a cylinder...)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from reviewer.core.case import Case, Transaction
from reviewer.core.changes import NO_CHANGES, Changes, added, record_changes, removed, updated
from reviewer.core.clock import new_id
from reviewer.core.errors import NotFoundError, ValidationError
from reviewer.core.evidence import get_evidence
from reviewer.core.ids import resolve_id
from reviewer.core.labels import find_label
from reviewer.core.rows import as_records
from reviewer.core.shape import Shape, shape_from, validated


@dataclass(frozen=True)
class Region:
    id: str
    evidence_id: str
    label_id: str
    label: str
    shape: str
    geometry: dict[str, Any]
    confidence: float | None
    note: str
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    # Covered in every public derivative of the image, and how (REDACT_METHODS).
    redact: bool = False
    redact_method: str = "fill"

    @property
    def shape_value(self) -> Shape:
        """The region's shape as a typed value (`shape` is its kind, as stored)."""
        return shape_from(self.shape, self.geometry)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.shape_value.bounds()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_SELECT = (
    "SELECT r.id, r.evidence_id, r.label_id, l.name AS label, r.shape, r.geometry,"
    " r.confidence, r.note, r.created_at, r.created_by, r.updated_at, r.updated_by,"
    " r.redact, r.redact_method FROM regions r JOIN labels l ON l.id = r.label_id"
)


def _regions(cursor: sqlite3.Cursor) -> list[Region]:
    # Geometry is stored as JSON text; a Region holds it parsed.
    return as_records(Region, cursor, convert={"geometry": json.loads, "redact": bool})


def resolve_region_id(case: Case, text: str) -> str:
    """The full id of a region given by id or unique prefix of 8+ characters (as `reviewer
    show` prints them)."""
    return resolve_id(case.conn, "regions", text, "region")


def get_region(case: Case | Transaction, region_id: str) -> Region:
    found = _regions(case.conn.execute(f"{_SELECT} WHERE r.id = ?", (region_id,)))
    if not found:
        raise NotFoundError(region_id, "no such region in this case")
    return found[0]


def list_regions(case: Case | Transaction, evidence_id: str | None = None) -> list[Region]:
    if evidence_id is None:
        return _regions(case.conn.execute(f"{_SELECT} ORDER BY r.evidence_id, r.created_at"))
    return _regions(case.conn.execute(f"{_SELECT} WHERE r.evidence_id = ? ORDER BY r.created_at",
                                      (evidence_id,)))


# An opaque fill hides for good. Blur and pixelation can be reversed or read (text above
# all): offered as options for non-text areas, with this warning wherever they are picked.
REDACT_METHODS = ("fill", "blur", "pixelate")
SOFT_METHOD_WARNING = ("blur and pixelation can be reversed or read (text, faces, plates):"
                       " use them only for non-text areas; an opaque fill hides for good")


def check_redact_method(method: str) -> None:
    if method not in REDACT_METHODS:
        raise ValidationError(method, "a redaction method is one of " + ", ".join(REDACT_METHODS))


def redaction_geometry(kind: str, geometry: dict[str, Any], width: int | None,
                       height: int | None) -> dict[str, Any]:
    """A redaction region's geometry clamped to the image: a box dragged past the edge
    means "cover up to the edge". A point covers nothing, and neither does a region
    wholly outside the image: both are refused with the reason."""
    figure = shape_from(kind, geometry)
    if figure.is_marker:
        raise ValidationError(kind, "a point covers nothing: draw a box or a polygon over"
                                    " what must be redacted")
    if not width or not height:
        return geometry
    inside = figure.clamped(width, height)
    if inside.is_empty():
        raise ValidationError(kind, f"the region lies outside the image ({width}x{height}"
                                    " pixels): nothing of it could be covered")
    return inside.to_json()


def _check_confidence(confidence: float | None) -> None:
    if confidence is not None and not 0 <= confidence <= 1:
        raise ValidationError(str(confidence), "confidence is a number from 0 to 1")


def add_region(
    case: Case, evidence_id: str, label: str, shape: str, geometry: dict[str, Any], *,
    confidence: float | None = None, note: str = "", incident_id: str | None = None,
    region_id: str | None = None, redact: bool | None = None, redact_method: str = "fill",
) -> Region:
    """Tag a region (see add_region_in); returns it."""
    with case.write() as tx:
        changes = add_region_in(tx, evidence_id, label, shape, geometry,
                                confidence=confidence, note=note, incident_id=incident_id,
                                region_id=region_id, redact=redact,
                                redact_method=redact_method)
    return get_region(case, str(changes.ids("region")[0]))


def add_region_in(
    tx: Transaction, evidence_id: str, label: str, shape: str, geometry: dict[str, Any], *,
    confidence: float | None = None, note: str = "", incident_id: str | None = None,
    region_id: str | None = None, redact: bool | None = None, redact_method: str = "fill",
) -> Changes:
    """Tag a region; `region_id` lets undo/redo put back the very same region.

    Regions are drawn on images (photos, frames, derived images), never on a video.
    `redact` None takes the label's "redact by default" flag.
    """
    evidence = get_evidence(tx, evidence_id)
    if evidence.kind == "video":
        raise ValidationError(evidence.original_name, (
            "a video cannot be tagged: keep a frame of it as an item and tag the frame"
            " (reviewer import CASE VIDEO --frames-every SECONDS, or K in the app)"))
    the_label = find_label(tx, label)
    # A label's default covers areas; a point with that label just marks a spot.
    covered = (the_label.redact_default and not shape_from(shape, geometry).is_marker) \
        if redact is None else bool(redact)
    if covered:
        geometry = redaction_geometry(shape, geometry, evidence.width, evidence.height)
    figure = validated(shape, geometry, evidence.width, evidence.height)
    clean = figure.to_json()
    _check_confidence(confidence)
    check_redact_method(redact_method)
    x, y, w, h = figure.bounds()
    region_id = region_id or new_id()
    _insert_region(tx, {
        "id": region_id, "evidence_id": evidence.id, "label_id": the_label.id,
        "shape": shape, "geometry": json.dumps(clean), "x": x, "y": y, "w": w, "h": h,
        "confidence": confidence, "note": note, "created_at": tx.at,
        "created_by": tx.actor, "updated_at": tx.at, "updated_by": tx.actor,
    }, covered, redact_method)
    changes = added(tx.conn, "region", region_id)
    record_changes(tx, "region.add", changes, region_id, {
        "evidence_id": evidence.id, "label": the_label.name, "shape": shape,
        "geometry": clean, "confidence": confidence, "note": note,
        **({"redact": redact_method} if covered else {})})
    if incident_id:
        from reviewer.core.incidents import link_region_in

        changes |= link_region_in(tx, incident_id, region_id)
    return changes


def _insert_region(tx: Transaction, row: dict[str, Any], redact: bool, method: str) -> None:
    # The redaction columns are written only when they differ from their defaults, so a
    # region stored by a case at an older schema reads the same.
    if redact:
        row["redact"] = 1
    if method != "fill":
        row["redact_method"] = method
    tx.conn.execute(f"INSERT INTO regions ({', '.join(row)})"
                    f" VALUES ({', '.join('?' * len(row))})", list(row.values()))


_UNSET: Any = object()


def update_region(
    case: Case, region_id: str, *, label: str | None = None, shape: str | None = None,
    geometry: dict[str, Any] | None = None, confidence: float | None = _UNSET,
    note: str | None = None, tx: Transaction | None = None, redact: bool | None = None,
    redact_method: str | None = None,
) -> Region:
    """Change a region; with `tx`, as one step of a write the caller has open."""
    with case.write_within(tx) as tx:
        update_region_in(tx, region_id, label=label, shape=shape, geometry=geometry,
                         confidence=confidence, note=note, redact=redact,
                         redact_method=redact_method)
    return get_region(case, region_id)


def update_region_in(
    tx: Transaction, region_id: str, *, label: str | None = None, shape: str | None = None,
    geometry: dict[str, Any] | None = None, confidence: float | None = _UNSET,
    note: str | None = None, redact: bool | None = None, redact_method: str | None = None,
) -> Changes:
    """Change a region's label, shape, geometry, confidence, note or redaction (None: as
    it was; a new label does not change whether a region is redacted)."""
    old = get_region(tx, region_id)
    evidence = get_evidence(tx, old.evidence_id)
    new_label = find_label(tx, label) if label is not None else None
    new_shape = shape or old.shape
    new_geometry = geometry if geometry is not None else old.geometry
    new_redact = old.redact if redact is None else bool(redact)
    if new_redact and (redact or geometry is not None or shape is not None):
        new_geometry = redaction_geometry(new_shape, new_geometry, evidence.width,
                                          evidence.height)
    figure = validated(new_shape, new_geometry, evidence.width, evidence.height)
    clean = figure.to_json()
    new_confidence = old.confidence if confidence is _UNSET else confidence
    _check_confidence(new_confidence)
    new_method = old.redact_method if redact_method is None else redact_method
    check_redact_method(new_method)
    x, y, w, h = figure.bounds()
    tx.conn.execute(
        "UPDATE regions SET label_id = ?, shape = ?, geometry = ?, x = ?, y = ?, w = ?,"
        " h = ?, confidence = ?, note = ?, updated_at = ?, updated_by = ?, redact = ?,"
        " redact_method = ? WHERE id = ?",
        (new_label.id if new_label else old.label_id, new_shape, json.dumps(clean),
         x, y, w, h, new_confidence, old.note if note is None else note,
         tx.at, tx.actor, int(new_redact), new_method, region_id),
    )
    changed: dict[str, Any] = {}
    if new_label and new_label.id != old.label_id:
        changed["label"] = [old.label, new_label.name]
    if new_shape != old.shape or clean != old.geometry:
        changed["geometry"] = [old.geometry, clean]
    if new_confidence != old.confidence:
        changed["confidence"] = [old.confidence, new_confidence]
    if note is not None and note != old.note:
        changed["note"] = [old.note, note]
    if new_redact != old.redact:
        changed["redact"] = [old.redact, new_redact]
    if new_method != old.redact_method:
        changed["redact_method"] = [old.redact_method, new_method]
    changes = updated(tx.conn, "region", region_id)
    record_changes(tx, "region.update", changes, region_id, {"changed": changed})
    return changes


def relabel_regions_in(tx: Transaction, region_ids: list[str], label: str) -> Changes:
    """Give several regions one label: one edit (each region's change in the log)."""
    changes = NO_CHANGES
    for region_id in region_ids:
        if get_region(tx, region_id).label_id != find_label(tx, label).id:
            changes |= update_region_in(tx, region_id, label=label)
    return changes


def set_redact_in(tx: Transaction, region_ids: list[str], redact: bool,
                  method: str | None = None) -> Changes:
    """Mark (or unmark) several regions for redaction: one edit, each region's change in
    the log. Regions already so are left alone."""
    changes = NO_CHANGES
    for region_id in region_ids:
        region = get_region(tx, region_id)
        if region.redact != redact or (method is not None and method != region.redact_method):
            changes |= update_region_in(tx, region_id, redact=redact, redact_method=method)
    return changes


def delete_region(case: Case, region_id: str, *, tx: Transaction | None = None
                  ) -> tuple[Region, list[str]]:
    """Remove a region; returns it and the incidents it was linked to (for undo)."""
    region = get_region(case, region_id)
    with case.write_within(tx) as tx:
        changes = delete_regions_in(tx, [region_id])
    return region, [key[0] for key in changes.ids("incident_region")]


def delete_regions_in(tx: Transaction, region_ids: list[str]) -> Changes:
    """Remove regions and their incident links (the links are named in the Changes, so
    an undo can put them back)."""
    changes = NO_CHANGES
    for region_id in region_ids:
        region = get_region(tx, region_id)
        incidents = [row[0] for row in tx.conn.execute(
            "SELECT incident_id FROM incident_regions WHERE region_id = ?", (region.id,))]
        step = removed(tx.conn, "incident_region",
                       *[(incident_id, region.id) for incident_id in incidents])
        step |= removed(tx.conn, "region", region.id)
        tx.conn.execute("DELETE FROM regions WHERE id = ?", (region.id,))
        record_changes(tx, "region.delete", step, region.id,
                       {**region.to_dict(), "incidents": incidents})
        changes |= step
    return changes


def restore_region(case: Case, region: Region, incidents: list[str], *,
                   tx: Transaction | None = None) -> Region:
    """Put back a deleted region as it was (same id, creation, links): undo of a delete."""
    with case.write_within(tx) as tx:
        restore_region_in(tx, region, incidents)
    return get_region(case, region.id)


def restore_region_in(tx: Transaction, region: Region, incidents: list[str]) -> Changes:
    from reviewer.core.incidents import link_region_in

    x, y, w, h = region.bbox
    _insert_region(tx, {
        "id": region.id, "evidence_id": region.evidence_id, "label_id": region.label_id,
        "shape": region.shape, "geometry": json.dumps(region.geometry),
        "x": x, "y": y, "w": w, "h": h, "confidence": region.confidence,
        "note": region.note, "created_at": region.created_at,
        "created_by": region.created_by, "updated_at": tx.at, "updated_by": tx.actor,
    }, region.redact, region.redact_method)
    changes = added(tx.conn, "region", region.id)
    record_changes(tx, "region.restore", changes, region.id,
                   {"evidence_id": region.evidence_id, "incidents": incidents})
    for incident_id in incidents:
        if tx.conn.execute("SELECT 1 FROM incidents WHERE id = ?",
                           (incident_id,)).fetchone():
            changes |= link_region_in(tx, incident_id, region.id)
    return changes


def delete_regions(case: Case, region_ids: list[str]) -> list[tuple[Region, list[str]]]:
    """Delete several regions in one change (one undo step, one transaction)."""
    regions = [get_region(case, region_id) for region_id in region_ids]
    with case.write() as tx:
        changes = delete_regions_in(tx, region_ids)
    links = changes.ids("incident_region")
    return [(region, [key[0] for key in links if key[1] == region.id]) for region in regions]
