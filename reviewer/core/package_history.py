"""What a partial package carries of the case's history, and how a recipient proves it.

A package of some incidents keeps only the audit records about what it holds. A record
is kept whole or left out whole (editing one would break its hash): it is left out when
it names any object the package does not hold (an id, or a SHA-256 that is not a shared
item's), or holds a file path of the sender's. Each kept record travels with its Merkle
inclusion proof (`audit_proofs`, a table made in the package only) against the root of
the tree over the whole history, which the signed manifest carries (`audit_tree`). The
head record's proof is always there (it ties the root to the signed head), and so are the
heads of the sender's earlier exports (a recipient who merged one checks that the history
still holds it). See docs/custody.md.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from reviewer.core.audit import record_hash
from reviewer.core.labels import default_label_id
from reviewer.core.merkle import PROOFS_TABLE, Tree, audit_tree, verify_inclusion
from reviewer.core.names import exact_bytes_hex

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHA256 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_ABSOLUTE = re.compile(r"^(/|~[/\\]|[A-Za-z]:[\\/]|\\\\)")


def tree_summary(conn: sqlite3.Connection, tree: Tree, records: int) -> dict[str, Any]:
    """The manifest's `audit_tree`: root and size of the whole history, how much travels."""
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    return {"root": tree.root, "size": tree.size, "head": head[0] if head else None,
            "records": records, "partial": records < tree.size,
            "leaf": "SHA-256(0x00 || record hash)", "node": "SHA-256(0x01 || left || right)"}


@dataclass
class SharedHistory:
    kept: int = 0
    total: int = 0
    left_out: dict[str, int] = field(default_factory=dict)   # why, how many


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@dataclass(frozen=True)
class Private:
    """What of the sender's machine must not travel: folders (as text) and the OS login."""

    folders: tuple[str, ...]
    login: str | None

    def found_in(self, text: str) -> bool:
        if any(folder in text for folder in self.folders):
            return True
        return bool(self.login) and re.search(rf"(?<!\w){re.escape(self.login)}(?!\w)",
                                              text) is not None


def _reason_to_leave_out(row: tuple, ids: set[str], hashes: set[str],
                         private: Private) -> str | None:
    _, _, actor, _, object_id, details, _, _ = row
    if object_id is not None and object_id not in ids:
        return "about objects not in the package"
    try:
        parsed = json.loads(details)
    except ValueError:
        return "unreadable details"
    for text in _strings(parsed):
        if any(i not in ids for i in _UUID.findall(text)):
            return "about objects not in the package"
        if any(h.lower() not in hashes for h in _SHA256.findall(text)):
            return "naming files or packages not in the package"
        if _ABSOLUTE.match(text) or private.found_in(text):
            return "holding the sender's file paths or login"
    # "NAME (FINGERPRINT)" is the name the investigator chose; a bare actor is from before
    # keys, when it was the OS login.
    if not actor.endswith(")") and private.found_in(actor):
        return "holding the sender's file paths or login"
    return None


def prune_history(conn: sqlite3.Connection, private: Private) -> SharedHistory:
    """Keep only the records about what the (pruned) snapshot holds, each with its proof.

    `private`: text that must not travel (the case folder, the OS login). The case's own
    id is not among the shared ids: records about the case as a whole (its creation with
    its title, its exports) stay home, and the package has an id of its own."""
    ids: set[str] = set()
    for table in ("incidents", "regions", "evidence", "attachments", "comparisons", "labels",
                  "verifications", "vocabulary"):
        ids |= {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
    hashes = {row[0] for row in conn.execute(
        "SELECT sha256 FROM evidence UNION SELECT sha256 FROM attachments")}
    tree = audit_tree(conn)
    history = SharedHistory(total=tree.size)
    drop: list[int] = []
    for row in conn.execute("SELECT seq, at, actor, action, object_id, details, prev_hash, hash"
                            " FROM audit ORDER BY seq"):
        reason = _reason_to_leave_out(row, ids, hashes, private)
        if reason:
            drop.append(row[0])
            history.left_out[reason] = history.left_out.get(reason, 0) + 1
    # Record seq N is leaf N - 1 (a verified chain has no gaps; a damaged one fails verify).
    hashes_by_seq = dict(conn.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall())
    leaf = {seq: index for index, seq in enumerate(hashes_by_seq)}
    keep = set(hashes_by_seq) - set(drop)
    checkpoints = _export_heads(conn)
    if tree.size:
        checkpoints.add(max(hashes_by_seq))
    conn.execute(f"CREATE TABLE {PROOFS_TABLE} (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL,"
                 " proof TEXT NOT NULL)")
    conn.executemany(f"INSERT INTO {PROOFS_TABLE} VALUES (?, ?, ?)",
                     [(seq, hashes_by_seq[seq], json.dumps(tree.proof(leaf[seq])))
                      for seq in sorted(keep | (checkpoints & set(hashes_by_seq)))])
    triggers = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                            " AND tbl_name = 'audit'").fetchall()
    conn.execute("BEGIN")
    for (sql,) in triggers:
        name = sql.split()[2]
        conn.execute(f"DROP TRIGGER {name}")
    conn.executemany("DELETE FROM audit WHERE seq = ?", [(seq,) for seq in drop])
    for (sql,) in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    history.kept = len(keep)
    return history


