"""Merge conflicts: list them, show both versions, settle them (and undo a settlement).

A merge that finds a region or incident edited on both sides keeps the local object
untouched and adds the package's version as a copy with a `merge_conflicts` row (see
merge.py). Settling decides, in one audited transaction:

- "mine":   the copy is deleted; the local object stays as it is;
- "theirs": the local object takes the copy's content (through the core update, so
            the audit log shows old and new values) and the copy is deleted;
- "both":   both objects stay, as two objects;

then the conflict is marked resolved (`resolved_at`, `resolved_by`) with a
`merge_conflict.settle` record. With "mine" and "theirs" the copy's incident links
are moved to the local object first: links are added, never dropped, as in a merge.
A settlement can be undone (`undo_settlement`): the copy comes back with its id and
links, the local object gets its values back and the conflict is open again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from reviewer.core import incidents as incident_ops
from reviewer.core import regions as region_ops
from reviewer.core.case import Case, Transaction
from reviewer.core.changes import NO_CHANGES, Changes, record_changes, updated
from reviewer.core.errors import NotFoundError, ValidationError
from reviewer.core.ids import resolve_id

KEEP = ("mine", "theirs", "both")
REGION_FIELDS = ("item", "label", "shape", "geometry", "confidence", "note")
INCIDENT_FIELDS = incident_ops.EDITABLE


@dataclass(frozen=True)
class Conflict:
    id: str
    merge_id: str
    kind: str                 # region | incident
    local_id: str             # this case's object ("yours"), left untouched by the merge
    incoming_id: str          # the package's version, added as a copy ("theirs")
    detail: str
    resolved_at: str | None
    resolved_by: str | None
    package_name: str
    package_sha256: str
    merged_at: str
    merged_by: str
    kept: str | None = None   # how it was settled (mine | theirs | both); None while open
    title: str = ""           # the incident's title or the region's label, to name it

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def side(self, object_id: str) -> str:
        """'mine' for the local object, 'theirs' for the package's copy."""
        return "mine" if object_id == self.local_id else "theirs"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Versions:
    """Both versions of a conflicting object, field by field, and where they differ."""

    fields: tuple[str, ...]
    mine: dict[str, Any] | None        # None: deleted since the merge
    theirs: dict[str, Any] | None
    differ: list[str]


@dataclass(frozen=True)
class Settlement:
    """What settling did, enough to undo it exactly."""

    conflict: Conflict                                 # as settled
    keep: str
    removed_region: tuple[region_ops.Region, list[str]] | None = None
    removed_incident: tuple[incident_ops.Incident, list[str], list[str]] | None = None
    before: dict[str, Any] = field(default_factory=dict)   # local values replaced by "theirs"
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    # links added to the local object: ("region" | "evidence", incident id, other id)
    changes: Changes = NO_CHANGES                      # everything settling changed


_SELECT = (
    "SELECT c.id, c.merge_id, c.kind, c.local_id, c.incoming_id, c.detail, c.resolved_at,"
    " c.resolved_by, m.package_name, m.package_sha256, m.merged_at, m.merged_by,"
    " CASE WHEN c.resolved_at IS NULL THEN NULL ELSE"
    "  (SELECT json_extract(a.details, '$.keep') FROM audit a WHERE a.object_id = c.id"
    "   AND a.action = 'merge_conflict.settle' ORDER BY a.seq DESC LIMIT 1) END,"
    " CASE c.kind WHEN 'incident' THEN coalesce("
    "  (SELECT title FROM incidents WHERE id = c.local_id),"
    "  (SELECT title FROM incidents WHERE id = c.incoming_id), '')"
    " ELSE coalesce("
    "  (SELECT l.name FROM regions r JOIN labels l ON l.id = r.label_id WHERE r.id = c.local_id),"
    "  (SELECT l.name FROM regions r JOIN labels l ON l.id = r.label_id"
    "   WHERE r.id = c.incoming_id), '') END"
    " FROM merge_conflicts c JOIN merges m ON m.id = c.merge_id"
)


def list_conflicts(case: Case, *, open_only: bool = True) -> list[Conflict]:
    """The case's merge conflicts (only the open ones unless `open_only` is False)."""
    where = " WHERE c.resolved_at IS NULL" if open_only else ""
    rows = case.conn.execute(f"{_SELECT}{where} ORDER BY m.merged_at, c.kind, c.id").fetchall()
    return [Conflict(*row) for row in rows]


def conflicts_by_object(case: Case) -> dict[str, Conflict]:
    """Open conflicts keyed by both their local and incoming object ids (to mark rows)."""
    found: dict[str, Conflict] = {}
    for conflict in list_conflicts(case):
        found[conflict.local_id] = conflict
        found[conflict.incoming_id] = conflict
    return found


