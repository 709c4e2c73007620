"""Prove a case is intact: every original re-hashed, the audit chain, SQLite's own check."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.core.audit import ChainProblem
from reviewer.core.case import Case
from reviewer.core.evidence import stored_file
from reviewer.core.head_signature import check_head
from reviewer.core.media_store import INCOMING, sha256_file
from reviewer.core.names import display_name
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.replay import Replayed, Unexplained
from reviewer.core.replay_apart import HistoryCheck
from reviewer.core.rows import as_dicts, column_names
from reviewer.core.schema import AUDIT_TRIGGERS

# How much lower than verify's other work the hashing threads run, for a big case.
HASHING_NICE = 5


@dataclass
class VerifyReport:
    problems: list[dict[str, Any]] = field(default_factory=list)   # kind, path or id, detail
    notes: list[dict[str, Any]] = field(default_factory=list)      # harmless findings
    files_checked: int = 0
    bytes_checked: int = 0
    cancelled: bool = False
    # False where a package could not be read far enough to check its database and audit.
    database_checked: bool = True
    # Who signed: the case's audit head, or a package's manifest (name, fingerprint, trust).
    signer: dict[str, Any] | None = None
    manifest_sha256: str | None = None      # a package's: what its signature covers
    # The history replayed: records, from when (a snapshot's date for a migrated case),
    # how many rows it does not explain (replay.py).
    history: dict[str, Any] | None = None
    # SQLite's full integrity check (indexes against their tables) or its quick check
    # (docs/custody.md says what the quick one leaves out and why it is the default).
    thorough: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "notes": self.notes,
                "files_checked": self.files_checked, "bytes_checked": self.bytes_checked,
                "cancelled": self.cancelled, "database_checked": self.database_checked,
                "signer": self.signer, "manifest_sha256": self.manifest_sha256,
                "history": self.history, "thorough": self.thorough}

    def history_line(self) -> str | None:
        """One line on the replayed history, as the CLI and the app show it."""
        if self.history is None:
            return None
        h = self.history
        line = f"history: {h['records']} records replayed, " + (
            "every row explained" if not h["unexplained"]
            else f"{h['unexplained']} row{'s' if h['unexplained'] != 1 else ''} not"
                 " explained by it")
        if h.get("unreadable"):
            line += f"; {h['unreadable']} record(s) that cannot be replayed"
        if h["from_snapshot"]:
            line += f" (replayable from {h['replayable_from']}: snapshot of the state found then)"
        return line


def _check_file(case: Case, row: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(row["stored_path"] or "", str):     # bytes put in by hand
        return {"kind": "missing", "path": str(case.db_path), "id": row["id"],
                "detail": f"the original of {row['original_name']} is missing (its stored"
                          " path is not text)"}
    path = stored_file(case, row["stored_path"], row["linked_path"], row["linked_path_hex"])
    where = {"path": display_name(path), "id": row["id"]}
    try:
        digest = sha256_file(path)
    except FileNotFoundError:
        return {"kind": "missing", **where, "detail": f"the original of {row['original_name']}"
                f" is missing ({'linked file' if row['linked_path'] else 'media store'})"}
    except OSError as error:
        return {"kind": "unreadable", **where, "detail": f"cannot read: {error.strerror}"}
    if digest != row["sha256"]:
        return {"kind": "changed", **where,
                "detail": f"the bytes of {row['original_name']} changed: SHA-256 is"
                          f" {digest}, the case recorded {row['sha256']}"}
    return None


def verify_case(case: Case, *, progress: ProgressCallback = no_progress,
                cancel: CancelFlag | None = None, thorough: bool = False) -> VerifyReport:
    """Everything that proves the case intact. `thorough` adds SQLite's full integrity
    check (every index against its table) to its quick check of the file's structure."""
    cancel = cancel or NeverCancel()
    report = VerifyReport(thorough=thorough)
    # Everything at once, each on a connection of its own: SQLite's own checks run in C
    # without the GIL, hashing waits on the disk or hashes without it; the replay and the
    # chain walk are Python, which holds it, so for a big case they get processes of their
    # own (replay_apart.py). Run one after another they left a core idle
    # (docs/performance.md).
    side = ThreadPoolExecutor(max_workers=2)
    history = HistoryCheck(case.db_path, side)
    database = side.submit(_database_problems, case.db_path, thorough)
    try:
        stored = _hash_originals(case, report, progress, cancel,
                                 yield_to_replay=history.in_processes)
        audit = VerifyReport()
        _check_audit(case, audit, history.chain(case.conn))
        # Problems in the order a reader expects them: database, audit, files, history.
        report.problems[:0] = database.result() + audit.problems
        report.notes[:0] = audit.notes
        report.signer = audit.signer
        _note_unreferenced(case, stored, report)
        _report_history(case, report, *history.history())
    except sqlite3.OperationalError as error:
        if not str(error).startswith("Could not decode to UTF-8"):
            raise
        # Text that is not UTF-8, put in by hand: SQLite cannot hand the row over, so the
        # checks end here, named as a package's are.
        report.problems.append({"kind": "database", "path": str(case.db_path),
                                "detail": f"damaged: {error}"})
    finally:
        history.close()
        side.shutdown(cancel_futures=True)
    _note_import_leftovers(case, report)
    return report


