"""Full-text search over everything written about an item (SQLite FTS5).

One search document per item: its original name, note and camera, its tags' notes and
labels, and the titles, descriptions and sources of the incidents it belongs to (whole
or by a tag). Triggers in the case file keep the documents current on every write, by
the app or not, so a search never sees stale text.

The index is derived data: it is not in the audit's after-state (replay.TRACKED), and
verify neither replays nor trusts it; `rebuild` makes it again from the tables (the
schema migration that creates it, and a partial export after pruning, so that a left-out
incident's words cannot stay behind in a kept item's document).

User text is never handed to FTS5 as query syntax. It is read by a small syntax of our
own (parse_search), the one a search box has taught everybody: words, each a prefix, all
of which must match; "a phrase" in quotes; `OR` (upper case) between two terms; `-word`
or `-"a phrase"` left out. From that we write the FTS5 query ourselves, every word
quoted, so `AND(`, `NEAR(`, `col:x`, a lone `*` are just text and never an FTS5 error.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

KEYS = "search_keys"          # item id -> the FTS row number (stable across VACUUM)
TEXT = "search_text"          # the FTS5 table: one row per item, column `body`

# The document of each item `e` (joined with its key `k`) as one text.
_DOCUMENT = """
    coalesce(e.original_name, '') || ' ' || coalesce(e.note, '') || ' '
    || coalesce(e.make, '') || ' ' || coalesce(e.model, '') || ' '
    || coalesce((SELECT group_concat(r.note || ' ' || coalesce(l.name, ''), ' ')
                 FROM regions r LEFT JOIN labels l ON l.id = r.label_id
                 WHERE r.evidence_id = e.id), '') || ' '
    || coalesce((SELECT group_concat(i.title || ' ' || i.description || ' ' || i.sources, ' ')
                 FROM incidents i WHERE i.id IN (
                     SELECT incident_id FROM incident_evidence WHERE evidence_id = e.id
                     UNION SELECT ir.incident_id FROM incident_regions ir
                     JOIN regions r ON r.id = ir.region_id WHERE r.evidence_id = e.id)), '')
