"""Verify a package: every hash in its manifest, nothing unlisted, the database and its audit.

Nothing in a package is trusted before this has run: entry names, symlinks and bombs
are refused before any entry is read; every listed file is re-hashed (stored media
streamed raw with large reads, two at a time); the snapshot database is unpacked
(the very bytes that were hashed) and checked as `verify` checks a case; and every
item's recorded SHA-256 must match the file the package carries for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.core import leftovers
from reviewer.core.audit import check_chain
from reviewer.core.errors import Cancelled, NewerCaseError, PackageError, PackageMismatchError
from reviewer.core.head_signature import HeadCheck, check_head, history_rewritten
from reviewer.core.package_history import check_partial_history, check_whole_tree
from reviewer.core.package_signature import SIGNATURE_FILES, check_signature
from reviewer.core.package_zip import (
    DATABASE,
    FORMAT,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    ensure_room,
    entry_problems,
    is_zip_file,
    iter_entry,
    open_zip,
    unsafe_name,
)
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.replay import PARTIAL_TABLES, TRACKED, compare, replay
from reviewer.core.schema import APPLICATION_ID, AUDIT_TRIGGERS, SCHEMA_VERSION
from reviewer.core.verify import VerifyReport, report_history

_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError)


@dataclass
class CheckedPackage:
    """What verification learned: the manifest and the unpacked, verified database."""

    path: Path
    report: VerifyReport
    manifest: dict[str, Any] = field(default_factory=dict)
    database: Path | None = None
    newer: bool = False


def verify_target(path: str | Path) -> str:
    """What `reviewer verify PATH` checks: "case" (a folder, or a name that is not a file)
    or "package" (a ZIP file, whatever its name). Raises PackageError for a missing .zip
    and for a file that is not a ZIP: neither a case folder nor an export package."""
    path = Path(path)
    if path.is_file():
        if is_zip_file(path):
            return "package"
        raise PackageError(path, "not a case folder or export package (a file, but not a ZIP)")
    if not path.exists() and path.suffix.lower() == ".zip":
        raise PackageError(path, "no such package file")
    return "case"


def verify_package(package: str | Path, *, progress: ProgressCallback = no_progress,
                   cancel: CancelFlag | None = None,
                   against: sqlite3.Connection | None = None) -> VerifyReport:
    """Check a package; problems name the entry. Raises PackageError only if it is not there
    or is not a ZIP at all (a damaged ZIP is a problem in the report).

    With `against` (a case's connection), also whether the sender's history still holds
    what earlier packages from the same case, merged into that case, showed."""
    with leftovers.scratch_dir("verify") as scratch:
        checked = check_package(Path(package), scratch, progress=progress, cancel=cancel)
        if against is not None and checked.database is not None:
            source = sqlite3.connect(f"{checked.database.absolute().as_uri()}?mode=ro",
                                     uri=True)
            try:
                rewritten = history_rewritten(against, source)
            finally:
                source.close()
            if rewritten:
                checked.report.problems.append({"kind": "history", "path": DATABASE,
                                                "detail": rewritten})
        return checked.report


def open_verified(package: str | Path, scratch: Path, *,
                  progress: ProgressCallback = no_progress,
                  cancel: CancelFlag | None = None) -> CheckedPackage:
    """Verify and return the package's contents, or raise: newer, mismatched, unreadable."""
    checked = check_package(Path(package), scratch, progress=progress, cancel=cancel)
    report = checked.report
    if checked.newer:
        raise NewerCaseError(package, f"made by a newer version of Evidence Reviewer (case"
                                      f" schema {checked.manifest.get('schema_version')}, this"
                                      f" version reads up to {SCHEMA_VERSION}); update the app")
    if report.cancelled:
        raise Cancelled(package, "verification was cancelled; nothing was changed")
    if not report.ok:
        first = report.problems[0]
        raise PackageMismatchError(
            package, f"fails verification ({len(report.problems)} problem(s), first:"
                     f" {first.get('path') or ''}: {first['detail']}); nothing was changed"
                     " (run reviewer verify on the package to see them all)")
    return checked


def check_package(package: Path, scratch: Path, *, progress: ProgressCallback = no_progress,
                  cancel: CancelFlag | None = None) -> CheckedPackage:
    """Verify `package`, unpacking its database into `scratch` for the checks (and callers)."""
    cancel = cancel or NeverCancel()
    # A package's database gets SQLite's full integrity check (it is small beside its
    # media, and comes from elsewhere).
    checked = CheckedPackage(package, VerifyReport(database_checked=False, thorough=True))
    report = checked.report
    zf = open_zip_or_report(package, report)
    if zf is None:
        return checked
    with zf:
        unsafe = entry_problems(zf)
        for problem in unsafe:
            report.problems.append({"kind": "unsafe", "path": problem.name,
                                    "detail": problem.detail})
        if unsafe:
            return checked
        manifest = _read_manifest(zf, report)
        if manifest is None:
            return checked
        checked.manifest = manifest
        signature = check_signature(zf, manifest)
        report.signer = signature.signer
        report.manifest_sha256 = signature.manifest_sha256
        for detail in signature.problems:
            report.problems.append({"kind": "signature", "path": MANIFEST, "detail": detail})
        try:
            checked.newer = int(manifest.get("schema_version") or 0) > SCHEMA_VERSION
        except (TypeError, ValueError, OverflowError):
            report.problems.append({"kind": "manifest", "path": MANIFEST, "detail": (
                f"the schema version is not a number: {manifest['schema_version']!r}")})
        if checked.newer:
            report.problems.append({"kind": "newer", "path": MANIFEST, "detail": (
                f"made by a newer version (case schema {manifest['schema_version']}; this"
                f" version reads up to {SCHEMA_VERSION})")})
        hashes = _check_files(zf, manifest, scratch, report, progress, cancel)
        database = scratch / DATABASE
        if database.exists() and not checked.newer and not report.cancelled:
            _check_database(database, manifest, hashes, report)
            report.database_checked = True
            checked.database = database
    return checked


def open_zip_or_report(package: Path, report: VerifyReport) -> zipfile.ZipFile | None:
    if not package.is_file():
        raise PackageError(package, "no such package file")
    if not is_zip_file(package):
        raise PackageError(package, "not an export package (the file is not a ZIP)")
    try:
        return open_zip(package)
    except PackageError as error:
        report.problems.append({"kind": "unreadable", "path": str(package),
                                "detail": error.reason})
        return None


def _read_manifest(zf: zipfile.ZipFile, report: VerifyReport) -> dict[str, Any] | None:
    def fail(detail: str) -> None:
        report.problems.append({"kind": "manifest", "path": MANIFEST, "detail": detail})

    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        fail("the package has no manifest.json: not an Evidence Reviewer package, or damaged")
        return None
    if info.file_size > MAX_MANIFEST_BYTES:
        fail(f"manifest.json is implausibly large ({info.file_size:,} bytes)")
        return None
    try:
        manifest = json.loads(b"".join(iter_entry(zf, info)))
    except _READ_ERRORS as error:
        fail(f"manifest.json cannot be read: {error}")
        return None
    except ValueError as error:
        fail(f"manifest.json is not valid JSON: {error}")
        return None
    except RecursionError:
        fail("manifest.json cannot be read: it is nested too deeply")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("files"), list):
        fail("manifest.json is not an Evidence Reviewer package manifest")
        return None
    linked = manifest.get("linked_originals") or []
    if not isinstance(linked, list) or not all(isinstance(e, dict) for e in linked):
        # Merge reads each as an entry: named here, so a package with them is refused.
        fail("manifest.json's list of linked originals is not a list of entries")
    return manifest


