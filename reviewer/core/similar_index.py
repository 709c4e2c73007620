"""Near pairs among many 64-bit hashes without comparing every pair: multi-index hashing.

Cut each hash into CHUNKS pieces of 16 bits. Two hashes at most `threshold` bits apart
differ, by the pigeonhole principle, in at most `radii(threshold)[i]` bits of at least
one piece i. So for each piece, every hash is looked up in a table of the other hashes
by that piece (and that piece with up to that many bits flipped), and only the
candidates found there are compared in full. With a threshold of 12: 1,108 look-ups in
all, each finding about n / 65,536 candidates instead of n.

The result is exactly the brute force's (tests/core/test_similar_index.py): every pair
within the threshold, no other. Plain numpy; no Qt, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np

CHUNKS = 4                # pieces of 16 bits; 3 pieces (21, 21, 22) for large sets
_LARGE = 1 << 18          # targets from which the longer pieces pay for their look-ups
_BLOCK = 1 << 22          # candidates compared at once: bounded memory on clustered hashes
_MAX_RADIUS = 5           # beyond this per piece, look-ups cost more than the brute force


def widths(targets: int) -> list[int]:
    """The pieces' widths in bits: as many bits as the targets need to spread over a
    piece's values (about one per bucket), in four pieces or three."""
    return [21, 21, 22] if targets >= _LARGE else [16] * CHUNKS


def _flips(width: int, radius: int) -> np.ndarray:
    """Every `width`-bit mask with at most `radius` bits set."""
    masks = [0]
    for count in range(1, radius + 1):
        for bits in combinations(range(width), count):
            masks.append(sum(1 << bit for bit in bits))
    return np.array(masks, dtype=np.int64)


def radii(threshold: int, pieces: int = CHUNKS) -> list[int]:
    """The bits each piece may differ by so that one of them must hold for two hashes
    at most `threshold` apart: (t_i + 1) summed over the pieces is threshold + 1 (if
    every piece differed by more, the whole would differ by more than the threshold).
    -1: that piece is not looked up. 12 -> [3, 2, 2, 2]."""
    base, extra = divmod(threshold + 1, pieces)
    return [base - 1 + (1 if piece < extra else 0) for piece in range(pieces)]


def usable(threshold: int) -> bool:
    """Whether the index is worth it for this threshold (else compare every pair)."""
    return max(radii(threshold)) <= _MAX_RADIUS


def near_pairs(queries: np.ndarray, targets: np.ndarray, threshold: int,
               stop: Callable[[], bool] = lambda: False) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) for every queries[i], targets[j] (uint64 arrays) at most `threshold` bits
    apart, each pair once; empty arrays if `stop()` turns true on the way."""
    found_q: list[np.ndarray] = []
    found_t: list[np.ndarray] = []
    sizes = widths(len(targets))
    offsets = np.cumsum([0, *sizes])
    for piece, radius in enumerate(radii(threshold, len(sizes))):
        if radius < 0:
            continue
        width = sizes[piece]
        buckets = 1 << width
        shift = np.uint64(offsets[piece])
        key_t = ((targets >> shift) & np.uint64(buckets - 1)).astype(np.int64)
        order = np.argsort(key_t, kind="stable")
        ordered = targets[order]     # a bucket's hashes side by side: read in place
        starts = np.zeros(buckets + 1, dtype=np.int64)
        np.cumsum(np.bincount(key_t, minlength=buckets), out=starts[1:])
        key_q = ((queries >> shift) & np.uint64(buckets - 1)).astype(np.int64)
        for mask in _flips(width, radius):
            if stop():
                return np.empty(0, np.int64), np.empty(0, np.int64)
            keys = key_q ^ mask
            low = starts[keys]
            counts = starts[keys + 1] - low
            _compare(queries, ordered, threshold, order, low, counts, found_q, found_t)
    if not found_q:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # A pair close in several pieces was found once per piece: keep it once.
    pairs = np.unique(np.stack([np.concatenate(found_q), np.concatenate(found_t)]), axis=1)
    return pairs[0], pairs[1]


def _compare(queries: np.ndarray, ordered: np.ndarray, threshold: int, order: np.ndarray,
             low: np.ndarray, counts: np.ndarray, found_q: list[np.ndarray],
             found_t: list[np.ndarray]) -> None:
    """Compare each query with the targets of its bucket, in blocks of at most _BLOCK."""
    hit = np.nonzero(counts)[0]
    if not len(hit):
        return
    ends = np.cumsum(counts[hit])
    begin = 0
    while begin < len(hit):
        # The queries whose candidates fit in one block (at least one query).
        stop_at = max(int(np.searchsorted(ends, (ends[begin - 1] if begin else 0) + _BLOCK,
                                          side="right")), begin + 1)
        rows = hit[begin:stop_at]
        sizes = counts[rows]
        q = np.repeat(rows, sizes)
        # Positions low[row] .. low[row] + size - 1 for each query, as one array.
        at = np.repeat(low[rows] - (np.cumsum(sizes) - sizes), sizes) + np.arange(len(q))
        near = np.bitwise_count(queries[q] ^ ordered[at]) <= threshold
        if near.any():
            found_q.append(q[near])
            found_t.append(order[at[near]])
        begin = stop_at


def components(count: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For nodes 0..count-1 joined by edges (a[k], b[k]): each node's smallest member of
    its connected set (min-label propagation with pointer jumping)."""
    labels = np.arange(count, dtype=np.int64)
    if not len(a):
        return labels
    while True:
        low = np.minimum(labels[a], labels[b])
        before = labels.copy()
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        np.minimum.at(labels, before, labels)   # a root takes its members' smaller label
        while True:                              # follow labels to their roots
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels
