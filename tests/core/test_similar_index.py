"""The multi-index near-pair search gives exactly the brute force's pairs and groups."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core import phash, similar_index
from reviewer.core.similar import linked_rows


def _flip(rng: np.random.Generator, values: np.ndarray, bits: int) -> np.ndarray:
    out = values.copy()
    for index in range(len(out)):
        for bit in rng.choice(64, size=bits, replace=False):
            out[index] ^= np.uint64(1) << np.uint64(bit)
    return out


def generated(seed: int, bases: int = 400, copies: int = 4) -> np.ndarray:
    """Random pictures, each with copies a few to many bits away (around the threshold),
    some re-cut so that only a whole-to-cut or centre-to-centre pairing links them."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, np.iinfo(np.uint64).max, size=(bases, phash.HASHES),
                        dtype=np.uint64, endpoint=True)
    rows = [base]
    for _ in range(copies):
        picked = base[rng.integers(bases, size=bases // 2)].copy()
        for row in picked:
            row[:] = _flip(rng, row, int(rng.integers(0, 17)))
            mode = rng.integers(3)
            if mode == 1:      # a crop: its whole is near the original's cut only
                row[0] = _flip(rng, row[2:3], int(rng.integers(0, 14)))[0]
            elif mode == 2:    # borders: only the centre survives
                row[0] = rng.integers(0, np.iinfo(np.uint64).max, dtype=np.uint64,
                                      endpoint=True)
        rows.append(picked)
    table = np.concatenate(rows)
    rng.shuffle(table)
    return np.ascontiguousarray(table.T)


def _pairs(linked: tuple[np.ndarray, np.ndarray]) -> set[tuple[int, int]]:
    return {(min(a, b), max(a, b)) for a, b in zip(*(x.tolist() for x in linked), strict=True)}


@pytest.mark.parametrize(("seed", "threshold"), [(1, 12), (2, 12), (3, 8), (4, 16)])
def test_same_pairs_and_groups_as_every_pair_compared(seed, threshold):
    hashes = generated(seed)
    brute = linked_rows(hashes, threshold, brute_force=True)
    index = linked_rows(hashes, threshold, brute_force=False)
    assert brute is not None and index is not None
    assert len(_pairs(brute)) > 100          # the set has links to find
    assert _pairs(index) == _pairs(brute)
    count = hashes.shape[1]
    assert np.array_equal(similar_index.components(count, *index),
                          similar_index.components(count, *brute))


def test_near_pairs_finds_exactly_the_pairs_within_the_threshold():
    rng = np.random.default_rng(7)
    targets = rng.integers(0, np.iinfo(np.uint64).max, size=3000, dtype=np.uint64,
                           endpoint=True)
    # Queries 10, 12 and 13 bits from a target: the first two are found, the last is not.
    queries = np.concatenate([_flip(rng, targets[:50], 10), _flip(rng, targets[50:100], 12),
                              _flip(rng, targets[100:150], 13)])
    q, t = similar_index.near_pairs(queries, targets, 12)
    found = set(zip(q.tolist(), t.tolist(), strict=True))
    assert {(i, i) for i in range(100)} <= found
    assert not any(i == j for i, j in found if i >= 100)
    everything = np.bitwise_count(queries[:, None] ^ targets[None, :]) <= 12
    assert found == set(zip(*(x.tolist() for x in np.nonzero(everything)), strict=True))


def test_identical_hashes_in_one_bucket_are_compared_in_blocks(monkeypatch):
    monkeypatch.setattr(similar_index, "_BLOCK", 1000)
    same = np.full(300, 0x0123456789ABCDEF, dtype=np.uint64)
    q, t = similar_index.near_pairs(same, same, 12)
    assert len(set(zip(q.tolist(), t.tolist(), strict=True))) == 300 * 300


def test_components_match_a_plain_union_find():
    rng = np.random.default_rng(3)
    count = 2000
    a = rng.integers(count, size=1500)
    b = rng.integers(count, size=1500)
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = root(x), root(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    expected = [root(i) for i in range(count)]
    assert similar_index.components(count, a, b).tolist() == expected


def test_a_cancel_stops_the_search():
    hashes = generated(5, bases=100)

    class Stopped:
        def is_set(self) -> bool:
            return True

    assert linked_rows(hashes, 12, cancel=Stopped(), brute_force=False) is None


def test_the_three_long_pieces_of_large_sets_find_the_same_pairs(monkeypatch):
    hashes = generated(6)
    brute = linked_rows(hashes, 12, brute_force=True)
    monkeypatch.setattr(similar_index, "_LARGE", 0)      # as for 262,144 hashes and more
    assert similar_index.widths(10) == [21, 21, 22]
    index = linked_rows(hashes, 12, brute_force=False)
    assert brute is not None and index is not None
    assert _pairs(index) == _pairs(brute)
