"""verify: every original re-hashed, the audit chain walked, SQLite's own checks."""

from __future__ import annotations

import os
import sqlite3
import stat

from reviewer.core.evidence import list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident
from reviewer.core.verify import verify_case


def _import_two(case, photo_factory):
    import_paths(case, [photo_factory(), photo_factory()])
    return [case.path / row["stored_path"] for row in list_evidence(case)]


def _flip_one_byte(path):
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_intact_case_verifies(case, photo_factory):
    _import_two(case, photo_factory)
    add_incident(case, "Strike")
    report = verify_case(case)
    assert report.ok and report.problems == []
    assert report.files_checked == 2
    assert report.bytes_checked == sum(r["bytes"] for r in list_evidence(case))


def test_one_changed_byte_is_named(case, photo_factory):
    changed, _untouched = _import_two(case, photo_factory)
    _flip_one_byte(changed)
    report = verify_case(case)
    assert not report.ok
    assert [(p["kind"], p["path"]) for p in report.problems] == [("changed", str(changed))]
    assert report.files_checked == 1


def test_missing_original_is_named(case, photo_factory):
    gone, _ = _import_two(case, photo_factory)
    gone.unlink()
    report = verify_case(case)
    assert [(p["kind"], p["path"]) for p in report.problems] == [("missing", str(gone))]


def test_altered_audit_row_is_named(case, photo_factory):
    _import_two(case, photo_factory)
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("DROP TRIGGER audit_append_only_update")
    raw.execute("UPDATE audit SET details = '{}' WHERE seq = 5")
    problems = verify_case(case).problems
    # The emptied record no longer explains the rows it wrote: the history names them too.
    assert {p["kind"] for p in problems} == {"audit", "history"}
    assert any(p.get("id") == 5 and "altered" in p["detail"] for p in problems)
    assert any("protection was removed" in p["detail"] for p in problems)


def test_file_left_by_an_interrupted_import_is_a_note_not_a_mismatch(case, photo_factory):
    _import_two(case, photo_factory)
    stray = case.path / "media" / "ab" / ("ab" + "0" * 62 + ".jpg")
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"left behind")
    report = verify_case(case)
    assert report.ok
    assert [n["path"] for n in report.notes] == [str(stray)]
