"""Merge a colleague's package into a case: add what is new, never overwrite, record it all.

The rules, in order:
- the package is verified first; one that fails is refused and the case is untouched;
- a package already merged (same SHA-256 of the ZIP) changes nothing;
- objects are matched by id; an item is also the same item when the case already holds
  its bytes (same SHA-256 and kind); labels match by name, ignoring case;
- an object that is identical on both sides changes nothing; where a region or incident
  differs, the local one stays untouched and the incoming version is added as a new
  object (its id derived from the incoming id and content, so a re-merge finds it) with
  a `merge_conflicts` row for an investigator to settle;
- a region or incident deleted in this case is not brought back;
- everything added is in one transaction with an audit record per object, a `merges`
  row and a `case.merge` record; the package's own audit log is kept, content-addressed
  in the media store, named in the merge record (see `merged_audit_records`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.core import leftovers, media_store, similar
from reviewer.core.audit import canonical_json
from reviewer.core.case import Case, Transaction
from reviewer.core.clock import new_id
from reviewer.core.errors import (
    NotFoundError,
    PackageError,
    PackageMismatchError,
    UntrustedSignerError,
)
from reviewer.core.head_signature import history_rewritten
from reviewer.core.incidents import EDITABLE
from reviewer.core.keys import UNTRUSTED
from reviewer.core.merge_provenance import merge_verifications, merge_vocabulary
from reviewer.core.merkle import PROOFS_TABLE
from reviewer.core.package_verify import open_verified
from reviewer.core.package_zip import ensure_room, iter_entry, open_zip
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.rows import as_dicts
from reviewer.core.schema import MIGRATIONS, SCHEMA_VERSION, versions_after

_CONFLICT_NAMESPACE = uuid.UUID("0b6f7c1e-4d7a-4f55-a1c9-2b8e5d3f9a10")

@dataclass
class MergeReport:
    package: str
    package_sha256: str = ""
    merge_id: str | None = None
    already_merged: bool = False
    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)   # merge_conflicts rows
    skipped: list[dict[str, Any]] = field(default_factory=list)     # kind, id, reason
    cancelled: bool = False
    signer: dict[str, Any] | None = None        # who signed the package (see keys.py)
    # Incoming items that look like items already here: id, similar_id, distance (bits).
    near_duplicates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {"package": self.package, "package_sha256": self.package_sha256,
                "merge_id": self.merge_id, "already_merged": self.already_merged,
                "added": self.added, "unchanged": self.unchanged, "conflicts": self.conflicts,
                "skipped": self.skipped, "cancelled": self.cancelled, "signer": self.signer,
                "near_duplicates": self.near_duplicates}

    def count(self, table: dict[str, int], kind: str) -> None:
        table[kind] = table.get(kind, 0) + 1


def _rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    return as_dicts(cursor)


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
    values = {k: v for k, v in row.items() if k in columns}
    conn.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES"
                 f" ({', '.join('?' * len(values))})", list(values.values()))


def open_snapshot(database: Path) -> sqlite3.Connection:
    """The package's (verified, unpacked) database, migrated forward in place if older."""
    conn = sqlite3.connect(database, isolation_level=None)
    version = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'")
                  .fetchone()[0])
    if version < SCHEMA_VERSION:
        conn.execute("BEGIN")
        for target in versions_after(version):
            MIGRATIONS[target](conn)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    return conn


def merge_package(case: Case, package: str | Path, *, progress: ProgressCallback = no_progress,
                  cancel: CancelFlag | None = None, accept_untrusted: bool = False
                  ) -> MergeReport:
    """Verify `package` and merge what is new into `case`; see the module's rules.

    A package that is unsigned, or signed by a key neither this user's nor trusted here,
    is refused unless `accept_untrusted`; a wrong signature is refused always (verify).
    """
    cancel = cancel or NeverCancel()
    package = Path(package)
    report = MergeReport(str(package))
    media_store.sweep_abandoned_parts(case.path)   # of a merge or import that was killed
    with leftovers.scratch_dir("merge") as scratch:
        checked = open_verified(package, scratch, progress=progress, cancel=cancel)
        if checked.database is None:
            raise PackageMismatchError(package, "holds no case database")
        report.signer = checked.report.signer
        if not accept_untrusted:
            refuse_untrusted(package, checked.report.signer)
        report.package_sha256 = media_store.sha256_file(package)
        done = case.conn.execute("SELECT id FROM merges WHERE package_sha256 = ?",
                                 (report.package_sha256,)).fetchone()
        if done:
            report.merge_id, report.already_merged = done[0], True
            return report
        source = open_snapshot(checked.database)
        parts: dict[str, Path] = {}
        try:
            rewritten = history_rewritten(case.conn, source)
            if rewritten:
                raise PackageMismatchError(package, f"{rewritten}; nothing was changed")
            _extract_needed(case, package, source, checked.manifest, parts, progress, cancel)
            if cancel.is_set():
                report.cancelled = True
                return report
            audit_part = _audit_log_part(case, source)
            parts["audit log"] = audit_part[0]
            with case.write() as tx:
                merger = _Merger(tx, case, source, report, parts, checked.manifest)
                merger.signer = checked.report.signer
                merger.run(audit_part)
        finally:
            source.close()
            for part in parts.values():
                media_store.discard(part)
    _report_near_duplicates(case, report, merger.inserted_evidence, cancel)
    return report


