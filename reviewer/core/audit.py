"""The tamper-evident audit log: a SHA-256 hash chain over every change.

Each record's hash covers its own fields and the previous record's hash, so
editing or deleting a record breaks every link after it. The newest (seq, hash)
is also kept in `meta.audit_head`, which catches the removal of the last records.
The chain proves integrity against edits made outside the app; someone who
rewrites the whole chain is caught by comparing the head with an exported
manifest, not by the chain alone.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """JSON text that is the same for the same data, so hashes can be recomputed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str,
    object_id: str | None, details: str,
) -> str:
    payload = canonical_json([prev_hash, seq, at, actor, action, object_id, details])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: str
    actor: str
    action: str
    object_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditAppender:
    """Appends records inside an open transaction; knows the chain's head."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.seq, self.head = 0, GENESIS_HASH
        self.appended = 0

    def _load_head(self) -> None:
        # Read lazily: the transaction that creates a case creates the audit table too.
        row = self._conn.execute(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        self.seq, self.head = (row[0], row[1]) if row else (0, GENESIS_HASH)

    def append(
        self, at: str, actor: str, action: str, object_id: str | None, details: dict[str, Any],
    ) -> AuditRecord:
        if self.appended == 0:
            self._load_head()
        seq = self.seq + 1
        details_text = canonical_json(details)
        digest = record_hash(self.head, seq, at, actor, action, object_id, details_text)
        self._conn.execute(
            "INSERT INTO audit (seq, at, actor, action, object_id, details, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, actor, action, object_id, details_text, self.head, digest),
        )
        record = AuditRecord(seq, at, actor, action, object_id, details, self.head, digest)
        self.seq, self.head = seq, digest
        self.appended += 1
        return record

    def store_head(self) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES ('audit_head', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (f"{self.seq}:{self.head}",),
        )


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    detail: str


def check_chain(conn: sqlite3.Connection) -> list[ChainProblem]:
    """Walk the whole chain; report every record that does not hold."""
    problems: list[ChainProblem] = []
    expected_seq, prev = 1, GENESIS_HASH
    rows = conn.execute(
        "SELECT seq, at, actor, action, object_id, details, prev_hash, hash FROM audit ORDER BY seq"
    )
    for seq, at, actor, action, object_id, details, prev_hash, digest in rows:
        if seq != expected_seq:
            problems.append(ChainProblem(
                seq, f"audit records {expected_seq}..{seq - 1} are missing (removed)"))
        if prev_hash != prev:
            problems.append(ChainProblem(seq, "audit record does not link to the one before it"))
        try:
            recomputed = record_hash(prev_hash, seq, at, actor, action, object_id, details)
        except (TypeError, ValueError):
            recomputed = None   # a value of another type put in by hand (bytes): altered
        if recomputed != digest:
            problems.append(ChainProblem(
                seq, f"audit record {seq} ({action}) was altered: its hash does not match"))
        expected_seq, prev = seq + 1, digest
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    last = f"{expected_seq - 1}:{prev}"
    if head is None and expected_seq > 1:
        problems.append(ChainProblem(None, "the audit head marker is missing"))
    elif head is not None and not isinstance(head[0], str):
        # A value of another type put in by hand (NULL, bytes).
        problems.append(ChainProblem(None, "the audit head marker was altered: it is not text"))
    elif head is not None and head[0] != last:
        head_seq = head[0].split(":", 1)[0]
        problems.append(ChainProblem(
            None,
            f"the audit log ends at record {expected_seq - 1} but the case recorded"
            f" record {head_seq} as the last: records were removed or rewritten",
        ))
    return problems
