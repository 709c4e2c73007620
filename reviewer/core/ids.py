"""Ids as people type them: the whole UUID, or a unique prefix of 8 or more characters.

The listings (`reviewer list`, `show`, `incident list`...) print the first 8 characters
of an id; every command that takes an id accepts those back.
"""

from __future__ import annotations

import sqlite3

from reviewer.core.errors import NotFoundError

MIN_PREFIX = 8

# Tables whose `id` may be given by prefix (the name is put into SQL: a fixed list).
_TABLES = frozenset({"evidence", "regions", "incidents", "comparisons", "merge_conflicts"})


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def resolve_id(conn: sqlite3.Connection, table: str, text: str, noun: str, *,
               missing: str | None = None) -> str:
    """The full id in `table` of the row given by id or by a unique prefix of 8+ characters.

    Raises NotFoundError naming `text`: "no such NOUN in this case" (or `missing`), or,
    for a prefix several ids start with, asks for more of the id.
    """
    if table not in _TABLES:
        raise ValueError(f"ids of {table!r} are not resolved by prefix")
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (text,)).fetchone():
        return text
    rows = conn.execute(
        f"SELECT id FROM {table} WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
        (_like_prefix(text),)).fetchall() if len(text) >= MIN_PREFIX else []
    if not rows:
        raise NotFoundError(text, missing or f"no such {noun} in this case")
    if len(rows) > 1:
        raise NotFoundError(text, f"more than one {noun} starts with this: give more of the id")
    return rows[0][0]
