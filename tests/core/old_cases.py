"""Turn a case made by this version back into one an older version left, to test that
opening it migrates it. Each step undoes what one migration added (newest first)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

_EVIDENCE_11 = ("source_url", "acquired_from", "collected_by", "collected_at", "collection_tool",
                "generation", "original_location", "restriction", "graphic", "language",
                "verification")


def _undo_12(conn: sqlite3.Connection) -> None:
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                " AND name LIKE 'search\\_%' ESCAPE '\\'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.executescript("DROP TABLE search_text; DROP TABLE search_keys;"
                       " DROP INDEX evidence_position;")


def _undo_11(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "DROP TABLE verifications; DROP TABLE vocabulary; DROP INDEX evidence_verification;"
        + "".join(f" ALTER TABLE evidence DROP COLUMN {c};" for c in _EVIDENCE_11)
        + " ALTER TABLE labels DROP COLUMN graphic; ALTER TABLE incidents DROP COLUMN"
          " violation; ALTER TABLE incidents DROP COLUMN munitions;")


def _undo_10(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TABLE credentials")


def _undo_9(conn: sqlite3.Connection) -> None:
    # The history still says what labels were redacted by default: a caller going below 9
    # first turns those defaults off with an audited edit.
    conn.executescript("DROP TABLE redaction_reviews; ALTER TABLE regions DROP COLUMN redact;"
                       " ALTER TABLE regions DROP COLUMN redact_method;"
                       " ALTER TABLE labels DROP COLUMN redact_default;")


def _undo_8(conn: sqlite3.Connection) -> None:
    conn.executescript("DROP TABLE picture_hashes; DROP TABLE best_sources;")


UNDO = {12: _undo_12, 11: _undo_11, 10: _undo_10, 9: _undo_9, 8: _undo_8}


def downgrade(case_folder: Path, version: int) -> None:
    """Make the (closed) case at `case_folder` look as `version` left it."""
    conn = sqlite3.connect(case_folder / "case.sqlite")
    try:
        current = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                   ).fetchone()[0])
        for step in sorted((v for v in UNDO if version < v <= current), reverse=True):
            UNDO[step](conn)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        conn.commit()
    finally:
        conn.close()