"""


def _refresh(items: str) -> str:
    """Statements that remake the documents of the item ids `items` (an SQL subquery or
    value list) — the body of every trigger."""
    return f"""
    INSERT OR IGNORE INTO {KEYS} (evidence_id) SELECT id FROM evidence WHERE id IN ({items});
    DELETE FROM {TEXT} WHERE rowid IN
        (SELECT n FROM {KEYS} WHERE evidence_id IN ({items}));
    INSERT INTO {TEXT} (rowid, body) SELECT k.n, {_DOCUMENT}
        FROM evidence e JOIN {KEYS} k ON k.evidence_id = e.id WHERE e.id IN ({items});
    """


# Which write remakes which items' documents.
_TRIGGERS: dict[str, tuple[str, str]] = {
    "evidence_insert": ("AFTER INSERT ON evidence", "NEW.id"),
    "evidence_update": ("AFTER UPDATE OF original_name, note, make, model ON evidence",
                        "NEW.id"),
    "regions_insert": ("AFTER INSERT ON regions", "NEW.evidence_id"),
    "regions_update": ("AFTER UPDATE OF note, label_id, evidence_id ON regions",
                       "OLD.evidence_id, NEW.evidence_id"),
    "regions_delete": ("AFTER DELETE ON regions", "OLD.evidence_id"),
    "labels_update": ("AFTER UPDATE OF name ON labels",
                      "SELECT evidence_id FROM regions WHERE label_id = NEW.id"),
    "incidents_update": (
        "AFTER UPDATE OF title, description, sources ON incidents",
        "SELECT evidence_id FROM incident_evidence WHERE incident_id = NEW.id"
        " UNION SELECT r.evidence_id FROM incident_regions ir JOIN regions r"
        " ON r.id = ir.region_id WHERE ir.incident_id = NEW.id"),
    "incident_evidence_insert": ("AFTER INSERT ON incident_evidence", "NEW.evidence_id"),
    "incident_evidence_delete": ("AFTER DELETE ON incident_evidence", "OLD.evidence_id"),
    "incident_regions_insert": ("AFTER INSERT ON incident_regions",
                                "SELECT evidence_id FROM regions WHERE id = NEW.region_id"),
    "incident_regions_delete": ("AFTER DELETE ON incident_regions",
                                "SELECT evidence_id FROM regions WHERE id = OLD.region_id"),
}


def create(conn: sqlite3.Connection) -> None:
    """Make the index, its triggers, and the documents of the items already there
    (schema migration 12)."""
    # Idempotent: a case copied back to an older version number keeps its tables.
    conn.execute(f"CREATE TABLE IF NOT EXISTS {KEYS} (n INTEGER PRIMARY KEY,"
                 " evidence_id TEXT NOT NULL UNIQUE)")
    # remove_diacritics: 'Hama' finds 'Ḥamā' as transliterations differ.
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TEXT} USING fts5(body,"
                 " tokenize = 'unicode61 remove_diacritics 2')")
    for name in [*_TRIGGERS, "evidence_delete"]:
        conn.execute(f"DROP TRIGGER IF EXISTS search_{name}")
    for name, (when, items) in _TRIGGERS.items():
        conn.execute(f"CREATE TRIGGER search_{name} {when} BEGIN {_refresh(items)} END")
    conn.execute(f"""CREATE TRIGGER search_evidence_delete AFTER DELETE ON evidence BEGIN
        DELETE FROM {TEXT} WHERE rowid IN (SELECT n FROM {KEYS} WHERE evidence_id = OLD.id);
        DELETE FROM {KEYS} WHERE evidence_id = OLD.id; END""")
    # Items and tags found by position, and by capture time, for the filters.
    conn.execute("CREATE INDEX IF NOT EXISTS evidence_position ON evidence (gps_lat, gps_lon)")
    rebuild(conn)


def exists(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TEXT,)).fetchone() \
        is not None


def rebuild(conn: sqlite3.Connection) -> None:
    """Every item's document made again from the tables (inside the caller's transaction)."""
    conn.execute(f"DELETE FROM {TEXT}")
    conn.execute(f"DELETE FROM {KEYS}")
    conn.execute(f"INSERT INTO {KEYS} (evidence_id) SELECT id FROM evidence")
    conn.execute(f"INSERT INTO {TEXT} (rowid, body) SELECT k.n, {_DOCUMENT}"
                 f" FROM evidence e JOIN {KEYS} k ON k.evidence_id = e.id")


def rebuild_clean(conn: sqlite3.Connection) -> None:
    """rebuild(), then the index merged into one segment: FTS5 otherwise keeps a deleted
    document's terms in its pages until a merge (a package pruned of an incident must not
    carry its words). Outside a transaction it commits by itself."""
    if not exists(conn):
        return
    rebuild(conn)
    conn.execute(f"INSERT INTO {TEXT} ({TEXT}) VALUES ('optimize')")


def inconsistent(conn: sqlite3.Connection) -> list[str]:
    """Item ids whose stored document differs from the one the tables give now (verify's
    check that the derived index is current; empty when it is)."""
    if not exists(conn):
        return []
    rows = conn.execute(
        f"SELECT e.id FROM evidence e LEFT JOIN {KEYS} k ON k.evidence_id = e.id"
        f" LEFT JOIN {TEXT} t ON t.rowid = k.n WHERE t.body IS NOT ({_DOCUMENT})")
    return [row[0] for row in rows]


# Words as FTS5's unicode61 tokenizer cuts them: letters and digits (and marks).
_WORD = re.compile(r"[^\W_]+")
# A term of the user's syntax: an optional "-", then "a phrase" (its closing quote may
# still be to come, as it is typed) or a run of anything but spaces.
_TERM = re.compile(r'(-?)(?:"([^"]*)("?)|(\S+))')


@dataclass(frozen=True)
class SearchQuery:
    """User text as FTS5 queries: the items found match `include` (None: every item) and
    do not match `exclude` (None: none is left out)."""

    include: str | None
    exclude: str | None


def _phrase(words: list[str], *, prefix: bool) -> str:
    quoted = '"' + " ".join(word.replace('"', '""') for word in words) + '"'
    return quoted + "*" if prefix else quoted


def parse_search(text: str) -> SearchQuery | None:
    """The user's search text as FTS5 queries, None when it holds no word at all.

    A bare word is a prefix (the grid narrows as it is typed); a run with punctuation
    (`photo_0001.jpg`, `col:x`) needs every word in it; "a phrase" needs its words in a
    row, the last one a prefix while the closing quote is still to come; `OR` joins the
    terms on its sides; `-term` leaves out the items that match it; `AND` is what the
    spaces mean anyway.
    """
    # One form for accented letters: FTS5 keeps a combining mark inside its word, the
    # word pattern here would cut a decomposed "Ḥamā" in two and find nothing.
    text = unicodedata.normalize("NFC", text)
    groups: list[list[str]] = []      # every group must match; any term of a group
    excluded: list[str] = []
    joined = False                    # an OR came after the last term
    for found in _TERM.finditer(text):
        minus, phrase, closing, bare = found.groups()
        if bare in ("OR", "AND") and not minus:
            joined = bare == "OR" and bool(groups)
            continue
        if phrase is not None:
            words = _WORD.findall(phrase)
            term = _phrase(words, prefix=not closing) if words else ""
        else:
            words = _WORD.findall(bare)
            term = " AND ".join(_phrase([word], prefix=True) for word in words)
            if len(words) > 1:
                term = f"({term})"
        if not term:
            continue
        if minus:
            excluded.append(term)
        elif joined:
            groups[-1].append(term)
        else:
            groups.append([term])
        joined = False
    if not groups and not excluded:
        return None
    include = " AND ".join(group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")"
                           for group in groups) or None
    return SearchQuery(include, " OR ".join(excluded) or None)


def matching_clause(text: str) -> tuple[str, list[str]]:
    """An SQL condition on an evidence row `e` that holds when its document matches the
    search `text` (parse_search), with its parameters ("" when the text has no word)."""
    query = parse_search(text)
    if query is None:
        return "", []
    matching = (f"(SELECT k.evidence_id FROM {KEYS} k WHERE k.n IN"
                f" (SELECT rowid FROM {TEXT} WHERE {TEXT} MATCH ?))")
    if query.include is None:               # only words to leave out
        return f"e.id NOT IN {matching}", [query.exclude]
    if query.exclude is None:
        return f"e.id IN {matching}", [query.include]
    return f"e.id IN {matching}", [f"({query.include}) NOT ({query.exclude})"]


def search_matches(conn: sqlite3.Connection, text: str) -> set[str] | None:
    """The ids of the items whose document matches `text`, read from the index alone (a
    third faster than matching_clause on evidence rows: the browser's search box); None
    when that cannot say (no word, or only words to leave out)."""
    query = parse_search(text)
    if query is None or query.include is None:
        return None
    match = query.include if query.exclude is None \
        else f"({query.include}) NOT ({query.exclude})"
    return {row[0] for row in conn.execute(
        f"SELECT k.evidence_id FROM {TEXT} t JOIN {KEYS} k ON k.n = t.rowid"
        f" WHERE {TEXT} MATCH ?", [match])}


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """'W,S,E,N' in degrees as a box (ValueError with the reason when it is not one)."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(f"{text!r} is not W,S,E,N (four numbers separated by commas)")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not W,S,E,N: each of the four must be a number"
                         ) from None
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValueError(f"{text!r}: longitudes (W and E) must be within -180..180")
    if not (-90 <= south <= north <= 90):
        raise ValueError(f"{text!r}: latitudes must be within -90..90, S not above N")
    return west, south, east, north


_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?")


def check_time(text: str) -> str:
    """An ISO 8601 date or UTC time as the filters compare it (ValueError when not one)."""
    if not _TIME.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a date or UTC time like 2024-05-01 or"
                         " 2024-05-01T12:00:00Z")
    return text.strip().replace(" ", "T")


def cameras(conn: sqlite3.Connection) -> list[tuple[str | None, str | None]]:
    """Every (make, model) the case's items were taken with, for a camera filter's list."""
    return conn.execute("SELECT DISTINCT make, model FROM evidence WHERE make IS NOT NULL"
                        " OR model IS NOT NULL ORDER BY make, model").fetchall()


def camera_value(make: str | None, model: str | None) -> str:
    """What EvidenceFilter.camera looks for to find that camera's items."""
    return f"{make or ''} {model or ''}".strip()
