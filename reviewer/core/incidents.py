"""Incidents (what happened, when, where) and their links to regions and whole items."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from reviewer.core.case import Case, Transaction
from reviewer.core.changes import NO_CHANGES, Changes, added, record_changes, removed, updated
from reviewer.core.clock import new_id
from reviewer.core.errors import NotFoundError, ValidationError
from reviewer.core.ids import resolve_id
from reviewer.core.rows import ColumnAccess, as_records, first_record
from reviewer.core.vocabulary import find_term, munitions_of

STATUSES = ("open", "confirmed", "disputed", "closed")


@dataclass(frozen=True)
class Incident(ColumnAccess):
    id: str
    title: str
    category: str = ""
    time_from: str | None = None     # ISO 8601; an interval, because sources are uncertain
    time_to: str | None = None
    place_name: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None    # how sure the position is
    description: str = ""
    sources: str = ""
    status: str = "open"
    created_at: str = ""
    created_by: str = ""
    updated_at: str = ""
    updated_by: str = ""
    # From the case's vocabulary (schema 11, core/vocabulary.py): the kind of violation,
    # and the weapons/munitions observed as a JSON array of terms.
    violation: str = ""
    munitions: str = "[]"
    # Counts list_incidents adds: regions and whole items attached.
    regions: int | None = None
    evidence: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The incident's columns (what the table stores)."""
        return {name: value for name, value in asdict(self).items() if name not in _COUNTS}

    def to_json(self) -> dict[str, Any]:
        """As --json prints it: the columns, and the counts where a listing added them."""
        return {name: value for name, value in asdict(self).items()
                if name not in _COUNTS or value is not None}


_COUNTS = ("regions", "evidence")
EDITABLE = ("title", "category", "time_from", "time_to", "place_name", "lat", "lon",
            "radius_m", "description", "sources", "status", "violation", "munitions")
_COLUMNS = ", ".join(f.name for f in fields(Incident) if f.name not in _COUNTS)


