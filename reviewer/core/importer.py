"""Import photos into a case: parallel per-file work, one writer committing in batches.

Workers (processes, so exifread and the decoders use every core) prepare each
file; this process alone writes to the database. Each item is committed with its
media file moved into place and its audit record in one transaction, so an item
is either all there or absent, whenever the import stops.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.core import media_store
from reviewer.core.case import Case, Transaction
from reviewer.core.clock import new_id
from reviewer.core.discover import VIDEO_SUFFIXES, discover
from reviewer.core.ingest import Failed, Prepared, prepare_photo
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress

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
    cancelled: bool = False

    def to_dict(self) -> dict:
        return {"imported": self.imported, "duplicates": self.duplicates, "errors": self.errors,
                "warnings": self.warnings, "skipped": self.skipped, "cancelled": self.cancelled}

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings and not self.cancelled


def import_paths(
    case: Case, paths: Iterable[str | Path], *, recursive: bool = False, link: bool = False,
    progress: ProgressCallback = no_progress, cancel: CancelFlag | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import files and folders; per-file problems are reported, never raised."""
    cancel = cancel or NeverCancel()
    report = ImportReport()
    found = discover(list(paths), recursive=recursive)
    report.errors.extend({"path": p, "error": e} for p, e in found.errors)
    report.skipped.extend(found.skipped)
    media_store.sweep_abandoned_parts(case.path)

    photos = []
    for path in found.files:
        if path.suffix.lower() in VIDEO_SUFFIXES:
            report.errors.append({"path": str(path),
                                  "error": "video import is not available in this version yet"})
        else:
            photos.append(str(path))

    total, done = len(photos), 0
    batch: list[Prepared] = []
    last_commit = time.monotonic()
    for result in _prepare_all(photos, str(case.path), link, cancel, workers):
        done += 1
        if isinstance(result, Failed):
            report.errors.append({"path": result.path, "error": result.error})
        else:
            batch.append(result)
        if len(batch) >= BATCH_ITEMS or time.monotonic() - last_commit > BATCH_SECONDS:
            _commit(case, batch, report)
            batch, last_commit = [], time.monotonic()
        progress(Progress(done, total, result.path, len(report.errors)))
    _commit(case, batch, report)
    report.cancelled = cancel.is_set() and done < total
    return report


def _pool_context() -> multiprocessing.context.BaseContext:
    # Never fork: the app imports from a Qt process with threads running.
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["reviewer.core.ingest"])
    return context


def _prepare_all(paths: list[str], case_path: str, link: bool, cancel: CancelFlag,
                 workers: int | None) -> Iterator[Prepared | Failed]:
    owner = os.getpid()
    workers = workers or os.cpu_count() or 1
    if len(paths) < POOL_THRESHOLD or workers == 1:
        for path in paths:
            if cancel.is_set():
                return
            yield prepare_photo(path, case_path, link, owner)
        return
    pending = iter(paths)
    window = workers * 3   # enough queued work to keep every worker busy, little to cancel
    with ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=_pool_context(),
                             initializer=_ignore_interrupts) as pool:
        running: set[Future] = set()
        try:
            while True:
                while len(running) < window and not cancel.is_set():
                    path = next(pending, None)
                    if path is None:
                        break
                    running.add(pool.submit(prepare_photo, path, case_path, link, owner))
                if not running:
                    return
                finished, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
                if cancel.is_set():
                    _abandon(running)
                    return
        finally:
            _abandon(running)


def _ignore_interrupts() -> None:
    # Ctrl+C reaches the whole process group; only the writer decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _abandon(running: set[Future]) -> None:
    """Drop work that will not be committed, removing its temporary copies."""
    for future in running:
        if not future.cancel():
            result = future.result()
            if isinstance(result, Prepared):
                media_store.discard(result.part)
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
                    duplicates.append({"path": item.path, "id": existing[0]})
                    continue
                imported.append(_insert(tx, case, item))
                warnings.extend({"path": item.path, "warning": w} for w in item.warnings)
    except Exception:
        for item in batch:
            media_store.discard(item.part)
        raise
    report.imported.extend(imported)
    report.duplicates.extend(duplicates)
    report.warnings.extend(warnings)


def _insert(tx: Transaction, case: Case, item: Prepared) -> dict:
    evidence_id = new_id()
    source = Path(item.path)
    stored = None
    if not item.link:
        stored = media_store.stored_relpath(item.sha256, item.ext)
        media_store.place(case.path, Path(item.part), stored)
    row = {
        "id": evidence_id, "kind": item.kind, "sha256": item.sha256, "bytes": item.bytes,
        "original_name": source.name, "original_path": str(source.absolute()),
        "stored_path": stored, "linked_path": str(source.resolve()) if item.link else None,
        "mime": item.mime, "format": item.format, "width": item.width, "height": item.height,
        **item.fields, "imported_at": tx.at, "imported_by": tx.actor,
    }
    columns = ", ".join(row)
    tx.conn.execute(f"INSERT INTO evidence ({columns}) VALUES ({', '.join('?' * len(row))})",
                    list(row.values()))
    tx.conn.executemany("INSERT INTO exif (evidence_id, tag, value) VALUES (?, ?, ?)",
                        [(evidence_id, tag, value) for tag, value in item.tags.items()])
    tx.record("evidence.import", evidence_id, {
        "path": row["original_path"], "sha256": item.sha256, "bytes": item.bytes,
        "kind": item.kind, "linked": item.link, "warnings": item.warnings,
    })
    return {"id": evidence_id, "path": item.path, "sha256": item.sha256, "kind": item.kind}
