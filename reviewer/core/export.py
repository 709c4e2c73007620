"""Export a case, or some of its incidents, as a package a colleague can verify and merge.

The package is written under a temporary name in the target folder, fsynced, and
renamed to its final name only when complete: a failure (disk full, cancel, a changed
original) leaves no package at all, never a partial one under the name asked for.
Media are stored uncompressed and hashed while they are copied, in a second thread,
so each original is read once and its SHA-256 in the manifest is of the bytes sent.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sqlite3
import zipfile
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewer import __version__
from reviewer.core import leftovers, search
from reviewer.core.atomic import temporary_beside
from reviewer.core.case import Case
from reviewer.core.clock import utc_now
from reviewer.core.errors import MediaError, PackageError
from reviewer.core.head_signature import sign_head
from reviewer.core.incidents import resolve_incident_id
from reviewer.core.keys import Identity
from reviewer.core.map_export import geojson as map_geojson
from reviewer.core.map_export import kml as map_kml
from reviewer.core.map_export import map_features
from reviewer.core.merkle import audit_tree
from reviewer.core.names import from_record
from reviewer.core.package_data import incidents_csv, incidents_geojson, regions_csv
from reviewer.core.package_history import (
    drop_unshared_context,
    private_of,
    prune_history,
    redact_paths,
    tree_summary,
)
from reviewer.core.package_identity import (
    TITLE_LIMIT,
    checked_title,
    default_package_title,
    partial_package_id,
)
from reviewer.core.package_signature import manifest_signer, sign_manifest
from reviewer.core.package_zip import DATABASE, FORMAT, FORMAT_VERSION, MANIFEST, READ_CHUNK
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.prov_document import PROVENANCE_DOCUMENT, provenance_jsonld
from reviewer.core.replay import PARTIAL_TABLES, compare, replay
from reviewer.core.report import render_report
from reviewer.core.rows import as_dicts
from reviewer.core.schema import SCHEMA_VERSION
from reviewer.core.snapshot import Selection, prune, snapshot_database


@dataclass
class ExportReport:
    path: str | None = None                 # the package, once complete
    manifest_sha256: str | None = None      # identifies the package's contents
    files: int = 0
    bytes: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    missing: list[dict[str, Any]] = field(default_factory=list)   # id, path, detail
    cancelled: bool = False
    audit_head: str | None = None           # "seq:hash" of the history the package shows
    # Audit records in the package ("records") of the case's ("of"); why others were not.
    history: dict[str, Any] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)   # table -> rows not in it
    # The id and title the package carries: the case's, or a partial package's own.
    case_id: str | None = None
    title: str | None = None

    @property
    def ok(self) -> bool:
        return not self.missing and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "manifest_sha256": self.manifest_sha256,
                "files": self.files, "bytes": self.bytes, "counts": self.counts,
                "missing": self.missing, "cancelled": self.cancelled,
                "history": self.history, "left_out": self.left_out,
                "case_id": self.case_id, "title": self.title}


class _Cancelled(Exception):
    pass


class _KernelCopyUnsupported(Exception):
    pass


_UNSUPPORTED = {errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF}


def _kernel_copy(src: int, dst: int, dst_start: int, total: int, cancel: CancelFlag) -> int:
    """os.copy_file_range in 64 MB steps; returns bytes copied (0: unsupported here)."""
    copied = 0
    while copied < total and not cancel.is_set():
        try:
            n = os.copy_file_range(src, dst, min(total - copied, 64 << 20), copied,
                                   dst_start + copied)
        except OSError as error:
            if copied == 0 and error.errno in _UNSUPPORTED:
                return 0
            raise
        if n == 0:
            break
        _start_writeback(dst, dst_start + copied, n)
        copied += n
    return copied


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to start writing these bytes to disk now, without waiting.

    Otherwise every byte of a large package is still dirty when it is fsynced at the
    end, and the disk idles while the CPU hashes. On Linux, POSIX_FADV_DONTNEED starts
    the writeback of dirty pages (and frees only the clean ones).
    """
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def linked_arcname(sha256: str, linked_path: str) -> str:
    """Where a linked original's bytes go in a package (it has no place in the store)."""
    ext = Path(linked_path).suffix.lower().lstrip(".") or "bin"
    return f"media/{sha256[:2]}/{sha256}.{ext}"