def _parse_time(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise ValidationError(value, f"{name} is not an ISO 8601 date or time"
                                     " (e.g. 2024-03-01 or 2024-03-01T14:30:00Z)") from error


def validate_incident(values: dict[str, Any]) -> dict[str, Any]:
    clean = dict(values)
    clean["title"] = (clean.get("title") or "").strip()
    if not clean["title"]:
        raise ValidationError("title", "an incident needs a title")
    if clean.get("status", "open") not in STATUSES:
        raise ValidationError(clean["status"], f"status is one of {', '.join(STATUSES)}")
    start = end = None
    if clean.get("time_from"):
        start = _parse_time(clean["time_from"], "the start time")
    if clean.get("time_to"):
        end = _parse_time(clean["time_to"], "the end time")
    if start and end and (start.tzinfo is None) == (end.tzinfo is None) and end < start:
        raise ValidationError(clean["time_to"], "the end time is before the start time")
    lat, lon = clean.get("lat"), clean.get("lon")
    if (lat is None) != (lon is None):
        raise ValidationError("lat/lon", "give both latitude and longitude, or neither")
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationError(str(lat), "latitude is between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        raise ValidationError(str(lon), "longitude is between -180 and 180")
    if clean.get("radius_m") is not None and clean["radius_m"] < 0:
        raise ValidationError(str(clean["radius_m"]), "the uncertainty radius cannot be negative")
    if "violation" in clean:
        clean["violation"] = (clean["violation"] or "").strip()
    if "munitions" in clean:
        clean["munitions"] = _munitions_text(clean["munitions"])
    return clean


def _munitions_text(value: Any) -> str:
    """The munitions column's JSON array from a list of terms (or that array as text)."""
    terms = munitions_of(value) if isinstance(value, str) or value is None else list(value)
    return json.dumps(list(dict.fromkeys(str(t).strip() for t in terms if str(t).strip())),
                      ensure_ascii=False)


def _in_vocabulary(tx: Transaction, clean: dict[str, Any]) -> dict[str, Any]:
    """The violation and munitions spelt as the case's vocabulary has them, or a one-line
    error naming the term not in it."""
    if clean.get("violation"):
        clean["violation"] = find_term(tx, "violation", clean["violation"])
    if clean.get("munitions") and clean["munitions"] != "[]":
        clean["munitions"] = _munitions_text(
            [find_term(tx, "munition", term) for term in munitions_of(clean["munitions"])])
    return clean


def get_incident(case: Case | Transaction, incident_id: str) -> Incident:
    incident = first_record(Incident, case.conn.execute(
        f"SELECT {_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)))
    if incident is None:
        raise NotFoundError(incident_id, "no such incident in this case")
    return incident


def resolve_incident_id(case: Case | Transaction, text: str) -> str:
    """The full id of an incident given by id or unique prefix of 8+ characters (as the
    command line prints them)."""
    return resolve_id(case.conn, "incidents", text, "incident")


def list_incidents(case: Case) -> list[Incident]:
    """Incidents with how many regions and whole items each holds, newest events first."""
    cursor = case.conn.execute(
        f"SELECT {_COLUMNS},"
        " (SELECT count(*) FROM incident_regions ir WHERE ir.incident_id = i.id) AS regions,"
        " (SELECT count(*) FROM incident_evidence ie WHERE ie.incident_id = i.id) AS evidence"
        " FROM incidents i ORDER BY coalesce(time_from, created_at) DESC, title")
    return as_records(Incident, cursor)


def add_incident(case: Case, title: str, *, incident_id: str | None = None,
                 **values: Any) -> Incident:
    with case.write() as tx:
        changes = add_incident_in(tx, title, incident_id=incident_id, **values)
    return get_incident(case, str(changes.ids("incident")[0]))


def add_incident_in(tx: Transaction, title: str, *, incident_id: str | None = None,
                    region_ids: Sequence[str] = (), evidence_ids: Sequence[str] = (),
                    **values: Any) -> Changes:
    """A new incident, with the regions and whole items given attached (all or nothing)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError(", ".join(sorted(unknown)), "not an incident field")
    clean = _in_vocabulary(tx, validate_incident({"title": title, **values}))
    incident_id = incident_id or new_id()
    row = {**{k: clean.get(k) for k in EDITABLE if clean.get(k) is not None},
           "id": incident_id, "created_at": tx.at, "created_by": tx.actor,
           "updated_at": tx.at, "updated_by": tx.actor}
    tx.conn.execute(
        f"INSERT INTO incidents ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()))
    changes = added(tx.conn, "incident", incident_id)
    record_changes(tx, "incident.add", changes, incident_id,
                   {k: clean.get(k) for k in EDITABLE})
    if region_ids or evidence_ids:
        changes |= link_to_incident_in(tx, incident_id, region_ids, evidence_ids)
    return changes


def update_incident(case: Case, incident_id: str, *, tx: Transaction | None = None,
                    **values: Any) -> Incident:
    """Change an incident's fields; with `tx`, as one step of a write the caller has open."""
    old = get_incident(case, incident_id)
    merged = _merged(old, values)
    if all(merged[k] == getattr(old, k) for k in EDITABLE):
        return old
    with case.write_within(tx) as tx:
        update_incident_in(tx, incident_id, **values)
    return get_incident(case, incident_id)


def _merged(old: Incident, values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError(", ".join(sorted(unknown)), "not an incident field")
    return validate_incident({**{k: getattr(old, k) for k in EDITABLE}, **values})


def update_incident_in(tx: Transaction, incident_id: str, **values: Any) -> Changes:
    """Change an incident's fields (nothing is written when none differs)."""
    old = get_incident(tx, incident_id)
    merged = _in_vocabulary(tx, _merged(old, values))
    changed = {k: [getattr(old, k), merged[k]] for k in EDITABLE if merged[k] != getattr(old, k)}
    if not changed:
        return NO_CHANGES
    assignments = ", ".join(f"{k} = ?" for k in changed)
    tx.conn.execute(
        f"UPDATE incidents SET {assignments}, updated_at = ?, updated_by = ? WHERE id = ?",
        [merged[k] for k in changed] + [tx.at, tx.actor, incident_id])
    changes = updated(tx.conn, "incident", incident_id)
    record_changes(tx, "incident.update", changes, incident_id, {"changed": changed})
    return changes


def delete_incident(case: Case, incident_id: str, *, tx: Transaction | None = None
                    ) -> tuple[Incident, list[str], list[str]]:
    """Remove an incident and its links (the regions and items themselves stay).

    Returns the incident and its linked region and evidence ids, for undo.
    """
    incident = get_incident(case, incident_id)
    regions = incident_region_ids(case, incident_id)
    evidence = incident_evidence_ids(case, incident_id)
    with case.write_within(tx) as tx:
        delete_incident_in(tx, incident_id)
    return incident, regions, evidence


def delete_incident_in(tx: Transaction, incident_id: str) -> Changes:
    """Remove an incident and its links; the links are named in the Changes (for undo)."""
    incident = get_incident(tx, incident_id)
    regions = incident_region_ids(tx, incident_id)
    evidence = incident_evidence_ids(tx, incident_id)
    changes = (removed(tx.conn, "incident_region", *[(incident_id, r) for r in regions])
               | removed(tx.conn, "incident_evidence", *[(incident_id, e) for e in evidence])
               | removed(tx.conn, "incident", incident_id))
    tx.conn.execute("DELETE FROM incidents WHERE id = ?", (incident_id,))
    record_changes(tx, "incident.delete", changes, incident_id,
                   {**incident.to_dict(), "regions": regions, "evidence": evidence})
    return changes


def restore_incident(case: Case, incident: Incident, region_ids: list[str],
                     evidence_ids: list[str], *, tx: Transaction | None = None) -> Incident:
    """Put back a deleted incident as it was, with the links that still can be."""
    with case.write_within(tx) as tx:
        restore_incident_in(tx, incident, region_ids, evidence_ids)
    return get_incident(case, incident.id)


def restore_incident_in(tx: Transaction, incident: Incident, region_ids: Sequence[str],
                        evidence_ids: Sequence[str]) -> Changes:
    row = incident.to_dict()
    row.update(updated_at=tx.at, updated_by=tx.actor)
    tx.conn.execute(
        f"INSERT INTO incidents ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()))
    changes = added(tx.conn, "incident", incident.id)
    record_changes(tx, "incident.restore", changes, incident.id,
                   {"regions": list(region_ids), "evidence": list(evidence_ids)})
    for region_id in region_ids:
        if tx.conn.execute("SELECT 1 FROM regions WHERE id = ?", (region_id,)).fetchone():
            changes |= link_region_in(tx, incident.id, region_id)
    for evidence_id in evidence_ids:
        changes |= link_evidence_in(tx, incident.id, evidence_id)
    return changes


def link_region_in(tx: Transaction, incident_id: str, region_id: str) -> Changes:
    """Attach a region to an incident; empty Changes if it already was."""
    if tx.conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone() is None:
        raise NotFoundError(incident_id, "no such incident in this case")
    if tx.conn.execute("SELECT 1 FROM regions WHERE id = ?", (region_id,)).fetchone() is None:
        raise NotFoundError(region_id, "no such region in this case")
    inserted = tx.conn.execute(
        "INSERT OR IGNORE INTO incident_regions (incident_id, region_id, linked_at, linked_by)"
        " VALUES (?, ?, ?, ?)", (incident_id, region_id, tx.at, tx.actor)).rowcount
    if not inserted:
        return NO_CHANGES
    changes = added(tx.conn, "incident_region", (incident_id, region_id))
    record_changes(tx, "incident.link_region", changes, incident_id, {"region_id": region_id})
    return changes


def link_region(case: Case, incident_id: str, region_id: str) -> bool:
    """Attach a region to an incident; False if it already was."""
    with case.write() as tx:
        return bool(link_region_in(tx, incident_id, region_id))


def link_to_incident(case: Case, incident_id: str, region_ids: Sequence[str] = (),
                     evidence_ids: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Attach regions and whole items to an incident as one change: all or nothing.

    Every id (or unique prefix of 8+ characters) is resolved before anything is written,
    so an unknown one raises NotFoundError with nothing linked; then every link and its
    audit record are saved in one transaction. Returns one {"region_id" or
    "evidence_id": full id, "linked": False if it already was} per id given, in order.
    """
    incident = resolve_incident_id(case, incident_id)
    regions = [resolve_id(case.conn, "regions", text, "region") for text in region_ids]
    evidence = [resolve_id(case.conn, "evidence", text, "evidence item")
                for text in evidence_ids]
    with case.write() as tx:
        changes = link_to_incident_in(tx, incident, regions, evidence)
    linked = set(changes.ids("incident_region")) | set(changes.ids("incident_evidence"))
    return ([{"region_id": r, "linked": (incident, r) in linked} for r in regions]
            + [{"evidence_id": e, "linked": (incident, e) in linked} for e in evidence])


def link_to_incident_in(tx: Transaction, incident_id: str, region_ids: Sequence[str] = (),
                        evidence_ids: Sequence[str] = ()) -> Changes:
    """Attach regions and whole items (full ids) to an incident; those already attached
    are left as they are (and not in the Changes)."""
    incident = resolve_incident_id(tx, incident_id)
    regions = [resolve_id(tx.conn, "regions", text, "region") for text in region_ids]
    evidence = [resolve_id(tx.conn, "evidence", text, "evidence item")
                for text in evidence_ids]
    changes = NO_CHANGES
    for region_id in regions:
        changes |= link_region_in(tx, incident, region_id)
    for evidence_id in evidence:
        changes |= link_evidence_in(tx, incident, evidence_id)
    return changes


def unlink_region(case: Case, incident_id: str, region_id: str, *,
                  tx: Transaction | None = None) -> bool:
    with case.write_within(tx) as tx:
        return bool(unlink_in(tx, "incident_region", (incident_id, region_id)))


def link_evidence(case: Case, incident_id: str, evidence_id: str) -> bool:
    """Attach a whole item (not a region of it) to an incident."""
    get_incident(case, incident_id)
    with case.write() as tx:
        return bool(link_evidence_in(tx, incident_id, evidence_id))


def link_evidence_in(tx: Transaction, incident_id: str, evidence_id: str) -> Changes:
    if tx.conn.execute("SELECT 1 FROM evidence WHERE id = ?", (evidence_id,)).fetchone() is None:
        raise NotFoundError(evidence_id, "no such evidence item in this case")
    inserted = tx.conn.execute(
        "INSERT OR IGNORE INTO incident_evidence (incident_id, evidence_id, linked_at,"
        " linked_by) VALUES (?, ?, ?, ?)", (incident_id, evidence_id, tx.at, tx.actor)).rowcount
    if not inserted:
        return NO_CHANGES
    changes = added(tx.conn, "incident_evidence", (incident_id, evidence_id))
    record_changes(tx, "incident.link_evidence", changes, incident_id,
                   {"evidence_id": evidence_id})
    return changes


def unlink_evidence(case: Case, incident_id: str, evidence_id: str, *,
                    tx: Transaction | None = None) -> bool:
    with case.write_within(tx) as tx:
        return bool(unlink_in(tx, "incident_evidence", (incident_id, evidence_id)))


_UNLINK = {"incident_region": ("incident_regions", "region_id", "incident.unlink_region"),
           "incident_evidence": ("incident_evidence", "evidence_id",
                                 "incident.unlink_evidence")}


def unlink_in(tx: Transaction, kind: str, key: tuple[str, str]) -> Changes:
    """Detach a region ("incident_region") or whole item ("incident_evidence") from an
    incident; key is (incident id, other id). Empty Changes if it was not attached."""
    table, column, action = _UNLINK[kind]
    changes = removed(tx.conn, kind, key)
    if not changes.of(kind)[0].row:
        return NO_CHANGES
    tx.conn.execute(f"DELETE FROM {table} WHERE incident_id = ? AND {column} = ?", key)
    record_changes(tx, action, changes, key[0], {column: key[1]})
    return changes


def unlink_all_in(tx: Transaction, links: Changes) -> Changes:
    """Undo of attaching: detach every link the given Changes added."""
    changes = NO_CHANGES
    for kind in _UNLINK:
        for key in links.ids(kind, "added"):
            changes |= unlink_in(tx, kind, tuple(key))  # type: ignore[arg-type]
    return changes


def incident_region_ids(case: Case | Transaction, incident_id: str) -> list[str]:
    return [row[0] for row in case.conn.execute(
        "SELECT region_id FROM incident_regions WHERE incident_id = ? ORDER BY linked_at",
        (incident_id,))]


def incident_evidence_ids(case: Case | Transaction, incident_id: str) -> list[str]:
    return [row[0] for row in case.conn.execute(
        "SELECT evidence_id FROM incident_evidence WHERE incident_id = ? ORDER BY linked_at",
        (incident_id,))]


def incident_titles_by_region(case: Case, evidence_id: str) -> dict[str, list[str]]:
    """For each region of an item that belongs to incidents: their titles, oldest link first."""
    titles: dict[str, list[str]] = {}
    for region_id, title in case.conn.execute(
            "SELECT ir.region_id, i.title FROM incident_regions ir"
            " JOIN incidents i ON i.id = ir.incident_id"
            " JOIN regions r ON r.id = ir.region_id"
            " WHERE r.evidence_id = ? ORDER BY ir.linked_at", (evidence_id,)):
        titles.setdefault(region_id, []).append(title)
    return titles
