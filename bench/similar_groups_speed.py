"""How long does grouping every near-duplicate take (the Duplicates view, `reviewer
similar CASE`), and how does it compare with comparing every pair?

Random picture hashes (phash.HASHES per item) with 1 in 100 items a near copy of
another (3 to 12 bits changed in every hash), grouped at the default threshold by
the multi-index (core/similar_index.py). The baseline, measured in the same run, is
the brute force (every pair compared, as before) on the first --baseline-n items;
at N items its time is extrapolated by (N / baseline-n)^2, being quadratic. Both
find the same pairs (checked here on the baseline set). A measurement, not a test.

    python bench/similar_groups_speed.py [--n 100000] [--baseline-n 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.core import phash, similar_index
from reviewer.core.similar import linked_rows


def hashes(n: int) -> np.ndarray:
    rng = np.random.default_rng(16)
    table = rng.integers(0, np.iinfo(np.uint64).max, size=(n, phash.HASHES), dtype=np.uint64,
                         endpoint=True)
    for row in rng.choice(n, size=n // 100, replace=False):
        flips = np.zeros(phash.HASHES, dtype=np.uint64)
        for kind in range(phash.HASHES):
            for bit in rng.choice(64, size=int(rng.integers(3, 13)), replace=False):
                flips[kind] |= np.uint64(1) << np.uint64(bit)
        table[row] = table[rng.integers(n)] ^ flips
    return np.ascontiguousarray(table.T)


def timed(table: np.ndarray, brute: bool) -> tuple[float, set[tuple[int, int]], int]:
    started = time.perf_counter()
    linked = linked_rows(table, phash.DEFAULT_THRESHOLD, brute_force=brute)
    assert linked is not None
    groups = similar_index.components(table.shape[1], *linked)
    seconds = time.perf_counter() - started
    pairs = {(min(a, b), max(a, b)) for a, b in zip(*(x.tolist() for x in linked), strict=True)}
    return seconds, pairs, int((np.bincount(groups) > 1).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--baseline-n", type=int, default=10_000)
    args = parser.parse_args()
    table = hashes(args.n)
    small = np.ascontiguousarray(table[:, :args.baseline_n])
    brute_s, brute_pairs, _ = timed(small, brute=True)
    index_s, index_pairs, _ = timed(small, brute=False)
    same = "same pairs" if brute_pairs == index_pairs else "PAIRS DIFFER"
    print(f"{args.baseline_n:,} items: every pair {brute_s:.2f} s, multi-index {index_s:.2f} s"
          f" (ratio {brute_s / index_s:.1f}x, {same})")
    big_s, big_pairs, groups = timed(table, brute=False)
    estimate = brute_s * (args.n / args.baseline_n) ** 2
    print(f"{args.n:,} items: multi-index {big_s:.1f} s, {groups:,} groups,"
          f" {len(big_pairs):,} pairs; every pair, extrapolated: {estimate:.0f} s"
          f" (ratio {estimate / big_s:.1f}x)")


if __name__ == "__main__":
    main()
