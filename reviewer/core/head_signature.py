"""The signed head of a case's history.

Every write that appends audit records also signs the new head (`seq:hash`, with the
case id) with the investigator's key, in the same transaction; the signature, the
signer's name and public key go to `meta.audit_head_signature`. The hash chain alone
can be recomputed by anyone with `sqlite3` (truncate the log, rewrite a record); the
signature over the head cannot be redone without the key. See docs/custody.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reviewer.core.keys import Identity, fingerprint_of, impersonation, trust_of
from reviewer.core.merkle import proven_hash
from reviewer.core.package_identity import partial_package_id

META_KEY = "audit_head_signature"
# Investigator keys came with schema 11; every case at schema 12 was made, or migrated
# (a signed write), by an app that signs: its head cannot be unsigned honestly.
SIGNED_SINCE_SCHEMA = 12
# An actor the signing app wrote: "NAME (FINGERPRINT)".
_SIGNED_ACTOR = re.compile(r" \(([0-9A-F]{16})\)$")
_SIGNED_ACTOR_GLOB = "* (" + "[0-9A-F]" * 16 + ")"     # the same, for SQLite


def head_message(case_id: str, head: str, tree: dict[str, Any] | None = None) -> bytes:
    """What is signed: the case, its head ("seq:hash") and, in a partial package, the
    root and size of the Merkle tree over the whole history its records are proven
    against (without it a forger could prove edited records against a root of their own
    under the head's signature)."""
    text = f"evidence-reviewer audit head\n{case_id}\n{head}\n"
    if tree is not None:
        text += f"tree {tree['size']}:{tree['root']}\n"
    return text.encode()


def sign_head(conn: sqlite3.Connection, signer: Identity, head: str, at: str,
              tree: dict[str, Any] | None = None) -> None:
    """Sign `head` ("seq:hash") inside the open write; replaces the previous signature.
    `tree` ({"size", "root"}): a partial package's, signed with it."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'case_id'").fetchone()
    case_id = row[0] if row else ""
    signed: dict[str, Any] = {
        "head": head, "at": at, "name": signer.name, "fingerprint": signer.fingerprint,
        "public_key": base64.b64encode(signer.public_key).decode("ascii"),
        "signature": base64.b64encode(
            signer.sign(head_message(case_id, head, tree))).decode("ascii")}
    if tree is not None:
        signed["tree"] = {"size": tree["size"], "root": tree["root"]}
    value = json.dumps(signed, separators=(",", ":"))
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (META_KEY, value))


def _schema(meta: dict[str, Any]) -> int:
    try:
        return int(meta.get("schema_version") or 0)
    except (TypeError, ValueError, OverflowError):
        return 0      # named where the schema version is read


@dataclass
class HeadCheck:
    signed: bool = False
    # A partial package's: whether the head's signature holds an audit tree (packages
    # made since it does), and whether that is the tree the package's records are proven
    # against.
    tree_in_signature: bool = False
    tree_signed: bool = False
    signer: dict[str, Any] | None = None       # name, fingerprint, trust, at
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_head(conn: sqlite3.Connection, head: str | None = None,
               tree: dict[str, Any] | None = None) -> HeadCheck:
    """Whether the case's last audit record is the one its signer signed.

    `head` ("seq:hash"): the head to hold it against instead of the log's last record (a
    partial package, whose log holds only some records, proves its head otherwise);
    `tree`: that package's audit tree (root, size), which the signature must cover."""
    check = HeadCheck()
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN"
                             " ('case_id', 'audit_head', 'schema_version', ?)",
                             (META_KEY,)).fetchall())
    last = conn.execute("SELECT seq, hash, actor FROM audit ORDER BY seq DESC LIMIT 1"
                        ).fetchone()
    actual = head or (f"{last[0]}:{last[1]}" if last else None)
    raw = meta.get(META_KEY)
    if raw is None:
        if _first_keyed_record(conn) is not None:
            check.problems.append("the signature over the audit head was removed: the log"
                                  " cannot be shown to be the one its signer left")
        elif _schema(meta) >= SIGNED_SINCE_SCHEMA:
            # Found by an adversary's trial: every actor's fingerprint stripped, a record
            # rewritten, the chain recomputed, the signature deleted read as "made before
            # keys" and INTACT.
            check.problems.append(
                "the signature over the audit head was removed: the case is of schema"
                f" {_schema(meta)}, which only an app that signs every change writes")
        else:
            check.notes.append("the case's history is not signed (made before investigator"
                               " keys); it will be from its next change")
        return check
    try:
        data = json.loads(raw)
        public_key = base64.b64decode(data["public_key"], validate=True)
        signature = base64.b64decode(data["signature"], validate=True)
        key = Ed25519PublicKey.from_public_bytes(public_key)
        signed_head = str(data["head"])
        signed_tree = data.get("tree")
        if signed_tree is not None:
            signed_tree = {"size": int(signed_tree["size"]), "root": str(signed_tree["root"])}
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError,
            binascii.Error):
        check.problems.append("the signature over the audit head is damaged")
        return check
    trust, known_as = trust_of(public_key)
    check.signer = {"name": known_as or str(data.get("name")), "signed_name": data.get("name"),
                    "fingerprint": fingerprint_of(public_key), "trust": trust,
                    "at": data.get("at"), "head": signed_head, "status": "valid"}
    try:
        key.verify(signature, head_message(meta.get("case_id", ""), signed_head, signed_tree))
    except InvalidSignature:
        check.signer["status"] = "invalid"
        check.problems.append("the signature over the audit head does not match: the head"
                              " or the case id was altered")
        return check
    check.signed = True
    check.tree_in_signature = signed_tree is not None
    suspect = impersonation(check.signer)
    if suspect:
        check.problems.append(f"the audit head is {suspect}")
    if head is None:
        _check_keys_named(conn, check, last, signed_head)
    if tree is not None and signed_tree is not None:
        try:
            given = {"size": int(tree["size"]), "root": str(tree["root"])}
        except (KeyError, TypeError, ValueError, OverflowError):
            given = None
        if given != signed_tree:
            check.signer["status"] = "changed"
            check.problems.append(
                f"the audit tree {data.get('name')} signed is not the one the package's"
                " records are proven against: records were rewritten")
        else:
            check.tree_signed = True
    if actual != signed_head:
        seq = signed_head.split(":", 1)[0]
        now = (actual.split(":", 1)[0] if isinstance(actual, str)   # bytes: by hand
               else repr(actual) if actual else "nothing")
        # Same length, another last hash: rewritten, not cut (the words say which).
        how = (f"record {seq} is not the one signed: records were rewritten" if now == seq
               else f"signed up to record {seq}, the log now ends at {now}: records were"
                    " removed or rewritten")
        check.signer["status"] = "changed"
        check.problems.append(
            f"the audit log is not the one {data.get('name')} signed ({how})")
    return check