def _media_rows(view: Case) -> list[dict[str, Any]]:
    cursor = view.conn.execute(
        "SELECT id, sha256, bytes, original_name, stored_path, linked_path, linked_path_hex"
        " FROM evidence UNION ALL"
        " SELECT id, sha256, bytes, original_name, stored_path, NULL, NULL FROM attachments"
        " ORDER BY stored_path, linked_path")
    return as_dicts(cursor)


class _PackageWriter:
    """Adds entries to the ZIP and remembers each one's size and SHA-256 for the manifest."""

    def __init__(self, zf: zipfile.ZipFile, when: datetime, cancel: CancelFlag) -> None:
        self.zf = zf
        self.date_time = when.timetuple()[:6]
        self.cancel = cancel
        self.files: dict[str, dict[str, Any]] = {}
        self._threads = ThreadPoolExecutor(max_workers=2)
        self._kernel_copy = hasattr(os, "copy_file_range")

    def _info(self, name: str, compress: int, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = compress
        info.file_size = size
        info.external_attr = 0o444 << 16
        return info

    def add_bytes(self, name: str, data: bytes, compress: int = zipfile.ZIP_DEFLATED) -> None:
        self.zf.writestr(self._info(name, compress, len(data)), data)
        self.files[name] = {"path": name, "bytes": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()}

    def add_file(self, name: str, source: Path, compress: int = zipfile.ZIP_STORED) -> str:
        """Copy a file in with one read, hashing as it goes; return its SHA-256."""
        with open(source, "rb", buffering=0) as src:
            total = os.fstat(src.fileno()).st_size
            info = self._info(name, compress, total)
            with self.zf.open(info, "w", force_zip64=total >= zipfile.ZIP64_LIMIT) as out:
                sha256 = None
                if compress == zipfile.ZIP_STORED and self._kernel_copy:
                    try:
                        sha256 = self._copy_in_kernel(out, src, total)
                    except _KernelCopyUnsupported:
                        self._kernel_copy = False
                if sha256 is None:
                    sha256 = self._copy_through(out, src)
        self.files[name] = {"path": name, "bytes": total, "sha256": sha256}
        return sha256

    def _copy_through(self, out, src) -> str:
        digest = hashlib.sha256()
        buffer = bytearray(READ_CHUNK)
        view = memoryview(buffer)
        while n := src.readinto(buffer):
            chunk = view[:n]
            # hashlib and zlib's CRC both release the GIL: two cores, one read.
            hashing = self._threads.submit(digest.update, chunk)
            out.write(chunk)
            hashing.result()
            if self.cancel.is_set():
                raise _Cancelled
        return digest.hexdigest()

    def _copy_in_kernel(self, out, src, total: int) -> str:
        """Let the kernel copy the bytes (as `cp` does) while this thread and one more read
        them from the page cache for the CRC the ZIP needs and the SHA-256 the manifest needs.

        zipfile has no API for data it did not see, so the entry's size and CRC are set on
        its writer (private fields, stable since Python 3.6) before it closes the entry.
        """
        if not all(hasattr(out, a) for a in ("_file_size", "_compress_size", "_crc")):
            raise _KernelCopyUnsupported
        fp = self.zf.fp
        fp.flush()
        start = fp.tell()
        copying = self._threads.submit(_kernel_copy, src.fileno(), fp.fileno(), start, total,
                                       self.cancel)
        digest, crc, read = hashlib.sha256(), 0, 0
        buffer = bytearray(READ_CHUNK)
        view = memoryview(buffer)
        try:
            while read < total and (n := os.preadv(src.fileno(), [buffer], read)):
                chunk = view[:n]
                hashing = self._threads.submit(digest.update, chunk)
                crc = zlib.crc32(chunk, crc)
                hashing.result()
                read += n
                if self.cancel.is_set():
                    break
        finally:
            copied = copying.result()
        if self.cancel.is_set():
            raise _Cancelled
        if copied == 0 and total:
            fp.seek(start)
            raise _KernelCopyUnsupported
        if read != total or copied != total:
            raise OSError(errno.EIO, f"the file changed size while it was copied ({total:,}"
                                     f" bytes, read {read:,}, copied {copied:,})")
        fp.seek(start + total)
        out._file_size = out._compress_size = total
        out._crc = crc
        return digest.hexdigest()

    def close(self) -> None:
        self._threads.shutdown()


def _check_incidents(case: Case, incidents: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(resolve_incident_id(case, i) for i in incidents))


def export_case(
    case: Case, out: str | Path, *, incidents: Sequence[str] = (), media: bool = True,
    progress: ProgressCallback = no_progress, cancel: CancelFlag | None = None,
    overwrite: bool = True, raw_csv: bool = False, title: str | None = None,
) -> ExportReport:
    """Write the package `out` (a .zip) of the whole case or of `incidents`.

    Returns the report; when cancelled, nothing is written (report.cancelled).
    Raises PackageError when the package cannot be written (nothing is left behind),
    or, with `overwrite` False, when `out` exists (checked first, and again when the
    finished package is put in place: an existing file is never touched);
    MediaError when an original in the case no longer matches its recorded hash.
    `raw_csv` writes data/*.csv exactly as stored, without the spreadsheet-formula guard.
    `title`: a partial package's title (package_identity.py; default: its incidents'
    titles); a partial package never carries the case's title or id.
    """
    cancel = cancel or NeverCancel()
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise PackageError(out, "a package's name ends in .zip")
    if not out.parent.is_dir():
        raise PackageError(out, "the folder to write the package in does not exist")
    if not overwrite and (out.exists() or out.is_symlink()):
        raise _exists(out)
    selection = Selection(_check_incidents(case, incidents), media)
    if title is not None:
        if selection.whole_case:
            raise PackageError(out, "a title is chosen for a package of some incidents"
                                    " (--incident); a whole-case package has the case's own")
        if checked_title(title) is None:
            raise PackageError(out, f"a package title is 1 to {TITLE_LIMIT} characters;"
                                    " nothing was written")
        title = checked_title(title)
    case.signer  # noqa: B018 -- unlock the key first: a wrong passphrase costs no export
    if not selection.whole_case:
        _refuse_login_name(case, out)
        _refuse_unexplained(case, out)
    report = ExportReport()
    leftovers.sweep_parts(out.parent, ".zip")   # of exports killed before they finished
    part = temporary_beside(out)   # published by _publish: never over a file unless --force
    try:
        with leftovers.scratch_dir("export") as scratch:
            manifest = _write_package(case, part, scratch, selection, report, progress,
                                      cancel, raw_csv, title)
        _publish(part, out, overwrite)
    except _Cancelled:
        _discard(part)
        report.cancelled = True
        return report
    except OSError as error:
        _discard(part)
        raise PackageError(out, f"cannot write the package: {error.strerror or error};"
                                " nothing was written") from error
    except BaseException:
        _discard(part)
        raise
    report.path = str(out)
    report.manifest_sha256 = manifest
    _record_export(case, out, manifest, selection, report)
    return report


def _record_export(case: Case, out: Path, manifest_sha256: str, selection: Selection,
                   report: ExportReport) -> None:
    """Chain of custody: the case's audit log says who sent which package when."""
    try:
        with case.write() as tx:
            tx.record("case.export", case.id, {
                "package": out.name, "manifest_sha256": manifest_sha256,
                "selection": selection.to_dict(), "files": report.files,
                "bytes": report.bytes, "missing": [m["id"] for m in report.missing],
                # The head the package showed: its later partial packages prove they hold it.
                "audit_head": report.audit_head})
    except BaseException:
        _discard(out)
        raise


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _exists(out: Path) -> PackageError:
    return PackageError(out, "already exists; nothing was written (choose another name, or"
                             " replace it: reviewer export --force)")


def _publish(part: Path, out: Path, overwrite: bool) -> None:
    with open(part, "rb") as handle:
        os.fsync(handle.fileno())
    if overwrite:
        os.replace(part, out)
    else:
        try:
            os.link(part, out)   # fails if `out` appeared meanwhile: never replaced
        except FileExistsError:
            raise _exists(out) from None
        except OSError:          # a file system without hard links (FAT on a USB stick)
            if out.exists() or out.is_symlink():
                raise _exists(out) from None
            os.replace(part, out)
        else:
            _discard(part)
    directory = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _refuse_unexplained(case: Case, out: Path) -> None:
    """A package of some incidents carries its items' rows without the records that made
    them (those stay home): its recipient cannot check them against the history, so the
    sender's app does before it signs. Found by an adversary's trial: an item's GPS edited
    in the case file with sqlite3 was signed by the next such export and read INTACT and
    trusted; a whole-case package is checked by its recipient."""
    unexplained = compare(case.conn, replay(case.conn))
    if unexplained:
        rows = len({(u.table, u.key) for u in unexplained})
        raise PackageError(case.db_path, (
            f"the case does not match its own history ({rows} row(s) it does not explain;"
            f" first: {unexplained[0].detail}): a package signed now would vouch for what"
            " was changed outside the app. Nothing was written; reviewer verify names every"
            " difference"))


def _check_provable(conn: sqlite3.Connection, left_out: dict[str, int]) -> None:
    """Refuse to write a package its recipient's verify would reject: every shared row must
    be explained by the history that travels with it."""
    unexplained = compare(conn, replay(conn), PARTIAL_TABLES)
    if not unexplained:
        return
    why = (" Records about them were written under your OS login (before your key had a"
           " name of your choosing) and cannot travel: a colleague cannot check them."
           if left_out.get("holding the sender's file paths or login") else "")
    raise PackageError("case.sqlite", (
        f"{len(unexplained)} shared row(s) could not be proven by the history that may"
        f" travel (first: {unexplained[0].detail}).{why} Nothing was written; export the"
        " whole case, or share these incidents from a case begun under your key's name"))


def _write_package(case: Case, part: Path, scratch: Path, selection: Selection,
                   report: ExportReport, progress: ProgressCallback,
                   cancel: CancelFlag, raw_csv: bool = False, title: str | None = None
                   ) -> str:
    """Write the whole ZIP to `part`; return the SHA-256 of its manifest."""
    db_copy = scratch / DATABASE
    conn = snapshot_database(case, db_copy)
    try:
        tree = audit_tree(conn)
        whole = _counts(conn)
        # Where linked originals are read from: the package keeps only their file names.
        linked_sources = {item_id: from_record(path, exact) for item_id, path, exact in
                          conn.execute("SELECT id, linked_path, linked_path_hex FROM evidence"
                                       " WHERE stored_path IS NULL")}
        now = utc_now()
        if not selection.whole_case:
            prune(conn, selection.incidents)
            drop_unshared_context(conn)
            redact_paths(conn)
            # Made again from what is kept: no word of a left-out incident or item stays.
            search.rebuild_clean(conn)
            history = prune_history(conn, private_of(str(case.path.absolute())))
            report.history = {"records": history.kept, "of": history.total,
                              "records_left_out": history.left_out}
            _check_provable(conn, history.left_out)
            # Neither the case's title nor its id travels (package_identity.py).
            _relabel(conn, partial_package_id(case.id), title or default_package_title(
                [t for (t,) in conn.execute("SELECT title FROM incidents ORDER BY created_at")]),
                case.signer, now, {"size": tree.size, "root": tree.root})
        else:
            report.history = {"records": tree.size, "of": tree.size, "records_left_out": {}}
        # Deleted rows must not linger in free pages of a file handed to someone else.
        conn.execute("VACUUM")
        # Reads the snapshot, finds originals in the case folder; never written through.
        view = Case(case.path, conn, case.actor)
        rows = _media_rows(view) if selection.media else []
        report.audit_head = view.meta("audit_head")
        report.counts = {table: view.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                         for table in ("evidence", "regions", "incidents", "attachments")}
        kept = _counts(conn)
        report.left_out = {table: whole[table] - kept[table] for table in whole}
        report.case_id, report.title = view.id, view.title
        package = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "case_id": view.id,
            "case_title": view.title, "exporter": case.actor, "exported_at": now,
            "app_version": __version__, "schema_version": SCHEMA_VERSION,
            "selection": selection.to_dict(), "counts": report.counts,
            "audit_head": view.meta("audit_head"),
            "audit_tree": tree_summary(conn, tree, report.history["records"]),
            # Counts only: what the package does not hold is not named.
            "left_out": report.left_out,
            "signer": manifest_signer(case.signer),
        }
        total = len(rows) + 3
        with zipfile.ZipFile(part, "x", allowZip64=True) as zf:
            writer = _PackageWriter(zf, datetime.now(UTC), cancel)
            try:
                files = _add_media(view, writer, rows, report, progress, total,
                                   linked_sources)
                writer.add_file(DATABASE, db_copy, zipfile.ZIP_DEFLATED)
                progress(Progress(len(rows) + 1, total, DATABASE))
                writer.add_bytes("data/regions.csv", regions_csv(view, raw=raw_csv))
                writer.add_bytes("data/incidents.csv", incidents_csv(view, raw=raw_csv))
                writer.add_bytes("data/incidents.geojson", incidents_geojson(view))
                writer.add_bytes(PROVENANCE_DOCUMENT, provenance_jsonld(view, package))
                # For Google Earth and QGIS: items, flight tracks, incidents with times.
                shown = map_features(view)
                writer.add_bytes("data/map.kml", map_kml(shown, view.meta("title") or "case"))
                writer.add_bytes("data/map.geojson", map_geojson(shown))
                progress(Progress(len(rows) + 2, total, "data"))
                for name, data in render_report(view, package, files):
                    writer.add_bytes(name, data, zipfile.ZIP_STORED if name.endswith(".jpg")
                                     else zipfile.ZIP_DEFLATED)
                    if cancel.is_set():
                        raise _Cancelled
                progress(Progress(total, total, "report"))
                package["linked_originals"] = _linked_entries(view, files, report)
                package["files"] = sorted(writer.files.values(), key=lambda f: f["path"])
                manifest = json.dumps(package, indent=1, ensure_ascii=False).encode("utf-8")
                zf.writestr(writer._info(MANIFEST, zipfile.ZIP_DEFLATED, len(manifest)),
                            manifest)
                for name, data in sign_manifest(case.signer, manifest, view.id, now).items():
                    zf.writestr(writer._info(name, zipfile.ZIP_DEFLATED, len(data)), data)
            finally:
                writer.close()
        report.files = len(writer.files)
        report.bytes = sum(f["bytes"] for f in writer.files.values())
        return hashlib.sha256(manifest).hexdigest()
    except sqlite3.Error as error:
        raise PackageError(case.db_path, f"cannot read the case for export: {error}") from error
    finally:
        conn.close()