def _export_heads(conn: sqlite3.Connection) -> set[int]:
    """The last record of each package this case exported before (its head then)."""
    heads = set()
    for seq, details in conn.execute("SELECT seq, details FROM audit"
                                     " WHERE action = 'case.export'"):
        try:
            head = json.loads(details).get("audit_head")
            heads.add(int(head.split(":", 1)[0]) if head else seq - 1)
        except (AttributeError, TypeError, ValueError):
            continue    # edited by hand: the chain check names it; no head to share
    return {h for h in heads if h > 0}


def private_of(case_path: str) -> Private:
    """The sender's case folder and OS login."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = None
    return Private((case_path,), login)


def redact_paths(conn: sqlite3.Connection) -> None:
    """The sender's folders stay home: an original's path becomes its file name."""
    conn.execute("BEGIN")
    for table, column in (("evidence", "original_path"), ("evidence", "linked_path"),
                          ("attachments", "original_path")):
        rows = conn.execute(f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL"
                            ).fetchall()
        conn.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                         [(_file_name(path), rowid) for rowid, path in rows])
        # A name that is not UTF-8 keeps its exact bytes as hex beside it: the folders in
        # those bytes stay home too.
        rows = conn.execute(f"SELECT rowid, {column}_hex FROM {table}"
                            f" WHERE {column}_hex IS NOT NULL").fetchall()
        conn.executemany(f"UPDATE {table} SET {column}_hex = ? WHERE rowid = ?",
                         [(_file_name_hex(exact), rowid) for rowid, exact in rows])
    conn.execute("COMMIT")


def _file_name(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


def _file_name_hex(exact_hex: str) -> str | None:
    """The last part of a path kept as hex bytes, as hex (None where it is UTF-8: the
    text column then says it exactly)."""
    return exact_bytes_hex(os.fsdecode(re.split(rb"[\\/]", bytes.fromhex(exact_hex))[-1]))


def drop_unshared_context(conn: sqlite3.Connection) -> None:
    """Labels no shared tag uses (defaults stay: every case has them) and the sender's
    merges: their summaries name other packages and objects."""
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    conn.execute("DELETE FROM merge_conflicts")
    conn.execute("DELETE FROM merges")
    used = {row[0] for row in conn.execute("SELECT DISTINCT label_id FROM regions")}
    # A default label's id is derived from its name; one renamed since counts as the user's.
    unused = [label_id for label_id, name in conn.execute("SELECT id, name FROM labels")
              if label_id not in used and label_id != default_label_id(name)]
    conn.executemany("DELETE FROM labels WHERE id = ?", [(i,) for i in unused])
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys = ON")


@dataclass
class HistoryCheck:
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    records: int = 0
    size: int = 0


def check_partial_history(conn: sqlite3.Connection, tree: dict[str, Any]) -> HistoryCheck:
    """Each record in the package recomputes to its hash and walks its proof to the root
    the signed manifest gives; the head's proof ties that root to the signed head."""
    check = HistoryCheck()
    try:
        root, size = str(tree["root"]), int(tree["size"])
        head_seq, head_hash = str(tree["head"]).split(":", 1)
        head_number = int(head_seq)
    except (KeyError, TypeError, ValueError, OverflowError):
        check.problems.append((None, "the manifest's audit tree is damaged"))
        return check
    check.size = size
    if head_number != size:
        check.problems.append((None, "the manifest's audit tree does not end at its head"))
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                             (PROOFS_TABLE,)).fetchone()
    proofs: dict[int, tuple[str, list[str]]] = {}
    if has_table:
        for seq, digest, proof in conn.execute(f"SELECT seq, hash, proof FROM {PROOFS_TABLE}"):
            try:
                path = json.loads(proof)
            except (ValueError, RecursionError):     # nested too deeply: by hand
                path = []
            if not verify_inclusion(digest, seq - 1, size, path, root):
                check.problems.append((seq, f"audit record {seq}: its proof does not lead to"
                                            " the signed root"))
                continue
            proofs[seq] = (digest, path)
    if proofs.get(head_number, ("",))[0] != head_hash:
        check.problems.append((None, "the signed head is not proven part of the signed root"))
    for row in conn.execute("SELECT seq, at, actor, action, object_id, details, prev_hash, hash"
                            " FROM audit ORDER BY seq"):
        seq, digest = row[0], row[7]
        check.records += 1
        try:
            recomputed = record_hash(row[6], seq, *row[1:6])
        except (TypeError, ValueError):
            recomputed = None   # a value of another type put in by hand (bytes): altered
        if recomputed != digest:
            check.problems.append((seq, f"audit record {seq} ({row[3]}) was altered: its hash"
                                        " does not match"))
        elif seq not in proofs and not any(s == seq for s, _ in check.problems):
            check.problems.append((seq, f"audit record {seq} ({row[3]}) has no proof that it"
                                        " belongs to the signed history"))
        elif seq in proofs and proofs[seq][0] != digest:
            check.problems.append((seq, f"audit record {seq} ({row[3]}) is not the record its"
                                        " proof is for"))
    return check


def check_whole_tree(conn: sqlite3.Connection, tree: dict[str, Any]) -> list[str]:
    """A whole package: the root the manifest signs is the tree over its full log."""
    try:
        ours = audit_tree(conn)
    except (TypeError, ValueError):   # a record hash that is not hex (edited by hand)
        return ["the audit log does not give the root the manifest signs"]
    if ours.root != tree.get("root") or ours.size != tree.get("size"):
        return ["the audit log does not give the root the manifest signs"]
    return []
