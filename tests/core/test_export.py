"""export_case: the package's contents, a consistent snapshot, subsets, and failures."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import stat
import threading
import zipfile
from pathlib import Path

import pytest
from package_support import case_state, read_package, rows

from reviewer.core.case import open_case
from reviewer.core.errors import MediaError, NotFoundError, PackageError
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident
from reviewer.core.package_verify import verify_package
from reviewer.core.progress import Progress


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_whole_case_package_lists_every_file_with_its_hash(demo, tmp_path):
    out = tmp_path / "out" / "demo.zip"
    out.parent.mkdir()
    report = export_case(demo, out)
    assert report.ok and report.path == str(out)
    files, infos = read_package(out)
    manifest = json.loads(files.pop("manifest.json"))
    signature = {files.pop("manifest.json.minisig"), files.pop("signer.pub")}
    assert len(signature) == 2
    assert manifest["case_id"] == demo.id and manifest["exporter"] == "alice"
    assert manifest["selection"]["incidents"] is None
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(files)
    for name, data in files.items():
        assert listed[name]["bytes"] == len(data)
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
    for name in ("case.sqlite", "report/index.html", "data/regions.csv", "data/incidents.csv",
                 "data/incidents.geojson"):
        assert name in files
    # Every original and attachment, byte for byte, stored without recompression.
    originals = rows(demo, "SELECT stored_path FROM evidence UNION SELECT stored_path"
                           " FROM attachments")
    for row in originals:
        assert files[row["stored_path"]] == (demo.path / row["stored_path"]).read_bytes()
        assert infos[row["stored_path"]].compress_type == zipfile.ZIP_STORED
    assert _leftovers(out.parent) == []


def test_snapshot_and_data_files_hold_the_case(demo, tmp_path):
    out = tmp_path / "demo.zip"
    export_case(demo, out)
    files, _ = read_package(out)
    snapshot = tmp_path / "snapshot.sqlite"
    snapshot.write_bytes(files["case.sqlite"])
    conn = sqlite3.connect(snapshot)
    for table in ("evidence", "regions", "incidents", "incident_regions", "labels", "exif"):
        theirs = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        ours = sorted(demo.conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        assert theirs == ours, table
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    regions = list(csv.DictReader(io.StringIO(files["data/regions.csv"].decode())))
    assert {r["id"] for r in regions} == {r["id"] for r in rows(demo, "SELECT id FROM regions")}
    assert all(r["label"] and r["evidence_sha256"] for r in regions)
    geo = json.loads(files["data/incidents.geojson"])
    incident = rows(demo, "SELECT id, lat, lon FROM incidents ORDER BY id")[0]
    feature = next(f for f in geo["features"] if f["id"] == incident["id"])
    assert feature["geometry"]["coordinates"] == [incident["lon"], incident["lat"]]


def test_export_is_recorded_in_the_case_audit_log(demo, tmp_path):
    report = export_case(demo, tmp_path / "demo.zip")
    record = rows(demo, "SELECT * FROM audit ORDER BY seq DESC LIMIT 1")[0]
    assert record["action"] == "case.export"
    assert record["actor"] == f"alice ({demo.signer.fingerprint})"
    manifest = read_package(tmp_path / "demo.zip")[0]["manifest.json"]
    details = json.loads(record["details"])
    assert details["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    assert details["manifest_sha256"] == report.manifest_sha256


def test_one_incident_holds_its_tags_items_and_the_frames_video(demo, tmp_path):
    palmyra = rows(demo, "SELECT id FROM incidents WHERE title LIKE 'Destruction%'")[0]["id"]
    out = tmp_path / "palmyra.zip"
    export_case(demo, out, incidents=[palmyra])
    files, _ = read_package(out)
    snapshot = tmp_path / "s.sqlite"
    snapshot.write_bytes(files["case.sqlite"])
    conn = sqlite3.connect(snapshot)
    assert [r[0] for r in conn.execute("SELECT id FROM incidents")] == [palmyra]
    linked = {r["region_id"] for r in rows(
        demo, "SELECT region_id FROM incident_regions WHERE incident_id = ?", (palmyra,))}
    assert {r[0] for r in conn.execute("SELECT id FROM regions")} == linked
    kinds = sorted(r[0] for r in conn.execute("SELECT kind FROM evidence"))
    # the two colonnade photos, the drone clip (linked, and the frame's source), its frame
    assert kinds == ["frame", "photo", "photo", "video"]
    # Nothing of the street incident is left in the tables...
    for table in ("incidents", "regions", "evidence", "exif", "incident_evidence"):
        assert "Douma" not in repr(conn.execute(f"SELECT * FROM {table}").fetchall()), table
    # ...nor in the audit log: only the records about what is shared travel; the case's
    # creation record, whose title names both places, stays home with the title itself.
    assert conn.execute("SELECT action FROM audit WHERE details LIKE '%Douma%'").fetchall() \
        == []
    assert "Douma" not in repr(conn.execute("SELECT * FROM meta").fetchall())
    assert 0 < conn.execute("SELECT count(*) FROM audit").fetchone()[0] < rows(
        demo, "SELECT count(*) AS n FROM audit")[0]["n"] - 1
    conn.close()
    assert verify_package(out).ok
    street = [r["stored_path"] for r in rows(demo, "SELECT stored_path FROM evidence WHERE"
                                                   " original_name LIKE 'street%'")]
    assert street and not set(street) & set(files)


def test_no_media_package_has_records_but_no_originals(demo, tmp_path):
    out = tmp_path / "light.zip"
    export_case(demo, out, media=False)
    files, _ = read_package(out)
    assert not [name for name in files if name.startswith("media/")]
    assert verify_package(out).ok


def test_snapshot_is_consistent_while_the_case_is_being_written(demo, tmp_path):
    """A write in progress (the app mid-transaction, WAL) is not in the package."""
    other = open_case(demo.path, actor="app")

    def end_the_write(_: Progress) -> None:
        # Called once the snapshot is taken; the export then records itself in the case.
        if other.conn.in_transaction:
            other.conn.execute("ROLLBACK")

    try:
        other.conn.execute("BEGIN IMMEDIATE")
        other.conn.execute(
            "INSERT INTO incidents (id, title, created_at, created_by, updated_at, updated_by)"
            " VALUES ('half', 'not yet', 'x', 'x', 'x', 'x')")
        out = tmp_path / "during.zip"
        export_case(demo, out, progress=end_the_write)
    finally:
        end_the_write(Progress(0, 0))
        other.close()
    snapshot = tmp_path / "s.sqlite"
    snapshot.write_bytes(read_package(out)[0]["case.sqlite"])
    conn = sqlite3.connect(snapshot)
    assert conn.execute("SELECT count(*) FROM incidents WHERE id = 'half'").fetchone()[0] == 0
    conn.close()
    assert verify_package(out).ok


def test_a_changed_original_stops_the_export_and_leaves_nothing(demo, tmp_path):
    row = rows(demo, "SELECT stored_path FROM evidence WHERE kind = 'photo' LIMIT 1")[0]
    path = demo.path / row["stored_path"]
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    out = tmp_path / "bad.zip"
    with pytest.raises(MediaError, match="changed since import"):
        export_case(demo, out)
    assert not out.exists() and _leftovers(tmp_path) == []


def test_cancel_leaves_no_package(demo, tmp_path):
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(step: Progress) -> None:
        seen.append(step)
        cancel.set()

    before = case_state(demo.path)
    out = tmp_path / "cancelled.zip"
    report = export_case(demo, out, progress=progress, cancel=cancel)
    assert report.cancelled and report.path is None
    assert not out.exists() and _leftovers(tmp_path) == []
    assert seen and case_state(demo.path) == before


def test_unknown_incident_and_bad_target_are_refused(demo, tmp_path):
    with pytest.raises(NotFoundError):
        export_case(demo, tmp_path / "x.zip", incidents=["nope"])
    with pytest.raises(PackageError, match="does not exist"):
        export_case(demo, tmp_path / "missing" / "x.zip")
    with pytest.raises(PackageError, match=r"ends in \.zip"):
        export_case(demo, tmp_path / "x.jpg")


def test_linked_originals_are_included_when_reachable_else_listed(case, photo_factory, tmp_path):
    kept, gone = photo_factory(), photo_factory()
    import_paths(case, [kept, gone], link=True)
    gone.unlink()
    add_incident(case, "Strike")
    out = tmp_path / "linked.zip"
    report = export_case(case, out)
    assert [m["path"] for m in report.missing] == [str(gone.resolve())]
    assert not report.ok
    manifest = json.loads(read_package(out)[0]["manifest.json"])
    entries = {e["linked_path"]: e for e in manifest["linked_originals"]}
    assert entries[str(kept.resolve())]["included"] is True
    assert entries[str(gone.resolve())]["included"] is False
    files, _ = read_package(out)
    assert files[entries[str(kept.resolve())]["path"]] == kept.read_bytes()
    verified = verify_package(out)
    assert verified.ok and [n["kind"] for n in verified.notes] == ["not_included"]


def test_without_overwrite_a_file_that_appears_during_the_export_is_kept(demo, tmp_path):
    out = tmp_path / "out" / "demo.zip"
    out.parent.mkdir()

    def someone_else_writes(progress: Progress) -> None:
        if not out.exists():
            out.write_bytes(b"theirs")

    with pytest.raises(PackageError, match="already exists"):
        export_case(demo, out, overwrite=False, progress=someone_else_writes)
    assert out.read_bytes() == b"theirs" and _leftovers(out.parent) == []
    with pytest.raises(PackageError, match="already exists"):
        export_case(demo, out, overwrite=False)     # refused before any work
    assert export_case(demo, out).ok and out.read_bytes() != b"theirs"   # the app's default
