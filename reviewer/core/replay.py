"""The case re-derived from its history: every row's after-state in the audit log.

Writing: each `Case.write()` has temporary (connection-only) triggers note which rows
of the case's tables it touched; each audit record then carries the state of those
rows as stored ("rows") and the keys of those gone ("removed_rows"), unless the
edit's own `changes` (changes.py) already says the same. A hand edit made with
another program has no such triggers and no record, so it stays unexplained.

Verifying: `replay` folds the log's after-states in order into one dict per table;
`compare` names every row that differs from that, is missing from it, or is not in
it. A case made before this existed starts its replayable history at the
`case.snapshot` record its migration wrote: the state it found then.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from reviewer.core.changes import KINDS

# table -> key columns: every table whose rows are the case's content. Not meta (the
# case's own title and head markers), not audit (the history itself).
TRACKED: dict[str, tuple[str, ...]] = {
    "evidence": ("id",),
    "exif": ("evidence_id", "tag"),
    "labels": ("id",),
    "regions": ("id",),
    "incidents": ("id",),
    "incident_regions": ("incident_id", "region_id"),
    "incident_evidence": ("incident_id", "evidence_id"),
    "comparisons": ("id",),
    "attachments": ("id",),
    "derivations": ("evidence_id",),
    "merges": ("id",),
    "merge_conflicts": ("id",),
    "verifications": ("id",),
    "vocabulary": ("id",),
    "credentials": ("evidence_id", "standard"),
    "redaction_reviews": ("evidence_id",),
}
_TABLE_OF_KIND = {kind: table for kind, (table, _) in KINDS.items()}
SNAPSHOT_ACTION = "case.snapshot"
ROWS_ACTION = "case.rows"   # rows a write changed after its last audit record

RowKey = tuple[Any, ...]
State = dict[str, dict[RowKey, dict[str, Any]]]


def _trigger(table: str, op: str) -> str:
    return f"replay_{table}_{op}"


def ensure_capture(conn: sqlite3.Connection) -> None:
    """Install the touch-noting triggers for every tracked table that exists (cheap
    when they are all there: tables appear as a case is created or migrated)."""
    present = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_temp_master WHERE type = 'trigger'"
        " AND name LIKE 'replay\\_%' ESCAPE '\\'")}
    if len(present) == 3 * len(TRACKED):
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS replay_touched"
                 " (tbl TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (tbl, key))")
    tables = {name for (name,) in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    for table, columns in TRACKED.items():
        if table not in tables:
            continue
        for op, rows in (("insert", ("NEW",)), ("update", ("OLD", "NEW")),
                         ("delete", ("OLD",))):
            if _trigger(table, op) in present:
                continue
            notes = " ".join(
                f"INSERT OR IGNORE INTO replay_touched VALUES ('{table}', json_array("
                + ", ".join(f"{row}.{c}" for c in columns) + "));" for row in rows)
            conn.execute(f"CREATE TEMP TRIGGER {_trigger(table, op)} AFTER {op.upper()}"
                         f" ON main.{table} BEGIN {notes} END")


def forget_touched(conn: sqlite3.Connection) -> None:
    """Start a write with nothing noted (a write made outside `Case.write()` must not be
    explained by the next audited one)."""
    ensure_capture(conn)
    conn.execute("DELETE FROM temp.replay_touched")


def _key_join(table: str) -> str:
    return " AND ".join(f"r.{c} IS json_extract(t.key, '$[{i}]')"
                        for i, c in enumerate(TRACKED[table]))


def take_touched(conn: sqlite3.Connection) -> tuple[dict[str, list[dict[str, Any]]],
                                                    dict[str, list[list[Any]]]]:
    """The state of every row touched since the last call: (rows as stored by table,
    keys of rows no longer there by table); forgets them."""
    rows: dict[str, list[dict[str, Any]]] = {}
    gone: dict[str, list[list[Any]]] = {}
    tables = [t for (t,) in conn.execute("SELECT DISTINCT tbl FROM temp.replay_touched")]
    for table in tables:
        # In the order the rows were first touched: for a table with rowids that is the
        # order a bulk insert stored them in, so the replayed rows come out in the order
        # a scan of the table reads them and compare() finds them equal in one pass.
        cursor = conn.execute(
            f"SELECT t.key, r.* FROM temp.replay_touched t LEFT JOIN main.{table} r"
            f" ON {_key_join(table)} WHERE t.tbl = ? ORDER BY t.rowid", (table,))
        names = [d[0] for d in cursor.description][1:]
        first = names.index(TRACKED[table][0])
        for key, *values in cursor:
            if values[first] is None:
                gone.setdefault(table, []).append(json.loads(key))
            else:
                rows.setdefault(table, []).append(dict(zip(names, values, strict=True)))
    if tables:
        conn.execute("DELETE FROM temp.replay_touched")
    return rows, gone


def pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM temp.replay_touched LIMIT 1").fetchone() is not None


def _key(table: str, row: dict[str, Any]) -> RowKey:
    return tuple(row[c] for c in TRACKED[table])


def _changes_rows(changes: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(op, table, row or key) of an edit-protocol `changes` value (changes.to_json)."""
    for op in ("added", "updated", "removed"):
        for kind, entries in changes.get(op, {}).items():
            table = _TABLE_OF_KIND.get(kind)
            if table is None:
                continue
            for entry in entries:
                yield op, table, entry


