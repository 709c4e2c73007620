"""Where an item came from and how far it has been verified (Berkeley Protocol fields).

Every item carries its provenance as columns of `evidence` (schema 11): source URL or
platform id, acquired from, collected by and when, collection tool, generation and
where the original is, security restriction, graphic-content flag, language, and its
verification status. Each change of status (or each analysis noted) adds a row to
`verifications`: who, when, from what, with source, technical and content analysis
notes. One function writes all of it for one item or a selection, in one transaction:
the CLI's `item set` and the app's form and bulk edit call it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from reviewer.core.case import Case, Transaction
from reviewer.core.changes import (
    NO_CHANGES,
    Change,
    Changes,
    added,
    record_changes,
    removed,
    updated,
)
from reviewer.core.clock import new_id
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import GRAPHIC_SQL, Evidence, get_evidence
from reviewer.core.rows import as_records

GENERATIONS = ("original", "copy", "derivative")
RESTRICTIONS = ("public", "restricted", "confidential")
VERIFICATION_STATUSES = ("unverified", "in-review", "verified", "disputed")
# The evidence columns this module writes, in the order forms and reports show them.
PROVENANCE_FIELDS = ("source_url", "acquired_from", "collected_by", "collected_at",
                     "collection_tool", "generation", "original_location", "restriction",
                     "graphic", "language", "verification")
ANALYSES = ("source_analysis", "technical_analysis", "content_analysis", "note")
# What a field is called where people read it (forms, report, CLI text).
FIELD_TITLES = {
    "source_url": "Source URL or platform id", "acquired_from": "Acquired from",
    "collected_by": "Collected by", "collected_at": "Collected at",
    "collection_tool": "Collection tool", "generation": "Generation",
    "original_location": "Original location", "restriction": "Restriction",
    "graphic": "Graphic content", "language": "Language", "verification": "Verification",
}
_URL_SCHEMES = ("http", "https", "ftp", "ftps")
# "youtube:dQw4w9WgXcQ", "telegram:channel/1234": a platform's name, a colon, its id.
_PLATFORM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,30}:[^\s:/][^\s]*$")


def source_problem(text: str) -> str | None:
    """Why a source is not a URL or a platform id (None when it is, or is empty). Such a
    source is kept as written, and flagged wherever it is shown."""
    text = text.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() in _URL_SCHEMES:
        return None if parts.netloc and " " not in text else "not a valid URL (no host)"
    if _PLATFORM_ID.match(text) and parts.scheme.lower() not in _URL_SCHEMES:
        return None
    return "not a URL or a platform id (platform:id); kept as written"


def _choice(value: Any, allowed: Sequence[str], what: str) -> str:
    text = str(value).strip().lower()
    if text not in allowed:
        raise ValidationError(str(value), f"{what} is one of {', '.join(allowed)}")
    return text


def _time(value: str) -> str:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValidationError(value, "collected at is not an ISO 8601 date or time"
                                     " (e.g. 2024-03-01 or 2024-03-01T14:30:00Z)") from error
    return value


def clean_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Provenance values as stored, or ValidationError naming the first wrong one. None
    means "leave as it is"; "" empties a text field (collected_at, generation: NULL)."""
    unknown = set(values) - set(PROVENANCE_FIELDS)
    if unknown:
        raise ValidationError(", ".join(sorted(unknown)), "not a provenance field")
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "graphic":
            clean[name] = 1 if value else 0
        elif name == "generation":
            clean[name] = _choice(value, GENERATIONS, "generation") if str(value).strip() \
                else None
        elif name == "restriction":
            clean[name] = _choice(value, RESTRICTIONS, "restriction")
        elif name == "verification":
            clean[name] = _choice(value, VERIFICATION_STATUSES, "verification status")
        elif name == "collected_at":
            clean[name] = _time(str(value).strip()) if str(value).strip() else None
        else:
            clean[name] = str(value).strip()
    return clean