def get_conflict(case: Case | Transaction, conflict_id: str) -> Conflict:
    """One conflict by id, or by a unique id prefix of at least 8 characters."""
    full_id = resolve_id(case.conn, "merge_conflicts", conflict_id, "merge conflict",
                         missing="no such merge conflict in this case"
                                 " (see: reviewer conflicts CASE --all)")
    return Conflict(*case.conn.execute(f"{_SELECT} WHERE c.id = ?", (full_id,)).fetchone())


# -- the two versions -------------------------------------------------------------


def _region_values(case: Case | Transaction, region_id: str) -> dict[str, Any] | None:
    try:
        region = region_ops.get_region(case, region_id)
    except NotFoundError:
        return None
    item = case.conn.execute("SELECT original_name FROM evidence WHERE id = ?",
                             (region.evidence_id,)).fetchone()
    return {"item": item[0] if item else region.evidence_id, "label": region.label,
            "shape": region.shape, "geometry": region.geometry,
            "confidence": region.confidence, "note": region.note}


def _incident_values(case: Case | Transaction, incident_id: str) -> dict[str, Any] | None:
    try:
        incident = incident_ops.get_incident(case, incident_id)
    except NotFoundError:
        return None
    return {key: getattr(incident, key) for key in INCIDENT_FIELDS}


def conflict_versions(case: Case, conflict: Conflict) -> Versions:
    """Both objects as they are now (either may have been edited since the merge)."""
    values = _region_values if conflict.kind == "region" else _incident_values
    fields = REGION_FIELDS if conflict.kind == "region" else INCIDENT_FIELDS
    mine, theirs = values(case, conflict.local_id), values(case, conflict.incoming_id)
    differ = [] if mine is None or theirs is None else [
        key for key in fields if mine[key] != theirs[key]]
    return Versions(tuple(fields), mine, theirs, differ)


# -- settling -----------------------------------------------------------------------


def _exists(case: Case | Transaction, kind: str, object_id: str) -> bool:
    table = "regions" if kind == "region" else "incidents"
    return case.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?",
                             (object_id,)).fetchone() is not None


def _check(case: Case | Transaction, conflict: Conflict, keep: str) -> tuple[bool, bool]:
    if keep not in KEEP:
        raise ValidationError(keep, "keep one of: mine, theirs, both")
    if not conflict.is_open:
        raise ValidationError(conflict.id, f"this conflict was settled already"
                                           f" ({conflict.kept or 'settled'}, at"
                                           f" {conflict.resolved_at} by {conflict.resolved_by})")
    mine = _exists(case, conflict.kind, conflict.local_id)
    theirs = _exists(case, conflict.kind, conflict.incoming_id)
    if keep in ("mine", "theirs") and not mine:
        raise ValidationError(conflict.local_id, f"your version of this {conflict.kind} was"
                                                 " deleted since the merge; settle with"
                                                 " 'both' to close the conflict")
    if keep == "theirs" and not theirs:
        raise ValidationError(conflict.incoming_id, f"the package's version of this"
                                                    f" {conflict.kind} was deleted since the"
                                                    " merge; settle with 'mine' or 'both'")
    if keep == "theirs" and conflict.kind == "region":
        local = region_ops.get_region(case, conflict.local_id)
        copy = region_ops.get_region(case, conflict.incoming_id)
        if local.evidence_id != copy.evidence_id:
            raise ValidationError(conflict.id, "the two regions tag different items; a region"
                                               " cannot move to another item: keep both")
    return mine, theirs


def _move_links(tx: Transaction, conflict: Conflict
                ) -> tuple[list[tuple[str, str, str]], Changes]:
    """Give the local object the copy's incident links it lacks; return those added."""
    moved: list[tuple[str, str, str]] = []
    changes = NO_CHANGES
    local, copy = conflict.local_id, conflict.incoming_id
    if conflict.kind == "region":
        for (incident_id,) in tx.conn.execute(
                "SELECT incident_id FROM incident_regions WHERE region_id = ?"
                " ORDER BY linked_at", (copy,)).fetchall():
            step = incident_ops.link_region_in(tx, incident_id, local)
            if step:
                moved.append(("region", incident_id, local))
                changes |= step
        return moved, changes
    for (region_id,) in tx.conn.execute(
            "SELECT region_id FROM incident_regions WHERE incident_id = ? ORDER BY linked_at",
            (copy,)).fetchall():
        step = incident_ops.link_region_in(tx, local, region_id)
        if step:
            moved.append(("region", local, region_id))
            changes |= step
    for (evidence_id,) in tx.conn.execute(
            "SELECT evidence_id FROM incident_evidence WHERE incident_id = ? ORDER BY linked_at",
            (copy,)).fetchall():
        step = incident_ops.link_evidence_in(tx, local, evidence_id)
        if step:
            moved.append(("evidence", local, evidence_id))
            changes |= step
    return moved, changes


