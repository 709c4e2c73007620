"""Helpers for the package tests: a demo case built once, case state, rewriting packages."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewer.core.case import Case, open_case
from reviewer.demo import build_demo_case


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    """The demo case (photos, a drone clip with telemetry, a frame, tags, incidents), once.

    Built in a fixed folder of the session so that every test module importing this
    fixture shares the one build.
    """
    folder = tmp_path_factory.getbasetemp() / "share-demo"
    if not (folder / "demo.case" / "case.sqlite").exists():
        return build_demo_case(folder, actor="maker")
    return folder / "demo.case"


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path):
    """A private copy of the demo case, open."""
    folder = tmp_path / "demo.case"
    shutil.copytree(demo_master, folder)
    case = open_case(folder, actor="alice")
    yield case
    case.close()


def case_state(folder: Path) -> str:
    """A digest of everything a case holds: every row of its database and its media files."""
    conn = sqlite3.connect(f"{(folder / 'case.sqlite').as_uri()}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256("\n".join(conn.iterdump()).encode())
    finally:
        conn.close()
    for path in sorted((folder / "media").rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def rows(case: Case | Path, sql: str, params: tuple = ()) -> list[dict]:
    if isinstance(case, Path):
        conn = sqlite3.connect(f"{(case / 'case.sqlite').as_uri()}?mode=ro", uri=True)
    else:
        conn = case.conn
    try:
        cursor = conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]
    finally:
        if isinstance(case, Path):
            conn.close()


def read_package(path: Path) -> tuple[dict[str, bytes], dict[str, zipfile.ZipInfo]]:
    with zipfile.ZipFile(path) as zf:
        return ({info.filename: zf.read(info) for info in zf.infolist()},
                {info.filename: info for info in zf.infolist()})


def rewrite_package(source: Path, target: Path,
                    edit: Callable[[dict[str, bytes]], None], *, remanifest: bool) -> Path:
    """Copy a package with `edit` applied to its files; with `remanifest`, re-hash the manifest
    as a forger would, so only the deeper checks can catch the change."""
    files, infos = read_package(source)
    edit(files)
    if remanifest and "manifest.json" in files:
        rehash_manifest(files)
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in files.items():
            info = infos.get(name)
            compress = info.compress_type if info else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data,
                        compress_type=compress)
    return target


def rehash_manifest(files: dict[str, bytes]) -> None:
    """Give the manifest the sizes and hashes of the files as they are now."""
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = [
        {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in sorted(files.items())
        if name not in ("manifest.json", "manifest.json.minisig", "signer.pub")]
    files["manifest.json"] = json.dumps(manifest).encode()


def rewrite_audit_record(conn: sqlite3.Connection, action: str, old: str, new: str
                         ) -> tuple[int, str]:
    """Replace `old` by `new` in the first `action` record's details and give the record
    its recomputed hash (a forger with the project's own hash function); returns the
    record's seq and new hash."""
    from reviewer.core.audit import record_hash

    conn.execute("DROP TRIGGER IF EXISTS audit_append_only_update")
    seq, at, actor, action, object_id, details, prev = conn.execute(
        "SELECT seq, at, actor, action, object_id, details, prev_hash FROM audit"
        " WHERE action = ? ORDER BY seq", (action,)).fetchone()
    details = details.replace(old, new)
    new_hash = record_hash(prev, seq, at, actor, action, object_id, details)
    conn.execute("UPDATE audit SET details = ?, hash = ? WHERE seq = ?",
                 (details, new_hash, seq))
    return seq, new_hash


def edit_database(files: dict[str, bytes], tmp: Path, *sql: str) -> None:
    """Run SQL on the package's case.sqlite (a forger with a database browser)."""
    db = tmp / "forged.sqlite"
    db.write_bytes(files["case.sqlite"])
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in sql:
        conn.execute(statement)
    conn.close()
    files["case.sqlite"] = db.read_bytes()
    db.unlink()