def _report_near_duplicates(case: Case, report: MergeReport, added: set[str],
                            cancel: CancelFlag) -> None:
    """Hash the items the package brought and name those that look like one already here.

    After the merge has committed: a hash that cannot be made never undoes a merge.
    """
    if not added or cancel.is_set():
        return
    similar.rebuild_hashes(case, ids=added, cancel=cancel)
    report.near_duplicates = similar.near_duplicates_between(case, added)


def _media_entries(source: sqlite3.Connection, manifest: dict[str, Any]) -> dict[str, str]:
    """Each incoming item's and attachment's path in the package, by id."""
    where = {row["id"]: row["stored_path"] for row in _rows(
        source, "SELECT id, stored_path FROM evidence WHERE stored_path IS NOT NULL"
                " UNION ALL SELECT id, stored_path FROM attachments")}
    for entry in manifest.get("linked_originals") or []:
        if entry.get("included") and entry.get("path"):
            where[entry["id"]] = entry["path"]
    listed = {f["path"] for f in manifest["files"]}
    return {item_id: path for item_id, path in where.items() if path in listed}


def _extract_needed(case: Case, package: Path, source: sqlite3.Connection,
                    manifest: dict[str, Any], parts: dict[str, Path],
                    progress: ProgressCallback, cancel: CancelFlag) -> None:
    """Copy out the originals the case lacks, before the write lock is taken; re-hashed."""
    local = {row[0] for row in case.conn.execute(
        "SELECT sha256 FROM evidence UNION SELECT sha256 FROM attachments")}
    wanted = {row["id"]: row["sha256"] for row in _rows(
        source, "SELECT id, sha256 FROM evidence UNION ALL SELECT id, sha256 FROM attachments")
        if row["sha256"] not in local}
    entries = _media_entries(source, manifest)
    todo = {entries[i]: sha for i, sha in wanted.items() if i in entries}
    with open_zip(package) as zf:
        for done, (name, sha256) in enumerate(sorted(todo.items()), 1):
            if cancel.is_set():
                return
            part = media_store.incoming_part(case.path, os.getpid())
            digest = hashlib.sha256()
            try:
                ensure_room(zf.getinfo(name), part.parent)
                parts[name] = part
                with open(part, "wb") as out:
                    for data in iter_entry(zf, zf.getinfo(name)):
                        digest.update(data)
                        out.write(data)
            except (zipfile.BadZipFile, OSError, KeyError) as error:
                raise PackageError(package, f"{name}: cannot be copied out: {error};"
                                            " nothing was changed") from error
            if digest.hexdigest() != sha256:
                raise PackageMismatchError(package, f"{name}: changed since it was verified;"
                                                    " nothing was changed")
            progress(Progress(done, len(todo), f"copying {name}"))


def _audit_log_part(case: Case, source: sqlite3.Connection) -> tuple[Path, str, int, int]:
    """The package's audit log as JSON lines in a temporary file: part, sha256, bytes, records."""
    part = media_store.incoming_part(case.path, os.getpid())
    digest, size, records = hashlib.sha256(), 0, 0
    # A partial package's records keep their proofs, so the merged log stays provable.
    proofs = dict(source.execute(f"SELECT seq, proof FROM {PROOFS_TABLE}").fetchall()) \
        if source.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                          (PROOFS_TABLE,)).fetchone() else {}
    with open(part, "wb") as out:
        for row in _rows(source, "SELECT seq, at, actor, action, object_id, details, prev_hash,"
                                 " hash FROM audit ORDER BY seq"):
            if row["seq"] in proofs:
                row["proof"] = json.loads(proofs[row["seq"]])
            line = (canonical_json(row) + "\n").encode("utf-8")
            digest.update(line)
            out.write(line)
            size += len(line)
            records += 1
    return part, digest.hexdigest(), size, records


