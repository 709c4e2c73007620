"""Import photos into a case: parallel per-file work, one writer committing in batches.

Workers (processes, so exifread and the decoders use every core) prepare each
file; this process alone writes to the database. Each item is committed with its
media file moved into place and its audit record in one transaction, so an item
is either all there or absent, whenever the import stops.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.core import media_store, worker_exit
from reviewer.core.case import Case, Transaction
from reviewer.core.clock import new_id
from reviewer.core.credentials_in import hash_named_stem, insert_credentials, is_proofmode_sidecar
from reviewer.core.discover import VIDEO_SUFFIXES, discover, media_suffix
from reviewer.core.errors import DiskFullError, ImportStoppedError, MediaError
from reviewer.core.ingest import Failed, Prepared, prepare_photo, prepare_video
from reviewer.core.names import display_name, exact_bytes_hex
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.similar import store_hash

BATCH_ITEMS = 64
BATCH_SECONDS = 0.5
# Below this many files a pool costs more to start than it saves.
POOL_THRESHOLD = 4


@dataclass
class ImportReport:
    imported: list[dict] = field(default_factory=list)     # id, path, sha256, kind
    duplicates: list[dict] = field(default_factory=list)   # path, id
    errors: list[dict] = field(default_factory=list)       # path, error
    warnings: list[dict] = field(default_factory=list)     # path, warning (imported anyway)
    skipped: list[str] = field(default_factory=list)       # non-media files met in folders
    hidden: list[str] = field(default_factory=list)        # media files named ".x.jpg" there
    # Unfinished copies of an import that was killed, removed before this one began.
    interrupted: list[str] = field(default_factory=list)
    cancelled: bool = False

    def to_dict(self) -> dict:
        return {"imported": self.imported, "duplicates": self.duplicates, "errors": self.errors,
                "warnings": self.warnings, "skipped": self.skipped, "hidden": self.hidden,
                "interrupted": self.interrupted, "cancelled": self.cancelled}

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings and not self.cancelled


def import_paths(
    case: Case, paths: Iterable[str | Path], *, recursive: bool = False, link: bool = False,
    frames_every: float | None = None, frames_scenes: bool = False,
    progress: ProgressCallback = no_progress, cancel: CancelFlag | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import files and folders; per-file problems are reported, never raised.

    With `frames_every` (seconds) or `frames_scenes`, frames of every video named
    (new, or already in the case) are then kept as evidence items too.
    """
    cancel = cancel or NeverCancel()
    report = ImportReport()
    found = discover(list(paths), recursive=recursive)
    # Paths in the report are display forms (valid UTF-8): it is printed and sent as JSON.
    report.errors.extend({"path": display_name(p), "error": e} for p, e in found.errors)
    # A drone's SRT beside its video is imported with it, not skipped.
    videos = {(p.parent, p.stem) for p in found.files if p.suffix.lower() in VIDEO_SUFFIXES}
    report.hidden.extend(display_name(h) for h in found.hidden)
    # ProofMode's signature and proof files beside a photo come with it too.
    media_names: dict[Path, set[str]] = {}
    for path in found.files:
        media_names.setdefault(path.parent, set()).add(path.name)
    # ProofMode's files named by a SHA-256 are known only once the media is hashed.
    by_hash = [Path(s) for s in found.skipped if hash_named_stem(Path(s).name)]
    report.skipped.extend(display_name(s) for s in found.skipped
                          if not (Path(s).suffix.lower() == ".srt"
                                  and (Path(s).parent, Path(s).stem) in videos)
                          and not is_proofmode_sidecar(
                              Path(s), media_names.get(Path(s).parent, set()))
                          and Path(s) not in by_hash)
    # Opening the case removed them already (the command line opens it for this import);
    # said here too, so the run after a killed one tells what became of it.
    abandoned = [str(part) for part in media_store.abandoned_parts(case.path)]
    media_store.sweep_abandoned_parts(case.path)
    report.interrupted = list(dict.fromkeys([*case.removed_leftovers, *abandoned]))

    files = [str(path) for path in found.files]
    total, done = len(files), 0
    batch: list[Prepared] = []
    last_commit = time.monotonic()
    try:
        for result in _prepare_all(files, str(case.path), link, cancel, workers):
            done += 1
            if isinstance(result, Failed):
                if _NO_SPACE in result.error:
                    raise OSError(errno.ENOSPC, result.error)
                report.errors.append({"path": display_name(result.path),
                                      "error": display_name(result.error)})
            else:
                # A reason may quote part of a name ("the name ends in .jp\xff"): text for
                # SQLite and JSON must be valid UTF-8.
                result.warnings = [display_name(w) for w in result.warnings]
                batch.append(result)
            if len(batch) >= BATCH_ITEMS or time.monotonic() - last_commit > BATCH_SECONDS:
                _commit(case, batch, report)
                batch, last_commit = [], time.monotonic()
            progress(Progress(done, total, display_name(result.path), len(report.errors)))
        _commit(case, batch, report)
    except BrokenProcessPool as error:
        # A worker killed (out of memory, by hand): the files it had are unknown, so stop,
        # keeping what is prepared.
        _commit(case, batch, report)
        raise ImportStoppedError(case.path, (
            "a worker process preparing the files ended unexpectedly (killed, or out of"
            f" memory): the import stopped after committing {len(report.imported)} item(s);"
            f" {len(_not_imported(files, report))} file(s) were not imported. Run the same"
            " import again to finish: what is in the case is complete and kept"),
            report, _not_imported(files, report)) from error
    except Exception as error:
        if not _disk_full(error, case.path):
            raise
        _commit_what_fits(case, batch, report)
        raise _stopped_by_full_disk(case, files, report) from error
    report.cancelled = cancel.is_set() and done < total
    _report_unmatched_proofmode_files(case, by_hash, report)
    if (frames_every or frames_scenes) and not cancel.is_set():
        _extract(case, report, frames_every, frames_scenes, progress, cancel)
    return report


