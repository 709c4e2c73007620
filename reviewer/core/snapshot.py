"""A consistent copy of a case database, optionally pruned to some incidents.

The copy is taken with SQLite's backup API, which reads one consistent state of the
database even while the app writes to it (WAL mode). Pruning deletes the rows outside
the selection; what is left of the history (and the proofs that keep it provable) is
package_history.py's job. The caller VACUUMs, so no deleted row stays in free pages.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.core.case import Case
from reviewer.core.errors import CaseError


@dataclass
class Selection:
    """What a package holds: the whole case (`incidents` empty) or those incidents."""

    incidents: list[str] = field(default_factory=list)
    media: bool = True

    @property
    def whole_case(self) -> bool:
        return not self.incidents

    def to_dict(self) -> dict:
        return {"incidents": self.incidents or None, "media": self.media,
                "audit": "the whole case's audit log" if self.whole_case else
                "only the records about what the package holds, each with its proof against"
                " the signed root of the whole log (audit_tree)"}


def snapshot_database(case: Case, target: Path) -> sqlite3.Connection:
    """Copy the case database to `target` (one consistent state); return a connection to it."""
    try:
        copy = sqlite3.connect(target, isolation_level=None)
        case.conn.backup(copy)
        # One self-contained file: no write-ahead log beside it in the package.
        copy.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as error:
        raise CaseError(case.db_path, f"cannot take a snapshot of the case: {error}") from error
    return copy


def _ids(conn: sqlite3.Connection, sql: str, params: Sequence = ()) -> set[str]:
    return {row[0] for row in conn.execute(sql, params) if row[0] is not None}


def _placeholders(values: Sequence) -> str:
    return ", ".join("?" * len(values))


def selected_ids(conn: sqlite3.Connection, incidents: Sequence[str]) -> dict[str, set[str]]:
    """The incidents, their regions, and every item they need, by table.

    Items: those tagged by the incidents' regions and those linked whole; a frame's
    video (a frame's provenance is its video, and the schema keeps the link); for a
    derived image, the comparison it was made from and that comparison's two items.
    """
    marks = _placeholders(incidents)
    regions = _ids(conn, f"SELECT region_id FROM incident_regions WHERE incident_id IN ({marks})",
                   incidents)
    evidence = _ids(conn, f"SELECT evidence_id FROM incident_evidence WHERE incident_id IN"
                          f" ({marks})", incidents)
    evidence |= _ids(conn, f"SELECT evidence_id FROM regions WHERE id IN"
                           f" ({_placeholders(regions)})", list(regions)) if regions else set()
    comparisons: set[str] = set()
    while True:
        before = len(evidence) + len(comparisons)
        listed = list(evidence)
        marks_e = _placeholders(listed)
        evidence |= _ids(conn, f"SELECT parent_id FROM evidence WHERE id IN ({marks_e})", listed)
        comparisons |= _ids(conn, f"SELECT comparison_id FROM derivations WHERE evidence_id IN"
                                  f" ({marks_e})", listed)
        if comparisons:
            listed_c = list(comparisons)
            evidence |= _ids(conn, "SELECT before_id FROM comparisons WHERE id IN"
                                   f" ({_placeholders(listed_c)}) UNION SELECT after_id FROM"
                                   f" comparisons WHERE id IN ({_placeholders(listed_c)})",
                             listed_c + listed_c)
        if len(evidence) + len(comparisons) == before:
            break
    listed = list(evidence)
    marks_e = _placeholders(listed)
    comparisons |= _ids(conn, f"SELECT id FROM comparisons WHERE before_id IN ({marks_e})"
                              f" AND after_id IN ({marks_e})", listed + listed)
    return {"incidents": set(incidents), "regions": regions, "evidence": evidence,
            "comparisons": comparisons}


def prune(conn: sqlite3.Connection, incidents: Sequence[str]) -> dict[str, int]:
    """Delete everything outside the incidents (audit, labels, merges stay); return counts."""
    keep = selected_ids(conn, incidents)
    conn.execute("PRAGMA foreign_keys = OFF")
    for table, ids in keep.items():
        conn.execute(f"CREATE TEMP TABLE keep_{table} (id TEXT PRIMARY KEY)")
        conn.executemany(f"INSERT INTO keep_{table} VALUES (?)", [(i,) for i in ids])
    statements = [
        "DELETE FROM incident_regions WHERE incident_id NOT IN (SELECT id FROM keep_incidents)"
        " OR region_id NOT IN (SELECT id FROM keep_regions)",
        "DELETE FROM incident_evidence WHERE incident_id NOT IN (SELECT id FROM keep_incidents)"
        " OR evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM incidents WHERE id NOT IN (SELECT id FROM keep_incidents)",
        "DELETE FROM regions WHERE id NOT IN (SELECT id FROM keep_regions)",
        "DELETE FROM merge_conflicts WHERE local_id NOT IN (SELECT id FROM keep_regions UNION"
        " SELECT id FROM keep_incidents) OR incoming_id NOT IN (SELECT id FROM keep_regions"
        " UNION SELECT id FROM keep_incidents)",
        "DELETE FROM derivations WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM comparisons WHERE id NOT IN (SELECT id FROM keep_comparisons)",
        "DELETE FROM attachments WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM exif WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM credentials WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM picture_hashes WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM best_sources WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM verifications WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM redaction_reviews WHERE evidence_id NOT IN (SELECT id FROM keep_evidence)",
        "DELETE FROM evidence WHERE id NOT IN (SELECT id FROM keep_evidence)",
    ]
    conn.execute("BEGIN")
    for statement in statements:
        conn.execute(statement)
    conn.execute("COMMIT")
    for table in keep:
        conn.execute(f"DROP TABLE keep_{table}")
    conn.execute("PRAGMA foreign_keys = ON")
    return {table: len(ids) for table, ids in keep.items()}
