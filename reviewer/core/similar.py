"""Near-duplicates: pictures in a case that look alike, found by perceptual hash.

SHA-256 stays every item's identity; similarity is a lead, always shown with its
distance in bits (core/phash.py). Hashes are made at import (in the workers), for
kept frames, and for items imported before hashing existed by `rebuild_hashes`.
A query compares one item's hashes with every stored hash at once (numpy popcount
over an in-memory table, re-read only when the case's hashes change).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.core import imaging, phash, similar_index, video
from reviewer.core.case import Case, Transaction, open_case
from reviewer.core.changes import NO_CHANGES, Changes, added, record_changes, removed
from reviewer.core.errors import MediaError, NotFoundError
from reviewer.core.evidence import get_evidence, media_path
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress


@dataclass(frozen=True)
class SimilarItem:
    id: str
    distance: int                # bits, 0..64: 0 is the same picture to the hash
    best_source: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "distance": self.distance, "best_source": self.best_source}


@dataclass
class RebuildReport:
    hashed: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)   # id, error
    too_plain: list[str] = field(default_factory=list)   # too small or flat to compare
    cancelled: bool = False


# -- storing -------------------------------------------------------------------------
def store_hash(tx: Transaction, evidence_id: str, picture: phash.PictureHash,
               frame_ms: int = 0) -> dict[str, Any]:
    """Write one picture hash inside `tx`; returns the row as written (for the audit)."""
    tx.conn.execute("INSERT OR REPLACE INTO picture_hashes (evidence_id, frame_ms, hashes)"
                    " VALUES (?, ?, ?)", (evidence_id, frame_ms, picture.to_bytes()))
    return {"evidence_id": evidence_id, "frame_ms": frame_ms,
            "hashes": [f"{v:016x}" for v in picture.values]}


def hash_media(path: Path) -> phash.PictureHash | None:
    """The hashes of an image file as the import makes them (None: too small or flat to
    compare); MediaError if it will not decode."""
    try:
        with imaging.open_image(path) as image:
            info = imaging.image_info(image)
            return phash.hash_image(imaging.decode_small(path, image, info))
    except FileNotFoundError as error:
        raise MediaError(path, "the file is missing") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise MediaError(path, f"the image does not decode: {error}") from error


def rebuild_hashes(case: Case, *, everything: bool = False,
                   ids: Iterable[str] | None = None,
                   progress: ProgressCallback = no_progress,
                   cancel: CancelFlag | None = None) -> RebuildReport:
    """Hash the items that have no hash yet (all of them with `everything`, or `ids`).

    An item whose media is missing or does not decode gets no hash and an error line;
    the rest go on. Written in batches, each one audited transaction.
    """
    cancel = cancel or NeverCancel()
    report = RebuildReport()
    if ids is not None:
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        rows = case.conn.execute(f"SELECT id, kind FROM evidence WHERE id IN"
                                 f" ({marks}) ORDER BY imported_at, id", wanted).fetchall()
    else:
        missing = "" if everything else \
            " WHERE id NOT IN (SELECT evidence_id FROM picture_hashes)"
        rows = case.conn.execute(f"SELECT id, kind FROM evidence{missing}"
                                 " ORDER BY imported_at, id").fetchall()
    batch: list[tuple[str, int, phash.PictureHash]] = []
    for done, (evidence_id, kind) in enumerate(rows, 1):
        if cancel.is_set():
            report.cancelled = True
            break
        try:
            path = media_path(case, get_evidence(case, evidence_id))
            # A video is known by its first frame; its kept frames are items of their own,
            # hashed like photos.
            picture = phash.hash_frame(video.frame_at(path, 0).image) if kind == "video" \
                else hash_media(path)
            if picture is None:
                report.too_plain.append(evidence_id)
            else:
                batch.append((evidence_id, 0, picture))
        except (MediaError, NotFoundError) as error:
            report.errors.append({"id": evidence_id, "error": error.reason})
        except Exception as error:  # a decoder bug on a hostile file must not stop the rest
            report.errors.append({"id": evidence_id, "error": f"unexpected"
                                  f" {type(error).__name__} while hashing: {error}"})
        progress(Progress(done, len(rows), evidence_id, len(report.errors)))
        if len(batch) >= 200:
            _write_batch(case, batch, report)
            batch = []
    _write_batch(case, batch, report)
    return report


def _write_batch(case: Case, batch: list[tuple[str, int, phash.PictureHash]],
                 report: RebuildReport) -> None:
    if not batch:
        return
    with case.write() as tx:
        rows = [store_hash(tx, evidence_id, picture, at) for evidence_id, at, picture in batch]
        tx.record("similar.hash", None, {"hashed": rows})
    report.hashed.extend(dict.fromkeys(evidence_id for evidence_id, _, _ in batch))


# -- querying --------------------------------------------------------------------------
class _Table:
    """Every stored hash of a case as one array, with the item each row belongs to."""

    def __init__(self, key: tuple[Any, ...], ids: list[str], hashes: np.ndarray) -> None:
        self.key = key
        self.ids = ids
        self.hashes = hashes            # (HASHES, n): one contiguous row per kind of hash
        self.row_of: dict[str, list[int]] = {}
        for row, evidence_id in enumerate(ids):
            self.row_of.setdefault(evidence_id, []).append(row)


# One table per case database, shared by every connection of this process (the app's and
# its jobs'), so that one read at opening (warm_up) serves every later query.
_tables: dict[str, _Table] = {}
_tables_lock = threading.Lock()


def _table(case: Case) -> _Table:
    # Writing or replacing a hash gives its row a new, higher rowid, and a case never
    # deletes one (only a package's pruned copy does): the highest rowid says whether the
    # table in memory is current, at the cost of one index lookup.
    key = case.conn.execute("SELECT max(rowid) FROM picture_hashes").fetchone()
    with _tables_lock:
        cached = _tables.get(str(case.db_path))
        if cached is not None and cached.key == key:
            return cached
    rows = case.conn.execute("SELECT evidence_id, hashes FROM picture_hashes").fetchall()
    ids = [row[0] for row in rows]
    width = phash.HASHES * 8
    usable = [row[1] for row in rows if len(row[1]) == width]
    if len(usable) != len(rows):   # a row from another hash layout: leave it out
        ids = [row[0] for row in rows if len(row[1]) == width]
    data = np.frombuffer(b"".join(usable), dtype="<u8").astype(np.uint64)
    table = _Table(key, ids, np.ascontiguousarray(data.reshape(len(ids), phash.HASHES).T))
    with _tables_lock:
        _tables[str(case.db_path)] = table
    return table


def warm_up(case_path: Path, *, progress: ProgressCallback = no_progress,
            cancel: CancelFlag | None = None) -> int:
    """Read a case's hashes into memory ahead of the first query (the app, at opening)."""
    with open_case(case_path, actor="reader") as case:
        return len(_table(case).ids)


