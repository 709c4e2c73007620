"""A Merkle tree over the audit log (RFC 6962 / 9162): a root and inclusion proofs.

The leaves are the audit records' hashes in order (record seq N is leaf N - 1):
leaf = SHA-256(0x00 || record hash), node = SHA-256(0x01 || left || right). A package's
signed manifest carries the root of the tree over the whole history; a partial package
carries only some records, each with the proof that walks its hash up to that root, so
a recipient can show each record is part of the signed history without seeing the rest.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A partial package's table: seq, the record's hash, its audit path (JSON list of hex).
PROOFS_TABLE = "audit_proofs"


def leaf_hash(record_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(record_hash)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass(frozen=True)
class Tree:
    """All levels of the tree: levels[0] the leaves, levels[-1] the root alone.

    Pairing left to right and carrying an odd last node up unchanged gives exactly
    RFC 6962's tree (split at the largest power of two below the size)."""

    levels: tuple[tuple[bytes, ...], ...]

    @property
    def size(self) -> int:
        return len(self.levels[0]) if self.levels else 0

    @property
    def root(self) -> str:
        return self.levels[-1][0].hex() if self.levels else hashlib.sha256(b"").hexdigest()

    def proof(self, index: int) -> list[str]:
        """The audit path of leaf `index`, bottom up, as hex."""
        if not 0 <= index < self.size:
            raise IndexError(f"no leaf {index} in a tree of {self.size}")
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling].hex())
            index //= 2
        return path


def build_tree(record_hashes: Iterable[str]) -> Tree:
    level = tuple(leaf_hash(h) for h in record_hashes)
    if not level:
        return Tree(())
    levels = [level]
    while len(level) > 1:
        level = tuple(_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                      for i in range(0, len(level), 2))
        levels.append(level)
    return Tree(tuple(levels))


def audit_tree(conn: sqlite3.Connection, up_to: int | None = None) -> Tree:
    """The tree over a case's audit records 1..up_to (all of them when None)."""
    rows = conn.execute("SELECT hash FROM audit WHERE ? IS NULL OR seq <= ? ORDER BY seq",
                        (up_to, up_to))
    return build_tree(row[0] for row in rows)


def verify_inclusion(record_hash: str, index: int, size: int, proof: Sequence[str],
                     root: str) -> bool:
    """RFC 9162 section 2.1.3.2: does this audit path lead from the leaf to `root`?"""
    if not 0 <= index < size:
        return False
    try:
        digest = leaf_hash(record_hash)
        siblings = [bytes.fromhex(p) for p in proof]
    except (ValueError, TypeError):
        return False
    fn, sn = index, size - 1
    for sibling in siblings:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = _node(sibling, digest)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            digest = _node(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest.hex() == root


def proven_hash(conn: sqlite3.Connection, seq: int) -> str | None:
    """A record's hash as the package shows it: the record, or a checkpoint's proof."""
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
    if row:
        return row[0]
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (PROOFS_TABLE,)).fetchone():
        row = conn.execute(f"SELECT hash FROM {PROOFS_TABLE} WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None
    return None