def _removed_key(table: str, entry: Any) -> RowKey:
    if isinstance(entry, dict):
        return tuple(entry[c] for c in TRACKED[table])
    if isinstance(entry, list):
        return tuple(entry)
    return (entry,)


def with_after_state(conn: sqlite3.Connection, details: dict[str, Any]) -> dict[str, Any]:
    """`details` plus the after-state of the rows touched since the last record that the
    edit's own `changes` does not already give."""
    rows, gone = take_touched(conn)
    if not rows and not gone:
        return details
    said_rows: dict[tuple[str, RowKey], str] = {}
    said_gone: set[tuple[str, RowKey]] = set()
    for op, table, entry in _changes_rows(details.get("changes") or {}):
        if op == "removed":
            said_gone.add((table, _removed_key(table, entry)))
        else:
            said_rows[(table, _key(table, entry))] = _canonical(entry)
    extra_rows = {t: [r for r in rs if (t, _key(t, r)) not in said_rows
                      or said_rows[(t, _key(t, r))] != _canonical(r)] for t, rs in rows.items()}
    extra_gone = {t: [k for k in ks if (t, tuple(k)) not in said_gone] for t, ks in gone.items()}
    out = dict(details)
    if any(extra_rows.values()):
        out["rows"] = {t: rs for t, rs in extra_rows.items() if rs}
    if any(extra_gone.values()):
        out["removed_rows"] = {t: ks for t, ks in extra_gone.items() if ks}
    return out


