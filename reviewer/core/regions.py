"""Regions: what an investigator tags on an image (a box round a cylinder...)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, replace
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
    " r.confidence, r.note, r.created_at, r.created_by, r.updated_at, r.updated_by"
    " FROM regions r JOIN labels l ON l.id = r.label_id"
)


def _regions(cursor: sqlite3.Cursor) -> list[Region]:
    # Geometry is stored as JSON text; a Region holds it parsed.
    return [replace(region, geometry=json.loads(region.geometry))  # type: ignore[arg-type]
            for region in as_records(Region, cursor)]


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


def _check_confidence(confidence: float | None) -> None:
    if confidence is not None and not 0 <= confidence <= 1:
        raise ValidationError(str(confidence), "confidence is a number from 0 to 1")


def add_region(
    case: Case, evidence_id: str, label: str, shape: str, geometry: dict[str, Any], *,
    confidence: float | None = None, note: str = "", incident_id: str | None = None,
    region_id: str | None = None,
) -> Region:
    """Tag a region (see add_region_in); returns it."""
    with case.write() as tx:
        changes = add_region_in(tx, evidence_id, label, shape, geometry,
                                confidence=confidence, note=note, incident_id=incident_id,
                                region_id=region_id)
    return get_region(case, str(changes.ids("region")[0]))


def add_region_in(
    tx: Transaction, evidence_id: str, label: str, shape: str, geometry: dict[str, Any], *,
    confidence: float | None = None, note: str = "", incident_id: str | None = None,
    region_id: str | None = None,
) -> Changes:
    """Tag a region; `region_id` lets undo/redo put back the very same region.

    Regions are drawn on images (photos, frames, derived images), never on a video.
    """
    evidence = get_evidence(tx, evidence_id)
    if evidence.kind == "video":
        raise ValidationError(evidence.original_name, (
            "a video cannot be tagged: keep a frame of it as an item and tag the frame"
            " (reviewer import CASE VIDEO --frames-every SECONDS, or K in the app)"))
    the_label = find_label(tx, label)
    figure = validated(shape, geometry, evidence.width, evidence.height)
    clean = figure.to_json()
    _check_confidence(confidence)
    x, y, w, h = figure.bounds()
    region_id = region_id or new_id()
    tx.conn.execute(
        "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h,"
        " confidence, note, created_at, created_by, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (region_id, evidence.id, the_label.id, shape, json.dumps(clean), x, y, w, h,
         confidence, note, tx.at, tx.actor, tx.at, tx.actor),
    )
    changes = added(tx.conn, "region", region_id)
    record_changes(tx, "region.add", changes, region_id, {
        "evidence_id": evidence.id, "label": the_label.name, "shape": shape,
        "geometry": clean, "confidence": confidence, "note": note})
    if incident_id:
        from reviewer.core.incidents import link_region_in

        changes |= link_region_in(tx, incident_id, region_id)
    return changes


_UNSET: Any = object()


def update_region(
    case: Case, region_id: str, *, label: str | None = None, shape: str | None = None,
    geometry: dict[str, Any] | None = None, confidence: float | None = _UNSET,
    note: str | None = None, tx: Transaction | None = None,
) -> Region:
    """Change a region; with `tx`, as one step of a write the caller has open."""
    with case.write_within(tx) as tx:
        update_region_in(tx, region_id, label=label, shape=shape, geometry=geometry,
                         confidence=confidence, note=note)
    return get_region(case, region_id)


def update_region_in(
    tx: Transaction, region_id: str, *, label: str | None = None, shape: str | None = None,
    geometry: dict[str, Any] | None = None, confidence: float | None = _UNSET,
    note: str | None = None,
) -> Changes:
    """Change a region's label, shape, geometry, confidence or note."""
    old = get_region(tx, region_id)
    evidence = get_evidence(tx, old.evidence_id)
    new_label = find_label(tx, label) if label is not None else None
    new_shape = shape or old.shape
    figure = validated(new_shape, geometry if geometry is not None else old.geometry,
                       evidence.width, evidence.height)
    clean = figure.to_json()
    new_confidence = old.confidence if confidence is _UNSET else confidence
    _check_confidence(new_confidence)
    x, y, w, h = figure.bounds()
    tx.conn.execute(
        "UPDATE regions SET label_id = ?, shape = ?, geometry = ?, x = ?, y = ?, w = ?,"
        " h = ?, confidence = ?, note = ?, updated_at = ?, updated_by = ? WHERE id = ?",
        (new_label.id if new_label else old.label_id, new_shape, json.dumps(clean),
         x, y, w, h, new_confidence, old.note if note is None else note,
         tx.at, tx.actor, region_id),
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
    tx.conn.execute(
        "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h,"
        " confidence, note, created_at, created_by, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (region.id, region.evidence_id, region.label_id, region.shape,
         json.dumps(region.geometry), x, y, w, h, region.confidence, region.note,
         region.created_at, region.created_by, tx.at, tx.actor),
    )
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