def _region_update(region: region_ops.Region) -> dict[str, Any]:
    """A region's content in update_region's terms."""
    return {"label": region.label_id, "shape": region.shape, "geometry": region.geometry,
            "confidence": region.confidence, "note": region.note}


def _take_theirs(tx: Transaction, conflict: Conflict) -> tuple[dict[str, Any], Changes]:
    """Give the local object the copy's content; return the values it had (for undo)."""
    if conflict.kind == "region":
        local = region_ops.get_region(tx, conflict.local_id)
        copy = region_ops.get_region(tx, conflict.incoming_id)
        changes = region_ops.update_region_in(tx, local.id, **_region_update(copy))
        return _region_update(local), changes
    local_incident = incident_ops.get_incident(tx, conflict.local_id)
    copy_incident = incident_ops.get_incident(tx, conflict.incoming_id)
    changes = incident_ops.update_incident_in(
        tx, local_incident.id, **{k: getattr(copy_incident, k) for k in INCIDENT_FIELDS})
    return {k: getattr(local_incident, k) for k in INCIDENT_FIELDS}, changes


def _set_resolved(tx: Transaction, conflict_id: str, resolved: bool) -> Changes:
    at, by = (tx.at, tx.actor) if resolved else (None, None)
    tx.conn.execute("UPDATE merge_conflicts SET resolved_at = ?, resolved_by = ? WHERE id = ?",
                    (at, by, conflict_id))
    return updated(tx.conn, "merge_conflict", conflict_id)


def settle_conflict(case: Case, conflict_id: str, keep: str) -> Settlement:
    """Settle an open conflict keeping "mine", "theirs" or "both"; one audited change."""
    with case.write() as tx:
        return settle_conflict_in(tx, conflict_id, keep)


def settle_conflict_in(tx: Transaction, conflict_id: str, keep: str) -> Settlement:
    conflict = get_conflict(tx, conflict_id)
    _mine_exists, theirs_exists = _check(tx, conflict, keep)
    removed_region = removed_incident = None
    before: dict[str, Any] = {}
    moved: list[tuple[str, str, str]] = []
    changes = NO_CHANGES
    if keep != "both" and theirs_exists:
        moved, changes = _move_links(tx, conflict)
        if keep == "theirs":
            before, step = _take_theirs(tx, conflict)
            changes |= step
        if conflict.kind == "region":
            region = region_ops.get_region(tx, conflict.incoming_id)
            step = region_ops.delete_regions_in(tx, [region.id])
            removed_region = (region, [str(key[0]) for key in step.ids("incident_region")])
        else:
            incident = incident_ops.get_incident(tx, conflict.incoming_id)
            step = incident_ops.delete_incident_in(tx, incident.id)
            removed_incident = (incident,
                                [str(key[1]) for key in step.ids("incident_region")],
                                [str(key[1]) for key in step.ids("incident_evidence")])
        changes |= step
    step = _set_resolved(tx, conflict.id, True)
    record_changes(tx, "merge_conflict.settle", step, conflict.id, {
        "keep": keep, "kind": conflict.kind, "local_id": conflict.local_id,
        "incoming_id": conflict.incoming_id, "merge_id": conflict.merge_id,
        "package_name": conflict.package_name, "detail": conflict.detail,
        "moved_links": [list(link) for link in moved]})
    return Settlement(get_conflict(tx, conflict.id), keep, removed_region, removed_incident,
                      before, moved, changes | step)


def undo_settlement(case: Case, settlement: Settlement) -> Conflict:
    """Put everything back as it was before `settlement` and reopen the conflict."""
    with case.write() as tx:
        undo_settlement_in(tx, settlement)
    return get_conflict(case, settlement.conflict.id)


def undo_settlement_in(tx: Transaction, settlement: Settlement) -> Changes:
    conflict = settlement.conflict
    changes = NO_CHANGES
    if settlement.removed_region is not None:
        changes |= region_ops.restore_region_in(tx, *settlement.removed_region)
    if settlement.removed_incident is not None:
        changes |= incident_ops.restore_incident_in(tx, *settlement.removed_incident)
    if settlement.before and conflict.kind == "region":
        changes |= region_ops.update_region_in(tx, conflict.local_id, **settlement.before)
    elif settlement.before:
        changes |= incident_ops.update_incident_in(tx, conflict.local_id, **settlement.before)
    for what, incident_id, other in settlement.moved:
        kind = "incident_region" if what == "region" else "incident_evidence"
        changes |= incident_ops.unlink_in(tx, kind, (incident_id, other))
    step = _set_resolved(tx, conflict.id, False)
    record_changes(tx, "merge_conflict.reopen", step, conflict.id, {
        "undoing": settlement.keep, "kind": conflict.kind, "local_id": conflict.local_id,
        "incoming_id": conflict.incoming_id})
    return changes | step
