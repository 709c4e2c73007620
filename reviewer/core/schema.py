"""The case database's schema and its forward migrations.

Each migration takes the schema from version N-1 to N and runs inside the same
transaction as the audit record that notes it, so a case is never left half
migrated. Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# "EVRV": lets `open` tell a case database from any other SQLite file.
APPLICATION_ID = 0x45565256

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT
) WITHOUT ROWID;

CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'video', 'frame', 'derived')),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes INTEGER NOT NULL,
    original_name TEXT NOT NULL,
    original_path TEXT,
    stored_path TEXT,
    linked_path TEXT,
    mime TEXT,
    format TEXT,
    width INTEGER,
    height INTEGER,
    taken_at TEXT,
    taken_at_utc TEXT,
    taken_at_offset TEXT,
    make TEXT,
    model TEXT,
    orientation INTEGER,
    gps_lat REAL,
    gps_lon REAL,
    gps_alt REAL,
    gps_time TEXT,
    gps_source TEXT,
    duration_s REAL,
    fps REAL,
    frame_count INTEGER,
    codec TEXT,
    parent_id TEXT REFERENCES evidence (id),
    frame_index INTEGER,
    frame_time_ms INTEGER,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    CHECK (stored_path IS NOT NULL OR linked_path IS NOT NULL)
);
CREATE UNIQUE INDEX evidence_original_sha256 ON evidence (sha256)
    WHERE kind IN ('photo', 'video');
CREATE INDEX evidence_sha256 ON evidence (sha256);
CREATE INDEX evidence_parent ON evidence (parent_id);
CREATE INDEX evidence_taken_at ON evidence (taken_at);

CREATE TABLE exif (
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (evidence_id, tag)
) WITHOUT ROWID;

CREATE TABLE labels (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    colour TEXT NOT NULL,
    shortcut TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    label_id TEXT NOT NULL REFERENCES labels (id),
    shape TEXT NOT NULL CHECK (shape IN ('rect', 'polygon', 'point')),
    geometry TEXT NOT NULL,
    x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
    confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX regions_evidence ON regions (evidence_id);
CREATE INDEX regions_label ON regions (label_id);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    category TEXT NOT NULL DEFAULT '',
    time_from TEXT,
    time_to TEXT,
    place_name TEXT NOT NULL DEFAULT '',
    lat REAL CHECK (lat IS NULL OR (lat >= -90 AND lat <= 90)),
    lon REAL CHECK (lon IS NULL OR (lon >= -180 AND lon <= 180)),
    radius_m REAL CHECK (radius_m IS NULL OR radius_m >= 0),
    description TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE incident_regions (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    region_id TEXT NOT NULL REFERENCES regions (id) ON DELETE CASCADE,
    linked_at TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    PRIMARY KEY (incident_id, region_id)
) WITHOUT ROWID;
CREATE INDEX incident_regions_region ON incident_regions (region_id);

CREATE TABLE incident_evidence (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    linked_at TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    PRIMARY KEY (incident_id, evidence_id)
) WITHOUT ROWID;
CREATE INDEX incident_evidence_evidence ON incident_evidence (evidence_id);

CREATE TABLE comparisons (
    id TEXT PRIMARY KEY,
    before_id TEXT NOT NULL REFERENCES evidence (id),
    after_id TEXT NOT NULL REFERENCES evidence (id),
    transform TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    CHECK (before_id <> after_id)
);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_id TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- The app only ever appends to the audit log. These triggers stop a bug (or a
-- casual edit with a database browser) from rewriting history; verify also
-- checks that they are still there.
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""

AUDIT_TRIGGERS = ("audit_append_only_update", "audit_append_only_delete")


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(_V1):
        conn.execute(statement)


def _split_sql(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole.

    executescript() would commit the surrounding transaction, so statements run
    one by one inside ours.
    """
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        text = "\n".join(current)
        if sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements


_V2 = """
-- Files that came with an item and belong to its record, kept as found: a drone's
-- SRT telemetry beside its video. Content-addressed in media/ like originals.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    role TEXT NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes INTEGER NOT NULL,
    original_name TEXT NOT NULL,
    original_path TEXT,
    stored_path TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}',
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE INDEX attachments_evidence ON attachments (evidence_id);
"""


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(_V2):
        conn.execute(statement)


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    # The label filter reads regions by label and wants their items: covering index
    # (measured on 100,000 regions: 48 ms -> 19 ms for a common label).
    conn.execute("CREATE INDEX regions_label_evidence ON regions (label_id, evidence_id)")