def _report_unmatched_proofmode_files(case: Case, files: list[Path],
                                      report: ImportReport) -> None:
    """A ProofMode file named by a SHA-256 that no item has: the media it signed was
    changed (or left out), which must not pass unseen."""
    for path in files:
        stem = hash_named_stem(path.name)
        if case.conn.execute("SELECT 1 FROM evidence WHERE sha256 = ?", (stem,)).fetchone():
            continue
        report.skipped.append(display_name(path))
        report.warnings.append({"path": display_name(path), "warning": (
            "ProofMode file named by a SHA-256 that no imported file has: the media it"
            " signed was changed after signing, or is not in this import")})


# A worker reports a full disk as a failed file, worded by os.strerror in this locale.
_NO_SPACE = os.strerror(errno.ENOSPC)
_SQLITE_FULL, _SQLITE_IOERR = 13, 10


def _disk_full(error: BaseException, case_path: Path) -> bool:
    """Whether `error` (or what caused it) is the disk running out of space."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(error, sqlite3.Error):
            code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
            if code == _SQLITE_FULL or "disk is full" in str(error):
                return True
            # SQLite says only "disk I/O error" when the log cannot grow on a full disk.
            if code == _SQLITE_IOERR and shutil.disk_usage(case_path).free < (1 << 20):
                return True
        error = error.__cause__ or error.__context__
    return False


def _not_imported(files: list[str], report: ImportReport) -> list[str]:
    handled = {i["path"] for i in report.imported} | {d["path"] for d in report.duplicates}
    handled |= {e["path"] for e in report.errors}
    return [display_name(path) for path in files if display_name(path) not in handled]


def _stopped_by_full_disk(case: Case, files: list[str], report: ImportReport
                          ) -> DiskFullError:
    not_imported = _not_imported(files, report)
    free = shutil.disk_usage(case.path).free
    return DiskFullError(case.path, (
        f"the disk is full ({free:,} bytes free): the import stopped after committing"
        f" {len(report.imported)} item(s); {len(not_imported)} file(s) were not imported."
        " Free some space and import again: what is in the case is complete and kept"),
        report, not_imported)


def _commit_what_fits(case: Case, batch: list[Prepared], report: ImportReport) -> None:
    """Commit the items already copied in, if the disk still has room for their records."""
    try:
        _commit(case, batch, report)   # removes their copies itself if it fails
    except Exception as error:
        if not _disk_full(error, case.path):
            raise


def _discard_batch(batch: list[Prepared]) -> None:
    for item in batch:
        media_store.discard(item.part)
        for attachment in item.attachments:
            media_store.discard(str(attachment["part"]))


def _extract(case: Case, report: ImportReport, every_s: float | None, scenes: bool,
             progress: ProgressCallback, cancel: CancelFlag) -> None:
    from reviewer.core.frames import extract_frames

    named = [(i["path"], i["id"]) for i in report.imported if i["kind"] == "video"]
    named += [(d["path"], d["id"]) for d in report.duplicates]
    for path, evidence_id in named:
        kind = case.conn.execute("SELECT kind FROM evidence WHERE id = ?",
                                 (evidence_id,)).fetchone()[0]
        if kind != "video" or cancel.is_set():
            continue
        try:
            frames = extract_frames(case, evidence_id, every_s=every_s, scenes=scenes,
                                    progress=progress, cancel=cancel)
        except MediaError as error:
            report.errors.append({"path": path, "error": f"frames: {error.reason}"})
            continue
        report.imported.extend(frames.imported)
        report.warnings.extend({"path": path, "warning": w} for w in frames.warnings)
        report.cancelled = report.cancelled or frames.cancelled


def _pool_context() -> multiprocessing.context.BaseContext:
    # Never fork: the app imports from a Qt process with threads running.
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["reviewer.core.importer"])
    worker_exit.start_helpers(method)
    return context


def _prepare_all(paths: list[str], case_path: str, link: bool, cancel: CancelFlag,
                 workers: int | None) -> Iterator[Prepared | Failed]:
    owner = os.getpid()
    workers = workers or os.cpu_count() or 1
    if len(paths) < POOL_THRESHOLD or workers == 1:
        for path in paths:
            if cancel.is_set():
                return
            yield _prepare_one(path, case_path, link, owner)
        return
    pending = iter(paths)
    window = workers * 3   # enough queued work to keep every worker busy, little to cancel
    with ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=_pool_context(),
                             initializer=worker_exit.start_worker, initargs=(owner,)) as pool:
        running: set[Future] = set()
        # Finished but not yet handed out: when the import stops at one of them (a full
        # disk), the copies the others made are removed with the running ones' (they were
        # left in media/.incoming until the next import swept them).
        unread: list[Future] = []
        try:
            while True:
                while len(running) < window and not cancel.is_set():
                    path = next(pending, None)
                    if path is None:
                        break
                    running.add(pool.submit(_prepare_one, path, case_path, link, owner))
                if not running:
                    return
                finished, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                unread = list(finished)
                while unread:
                    yield unread.pop().result()
                if cancel.is_set():
                    _abandon(running)
                    return
        finally:
            _abandon(running | set(unread))


def _prepare_one(path: str, case_path: str, link: bool, owner: int) -> Prepared | Failed:
    if media_suffix(Path(path)) in VIDEO_SUFFIXES:
        return prepare_video(path, case_path, link, owner)
    return prepare_photo(path, case_path, link, owner)


def _abandon(running: set[Future]) -> None:
    """Drop work that will not be committed, removing its temporary copies."""
    for future in running:
        if not future.cancel():
            try:
                result = future.result()
            except BrokenProcessPool:
                continue   # its worker died: its copy goes with the next sweep
            if isinstance(result, Prepared):
                media_store.discard(result.part)
                for attachment in result.attachments:      # a video's telemetry copy
                    media_store.discard(str(attachment["part"]))
    running.clear()


def _commit(case: Case, batch: list[Prepared], report: ImportReport) -> None:
    if not batch:
        return
    imported, duplicates, warnings = [], [], []
    try:
        with case.write() as tx:
            for item in batch:
                existing = tx.conn.execute(
                    "SELECT id FROM evidence WHERE sha256 = ? AND kind IN ('photo', 'video')",
                    (item.sha256,)).fetchone()
                if existing:
                    media_store.discard(item.part)
                    for attachment in item.attachments:
                        media_store.discard(str(attachment["part"]))
                    duplicates.append({"path": display_name(item.path), "id": existing[0]})
                    warnings.extend(_sidecars_left_out(tx, existing[0], item))
                    continue
                imported.append(_insert(tx, case, item))
                warnings.extend({"path": display_name(item.path), "warning": w}
                                for w in item.warnings)
    except Exception:
        _discard_batch(batch)
        raise
    report.imported.extend(imported)
    report.duplicates.extend(duplicates)
    report.warnings.extend(warnings)


def _sidecars_left_out(tx: Transaction, evidence_id: str, item: Prepared) -> list[dict]:
    """A file that comes with a photo or video already in the case (a drone's telemetry,
    a ProofMode signature) which that item does not keep: named, not dropped without a
    word (the item in the case is not changed by an import)."""
    kept = {row[0] for row in tx.conn.execute(
        "SELECT sha256 FROM attachments WHERE evidence_id = ?", (evidence_id,))}
    return [{"path": display_name(Path(item.path).with_name(str(attachment["original_name"]))),
             "warning": f"not added ({attachment['role']}): its {item.kind} is already in the"
                        f" case as {evidence_id[:8]}, kept without this file"}
            for attachment in item.attachments if attachment["sha256"] not in kept]


def _insert(tx: Transaction, case: Case, item: Prepared) -> dict:
    evidence_id = new_id()
    source = Path(item.path)
    stored = None
    if not item.link:
        stored = media_store.stored_relpath(item.sha256, item.ext)
        media_store.place(case.path, Path(item.part), stored)
    original_path = str(source.absolute())
    linked_path = str(source.resolve()) if item.link else None
    row = {
        "id": evidence_id, "kind": item.kind, "sha256": item.sha256, "bytes": item.bytes,
        "original_name": display_name(source.name), "original_path": display_name(original_path),
        "stored_path": stored, "linked_path": display_name(linked_path) if linked_path else None,
        # The exact bytes of a name that is not UTF-8 (names.py); NULL where the text is exact.
        "original_name_hex": exact_bytes_hex(source.name),
        "original_path_hex": exact_bytes_hex(original_path),
        "linked_path_hex": exact_bytes_hex(linked_path) if linked_path else None,
        "mime": item.mime, "format": item.format, "width": item.width, "height": item.height,
        **item.fields, "imported_at": tx.at, "imported_by": tx.actor,
    }
    columns = ", ".join(row)
    tx.conn.execute(f"INSERT INTO evidence ({columns}) VALUES ({', '.join('?' * len(row))})",
                    list(row.values()))
    tx.conn.executemany("INSERT INTO exif (evidence_id, tag, value) VALUES (?, ?, ?)",
                        [(evidence_id, tag, value) for tag, value in item.tags.items()])
    hashed = store_hash(tx, evidence_id, item.picture_hash) if item.picture_hash else None
    details = {"path": row["original_path"], "sha256": item.sha256, "bytes": item.bytes,
               "kind": item.kind, "linked": item.link, "warnings": item.warnings}
    if row["original_path_hex"]:
        details["path_hex"] = row["original_path_hex"]
    if item.fields.get("damaged"):
        details["damaged"] = item.fields.get("damage_reason")
    if hashed:
        details["picture_hashes"] = hashed["hashes"]
    if item.credentials:
        insert_credentials(tx.conn, evidence_id, item.credentials, tx.at)
        details["credentials"] = {c.standard: c.state for c in item.credentials}
    tx.record("evidence.import", evidence_id, details)
    for attachment in item.attachments:
        _attach(tx, case, evidence_id, attachment)
    return {"id": evidence_id, "path": display_name(item.path), "sha256": item.sha256,
            "kind": item.kind, "damaged": bool(item.fields.get("damaged"))}


def _attach(tx: Transaction, case: Case, evidence_id: str, attachment: dict) -> None:
    stored = media_store.stored_relpath(str(attachment["sha256"]), str(attachment["ext"]))
    media_store.place(case.path, Path(str(attachment["part"])), stored)
    attachment_id = new_id()
    tx.conn.execute(
        "INSERT INTO attachments (id, evidence_id, role, sha256, bytes, original_name,"
        " original_path, original_path_hex, stored_path, details, imported_at, imported_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (attachment_id, evidence_id, attachment["role"], attachment["sha256"],
         attachment["bytes"], display_name(str(attachment["original_name"])),
         display_name(str(attachment["original_path"])),
         exact_bytes_hex(str(attachment["original_path"])),
         stored, json.dumps(attachment["details"]), tx.at, tx.actor))
    tx.record("attachment.add", attachment_id, {
        "evidence_id": evidence_id, "role": attachment["role"],
        "sha256": attachment["sha256"],
        "original_name": display_name(str(attachment["original_name"]))})