def _canonical(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def snapshot_rows(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of every tracked table, as stored."""
    tables = {name for (name,) in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    out: dict[str, list[dict[str, Any]]] = {}
    for table in TRACKED:
        if table in tables:
            cursor = conn.execute(f"SELECT * FROM main.{table}")
            names = [d[0] for d in cursor.description]
            out[table] = [dict(zip(names, row, strict=True)) for row in cursor]
    return out


@dataclass
class Replayed:
    state: State = field(default_factory=lambda: {t: {} for t in TRACKED})
    records: int = 0
    # When replayable history starts: the case's creation, or the snapshot taken when
    # a case made before replay was migrated (then from_snapshot).
    replayable_from: str | None = None
    from_snapshot: bool = False
    # Records whose after-state is not in the form the app writes (seq, action, why):
    # edited by hand. Named by compare(); their rows are then unexplained too.
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)


# What a record edited by hand into another shape raises while it is folded.
_MALFORMED = (AttributeError, KeyError, TypeError, ValueError, IndexError)


def replay(conn: sqlite3.Connection) -> Replayed:
    """Fold every audit record's after-states, in order."""
    done = Replayed()
    for seq, at, action, details_text in conn.execute(
            "SELECT seq, at, action, details FROM audit ORDER BY seq"):
        done.records += 1
        if done.replayable_from is None:
            done.replayable_from = at
        if not isinstance(details_text, str):
            done.unreadable.append((seq, action, "its details are not text"))
            continue
        if ('"rows"' not in details_text and '"changes"' not in details_text
                and '"snapshot"' not in details_text and '"removed_rows"' not in details_text):
            continue   # most records of a big import say only what was done
        try:
            details = json.loads(details_text)
            if not isinstance(details, dict):
                raise TypeError("not a JSON object")
            _fold_record(done, at, action, details)
        except _MALFORMED as error:
            # Folded up to where it broke: the record is named, so verify fails anyway.
            why = ("its details are not JSON" if isinstance(error, json.JSONDecodeError)
                   else "its after-state is not in the form the app writes")
            done.unreadable.append((seq, action, why))
    return done


def _fold_record(done: Replayed, at: str, action: str, details: dict[str, Any]) -> None:
    if action == SNAPSHOT_ACTION and "snapshot" in details:
        done.state = {t: {} for t in TRACKED}
        done.replayable_from, done.from_snapshot = at, True
        _fold_rows(done.state, details["snapshot"])
    for op, table, entry in _changes_rows(details.get("changes") or {}):
        if table not in done.state:
            continue    # a lead, not content (best-source marks): not replayed
        if op == "removed":
            done.state[table].pop(_removed_key(table, entry), None)
        else:
            done.state[table][_key(table, entry)] = dict(entry)
    _fold_rows(done.state, details.get("rows") or {})
    for table, keys in (details.get("removed_rows") or {}).items():
        for key in keys:
            done.state.get(table, {}).pop(tuple(key), None)


def _fold_rows(state: State, rows: dict[str, list[dict[str, Any]]]) -> None:
    for table, entries in rows.items():
        if table in state:
            columns = TRACKED[table]
            into = state[table]
            if len(columns) == 1:
                column = columns[0]
                into.update(((row[column],), row) for row in entries)
            else:
                into.update(zip(map(itemgetter(*columns), entries), entries, strict=True))


@dataclass(frozen=True)
class Unexplained:
    table: str
    key: RowKey
    detail: str


def _shown(value: Any) -> str:
    # Bytes put in by hand where the app writes text or numbers: shown as SQLite shows a
    # blob (JSON has no bytes).
    text = (f"x'{value.hex()}'" if isinstance(value, bytes)
            else json.dumps(value, ensure_ascii=False))
    return text if len(text) <= 70 else text[:67] + "..."


def _shown_as(column: str, value: Any, label_names: dict[Any, str] | None) -> str:
    """A value as _shown gives it, a label id with the label's name."""
    name = (label_names or {}).get(value) if column == "label_id" else None
    return _shown(value) + (f" ({name})" if name else "")


def _named(table: str, key: RowKey) -> str:
    return f"{table} {'/'.join(str(k) for k in key)}"


# What a partial package's history explains: its items' import records stay home (they
# name the sender's folders), so items, their EXIF, attachments and derivations are
# proven by their files' SHA-256 instead, and the sender's merges are left out whole.
PARTIAL_TABLES = ("labels", "regions", "incidents", "incident_regions", "incident_evidence",
                  "comparisons")


def compare(conn: sqlite3.Connection, replayed: Replayed,
            only: tuple[str, ...] | None = None) -> list[Unexplained]:
    """Every row of the live tables (or of the tables `only`) that the replayed history
    does not explain."""
    found = [Unexplained("audit", (seq,), f"audit record {seq} ({action}): {why}, so it"
                                          " cannot be replayed")
             for seq, action, why in replayed.unreadable]
    tables = {name for (name,) in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    for table in TRACKED:
        if table not in tables or (only is not None and table not in only):
            continue
        expected = replayed.state[table]
        # Only the columns the logged rows have, where they all have the same (a column
        # added since by a migration is not compared): fewer values to read and compare.
        names = [d[0] for d in conn.execute(f"SELECT * FROM main.{table} LIMIT 0").description]
        logged = _shared_columns(expected)
        if logged is not None and set(logged) <= set(names):
            quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in logged)
            live = conn.execute(f"SELECT {quoted} FROM main.{table}").fetchall()
            if _same_rows(table, live, list(logged), expected):
                continue
        cursor = conn.execute(f"SELECT * FROM main.{table}")
        live = cursor.fetchall()
        if not _same_rows(table, live, names, expected):
            found.extend(_differences(table, names, live, expected,
                                      _label_names(conn, replayed)))
    return found


def _label_names(conn: sqlite3.Connection, replayed: Replayed) -> dict[Any, str]:
    """Label id -> name, as the history has it and, for the rest, as the table does: a
    tag's label named, not only its id, where a difference is shown."""
    names: dict[Any, str] = {}
    with contextlib.suppress(sqlite3.Error):
        names.update(conn.execute("SELECT id, name FROM main.labels").fetchall())
    for (label_id,), row in replayed.state.get("labels", {}).items():
        if isinstance(row, dict) and isinstance(row.get("name"), str):
            names[label_id] = row["name"]
    return names


def _shared_columns(expected: dict[RowKey, dict[str, Any]]) -> tuple[str, ...] | None:
    """The logged rows' columns where every row has as many as the first, else None."""
    first = next(iter(expected.values()), None)
    if first is None:
        return None
    columns = tuple(first)
    # Same number of columns; that they are the same ones _same_rows finds (KeyError).
    return columns if set(map(len, expected.values())) == {len(columns)} else None


def _same_rows(table: str, live: list[tuple], names: list[str],
               expected: dict[RowKey, dict[str, Any]]) -> bool:
    """Whether the live rows are exactly the logged ones, compared as the row-by-row walk
    compares them (a column a logged row lacks was added later by a migration and is not
    compared) but in bulk, done in C: the cost of verify on an intact case. False (then
    compared row by row) where a logged row has a column the table lacks, or a value that
    cannot be hashed (a list)."""
    if len(live) != len(expected):
        return False
    if not live:
        return True
    rows = list(expected.values())
    columns = tuple(rows[0])
    getter = itemgetter(*columns)
    try:
        # Every logged row with exactly the first one's columns: the usual case, also for
        # a case migrated since (all its rows then lack the same new columns).
        if set(map(len, rows)) == {len(columns)}:
            logged = list(map(getter, rows))
            if columns != tuple(names) or len(names) == 1:
                where = _positions(names, columns)
                if where is None:
                    return False
                live = list(map(itemgetter(*where), live))
            # In the same order (rows written once, in order) no value needs hashing.
            return logged == live or set(logged) == set(live)
        return _same_rows_grouped(table, live, names, rows)
    except (KeyError, TypeError):
        return False


def _positions(names: list[str], columns: tuple[str, ...]) -> tuple[int, ...] | None:
    index = {name: i for i, name in enumerate(names)}
    if any(c not in index for c in columns):
        return None
    return tuple(index[c] for c in columns)


def _same_rows_grouped(table: str, live: list[tuple], names: list[str],
                       rows: list[dict[str, Any]]) -> bool:
    """`_same_rows` where the logged rows differ in their columns (some logged before a
    migration added one, some after): each group of rows with the same columns compared
    with the live rows of the same keys, projected on those columns."""
    table_key = TRACKED[table]
    where_key = _positions(names, table_key)
    if where_key is None:
        return False
    live_by_key = dict(zip(map(itemgetter(*where_key), live), live, strict=True))
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for columns, group in groups.items():
        where = _positions(names, columns)
        if where is None:
            return False
        keys = list(map(itemgetter(*table_key), group))
        if len(keys) != len(set(keys)) or any(k not in live_by_key for k in keys):
            return False
        if (list(map(itemgetter(*columns), group))
                != list(map(itemgetter(*where), map(live_by_key.__getitem__, keys)))):
            return False
    return True


def _differences(table: str, names: list[str], live: list[tuple],
                 expected: dict[RowKey, dict[str, Any]],
                 label_names: dict[Any, str] | None = None) -> list[Unexplained]:
    """Row by row: each row the log does not have, each column that differs, each row
    the log has and the table does not."""
    found: list[Unexplained] = []
    key_of = itemgetter(*[names.index(c) for c in TRACKED[table]])
    single = len(TRACKED[table]) == 1
    seen: set[RowKey] = set()
    for values in live:
        key = (key_of(values),) if single else key_of(values)
        seen.add(key)
        logged = expected.get(key)
        if logged is None:
            found.append(Unexplained(table, key, f"{_named(table, key)}: not in the"
                                     " history (added outside the app)"))
        # The whole row as the log has it. A column the log's row lacks was added by a
        # later migration with its default, so it is not compared.
        elif tuple(map(logged.get, names, values)) != values:
            row = dict(zip(names, values, strict=True))
            found.extend(
                Unexplained(table, key, f"{_named(table, key)}: {column} is"
                                        f" {_shown_as(column, row[column], label_names)},"
                                        " the history says"
                                        f" {_shown_as(column, value, label_names)}")
                for column, value in logged.items()
                if column in row and row[column] != value)
    for key in expected.keys() - seen:
        found.append(Unexplained(table, key, f"{_named(table, key)}: missing (the history"
                                             " has it; removed outside the app)"))
    return found