def is_loaded(case: Case) -> bool:
    """Whether this case's hashes have been read into memory (by a query or warm_up)."""
    with _tables_lock:
        return str(case.db_path) in _tables


def has_hash(case: Case, evidence_id: str) -> bool:
    return case.conn.execute("SELECT 1 FROM picture_hashes WHERE evidence_id = ? LIMIT 1",
                             (evidence_id,)).fetchone() is not None


def similar_to(case: Case, evidence_id: str, threshold: int = phash.DEFAULT_THRESHOLD
               ) -> list[SimilarItem]:
    """Items whose pictures are at most `threshold` bits from this one's, nearest first.

    An item with no hash (not a picture, or it did not decode) has no similar items.
    """
    table = _table(case)
    rows = table.row_of.get(evidence_id)
    if not rows:
        return []
    best = np.full(len(table.ids), 64, dtype=np.uint8)
    for row in rows:
        np.minimum(best, phash.distances(table.hashes[:, row], table.hashes), out=best)
    near = np.nonzero(best <= threshold)[0]
    found: dict[str, int] = {}
    for row in near:
        other = table.ids[row]
        if other != evidence_id:
            found[other] = min(found.get(other, 65), int(best[row]))
    marked = _best_sources(case)
    return sorted((SimilarItem(i, d, i in marked) for i, d in found.items()),
                  key=lambda item: (item.distance, item.id))