_V4 = """
-- Comparisons gain how they were aligned (method, quality figures, the clicked point
-- pairs of a manual alignment) and an edit stamp, as every other editable object has.
ALTER TABLE comparisons ADD COLUMN alignment TEXT NOT NULL DEFAULT '{}';
ALTER TABLE comparisons ADD COLUMN updated_at TEXT;
ALTER TABLE comparisons ADD COLUMN updated_by TEXT;

-- Evidence the app made (kind 'derived': a comparison exported as an image) and what
-- it was made from: the sources by id and hash, and the recipe (mode, size, transform).
CREATE TABLE derivations (
    evidence_id TEXT PRIMARY KEY REFERENCES evidence (id),
    comparison_id TEXT REFERENCES comparisons (id),
    sources TEXT NOT NULL,
    recipe TEXT NOT NULL,
    app_version TEXT NOT NULL
) WITHOUT ROWID;

-- Packages merged into this case (merging the same package again changes nothing).
CREATE TABLE merges (
    id TEXT PRIMARY KEY,
    package_sha256 TEXT NOT NULL CHECK (length(package_sha256) = 64),
    package_name TEXT NOT NULL,
    source_case_id TEXT,
    summary TEXT NOT NULL DEFAULT '{}',
    merged_at TEXT NOT NULL,
    merged_by TEXT NOT NULL
);
CREATE INDEX merges_package ON merges (package_sha256);

-- Where both sides edited the same region or incident, the merge keeps both: the local
-- object untouched, the incoming version as a new object, and a row here until an
-- investigator settles it.
CREATE TABLE merge_conflicts (
    id TEXT PRIMARY KEY,
    merge_id TEXT NOT NULL REFERENCES merges (id),
    kind TEXT NOT NULL CHECK (kind IN ('region', 'incident')),
    local_id TEXT NOT NULL,
    incoming_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    resolved_at TEXT,
    resolved_by TEXT
);
CREATE INDEX merge_conflicts_local ON merge_conflicts (local_id);
"""


def _migrate_to_4(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(_V4):
        conn.execute(statement)


_V5 = """
-- Files kept as they arrived though their data is damaged (a truncated JPEG, a cut-off
-- MP4): the item is evidence with its hash and what could be read, flagged, and why.
ALTER TABLE evidence ADD COLUMN damaged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE evidence ADD COLUMN damage_reason TEXT;
-- A name that is not valid UTF-8: original_name/original_path/linked_path hold it with
-- the undecodable bytes shown as \\xNN, these its exact bytes as hex (NULL: the text is exact).
ALTER TABLE evidence ADD COLUMN original_name_hex TEXT;
ALTER TABLE evidence ADD COLUMN original_path_hex TEXT;
ALTER TABLE evidence ADD COLUMN linked_path_hex TEXT;
ALTER TABLE attachments ADD COLUMN original_path_hex TEXT;
"""


def _migrate_to_5(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(_V5):
        conn.execute(statement)


def _migrate_to_6(conn: sqlite3.Connection) -> None:
    # An item's display turned by quarter turns (clockwise, on top of EXIF orientation)
    # where its orientation data is wrong; the original is untouched.
    conn.execute("ALTER TABLE evidence ADD COLUMN display_rotation INTEGER NOT NULL DEFAULT 0"
                 " CHECK (display_rotation IN (0, 90, 180, 270))")


def _migrate_to_7(conn: sqlite3.Connection) -> None:
    # No table changes: from here every audit record carries the after-state of the rows
    # it wrote (replay.py). Opening an older case records a snapshot of what it holds
    # (case._migrate), from which verify can replay its history.
    del conn


REPLAY_VERSION = 7

_V8 = """
-- Perceptual hashes (core/phash.py) of each picture: a photo, a frame, a derived image,
-- or a video at sampled moments (frame_ms). `hashes` is the whole, centre and cut hashes,
-- 64 bits each, little-endian. Regenerable from the media: a lead, never an identity.
-- A rowid table: a hash written (or replaced) takes a new, higher rowid, so max(rowid)
-- tells a reader whether the hashes it holds in memory are current.
CREATE TABLE picture_hashes (
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    frame_ms INTEGER NOT NULL DEFAULT 0,
    hashes BLOB NOT NULL,
    UNIQUE (evidence_id, frame_ms)
);

-- Among near-duplicates, the copy an investigator marked as the earliest or best source.
CREATE TABLE best_sources (
    evidence_id TEXT PRIMARY KEY REFERENCES evidence (id),
    marked_at TEXT NOT NULL,
    marked_by TEXT NOT NULL
) WITHOUT ROWID;
"""


def _migrate_to_8(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(_V8):
        conn.execute(statement)


_V9 = """
-- Redaction (publishing safely): a region marked `redact` is covered in every public
-- derivative of its image; `redact_method` is how (an opaque fill unless the investigator
-- chose blur or pixelation, which can be reversed or read: for non-text areas only).
ALTER TABLE regions ADD COLUMN redact INTEGER NOT NULL DEFAULT 0 CHECK (redact IN (0, 1));
ALTER TABLE regions ADD COLUMN redact_method TEXT NOT NULL DEFAULT 'fill'
    CHECK (redact_method IN ('fill', 'blur', 'pixelate'));
-- A label whose new regions are marked redact unless told otherwise (e.g. "person").
ALTER TABLE labels ADD COLUMN redact_default INTEGER NOT NULL DEFAULT 0
    CHECK (redact_default IN (0, 1));
-- Items an investigator looked at for redaction and found nothing (more) to cover: with
-- a redact region, they are "decided" and a public export takes them without asking.
CREATE TABLE redaction_reviews (
    evidence_id TEXT PRIMARY KEY REFERENCES evidence (id),
    reviewed_at TEXT NOT NULL,
    reviewed_by TEXT NOT NULL
) WITHOUT ROWID;
"""


def _migrate_to_9(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(_V9):
        conn.execute(statement)


# MIGRATIONS[n] takes the schema from n - 1 to n.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
    4: _migrate_to_4,
    5: _migrate_to_5,
    6: _migrate_to_6,
    7: _migrate_to_7,
    8: _migrate_to_8,
    9: _migrate_to_9,
}

SCHEMA_VERSION = max(MIGRATIONS)


def versions_after(version: int) -> list[int]:
    """The migrations a case at `version` still needs, in order (numbers may skip)."""
    return sorted(target for target in MIGRATIONS if target > version)