def _listed(manifest: dict[str, Any], report: VerifyReport) -> dict[str, dict[str, Any]]:
    listed: dict[str, dict[str, Any]] = {}
    for entry in manifest["files"]:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or unsafe_name(path) or path == MANIFEST:
            report.problems.append({"kind": "manifest", "path": MANIFEST,
                                    "detail": f"a listed path is not acceptable: {path!r}"})
            continue
        listed[path] = entry
    return listed


def _hash_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sink: Path | None) -> str:
    digest = hashlib.sha256()
    if sink:
        ensure_room(info, sink.parent)
    with open(sink, "xb") if sink else contextlib.nullcontext() as out:
        for data in iter_entry(zf, info):
            digest.update(data)
            if out is not None:
                out.write(data)
    return digest.hexdigest()


def _check_files(zf: zipfile.ZipFile, manifest: dict[str, Any], scratch: Path,
                 report: VerifyReport, progress: ProgressCallback,
                 cancel: CancelFlag) -> dict[str, str]:
    """Re-hash every listed file; returns path -> SHA-256 of those that match."""
    listed = _listed(manifest, report)
    present = {info.filename: info for info in zf.infolist() if not info.is_dir()}
    for name in sorted(set(present) - set(listed) - {MANIFEST, *SIGNATURE_FILES}):
        report.problems.append({"kind": "unlisted", "path": name,
                                "detail": "in the package but not in its manifest (added?)"})
    todo: list[tuple[dict[str, Any], zipfile.ZipInfo]] = []
    for path, entry in sorted(listed.items()):
        info = present.get(path)
        if info is None:
            report.problems.append({"kind": "missing", "path": path,
                                    "detail": "listed in the manifest but not in the package"})
        elif info.file_size != entry.get("bytes"):
            report.problems.append({"kind": "changed", "path": path, "detail": (
                f"{info.file_size:,} bytes, the manifest says {entry.get('bytes')!r}")})
        else:
            todo.append((entry, info))
    matched: dict[str, str] = {}

    def work(item: tuple[dict[str, Any], zipfile.ZipInfo]) -> tuple[str | None, str | None]:
        _, info = item
        if cancel.is_set():
            return None, None
        try:
            sink = scratch / DATABASE if info.filename == DATABASE else None
            return _hash_entry(zf, info, sink), None
        except _READ_ERRORS as error:
            return None, f"cannot be read (damaged or truncated package): {error}"
        except PackageError as error:
            return None, error.reason

    # Stored entries are read through their own file handles, so two threads hash two
    # files at once; compressed ones go through zipfile's shared handle, one at a time.
    stored = [t for t in todo if t[1].compress_type == zipfile.ZIP_STORED]
    packed = [t for t in todo if t[1].compress_type != zipfile.ZIP_STORED]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = _chain(pool.map(work, stored), map(work, packed))
        for done, ((entry, info), (digest, error)) in enumerate(
                zip(stored + packed, results, strict=True), 1):
            if error:
                report.problems.append({"kind": "unreadable", "path": info.filename,
                                        "detail": error})
            elif digest is not None and digest != entry.get("sha256"):
                report.problems.append({"kind": "changed", "path": info.filename, "detail": (
                    f"SHA-256 is {digest}, the manifest says {entry.get('sha256')}")})
            elif digest is not None:
                matched[info.filename] = digest
                report.files_checked += 1
                report.bytes_checked += info.file_size
            progress(Progress(done, len(todo), info.filename, len(report.problems)))
            if cancel.is_set():
                report.cancelled = True
                pool.shutdown(cancel_futures=True)
                break
    return matched