def groups(case: Case, threshold: int = phash.DEFAULT_THRESHOLD, *,
           cancel: CancelFlag | None = None) -> list[list[SimilarItem]]:
    """Every set of items linked by near-duplicate pairs, largest first.

    Each item carries its distance to the group's first item (its best source when one
    is marked, else the earliest imported).
    """
    table = _table(case)
    count = len(table.ids)
    cancel = cancel or NeverCancel()
    linked = linked_rows(table.hashes, threshold, cancel=cancel)
    if linked is None:
        return []
    roots = similar_index.components(count, *linked)
    members: dict[int, set[str]] = {}
    for row, root in enumerate(roots.tolist()):
        members.setdefault(root, set()).add(table.ids[row])
    marked = _best_sources(case)
    order = {row[0]: n for n, row in enumerate(case.conn.execute(
        "SELECT id FROM evidence ORDER BY imported_at, coalesce(taken_at_utc, taken_at),"
        " original_name, id"))}
    result = []
    for ids in members.values():
        if len(ids) < 2:
            continue
        first = min(ids, key=lambda i: (i not in marked, order.get(i, 0)))
        rest = sorted((SimilarItem(i, _pair_distance(table, first, i), i in marked)
                       for i in ids if i != first),
                      key=lambda item: (item.distance, order.get(item.id, 0)))
        result.append([SimilarItem(first, 0, first in marked), *rest])
    return sorted(result, key=lambda group: (-len(group), group[0].id))


# Under this many hashes, comparing every pair is quicker than building the index.
_BRUTE_FORCE_BELOW = 3000