def _hash_originals(case: Case, report: VerifyReport, progress: ProgressCallback,
                    cancel: CancelFlag, yield_to_replay: bool = False) -> set[str]:
    """Re-hash every original against its row, into `report`; the stored paths named.
    `yield_to_replay`: the hashing threads run at a lower priority than the replay's
    process, the longest single part of verify (see _lower_priority)."""
    cursor = case.conn.execute(
        "SELECT id, sha256, bytes, original_name, stored_path, linked_path, linked_path_hex"
        " FROM evidence ORDER BY stored_path, linked_path")
    names = column_names(cursor)
    rows = as_dicts(cursor)
    # Attachments (a video's telemetry) are originals too.
    cursor = case.conn.execute(
        "SELECT id, sha256, bytes, original_name, stored_path, NULL AS linked_path, NULL"
        " FROM attachments ORDER BY stored_path")
    rows += [dict(zip(names, row, strict=True)) for row in cursor]
    # So are the audit logs kept from merged packages (see merge.py).
    cursor = case.conn.execute(
        "SELECT id, json_extract(summary, '$.audit_log.sha256'),"
        " json_extract(summary, '$.audit_log.bytes'), 'audit log of merge ' || package_name,"
        " json_extract(summary, '$.audit_log.stored_path'), NULL, NULL FROM merges"
        # A summary that is not JSON (edited by hand) is named by the replay.
        " WHERE json_valid(summary) AND json_extract(summary, '$.audit_log') IS NOT NULL")
    rows += [dict(zip(names, row, strict=True)) for row in cursor]
    # Hashing releases the GIL, so two threads keep two cores and the disk busy.
    with ThreadPoolExecutor(max_workers=2,
                            initializer=_lower_priority if yield_to_replay else None) as pool:
        for done, (row, problem) in enumerate(
                zip(rows, pool.map(lambda r: _check_file(case, r), rows), strict=True), 1):
            if problem:
                report.problems.append(problem)
            else:
                report.files_checked += 1
                # The size as recorded; a value of another type put in by hand (named by
                # the replay) counts nothing.
                report.bytes_checked += row["bytes"] if type(row["bytes"]) is int else 0
            progress(Progress(done, len(rows), row["original_name"], len(report.problems)))
            if cancel.is_set():
                report.cancelled = True
                pool.shutdown(cancel_futures=True)
                break
    return {r["stored_path"] for r in rows if r["stored_path"]}