def _refuse_login_name(case: Case, out: Path) -> None:
    """A key still named after the OS login (made without asking, in a script) would put
    the login in every row and record of a partial package, which must not carry it."""
    login = private_of(str(case.path.absolute())).login
    if login and case.signer.name == login:
        raise PackageError(out, f"your key is still named after your login ({login}), which a"
                                " package of some incidents must not carry: choose the name"
                                " others will see with reviewer key rename NAME; nothing was"
                                " written")


def _relabel(conn: sqlite3.Connection, package_id: str, title: str, signer: Identity,
             at: str, tree: dict[str, Any]) -> None:
    """Give a partial package's snapshot its own id and title, and sign its head (the
    case's head signature covers the case's id, which stays home) for that id, with the
    audit tree its records are proven against."""
    conn.execute("BEGIN")
    conn.executemany("UPDATE meta SET value = ? WHERE key = ?",
                     [(package_id, "case_id"), (title, "title")])
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if head and head[0]:
        sign_head(conn, signer, head[0], at, tree)
    conn.execute("COMMIT")


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("incidents", "evidence", "regions", "comparisons", "labels")}


def _linked_entries(view: Case, files: dict[str, str | None],
                    report: ExportReport) -> list[dict[str, Any]]:
    missing = {m["id"] for m in report.missing}
    return [{"id": row[0], "sha256": row[1], "linked_path": row[2], "path": files.get(row[0]),
             "included": row[0] not in missing and files.get(row[0]) is not None}
            for row in view.conn.execute(
                "SELECT id, sha256, linked_path FROM evidence WHERE stored_path IS NULL")]


