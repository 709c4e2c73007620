"""How long does "similar items" take on a large case?

Builds a case of N items (default 100,000; rows written straight through Case.write,
no media: the query reads only hashes) whose picture hashes are random, with 1 in 100
a near copy of another (a few bits changed), then times `similar.similar_to` for
random items: the first call (which reads every hash from the case) and the next
ones (the in-memory table), and `similar.groups` (the Duplicates view) on the first
--groups-n items. Prints the medians against the target (a query under 100 ms).
A measurement, not a test: it exits 0 whatever the result.

    python bench/similar_speed.py [--n 100000] [--groups-n 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.core import phash, similar
from reviewer.core.case import create_case, open_case
from reviewer.core.clock import new_id

TARGET_MS = 100.0


def build(folder: Path, n: int) -> list[str]:
    rng = np.random.default_rng(16)
    hashes = rng.integers(0, np.iinfo(np.uint64).max, size=(n, phash.HASHES), dtype=np.uint64,
                          endpoint=True)
    copies = rng.choice(n, size=n // 100, replace=False)
    for row in copies:   # a near copy of a random other item: 3 bits changed everywhere
        source = hashes[rng.integers(n)]
        flips = np.uint64(0)
        for bit in rng.choice(64, size=3, replace=False):
            flips |= np.uint64(1) << np.uint64(bit)
        hashes[row] = source ^ flips
    ids = [new_id() for _ in range(n)]
    case = create_case(folder, title="Similar bench", actor="bench")
    try:
        with case.write() as tx:
            tx.conn.executemany(
                "INSERT INTO evidence (id, kind, sha256, bytes, original_name, stored_path,"
                " imported_at, imported_by) VALUES (?, 'photo', ?, 1, ?, ?, ?, 'bench')",
                [(i, f"{n_:064x}", f"photo_{n_:06d}.jpg", f"media/x/{n_}.jpg", tx.at)
                 for n_, i in enumerate(ids)])
            tx.conn.executemany(
                "INSERT INTO picture_hashes (evidence_id, frame_ms, hashes) VALUES (?, 0, ?)",
                [(i, hashes[row].astype("<u8").tobytes()) for row, i in enumerate(ids)])
            tx.record("bench.build", None, {"items": n})
    finally:
        case.close()
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--groups-n", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="build the case here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="reviewer-bench-similar-"))
    try:
        started = time.perf_counter()
        ids = build(root / "big.case", args.n)
        print(f"built a case of {args.n:,} items with hashes in"
              f" {time.perf_counter() - started:.1f} s (not timed below)")
        rng = np.random.default_rng(1)
        probes = [ids[i] for i in rng.choice(len(ids), size=args.queries, replace=False)]
        with open_case(root / "big.case", actor="bench") as case:
            started = time.perf_counter()
            similar.similar_to(case, probes[0])
            first_ms = (time.perf_counter() - started) * 1000
            times, found = [], 0
            for probe in probes[1:]:
                started = time.perf_counter()
                found += len(similar.similar_to(case, probe))
                times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        print(f"similar_to on {args.n:,} items: median {median:.1f} ms, worst"
              f" {max(times):.1f} ms over {len(times)} items ({found} similar found)"
              f"  (target < {TARGET_MS:.0f} ms)  {'PASS' if median < TARGET_MS else 'FAIL'}")
        print(f"  the first call read every hash: {first_ms:.0f} ms (the app does this once,"
              " off the UI thread, when it opens a case)")
        small = root / "groups.case"
        build(small, args.groups_n)
        with open_case(small, actor="bench") as case:
            started = time.perf_counter()
            groups = similar.groups(case)
            print(f"groups (the Duplicates view, off the UI thread) on {args.groups_n:,} items:"
                  f" {time.perf_counter() - started:.1f} s, {len(groups)} groups (multi-index:"
                  " bench/similar_groups_speed.py compares it with every pair)")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
