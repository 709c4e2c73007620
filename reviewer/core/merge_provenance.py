"""What a merge adds of provenance (schema 11): the package's vocabulary terms this case
lacks, and the verification steps of the items it merged.

An item already in the case keeps its own provenance fields (a merge never overwrites
silently); the steps its colleague recorded are added to its history all the same, since
they are history, not state. Called by merge.py's merger, inside its transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from reviewer.core.rows import as_dicts

Record = Callable[[str, str, dict[str, Any]], None]


def _has_table(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (table,)).fetchone() is not None


def merge_vocabulary(conn: sqlite3.Connection, source: sqlite3.Connection,
                     record: Record) -> int:
    """Add the package's terms this case has not (by id, or kind and term); how many."""
    if not _has_table(source, "vocabulary"):
        return 0
    added = 0
    for row in as_dicts(source.execute("SELECT id, kind, term, description FROM vocabulary")):
        if conn.execute("SELECT 1 FROM vocabulary WHERE id = ? OR (kind = ? AND term = ?"
                        " COLLATE NOCASE)", (row["id"], row["kind"], row["term"])).fetchone():
            continue
        conn.execute("INSERT INTO vocabulary (id, kind, term, description) VALUES (?, ?, ?, ?)",
                     (row["id"], row["kind"], row["term"], row["description"]))
        record("vocabulary.merge", row["id"], {"kind": row["kind"], "term": row["term"]})
        added += 1
    return added


def merge_verifications(conn: sqlite3.Connection, source: sqlite3.Connection,
                        evidence: Mapping[str, str], record: Record) -> int:
    """Add the verification steps of merged items (`evidence`: incoming id -> local id)
    that this case does not hold yet; how many."""
    if not _has_table(source, "verifications"):
        return 0
    added = 0
    for row in as_dicts(source.execute("SELECT * FROM verifications ORDER BY recorded_at")):
        local = evidence.get(row["evidence_id"])
        if local is None or conn.execute("SELECT 1 FROM verifications WHERE id = ?",
                                         (row["id"],)).fetchone():
            continue
        row["evidence_id"] = local
        conn.execute(f"INSERT INTO verifications ({', '.join(row)}) VALUES"
                     f" ({', '.join('?' * len(row))})", list(row.values()))
        record("evidence.verification.merge", local, {"id": row["id"], "status": row["status"]})
        added += 1
    return added