def _check_keys_named(conn: sqlite3.Connection, check: HeadCheck, last: tuple | None,
                      signed_head: str) -> None:
    """A whole log against the keys its records name. The head is signed in the write
    that adds its record, so that record names the signing key: another key's signature
    is a history signed again by someone else (an adversary's trial re-signed a rewritten
    case with a key of the same name). Records older than keys are said to be so."""
    assert check.signer is not None
    if last is not None and f"{last[0]}:{last[1]}" == signed_head:
        named = _SIGNED_ACTOR.search(str(last[2]))
        if named is not None and named.group(1) != check.signer["fingerprint"]:
            check.problems.append(
                f"the audit head is signed by the key {check.signer['fingerprint']}, but its"
                f" record was written with the key {named.group(1)}: the history was signed"
                " again by another key")
    first_keyed = _first_keyed_record(conn)
    first = conn.execute("SELECT min(seq) FROM audit").fetchone()[0]
    if isinstance(first_keyed, int) and isinstance(first, int) and first < first_keyed:
        check.notes.append(
            f"records {first}-{first_keyed - 1} name no key (written before investigator"
            " keys): who wrote them and that they are whole rest on this file alone; the"
            f" history is signed from record {first_keyed}")


def _first_keyed_record(conn: sqlite3.Connection) -> int | None:
    """The seq of the first audit record whose actor names a key ("NAME (FINGERPRINT)")."""
    return conn.execute("SELECT min(seq) FROM audit WHERE actor GLOB ?",
                        (_SIGNED_ACTOR_GLOB,)).fetchone()[0]


def history_rewritten(case_conn: sqlite3.Connection, source: sqlite3.Connection) -> str | None:
    """'history rewritten since DATE' where the sender's log no longer holds a head merged
    before from the same case: records were removed or rewritten since that package."""
    source_id = source.execute("SELECT value FROM meta WHERE key = 'case_id'").fetchone()
    if source_id is None:
        return None
    # A partial package carries an id derived from its case's (package_identity.py): a
    # whole-case package after partial ones is linked to them through it.
    earlier = case_conn.execute(
        "SELECT merged_at, json_extract(summary, '$.exported_at'),"
        " json_extract(summary, '$.audit_log.head') FROM merges"
        " WHERE source_case_id IN (?, ?) ORDER BY merged_at",
        (source_id[0], partial_package_id(source_id[0]))).fetchall()
    for merged_at, exported_at, head in earlier:
        if not head or ":" not in head:
            continue
        seq, digest = head.split(":", 1)
        if proven_hash(source, int(seq)) != digest:
            return (f"history rewritten since {exported_at or merged_at}: the sender's audit"
                    f" log no longer holds record {seq} as it was in the package merged then")
    return None