def _add_media(view: Case, writer: _PackageWriter, rows: list[dict[str, Any]],
               report: ExportReport, progress: ProgressCallback, total: int,
               linked_sources: dict[str, str]) -> dict[str, str | None]:
    """Copy every original in; return each item's path in the package (None if missing)."""
    files: dict[str, str | None] = {}
    for done, row in enumerate(rows, 1):
        if writer.cancel.is_set():
            raise _Cancelled
        linked = not row["stored_path"]
        name = linked_arcname(row["sha256"], row["linked_path"]) if linked else row["stored_path"]
        source = Path(linked_sources[row["id"]]) if linked else view.path / row["stored_path"]
        if name in writer.files:
            files[row["id"]] = name
            continue
        try:
            sha256 = writer.add_file(name, source)
        except (FileNotFoundError, PermissionError, NotADirectoryError) as error:
            if not linked:
                raise MediaError(source, f"the original of {row['original_name']} is missing"
                                         " from the case (run reviewer verify); no package was"
                                         " written") from error
            report.missing.append({"id": row["id"], "path": str(source),
                                   "detail": f"linked original not reachable ({error.strerror});"
                                             " listed in the manifest, not included"})
            files[row["id"]] = None
            continue
        if sha256 != row["sha256"]:
            raise MediaError(source, f"the bytes of {row['original_name']} changed since import"
                                     f" (SHA-256 {sha256}, the case recorded {row['sha256']});"
                                     " no package was written")
        files[row["id"]] = name
        progress(Progress(done, total, row["original_name"], len(report.missing)))
    return files