@dataclass(frozen=True)
class Verification:
    """One change of an item's verification status (or analysis noted), as stored."""

    id: str
    evidence_id: str
    status: str
    previous: str | None
    source_analysis: str
    technical_analysis: str
    content_analysis: str
    note: str
    recorded_at: str
    recorded_by: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def provenance_of(item: Evidence) -> dict[str, Any]:
    """An item's provenance fields by column name (defaults where the case predates them)."""
    row = item.to_json()
    defaults = {"restriction": "restricted", "graphic": 0, "verification": "unverified"}
    return {name: row.get(name, defaults.get(name, "")) for name in PROVENANCE_FIELDS}


def warnings_of(item: Evidence) -> list[str]:
    """What is flagged about an item's provenance (a source that is not a URL)."""
    problem = source_problem(str(provenance_of(item)["source_url"] or ""))
    return [f"source_url {provenance_of(item)['source_url']!r}: {problem}"] if problem else []


def set_provenance_in(tx: Transaction, evidence_ids: Sequence[str], values: Mapping[str, Any],
                      analysis: Mapping[str, str] | None = None) -> Changes:
    """Give every item of `evidence_ids` these provenance values (None: unchanged). A new
    verification status, or any analysis text, adds a `verifications` row per item (who,
    when, the status before). Each item's edit is an `evidence.provenance` record."""
    clean = clean_values(values)
    notes = {k: (v or "").strip() for k, v in (analysis or {}).items() if k in ANALYSES}
    unknown = set(analysis or {}) - set(ANALYSES)
    if unknown:
        raise ValidationError(", ".join(sorted(unknown)), "not an analysis note")
    # Entries gathered, not merged one by one: Changes.merge copies what it holds, so a
    # bulk edit of thousands of items would be quadratic (each item's key is its own).
    entries: list[Change] = []
    for evidence_id in dict.fromkeys(evidence_ids):
        item = get_evidence(tx, evidence_id)
        before = provenance_of(item)
        changed = {k: [before[k], v] for k, v in clean.items() if before[k] != v}
        if changed:
            tx.conn.execute(
                f"UPDATE evidence SET {', '.join(f'{k} = ?' for k in changed)} WHERE id = ?",
                [v for _, v in changed.values()] + [item.id])
            row_changes = updated(tx.conn, "evidence", item.id)
            problem = source_problem(str(clean.get("source_url") or ""))
            record_changes(tx, "evidence.provenance", row_changes, item.id,
                           {"changed": changed,
                            **({"flagged": {"source_url": problem}} if problem else {})})
            entries += row_changes.entries
        if "verification" in changed or any(notes.values()):
            entries += _add_verification_in(tx, item.id, clean.get("verification",
                                                                   before["verification"]),
                                            before["verification"], notes).entries
    return Changes(tuple(entries))


def _add_verification_in(tx: Transaction, evidence_id: str, status: str, previous: str,
                         notes: Mapping[str, str]) -> Changes:
    row_id = new_id()
    tx.conn.execute(
        "INSERT INTO verifications (id, evidence_id, status, previous, source_analysis,"
        " technical_analysis, content_analysis, note, recorded_at, recorded_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (row_id, evidence_id, status, previous, notes.get("source_analysis", ""),
         notes.get("technical_analysis", ""), notes.get("content_analysis", ""),
         notes.get("note", ""), tx.at, tx.actor))
    changes = added(tx.conn, "verification", row_id)
    record_changes(tx, "evidence.verification", changes, evidence_id,
                   {"status": status, "previous": previous})
    return changes


def undo_provenance_in(tx: Transaction, done: Changes, before: Mapping[str, Mapping[str, Any]]
                       ) -> Changes:
    """Take back a `set_provenance_in`: each item's fields as `before` had them (by id),
    and the verification rows it added removed (the audit log keeps both steps)."""
    entries: list[Change] = []   # gathered, not merged: see set_provenance_in
    for key in done.ids("verification", "added"):
        gone = removed(tx.conn, "verification", key)
        tx.conn.execute("DELETE FROM verifications WHERE id = ?", (key,))
        record_changes(tx, "evidence.verification.undo", gone, str(key))
        entries += gone.entries
    for evidence_id, values in before.items():
        columns = [k for k in PROVENANCE_FIELDS if k in values]
        tx.conn.execute(f"UPDATE evidence SET {', '.join(f'{k} = ?' for k in columns)}"
                        " WHERE id = ?", [values[k] for k in columns] + [evidence_id])
        row_changes = updated(tx.conn, "evidence", evidence_id)
        record_changes(tx, "evidence.provenance", row_changes, evidence_id, {"undo": True})
        entries += row_changes.entries
    return Changes(tuple(entries))