def _chain(*iterables: Iterator) -> Iterator:
    for iterable in iterables:
        yield from iterable


def _tree_vouched_for(head: HeadCheck, manifest_signer: dict[str, Any] | None) -> bool:
    """Whether the key that signed a partial package's head also signed the audit tree
    its records are proven against: with the head itself (packages from now on), or in
    the manifest that holds the tree (packages made before the head's signature held
    it). Without either, a forger could prove edited records against a root of their own
    while the head's signature still read as valid."""
    if head.tree_signed:
        return True
    return (head.signer is not None and manifest_signer is not None
            and manifest_signer.get("status") == "valid"
            and manifest_signer.get("fingerprint") == head.signer.get("fingerprint"))


def _check_database(database: Path, manifest: dict[str, Any], hashes: dict[str, str],
                    report: VerifyReport) -> None:
    def problem(kind: str, detail: str, **extra: Any) -> None:
        report.problems.append({"kind": kind, "path": DATABASE, "detail": detail, **extra})

    if DATABASE not in hashes:
        return   # already reported: missing, changed or unreadable
    try:
        conn = sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as error:
        problem("database", f"cannot be opened: {error}")
        return
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            problem("database", "not an Evidence Reviewer case database")
            return
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        try:
            version = int(meta.get("schema_version"))   # merge reads it so
        except (TypeError, ValueError):
            problem("database", "damaged: bad schema version")
            return
        for key, value in meta.items():
            if isinstance(value, bytes):     # merge records the title, the head... as text
                problem("database", f"meta {key}: holds bytes where the app writes text"
                                    " (edited outside the app)")
        if version > SCHEMA_VERSION:
            problem("newer", f"made by a newer version (case schema {meta['schema_version']})")
            return
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            for line in result[:20]:
                problem("database", line)
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            problem("database", f"{table} row {rowid} points to a missing {parent}")
        tree = manifest.get("audit_tree")
        partial = isinstance(tree, dict) and bool(tree.get("partial"))
        if partial:
            history = check_partial_history(conn, tree)
            for seq, detail in history.problems:
                problem("audit", detail, **({"id": seq} if seq is not None else {}))
        else:
            for chain_problem in check_chain(conn):
                extra = {"id": chain_problem.seq} if chain_problem.seq is not None else {}
                problem("audit", chain_problem.detail, **extra)
            for detail in check_whole_tree(conn, tree) if isinstance(tree, dict) else ():
                problem("audit", detail)
        triggers = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        for trigger in AUDIT_TRIGGERS:
            if trigger not in triggers:
                problem("audit", f"the audit log's protection was removed (trigger {trigger})")
        head = check_head(conn, meta.get("audit_head") if partial else None,
                          tree if partial else None)
        for detail in head.problems:
            problem("signature", detail)
        for detail in head.notes:
            report.notes.append({"kind": "unsigned", "path": DATABASE, "detail": detail})
        if head.signer is not None and (report.signer or {}).get("status") == "unsigned":
            # The app that signs a history signs the manifest of every package it makes.
            problem("signature", (
                f"the manifest's signature was removed: the history in the package is"
                f" signed by {head.signer['name']} ({head.signer['fingerprint']}), whose app"
                " signs every package's manifest; what only the manifest vouches for (the"
                " items' metadata, the files) cannot be shown to be what was sent"))
        if (partial and head.signed and not head.tree_in_signature
                and not _tree_vouched_for(head, report.signer)):
            problem("signature", (
                f"nothing {head.signer['name']} signed covers the audit tree the package's"
                " records are proven against (the manifest is not signed by that key): the"
                " records that travel cannot be proven to be part of the signed history"))
        # The tables against the history they carry: a row edited after signing, then the
        # manifest signed again by another key, is named here, whoever signed.
        replayed = replay(conn)
        report_history(report, DATABASE, replayed,
                       compare(conn, replayed, PARTIAL_TABLES if partial else None))
        if partial:
            for detail in _unproven_bytes(conn):
                problem("database", detail)
        if partial and not history.problems and _tree_vouched_for(head, report.signer):
            signed_at = (head.signer or {}).get("at") or manifest.get("exported_at")
            report.notes.append({"kind": "partial_history", "path": DATABASE, "detail": (
                f"partial history: {history.records} of {history.size} records, each proven"
                f" against the signed head of {signed_at}")})
        if meta.get("case_id") != manifest.get("case_id"):
            problem("manifest", "the manifest names another case than the database holds")
        if meta.get("audit_head") != manifest.get("audit_head"):
            problem("audit", "the database's audit log does not end where the manifest says")
        # Also where the manifest says it carries no originals: each one it does carry
        # must be the file its row records (a package said to have none could swap one).
        selection = manifest.get("selection")
        _check_media_rows(conn, manifest, hashes, report, not isinstance(selection, dict)
                          or bool(selection.get("media", True)))
    except sqlite3.DatabaseError as error:
        problem("database", f"damaged: {error}")
    finally:
        conn.close()