def linked_rows(hashes: np.ndarray, threshold: int, *, cancel: CancelFlag | None = None,
                brute_force: bool | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Every pair of rows of `hashes` (HASHES, n) whose pictures are at most `threshold`
    bits apart (as phash.distances measures), as two arrays; None when cancelled.

    The distance is the smallest over whole-whole, centre-centre and whole-cut (either
    way round), so the pairs are the union of those joins, each found by the
    multi-index (similar_index.py) instead of every pair (`brute_force`: the reference).
    """
    cancel = cancel or NeverCancel()
    count = hashes.shape[1]
    if brute_force is None:
        brute_force = count < _BRUTE_FORCE_BELOW or not similar_index.usable(threshold)
    if brute_force:
        return _linked_rows_brute(hashes, threshold, cancel)
    found_a, found_b = [], []
    # The whole against the other's whole and cuts in one index (row = position mod n),
    # the centre against centres in another.
    wholes_and_cuts = np.concatenate([hashes[0], *hashes[2:]])
    for probe, others in ((hashes[0], wholes_and_cuts), (hashes[1], hashes[1])):
        a, b = similar_index.near_pairs(probe, others, threshold, stop=cancel.is_set)
        if cancel.is_set():
            return None
        b = b % count
        keep = a != b
        found_a.append(a[keep])
        found_b.append(b[keep])
    return np.concatenate(found_a), np.concatenate(found_b)


def _linked_rows_brute(hashes: np.ndarray, threshold: int, cancel: CancelFlag
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    count = hashes.shape[1]
    found_a, found_b = [], []
    for row in range(count):
        if row % 1024 == 0 and cancel.is_set():
            return None
        near = np.nonzero(phash.distances(hashes[:, row], hashes[:, row + 1:])
                          <= threshold)[0]
        if len(near):
            found_a.append(np.full(len(near), row, dtype=np.int64))
            found_b.append(near.astype(np.int64) + row + 1)
    if not found_a:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(found_a), np.concatenate(found_b)


def group_of(case: Case, evidence_id: str, threshold: int = phash.DEFAULT_THRESHOLD
             ) -> list[str]:
    """The ids of an item's group (as `groups` joins them), the item first.

    Walks near-duplicate links from the item: one query per member, not every pair of
    the case.
    """
    members = [evidence_id]
    seen = {evidence_id}
    for member in members:
        for item in similar_to(case, member, threshold):
            if item.id not in seen:
                seen.add(item.id)
                members.append(item.id)
    return members


def _pair_distance(table: _Table, a: str, b: str) -> int:
    rows_b = table.hashes[:, table.row_of[b]]
    return int(min(phash.distances(table.hashes[:, row], rows_b).min()
                   for row in table.row_of[a]))


def near_duplicates_between(case: Case, new_ids: Iterable[str],
                            threshold: int = phash.DEFAULT_THRESHOLD) -> list[dict[str, Any]]:
    """For items just added (a merge), the items already in the case that look alike."""
    new = set(new_ids)
    found = []
    for evidence_id in sorted(new):
        for item in similar_to(case, evidence_id, threshold):
            if item.id not in new:
                found.append({"id": evidence_id, "similar_id": item.id,
                              "distance": item.distance,
                              "original_name": _name(case, evidence_id),
                              "similar_original_name": _name(case, item.id)})
    return found


def _name(case: Case, evidence_id: str) -> str:
    row = case.conn.execute("SELECT original_name FROM evidence WHERE id = ?",
                            (evidence_id,)).fetchone()
    return row[0] if row else ""


def unhashed_count(case: Case) -> int:
    """Items with no picture hash: imported before hashing, or not decodable as pictures."""
    return case.conn.execute("SELECT count(*) FROM evidence WHERE id NOT IN"
                             " (SELECT evidence_id FROM picture_hashes)").fetchone()[0]


# -- best source -----------------------------------------------------------------------
def _best_sources(case: Case) -> set[str]:
    return {row[0] for row in case.conn.execute("SELECT evidence_id FROM best_sources")}


def best_sources_of(case: Case | Transaction, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The best-source marks among `ids` (rows as stored): what an undo puts back."""
    wanted = list(ids)
    rows = case.conn.execute(
        f"SELECT evidence_id, marked_at, marked_by FROM best_sources WHERE evidence_id IN"
        f" ({','.join('?' * len(wanted))})", wanted).fetchall()
    return [{"evidence_id": r[0], "marked_at": r[1], "marked_by": r[2]} for r in rows]


def mark_best_source(case: Case, evidence_id: str,
                     threshold: int = phash.DEFAULT_THRESHOLD) -> list[dict[str, Any]]:
    """Mark an item as the earliest/best source among its near-duplicates.

    Any other mark in its group goes. Returns the group's marks before the change
    (give them to `set_best_sources` to undo).
    """
    if not has_hash(case, evidence_id):
        raise NotFoundError(evidence_id, "has no picture hash, so no near-duplicates to"
                                         " be the best source of")
    ids = group_of(case, evidence_id, threshold)
    before = best_sources_of(case, ids)
    with case.write() as tx:
        after = [{"evidence_id": evidence_id, "marked_at": tx.at, "marked_by": tx.actor}]
        _replace_marks(tx, ids, after)
        tx.record("similar.best_source", evidence_id, {"group": ids, "before": before,
                                                       "after": after})
    return before


def set_best_sources(case: Case, ids: list[str], marks: list[dict[str, Any]]) -> None:
    """Put the marks among `ids` back as `marks` (undo of a mark, or its redo)."""
    with case.write() as tx:
        set_best_sources_in(tx, ids, marks)


def set_best_sources_in(tx: Transaction, ids: list[str], marks: list[dict[str, Any]]
                        ) -> Changes:
    """set_best_sources() in an open write: the marks among `ids` become `marks`."""
    before = best_sources_of(tx, ids)
    gone = removed(tx.conn, "best_source", *[m["evidence_id"] for m in before]) \
        if before else NO_CHANGES
    _replace_marks(tx, ids, marks)
    made = added(tx.conn, "best_source", *[m["evidence_id"] for m in marks]) \
        if marks else NO_CHANGES
    changes = gone | made
    record_changes(tx, "similar.best_source", changes,
                   marks[0]["evidence_id"] if marks else None,
                   {"group": ids, "before": before, "after": marks})
    return changes


def _replace_marks(tx: Transaction, ids: list[str], marks: list[dict[str, Any]]) -> None:
    tx.conn.executemany("DELETE FROM best_sources WHERE evidence_id = ?", [(i,) for i in ids])
    tx.conn.executemany(
        "INSERT INTO best_sources (evidence_id, marked_at, marked_by) VALUES (?, ?, ?)",
        [(m["evidence_id"], m["marked_at"], m["marked_by"]) for m in marks])