def set_provenance(case: Case, evidence_ids: Sequence[str], values: Mapping[str, Any],
                   analysis: Mapping[str, str] | None = None) -> Changes:
    """set_provenance_in() as one write of its own."""
    with case.write() as tx:
        return set_provenance_in(tx, evidence_ids, values, analysis)


def verification_history(case: Case | Transaction, evidence_id: str) -> list[Verification]:
    """Every verification step of an item, oldest first."""
    return as_records(Verification, case.conn.execute(
        "SELECT * FROM verifications WHERE evidence_id = ? ORDER BY recorded_at, rowid",
        (evidence_id,)))


def by_verification(items: Sequence[Evidence]) -> dict[str, list[Evidence]]:
    """Items grouped by verification status, in the statuses' order (empty groups left out)."""
    groups: dict[str, list[Evidence]] = {status: [] for status in VERIFICATION_STATUSES}
    for item in items:
        groups.setdefault(str(provenance_of(item)["verification"]), []).append(item)
    return {status: members for status, members in groups.items() if members}


def add_provenance(case: Case, item: Evidence, row: dict[str, Any]) -> None:
    """What the report shows of an item's provenance, added to its template row:
    `provenance` [(title, value, flag)] of the fields set, and `verifications`."""
    fields = provenance_of(item)
    shown: list[tuple[str, str, str | None]] = []
    for name, value in fields.items():
        if name == "graphic":
            value = "yes" if value else ""
        if value in (None, ""):
            continue
        flag = source_problem(str(value)) if name == "source_url" else None
        shown.append((FIELD_TITLES[name], str(value), flag))
    row["provenance"] = shown
    row["verifications"] = [step.to_json() for step in verification_history(case, item.id)]


def verification_groups(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Report rows grouped by verification status, in the statuses' order."""
    groups: dict[str, list[Any]] = {status: [] for status in VERIFICATION_STATUSES}
    for row in rows:
        groups.setdefault(str(row.get("verification") or "unverified"), []).append(row)
    return [(status, members) for status, members in groups.items() if members]


def graphic_item(case: Case | Transaction, evidence_id: str) -> bool:
    """Whether an item is to be shown blurred: flagged graphic, carrying a tag whose
    label is flagged graphic, or made from such an item (a frame, a published copy)."""
    row = case.conn.execute(f"SELECT {GRAPHIC_SQL} FROM evidence e WHERE e.id = ?",
                            (evidence_id,)).fetchone()
    return bool(row and row[0])


def set_label_graphic_in(tx: Transaction, label_id: str, graphic: bool) -> Changes:
    """Flag a label as showing graphic content (its items are blurred until revealed),
    or not. A `label.graphic` record; nothing is written when it already is so."""
    before = tx.conn.execute("SELECT graphic FROM labels WHERE id = ?", (label_id,)).fetchone()
    if before is None:
        raise ValidationError(label_id, "no such label in this case")
    if bool(before[0]) == graphic:
        return NO_CHANGES
    tx.conn.execute("UPDATE labels SET graphic = ? WHERE id = ?", (int(graphic), label_id))
    changes = updated(tx.conn, "label", label_id)
    record_changes(tx, "label.graphic", changes, label_id, {"graphic": graphic})
    return changes


def graphic_label_ids(case: Case | Transaction) -> set[str]:
    """The ids of the labels flagged graphic."""
    return {row[0] for row in case.conn.execute("SELECT id FROM labels WHERE graphic")}
