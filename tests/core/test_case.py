"""Creating and opening cases, and refusing what is not a case we can open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reviewer.core import schema
from reviewer.core.case import create_case, open_case
from reviewer.core.errors import CaseError, NewerCaseError
from reviewer.core.labels import list_labels
from reviewer.core.resources import load_json


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_new_case_has_folders_settings_and_default_vocabulary(tmp_path):
    case = create_case(tmp_path / "Aleppo 2016", title="Aleppo chlorine", actor="amal")
    assert case.path == tmp_path / "Aleppo 2016.case"
    assert (case.path / "case.sqlite").is_file()
    assert (case.path / "media").is_dir() and (case.path / "cache").is_dir()
    assert case.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert case.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert case.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    info = case.info()
    assert info["title"] == "Aleppo chlorine"
    assert info["schema_version"] == schema.SCHEMA_VERSION
    assert info["created_by"] == "amal"
    names = [label.name for label in list_labels(case)]
    assert names[:2] == ["gas cylinder", "munition remnant"]
    assert set(names) == {item["name"] for item in load_json("labels.json")["labels"]}
    # The log names the investigator's chosen name and key, made on first use.
    assert case.conn.execute("SELECT actor FROM audit WHERE seq = 1").fetchone()[0] \
        == f"amal ({case.signer.fingerprint})"


def test_open_accepts_name_without_suffix(tmp_path):
    create_case(tmp_path / "x").close()
    with open_case(tmp_path / "x") as case:
        assert case.path == tmp_path / "x.case"


def test_new_refuses_existing_non_empty_folder(tmp_path):
    (tmp_path / "busy.case").mkdir()
    (tmp_path / "busy.case" / "notes.txt").write_text("mine")
    with pytest.raises(CaseError, match="already exists"):
        create_case(tmp_path / "busy")
    assert (tmp_path / "busy.case" / "notes.txt").read_text() == "mine"


def test_open_folder_that_is_not_a_case(tmp_path):
    (tmp_path / "holiday").mkdir()
    with pytest.raises(CaseError, match="not a case folder"):
        open_case(tmp_path / "holiday")
    with pytest.raises(CaseError, match="no such case folder"):
        open_case(tmp_path / "nowhere")


def test_open_other_sqlite_file_is_refused_unchanged(tmp_path):
    folder = tmp_path / "other.case"
    folder.mkdir()
    conn = sqlite3.connect(folder / "case.sqlite")
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()
    before = _snapshot(folder)
    with pytest.raises(CaseError, match="not an Evidence Reviewer case"):
        open_case(folder)
    assert _snapshot(folder) == before


def test_open_damaged_database_is_refused_unchanged(tmp_path):
    create_case(tmp_path / "d").close()
    db = tmp_path / "d.case" / "case.sqlite"
    data = bytearray(db.read_bytes())
    data[0:100] = b"\xff" * 100          # the header is gone
    db.write_bytes(bytes(data))
    before = _snapshot(tmp_path / "d.case")
    with pytest.raises(CaseError, match=r"damaged|not a database|cannot open"):
        open_case(tmp_path / "d")
    assert _snapshot(tmp_path / "d.case") == before


def test_open_truncated_database_is_refused(tmp_path):
    create_case(tmp_path / "t").close()
    db = tmp_path / "t.case" / "case.sqlite"
    db.write_bytes(db.read_bytes()[:3000])
    with pytest.raises(CaseError, match=r"damaged|malformed|not a database"):
        open_case(tmp_path / "t")


def test_case_from_newer_version_is_refused_unchanged(tmp_path):
    create_case(tmp_path / "n").close()
    db = tmp_path / "n.case" / "case.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                 (str(schema.SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    before = _snapshot(tmp_path / "n.case")
    with pytest.raises(NewerCaseError, match="newer version"):
        open_case(tmp_path / "n")
    assert _snapshot(tmp_path / "n.case") == before


def _create_at_version(path, version, monkeypatch):
    """A case as an older release made it: only the migrations up to `version`."""
    with monkeypatch.context() as patch:
        for newer in [v for v in schema.MIGRATIONS if v > version]:
            patch.delitem(schema.MIGRATIONS, newer)
        patch.setattr("reviewer.core.case.SCHEMA_VERSION", version)
        create_case(path).close()


def test_version_1_case_is_migrated_forward_with_audit_records(tmp_path, monkeypatch):
    from reviewer.core.audit import check_chain

    _create_at_version(tmp_path / "old", 1, monkeypatch)
    with open_case(tmp_path / "old", actor="migrator") as case:
        assert case.info()["schema_version"] == schema.SCHEMA_VERSION
        tables = {row[0] for row in case.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "attachments" in tables
        steps = case.conn.execute(
            "SELECT actor, details FROM audit WHERE action = 'case.migrate' ORDER BY seq"
        ).fetchall()
        assert [(actor, '"to":2' in details) for actor, details in steps][:1] == [
            (f"migrator ({case.signer.fingerprint})", True)]
        assert len(steps) == len(schema.versions_after(1))
        assert check_chain(case.conn) == []


def test_failed_migration_leaves_case_as_it_was(tmp_path, monkeypatch):
    create_case(tmp_path / "m").close()

    def broken(conn):
        conn.execute("ALTER TABLE incidents ADD COLUMN half INTEGER")
        raise RuntimeError("migration bug")

    newest = schema.SCHEMA_VERSION
    monkeypatch.setitem(schema.MIGRATIONS, newest + 1, broken)
    monkeypatch.setattr("reviewer.core.case.SCHEMA_VERSION", newest + 1)
    with pytest.raises(RuntimeError):
        open_case(tmp_path / "m")
    conn = sqlite3.connect(tmp_path / "m.case" / "case.sqlite")
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == (
        str(newest))
    assert "half" not in [row[1] for row in conn.execute("PRAGMA table_info(incidents)")]