def _conflict_id(kind: str, incoming_id: str, content: dict[str, Any]) -> str:
    fingerprint = hashlib.sha256(canonical_json(content).encode()).hexdigest()
    return str(uuid.uuid5(_CONFLICT_NAMESPACE, f"{kind}:{incoming_id}:{fingerprint}"))


class _Merger:
    """One merge inside one transaction: maps incoming ids to local ones as it goes."""

    def __init__(self, tx: Transaction, case: Case, source: sqlite3.Connection,
                 report: MergeReport, parts: dict[str, Path], manifest: dict[str, Any]) -> None:
        self.tx, self.conn, self.case, self.source = tx, tx.conn, case, source
        self.report, self.parts, self.manifest = report, parts, manifest
        self.merge_id = new_id()
        self.labels: dict[str, str] = {}
        self.evidence: dict[str, str] = {}
        self.regions: dict[str, str] = {}
        self.incidents: dict[str, str] = {}
        self.comparisons: dict[str, str] = {}
        self.inserted_evidence: set[str] = set()
        self.entries = _media_entries(source, manifest)
        self.deleted = self._deleted_here()
        self.used_parts: set[str] = set()
        self.signer: dict[str, Any] | None = None

    def _deleted_here(self) -> set[str]:
        last: dict[str, str] = {}
        for object_id, action in self.conn.execute(
                "SELECT object_id, action FROM audit WHERE action IN ('region.delete',"
                " 'region.restore', 'incident.delete', 'incident.restore') ORDER BY seq"):
            last[object_id] = action
        return {i for i, action in last.items() if action.endswith(".delete")}

    def record(self, action: str, object_id: str, details: dict[str, Any]) -> None:
        self.tx.record(action, object_id, {"merge_id": self.merge_id,
                                           "package_sha256": self.report.package_sha256,
                                           **details})

    def skip(self, kind: str, object_id: str, reason: str) -> None:
        self.report.skipped.append({"kind": kind, "id": object_id, "reason": reason})

    def run(self, audit_part: tuple[Path, str, int, int]) -> None:
        self._labels()
        merge_vocabulary(self.conn, self.source, self.record)
        self._evidence()
        merge_verifications(self.conn, self.source, self.evidence, self.record)
        self._attachments()
        self._regions()
        self._incidents()
        self._links()
        self._comparisons()
        self._derivations()
        self._finish(audit_part)

    # -- labels and items ---------------------------------------------------
    def _labels(self) -> None:
        for row in _rows(self.source, "SELECT * FROM labels"):
            local = self.conn.execute(
                "SELECT id FROM labels WHERE id = ? OR name = ? COLLATE NOCASE"
                " ORDER BY id = ? DESC LIMIT 1", (row["id"], row["name"], row["id"])).fetchone()
            if local:
                self.labels[row["id"]] = local[0]
                self.report.count(self.report.unchanged, "labels")
                continue
            if row["shortcut"] and self.conn.execute(
                    "SELECT 1 FROM labels WHERE shortcut = ?", (row["shortcut"],)).fetchone():
                row["shortcut"] = None   # the local vocabulary keeps its keys
            _insert(self.conn, "labels", row)
            self.labels[row["id"]] = row["id"]
            self.record("label.merge", row["id"], {"name": row["name"]})
            self.report.count(self.report.added, "labels")

    def _place(self, item_id: str) -> str | None:
        name = self.entries.get(item_id)
        if name is None or name not in self.parts:
            return None
        media_store.place(self.case.path, self.parts[name], name)
        self.used_parts.add(name)
        return name

    def _evidence(self) -> None:
        rows = _rows(self.source, "SELECT * FROM evidence ORDER BY parent_id IS NOT NULL,"
                                  " imported_at, id")
        for row in rows:
            incoming = row["id"]
            local = self.conn.execute(
                "SELECT id, sha256 FROM evidence WHERE id = ? OR (sha256 = ? AND kind = ?)"
                " ORDER BY id = ? DESC, imported_at LIMIT 1",
                (incoming, row["sha256"], row["kind"], incoming)).fetchone()
            if local and local[1] != row["sha256"]:
                self.skip("evidence", incoming, "this case has an item with this id but other"
                                                " bytes")
                continue
            if local:
                self.evidence[incoming] = local[0]
                self.report.count(self.report.unchanged, "evidence")
                continue
            if row["parent_id"] and row["parent_id"] not in self.evidence:
                self.skip("evidence", incoming, "its video was not merged")
                continue
            stored = self._place(incoming) if not self._have_file(row) else row["stored_path"]
            if stored is None:
                self.skip("evidence", incoming, f"the original of {row['original_name']} is"
                                                " neither in the package nor in this case")
                continue
            row["stored_path"] = stored
            row["parent_id"] = self.evidence.get(row["parent_id"]) if row["parent_id"] else None
            _insert(self.conn, "evidence", row)
            exif = self.source.execute("SELECT evidence_id, tag, value FROM exif WHERE"
                                       " evidence_id = ?", (incoming,)).fetchall()
            self.conn.executemany("INSERT INTO exif (evidence_id, tag, value) VALUES (?, ?, ?)",
                                  exif)
            _copy_credentials(self.source, self.conn, incoming)
            self.evidence[incoming] = incoming
            self.inserted_evidence.add(incoming)
            self.record("evidence.merge", incoming, {"sha256": row["sha256"], "kind": row["kind"],
                                                     "original_name": row["original_name"]})
            self.report.count(self.report.added, "evidence")

    def _have_file(self, row: dict[str, Any]) -> bool:
        """The case's store already holds these bytes (e.g. an item that was deleted)."""
        return bool(row["stored_path"]) and (self.case.path / row["stored_path"]).is_file() \
            and media_store.sha256_file(self.case.path / row["stored_path"]) == row["sha256"]

    def _attachments(self) -> None:
        for row in _rows(self.source, "SELECT * FROM attachments ORDER BY imported_at, id"):
            evidence_id = self.evidence.get(row["evidence_id"])
            if evidence_id is None:
                continue   # its item was skipped (reported there)
            if self.conn.execute(
                    "SELECT 1 FROM attachments WHERE id = ? OR (evidence_id = ? AND sha256 = ?)",
                    (row["id"], evidence_id, row["sha256"])).fetchone():
                self.report.count(self.report.unchanged, "attachments")
                continue
            stored = row["stored_path"] if self._have_file(row) else self._place(row["id"])
            if stored is None:
                self.skip("attachment", row["id"], f"{row['original_name']} is not in the"
                                                   " package")
                continue
            _insert(self.conn, "attachments", {**row, "evidence_id": evidence_id,
                                               "stored_path": stored})
            self.record("attachment.merge", row["id"], {"evidence_id": evidence_id,
                                                        "sha256": row["sha256"]})
            self.report.count(self.report.added, "attachments")

    # -- regions and incidents -------------------------------------------------
    def _region_content(self, row: dict[str, Any], local: bool) -> dict[str, Any]:
        evidence = row["evidence_id"] if local else self.evidence[row["evidence_id"]]
        label = row["label_id"] if local else self.labels[row["label_id"]]
        return {"evidence_id": evidence, "label_id": label, "shape": row["shape"],
                "geometry": json.loads(row["geometry"]), "confidence": row["confidence"],
                "note": row["note"]}

    def _regions(self) -> None:
        for row in _rows(self.source, "SELECT * FROM regions ORDER BY created_at, id"):
            if row["evidence_id"] not in self.evidence:
                self.skip("region", row["id"], "its item was not merged")
                continue
            content = self._region_content(row, local=False)
            mapped = {**row, "evidence_id": content["evidence_id"],
                      "label_id": content["label_id"]}
            self.regions[row["id"]] = self._merge_object("region", "regions", row["id"], mapped,
                                                         content, self._local_region)

    def _local_region(self, region_id: str) -> dict[str, Any] | None:
        rows = _rows(self.conn, "SELECT * FROM regions WHERE id = ?", (region_id,))
        return self._region_content(rows[0], local=True) if rows else None

    def _incidents(self) -> None:
        for row in _rows(self.source, "SELECT * FROM incidents ORDER BY created_at, id"):
            content = {k: row[k] for k in EDITABLE}
            self.incidents[row["id"]] = self._merge_object("incident", "incidents", row["id"],
                                                           row, content, self._local_incident)

    def _local_incident(self, incident_id: str) -> dict[str, Any] | None:
        rows = _rows(self.conn, "SELECT * FROM incidents WHERE id = ?", (incident_id,))
        return {k: rows[0][k] for k in EDITABLE} if rows else None

    def _merge_object(self, kind: str, table: str, incoming: str, row: dict[str, Any],
                      content: dict[str, Any], local_content) -> str | None:
        """Add, keep, or add as a conflict copy; return the local id the links should use."""
        local = local_content(incoming)
        if local == content:
            self.report.count(self.report.unchanged, table)
            return incoming
        if local is None:
            if incoming in self.deleted:
                self.skip(kind, incoming, "deleted in this case; not brought back")
                return None
            _insert(self.conn, table, row)
            self.record(f"{kind}.merge", incoming, {"content": content})
            self.report.count(self.report.added, table)
            return incoming
        copy_id = _conflict_id(kind, incoming, content)
        if local_content(copy_id) is not None:
            self.report.count(self.report.unchanged, table)   # an earlier merge made it
            return copy_id
        if copy_id in self.deleted:
            # This very version came before and was set aside here (a conflict settled
            # "keep mine", or the copy deleted): not brought back; its links go to ours.
            self.skip(kind, incoming, "this version was merged before and set aside here"
                                      " (conflict settled or copy deleted); not brought back")
            return incoming
        _insert(self.conn, table, {**row, "id": copy_id})
        differ = sorted(k for k in content if content[k] != local[k])
        conflict = {"id": new_id(), "merge_id": self.merge_id, "kind": kind, "local_id": incoming,
                    "incoming_id": copy_id,
                    # Recorded in the case (merge_conflicts.detail), so worded here;
                    # conflicts arise for regions (tags to users) and incidents only.
                    "detail": f"both sides edited this {'tag' if kind == 'region' else kind};"
                              f" they differ in: {', '.join(differ)}"}
        self.report.conflicts.append(conflict)
        self.record(f"{kind}.merge_conflict", copy_id, {"local_id": incoming,
                                                         "differ": differ, "content": content})
        return copy_id

    def _links(self) -> None:
        for row in _rows(self.source, "SELECT * FROM incident_regions"):
            incident, region = self.incidents.get(row["incident_id"]), \
                self.regions.get(row["region_id"])
            if incident and region:
                self._link("incident_regions", "region_id", incident, region, row)
        for row in _rows(self.source, "SELECT * FROM incident_evidence"):
            incident, item = self.incidents.get(row["incident_id"]), \
                self.evidence.get(row["evidence_id"])
            if incident and item:
                self._link("incident_evidence", "evidence_id", incident, item, row)

    def _link(self, table: str, column: str, incident: str, other: str,
              row: dict[str, Any]) -> None:
        inserted = self.conn.execute(
            f"INSERT OR IGNORE INTO {table} (incident_id, {column}, linked_at, linked_by)"
            " VALUES (?, ?, ?, ?)", (incident, other, row["linked_at"], row["linked_by"])).rowcount
        if inserted:
            self.record("incident.merge_link", incident, {column: other})
            self.report.count(self.report.added, table)
        else:
            self.report.count(self.report.unchanged, table)

    # -- comparisons and derivations ----------------------------------------------
    def _comparisons(self) -> None:
        fields = ("before_id", "after_id", "transform", "note", "alignment")
        for row in _rows(self.source, "SELECT * FROM comparisons ORDER BY created_at, id"):
            before, after = self.evidence.get(row["before_id"]), self.evidence.get(row["after_id"])
            if not (before and after):
                self.skip("comparison", row["id"], "one of its items was not merged")
                continue
            mapped = {**row, "before_id": before, "after_id": after}
            local = _rows(self.conn, "SELECT * FROM comparisons WHERE id = ?", (row["id"],))
            if local:
                self.comparisons[row["id"]] = row["id"]
                if any(local[0].get(k) != mapped.get(k) for k in fields):
                    self.skip("comparison", row["id"], "this case's version differs; kept it")
                else:
                    self.report.count(self.report.unchanged, "comparisons")
                continue
            _insert(self.conn, "comparisons", mapped)
            self.comparisons[row["id"]] = row["id"]
            self.record("comparison.merge", row["id"], {"before_id": before, "after_id": after})
            self.report.count(self.report.added, "comparisons")

    def _derivations(self) -> None:
        for row in _rows(self.source, "SELECT * FROM derivations"):
            evidence_id = self.evidence.get(row["evidence_id"])
            if evidence_id not in self.inserted_evidence:
                continue
            comparison = row["comparison_id"] and self.comparisons.get(row["comparison_id"])
            if row["comparison_id"] and not comparison:
                self.skip("derivation", evidence_id, "its comparison was not merged")
                continue
            _insert(self.conn, "derivations", {**row, "evidence_id": evidence_id})
            self.record("derivation.merge", evidence_id, {"comparison_id": comparison})
            self.report.count(self.report.added, "derivations")

    # -- the record of the merge -----------------------------------------------------
    def _finish(self, audit_part: tuple[Path, str, int, int]) -> None:
        part, sha256, size, records = audit_part
        stored = media_store.stored_relpath(sha256, "jsonl")
        media_store.place(self.case.path, part, stored)
        source_meta = dict(self.source.execute("SELECT key, value FROM meta").fetchall())
        summary = {
            "added": self.report.added, "unchanged": self.report.unchanged,
            "conflicts": len(self.report.conflicts), "skipped": self.report.skipped,
            "source_case_title": source_meta.get("title"),
            "exported_at": self.manifest.get("exported_at"),
            "exporter": self.manifest.get("exporter"),
            "selection": self.manifest.get("selection"),
            "signer": {k: v for k, v in (self.signer or {}).items() if k != "status"},
            "audit_log": {"stored_path": stored, "sha256": sha256, "bytes": size,
                          "records": records, "head": source_meta.get("audit_head"),
                          "tree": self.manifest.get("audit_tree")},
        }
        _insert(self.conn, "merges", {
            "id": self.merge_id, "package_sha256": self.report.package_sha256,
            "package_name": Path(self.report.package).name,
            "source_case_id": source_meta.get("case_id"), "summary": json.dumps(summary),
            "merged_at": self.tx.at, "merged_by": self.tx.actor})
        for conflict in self.report.conflicts:
            _insert(self.conn, "merge_conflicts", conflict)
        self.tx.record("case.merge", self.merge_id, {
            "package_sha256": self.report.package_sha256,
            "package_name": Path(self.report.package).name,
            "source_case_id": source_meta.get("case_id"), **summary})
        self.report.merge_id = self.merge_id