def _lower_priority() -> None:
    """Run this (hashing) thread at nice 5. The replay's process needs one core for about
    as long as the hashing needs two; at equal priority the scheduler gave it a fifth to
    a third of the machine while the hashing ran, and verify then waited for it alone.
    Linux only: there a thread's id names that thread to setpriority; elsewhere it could
    name another process."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICE)


def _database_problems(db_path: Path, thorough: bool) -> list[dict[str, Any]]:
    """SQLite's integrity and foreign-key checks, on a read-only connection of their own.
    The quick check reads every page and row (the b-trees, NOT NULL and CHECK constraints)
    but not whether each index agrees with its table, the part that took most of the
    time: the replay compares every content row with the history anyway."""
    where = str(db_path)
    problems: list[dict[str, Any]] = []
    conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        pragma = "integrity_check" if thorough else "quick_check"
        result = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
        if result != ["ok"]:
            problems += [{"kind": "database", "path": where, "detail": line}
                         for line in result[:20]]
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            problems.append({"kind": "database", "path": where,
                             "detail": f"{table} row {rowid} points to a missing {parent}"})
    finally:
        conn.close()
    return problems


def _check_audit(case: Case, report: VerifyReport, chain: list[ChainProblem]) -> None:
    for problem in chain:
        entry: dict[str, Any] = {"kind": "audit", "path": str(case.db_path),
                                 "detail": problem.detail}
        if problem.seq is not None:
            entry["id"] = problem.seq
        report.problems.append(entry)
    present = {row[0] for row in case.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for trigger in AUDIT_TRIGGERS:
        if trigger not in present:
            report.problems.append({
                "kind": "audit", "path": str(case.db_path),
                "detail": f"the audit log's protection was removed (trigger {trigger})"})
    head = check_head(case.conn)
    report.signer = head.signer
    for detail in head.problems:
        report.problems.append({"kind": "signature", "path": str(case.db_path), "detail": detail})
    for detail in head.notes:
        report.notes.append({"kind": "unsigned", "path": str(case.db_path), "detail": detail})


def _report_history(case: Case, report: VerifyReport, replayed: Replayed,
                    unexplained: list[Unexplained]) -> None:
    report_history(report, str(case.db_path), replayed, unexplained)


def report_history(report: VerifyReport, path: str, replayed: Replayed,
                   unexplained: list[Unexplained]) -> None:
    """The replayed history into `report`: each row it does not explain as a problem, and
    the summary `history_line()` shows (a case's or a package's database at `path`)."""
    for item in unexplained:
        report.problems.append({"kind": "history", "path": path,
                                "id": "/".join(str(k) for k in item.key),
                                "table": item.table, "detail": item.detail})
    report.history = {"records": replayed.records, "replayable_from": replayed.replayable_from,
                      "from_snapshot": replayed.from_snapshot,
                      "unexplained": len({(u.table, u.key) for u in unexplained
                                          if u.table != "audit"}),
                      "unreadable": len(replayed.unreadable)}


def _note_unreferenced(case: Case, referenced: set[str], report: VerifyReport) -> None:
    """Files in the store that no item names: left by an interrupted import, not a mismatch."""
    media = case.media_dir
    if not media.is_dir():
        return
    prefix = media.relative_to(case.path).as_posix()
    # os.scandir, not Path.glob: the file type comes with the listing (no stat per file)
    # and no Path per name; at 10,000 items glob took a tenth of verify's main thread.
    try:
        folders = sorted(os.scandir(media), key=lambda entry: entry.name)
    except OSError:
        return
    for folder in folders:
        if folder.name == INCOMING or not folder.is_dir():
            continue
        try:
            entries = sorted(os.scandir(folder.path), key=lambda entry: entry.name)
        except OSError:
            continue    # unreadable: its originals are named by the hashing (as glob did)
        for entry in entries:
            if entry.is_file() and f"{prefix}/{folder.name}/{entry.name}" not in referenced:
                report.notes.append({"kind": "unreferenced", "path": entry.path,
                                     "detail": "unrecorded file, probably from an"
                                               " interrupted import; importing the same file"
                                               " again adopts it"})


def _note_import_leftovers(case: Case, report: VerifyReport) -> None:
    """Temporary copies of a killed import, removed when the case was opened: never
    evidence in the case, so a note, not a problem."""
    for part in case.removed_leftovers:
        report.notes.append({"kind": "unreferenced", "path": part,
                             "detail": "unfinished copy left by an interrupted import (never"
                                       " in the case): removed"})