def _unproven_bytes(conn: sqlite3.Connection) -> list[str]:
    """The rows a partial package carries that its history does not prove (items, their
    EXIF, attachments...) holding bytes where the app writes text or numbers: put in by
    hand, and merge cannot record them."""
    found = []
    tables = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table, key in TRACKED.items():
        if table in PARTIAL_TABLES or table not in tables:
            continue
        keys = ", ".join(key)
        for column in [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]:
            row = conn.execute(f"SELECT {keys} FROM {table} WHERE typeof(\"{column}\") ="
                               " 'blob' LIMIT 1").fetchone()
            if row is not None:
                found.append(f"{table} {'/'.join(map(str, row))}: {column} holds bytes where"
                             " the app writes text or numbers (edited outside the app)")
    return found


def _check_media_rows(conn: sqlite3.Connection, manifest: dict[str, Any],
                      hashes: dict[str, str], report: VerifyReport, media: bool = True) -> None:
    """Every item the database holds has its bytes in the package, with the recorded hash;
    without `media` (a package sent without originals) only those the package carries."""
    entries = manifest.get("linked_originals") or []
    linked = {e.get("id"): e for e in entries if isinstance(e, dict)} \
        if isinstance(entries, list) else {}     # named by _read_manifest
    rows = conn.execute(
        "SELECT id, sha256, original_name, stored_path FROM evidence UNION ALL"
        " SELECT id, sha256, original_name, stored_path FROM attachments").fetchall()
    for item_id, sha256, name, stored_path in rows:
        path = stored_path
        if not media and path not in hashes:
            continue
        if path is None:
            entry = linked.get(item_id) or {}
            if not entry.get("included"):
                report.notes.append({"kind": "not_included", "id": item_id, "detail": (
                    f"the linked original of {name} was not reachable at export; only its"
                    " record and hash are in the package")})
                continue
            path = entry.get("path")
        if path not in hashes:
            if not any(p.get("path") == path for p in report.problems):
                report.problems.append({"kind": "missing", "path": path, "id": item_id,
                                        "detail": f"the original of {name} is not in the"
                                                  " package"})
        elif hashes[path] != sha256:
            report.problems.append({"kind": "changed", "path": path, "id": item_id, "detail": (
                f"the case records SHA-256 {sha256} for {name}, the file is {hashes[path]}")})