# Words of the refusals below (front ends decide by UntrustedSignerError, not by these).
UNSIGNED_MARK = "is not signed, so who sent it cannot be checked"
UNTRUSTED_MARK = "a key not trusted here"


def refuse_untrusted(package: Path, signer: dict[str, Any] | None) -> None:
    """Raise unless the package is signed by this user's key or one trusted here."""
    if not signer or signer.get("status") != "valid":
        raise UntrustedSignerError(package, f"{UNSIGNED_MARK}; nothing was changed (merge it"
                                            " anyway with --accept-untrusted)")
    if signer.get("trust") == UNTRUSTED:
        raise UntrustedSignerError(
            package, f"signed by {signer.get('name')} ({signer.get('fingerprint')}),"
                     f" {UNTRUSTED_MARK}; nothing was changed (reviewer key import/trust adds"
                     " it, or merge with --accept-untrusted)")


def merged_audit_records(case: Case, merge_id: str) -> list[dict[str, Any]]:
    """The audit log a merged package carried, as it was (re-hashed before it is returned)."""
    row = case.conn.execute("SELECT json_extract(summary, '$.audit_log') FROM merges"
                            " WHERE id = ?", (merge_id,)).fetchone()
    if row is None or row[0] is None:
        raise NotFoundError(merge_id, "no such merge (or it kept no audit log)")
    log = json.loads(row[0])
    path = case.path / log["stored_path"]
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != log["sha256"]:
        raise PackageMismatchError(path, "the merged audit log changed since the merge")
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def _copy_credentials(source: sqlite3.Connection, conn: sqlite3.Connection,
                      evidence_id: str) -> None:
    """An item's Content Credentials come with it (a package from before schema 10 has
    none: its items' credentials are read again only by a new import of the file)."""
    if source.execute("SELECT 1 FROM sqlite_master WHERE name = 'credentials'").fetchone():
        for row in _rows(source, "SELECT * FROM credentials WHERE evidence_id = ?",
                         (evidence_id,)):
            _insert(conn, "credentials", row)

