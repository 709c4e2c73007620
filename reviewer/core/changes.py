"""What one edit did to a case: the value every core write returns and the audit keeps.

A `Changes` names, by kind, the rows an edit added or updated (with each row's state
after the edit: every column, as stored) and the rows it removed (their keys). It is
enough to replay the edit on a copy of the case, which is what the audit record of
the edit carries (`record_changes`), and enough for a view to know what to refresh.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewer.core.audit import AuditRecord
    from reviewer.core.case import Transaction

# kind -> (table, key columns). Link tables have no id: their key is both ends.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "evidence": ("evidence", ("id",)),
    "region": ("regions", ("id",)),
    "incident": ("incidents", ("id",)),
    "label": ("labels", ("id",)),
    "incident_region": ("incident_regions", ("incident_id", "region_id")),
    "incident_evidence": ("incident_evidence", ("incident_id", "evidence_id")),
    "comparison": ("comparisons", ("id",)),
    "merge_conflict": ("merge_conflicts", ("id",)),
    "best_source": ("best_sources", ("evidence_id",)),
    "redaction_review": ("redaction_reviews", ("evidence_id",)),
}

Key = str | tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One row's fate: op is "added", "updated" or "removed"; `row` is its state after
    the edit (for "removed": before it, kept so a view knows where the row was)."""

    op: str
    kind: str
    key: Key
    row: Mapping[str, Any]


@dataclass(frozen=True)
class Changes:
    entries: tuple[Change, ...] = ()

    def is_empty(self) -> bool:
        return not self.entries

    def __bool__(self) -> bool:
        return bool(self.entries)

    def merge(self, later: Changes) -> Changes:
        """This edit followed by `later`, as one: a row's last state wins; a row added and
        then removed in the same edit is not mentioned at all."""
        by_key: dict[tuple[str, Key], Change] = {(c.kind, c.key): c for c in self.entries}
        for change in later.entries:
            slot = (change.kind, change.key)
            first = by_key.get(slot)
            if first is None:
                by_key[slot] = change
            elif first.op == "added" and change.op == "removed":
                del by_key[slot]
            elif first.op == "added":
                by_key[slot] = Change("added", change.kind, change.key, change.row)
            elif first.op == "removed" and change.op == "added":
                by_key[slot] = Change("updated", change.kind, change.key, change.row)
            else:
                by_key[slot] = change
        return Changes(tuple(by_key.values()))

    __or__ = merge

    def of(self, kind: str, *ops: str) -> list[Change]:
        return [c for c in self.entries if c.kind == kind and (not ops or c.op in ops)]

    def ids(self, kind: str, *ops: str) -> list[Key]:
        return [c.key for c in self.of(kind, *ops)]

    def touches(self, *kinds: str) -> bool:
        return any(c.kind in kinds for c in self.entries)

    def to_json(self) -> dict[str, Any]:
        """{"added"|"updated": {kind: [row, ...]}, "removed": {kind: [id or key, ...]}}."""
        out: dict[str, dict[str, list[Any]]] = {}
        for change in self.entries:
            section = out.setdefault(change.op, {}).setdefault(change.kind, [])
            if change.op == "removed":
                columns = KINDS[change.kind][1]
                section.append(change.key if isinstance(change.key, str)
                               else dict(zip(columns, change.key, strict=True)))
            else:
                section.append(dict(change.row))
        return out


NO_CHANGES = Changes()


def _where(kind: str) -> str:
    return " AND ".join(f"{column} = ?" for column in KINDS[kind][1])


def _params(key: Key) -> tuple[str, ...]:
    return (key,) if isinstance(key, str) else key


def read_row(conn: sqlite3.Connection, kind: str, key: Key) -> dict[str, Any]:
    """A row of `kind` as stored, every column, or {} when there is none."""
    cursor = conn.execute(f"SELECT * FROM {KINDS[kind][0]} WHERE {_where(kind)}",
                          _params(key))
    row = cursor.fetchone()
    if row is None:
        return {}
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def _read(conn: sqlite3.Connection, op: str, kind: str, keys: Iterable[Key]) -> Changes:
    return Changes(tuple(Change(op, kind, key, read_row(conn, kind, key)) for key in keys))


def added(conn: sqlite3.Connection, kind: str, *keys: Key) -> Changes:
    """Rows just inserted, read back as stored (call after the INSERT)."""
    return _read(conn, "added", kind, keys)


def updated(conn: sqlite3.Connection, kind: str, *keys: Key) -> Changes:
    """Rows just changed, read back as stored (call after the UPDATE)."""
    return _read(conn, "updated", kind, keys)


def removed(conn: sqlite3.Connection, kind: str, *keys: Key) -> Changes:
    """Rows about to be deleted (call BEFORE the DELETE: their last state is kept)."""
    return _read(conn, "removed", kind, keys)


def record_changes(tx: Transaction, action: str, changes: Changes,
                   object_id: str | None = None,
                   details: Mapping[str, Any] | None = None) -> AuditRecord:
    """The audit record of one edit, in its transaction: its action (the names the log
    has always used), the object it is about, readable details, and `changes`: every
    added or updated row's state after the edit and every removed row's key."""
    return tx.record(action, object_id, {**(details or {}), "changes": changes.to_json()})
