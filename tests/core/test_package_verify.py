"""verify_package, and hostile or broken packages meeting merge and unpack.

Each bad package gets a problem naming the entry; merge and unpack refuse it with
one clear error, and the target case (or folder) is exactly as it was.
"""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest
from package_support import case_state, edit_database, read_package, rewrite_package

from reviewer.core.case import create_case
from reviewer.core.errors import NewerCaseError, PackageError, PackageMismatchError
from reviewer.core.export import export_case
from reviewer.core.merge import merge_package
from reviewer.core.package_verify import verify_package
from reviewer.core.unpack import unpack_package


@pytest.fixture
def package(demo, tmp_path) -> Path:
    out = tmp_path / "sent.zip"
    export_case(demo, out)
    return out


@pytest.fixture
def target(tmp_path):
    """The recipient's case, with its state before anything is tried."""
    case = create_case(tmp_path / "recipient", actor="bob")
    yield case
    case.close()


def _problems(path: Path) -> list[tuple[str, str]]:
    report = verify_package(path)
    assert not report.ok
    return [(p["kind"], p.get("path")) for p in report.problems]


def _refused(package: Path, target, tmp_path: Path, error: type[Exception]) -> None:
    """Merge and unpack both refuse `package`, changing nothing."""
    before = case_state(target.path)
    with pytest.raises(error) as raised:
        merge_package(target, package)
    assert str(package) in str(raised.value)
    assert case_state(target.path) == before
    with pytest.raises(error):
        unpack_package(package, tmp_path / "opened")
    assert not (tmp_path / "opened.case").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def _media_name(path: Path) -> str:
    return next(n for n in read_package(path)[0] if n.startswith("media/"))


def test_intact_package_verifies(package):
    report = verify_package(package)
    assert report.ok and report.problems == []
    assert report.files_checked == len(json.loads(read_package(package)[0]["manifest.json"])
                                       ["files"])


def test_one_flipped_byte_in_an_original_is_named(package, target, tmp_path):
    name = _media_name(package)
    with zipfile.ZipFile(package) as zf:
        info = zf.getinfo(name)
    data = bytearray(package.read_bytes())
    # Inside the stored entry's data: past its local header, name and a margin for extras.
    data[info.header_offset + 30 + len(name) + 64 + 1000] ^= 0x01
    package.chmod(stat.S_IRUSR | stat.S_IWUSR)
    package.write_bytes(bytes(data))
    assert _problems(package) == [("changed", name)]
    _refused(package, target, tmp_path, PackageMismatchError)


def test_a_file_added_to_the_package_is_named(package, target, tmp_path):
    with zipfile.ZipFile(package, "a") as zf:
        zf.writestr("media/00/extra.jpg", b"slipped in")
    assert _problems(package) == [("unlisted", "media/00/extra.jpg")]
    _refused(package, target, tmp_path, PackageMismatchError)


def test_a_removed_file_is_named(package, target, tmp_path):
    name = _media_name(package)
    bad = rewrite_package(package, tmp_path / "bad.zip", lambda f: f.pop(name),
                          remanifest=False)
    assert ("missing", name) in _problems(bad)
    _refused(bad, target, tmp_path, PackageMismatchError)


def test_a_forged_manifest_does_not_hide_a_swapped_original(package, target, tmp_path):
    """Replace a photo and re-hash the manifest: the database's recorded hash still differs."""
    name = _media_name(package)

    def swap(files: dict[str, bytes]) -> None:
        files[name] = b"another picture"

    bad = rewrite_package(package, tmp_path / "bad.zip", swap, remanifest=True)
    # The forger has no key: the manifest's signature fails too.
    assert _problems(bad) == [("signature", "manifest.json"), ("changed", name)]
    _refused(bad, target, tmp_path, PackageMismatchError)


def test_a_rewritten_audit_record_is_caught_even_with_a_forged_manifest(package, target,
                                                                        tmp_path):
    def forge(files: dict[str, bytes]) -> None:
        edit_database(files, tmp_path, "DROP TRIGGER audit_append_only_update",
                      "UPDATE audit SET actor = 'mallory' WHERE seq = 3")

    bad = rewrite_package(package, tmp_path / "bad.zip", forge, remanifest=True)
    kinds = {kind for kind, _ in _problems(bad)}
    assert kinds == {"audit", "signature"}
    _refused(bad, target, tmp_path, PackageMismatchError)


def test_missing_manifest(package, target, tmp_path):
    bad = rewrite_package(package, tmp_path / "bad.zip", lambda f: f.pop("manifest.json"),
                          remanifest=False)
    assert _problems(bad) == [("manifest", "manifest.json")]
    _refused(bad, target, tmp_path, PackageMismatchError)


def test_a_manifest_that_is_not_json(package, target, tmp_path):
    def garble(files: dict[str, bytes]) -> None:
        files["manifest.json"] = b"{not json"

    bad = rewrite_package(package, tmp_path / "bad.zip", garble, remanifest=False)
    assert _problems(bad) == [("manifest", "manifest.json")]
    _refused(bad, target, tmp_path, PackageMismatchError)


@pytest.mark.parametrize("name", ["../escaped.txt", "media/../../escaped.txt",
                                  "/tmp/escaped.txt", "C:/escaped.txt", "media\\..\\x.txt"])
def test_entries_that_would_land_outside_are_refused(package, target, tmp_path, name):
    with zipfile.ZipFile(package, "a") as zf:
        zf.writestr(name, b"owned")
    assert _problems(package) == [("unsafe", name)]
    _refused(package, target, tmp_path, PackageMismatchError)
    assert not (tmp_path / "escaped.txt").exists()


def test_a_symlink_entry_is_refused(package, target, tmp_path):
    link = zipfile.ZipInfo("media/ab/link.jpg")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(package, "a") as zf:
        zf.writestr(link, "/etc/passwd")
    assert _problems(package) == [("unsafe", "media/ab/link.jpg")]
    _refused(package, target, tmp_path, PackageMismatchError)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(package, target, tmp_path):
    with zipfile.ZipFile(package, "a") as zf:
        zf.writestr("data/bomb.csv", bytes(64 << 20), compress_type=zipfile.ZIP_DEFLATED,
                    compresslevel=9)
    with zipfile.ZipFile(package) as zf:
        info = zf.getinfo("data/bomb.csv")
    assert info.file_size > 500 * info.compress_size   # the premise: a real bomb
    problems = verify_package(package).problems
    assert [(p["kind"], p["path"]) for p in problems] == [("unsafe", "data/bomb.csv")]
    assert "ZIP bomb" in problems[0]["detail"]
    _refused(package, target, tmp_path, PackageMismatchError)


def test_a_truncated_package(package, target, tmp_path):
    data = package.read_bytes()
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(data[: len(data) * 2 // 3])
    problems = verify_package(bad).problems
    assert [p["kind"] for p in problems] == ["unreadable"]
    assert "truncated" in problems[0]["detail"]
    _refused(bad, target, tmp_path, PackageMismatchError)


def test_not_a_zip_at_all(target, tmp_path):
    bad = tmp_path / "photo.zip"
    bad.write_bytes(b"\xff\xd8\xff\xe0 a JPEG named .zip")
    with pytest.raises(PackageError, match="not an export package"):
        verify_package(bad)   # not a package that fails: no package at all
    _refused(bad, target, tmp_path, PackageError)


def test_a_missing_package_file(target, tmp_path):
    with pytest.raises(PackageError, match="no such package"):
        verify_package(tmp_path / "nowhere.zip")
    with pytest.raises(PackageError, match="no such package"):
        merge_package(target, tmp_path / "nowhere.zip")


def test_a_package_from_a_newer_version_is_refused(package, target, tmp_path):
    def newer(files: dict[str, bytes]) -> None:
        edit_database(files, tmp_path, "UPDATE meta SET value = '99' WHERE key ="
                                       " 'schema_version'")
        manifest = json.loads(files["manifest.json"])
        manifest["schema_version"] = 99
        files["manifest.json"] = json.dumps(manifest).encode()

    bad = rewrite_package(package, tmp_path / "newer.zip", newer, remanifest=True)
    problems = verify_package(bad).problems
    assert [p["kind"] for p in problems] == ["signature", "newer"]
    _refused(bad, target, tmp_path, NewerCaseError)


def _near_ratio_bomb(package: Path, out: Path, megabytes: int) -> Path:
    """The package with its database grown to `megabytes` of mostly zeros: compressed just
    under the ratio limit, listed in a re-hashed manifest, so only size can stop it."""
    def grow(files: dict[str, bytes]) -> None:
        import os
        files["case.sqlite"] += os.urandom(megabytes << 12) + bytes(megabytes << 20)
    bomb = rewrite_package(package, out, grow, remanifest=True)
    with zipfile.ZipFile(bomb) as zf:
        info = zf.getinfo("case.sqlite")
    assert 50 * info.compress_size < info.file_size < 200 * info.compress_size   # premise
    return bomb


def test_unpacking_is_bounded_by_the_free_space(package, tmp_path, small_disk, monkeypatch):
    import tempfile

    disk = small_disk(96)
    monkeypatch.setattr(tempfile, "tempdir", str(disk))
    bomb = _near_ratio_bomb(package, tmp_path / "bomb.zip", 100)
    # The rewritten manifest is no longer the one signed (a signature problem too); what
    # matters here is that the database was refused before it filled the disk.
    problems = [p for p in verify_package(bomb).problems if p["path"] == "case.sqlite"]
    assert [(p["kind"], p["path"]) for p in problems] == [("unreadable", "case.sqlite")]
    assert "bytes free" in problems[0]["detail"] and str(disk) in problems[0]["detail"]
    assert list(disk.iterdir()) == []   # nothing written, nothing left


def test_an_entry_past_the_absolute_limit_is_refused_whatever_its_ratio(
        package, target, tmp_path, monkeypatch):
    from reviewer.core import package_zip

    monkeypatch.setattr(package_zip, "MAX_INFLATED_BYTES", 32 << 20)
    bomb = _near_ratio_bomb(package, tmp_path / "bomb.zip", 40)
    problems = verify_package(bomb).problems
    assert [(p["kind"], p["path"]) for p in problems] == [("unsafe", "case.sqlite")]
    assert "more than any package entry may" in problems[0]["detail"]
    _refused(bomb, target, tmp_path, PackageMismatchError)


@pytest.mark.parametrize("details", ["'{\"rows\": [1, 2]}'", "'{\"changes\": {\"added\":"
                                     " {\"region\": [5]}}}'", "X'00ff'"])
def test_an_audit_record_put_in_another_shape_is_named_not_a_crash(package, target, tmp_path,
                                                                   details):
    """A forger's record the replay cannot fold (a list where rows go, bytes for text):
    verify names it and merge refuses, with no internal error."""
    def forge(files: dict[str, bytes]) -> None:
        edit_database(files, tmp_path, "DROP TRIGGER audit_append_only_update",
                      f"UPDATE audit SET details = {details} WHERE seq = 3")

    bad = rewrite_package(package, tmp_path / "bad.zip", forge, remanifest=True)
    kinds = {kind for kind, _ in _problems(bad)}
    assert {"audit", "signature"} <= kinds
    _refused(bad, target, tmp_path, PackageMismatchError)


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("schema_version", "twelve", ("manifest", "the schema version is not a number")),
    ("schema_version", float("inf"), ("manifest", "the schema version is not a number")),
    ("signer", "mallory", ("signature", "the manifest does not name the signer's key")),
    ("selection", 5, ("signature", "")),
    ("linked_originals", 5, ("manifest", "list of linked originals is not a list")),
    ("linked_originals", [1], ("manifest", "list of linked originals is not a list")),
])
def test_a_manifest_field_of_another_type_is_named_not_a_crash(package, target, tmp_path,
                                                               field, value, expected):
    """Found by fuzzing the manifest: each ended verify and merge with an internal error."""
    def edit(files: dict[str, bytes]) -> None:
        manifest = json.loads(files["manifest.json"])
        manifest[field] = value
        files["manifest.json"] = json.dumps(manifest).encode()

    bad = rewrite_package(package, tmp_path / "bad.zip", edit, remanifest=False)
    problems = verify_package(bad).problems
    assert any(p["kind"] == expected[0] and expected[1] in p["detail"] for p in problems), \
        problems
    _refused(bad, target, tmp_path, PackageMismatchError)


def test_a_manifest_nested_too_deeply_is_named_not_a_crash(package, target, tmp_path):
    def edit(files: dict[str, bytes]) -> None:
        files["manifest.json"] = b"[" * 100_000 + b"]" * 100_000

    bad = rewrite_package(package, tmp_path / "bad.zip", edit, remanifest=False)
    assert _problems(bad) == [("manifest", "manifest.json")]
    _refused(bad, target, tmp_path, PackageMismatchError)


def test_a_package_said_to_carry_no_originals_still_has_its_originals_checked(
        package, target, tmp_path):
    """A swapped original, the manifest re-hashed and said to be without media: the case's
    recorded SHA-256 still names it (verify said INTACT, re-signed)."""
    name = _media_name(package)

    def swap(files: dict[str, bytes]) -> None:
        files[name] = b"another picture"
        manifest = json.loads(files["manifest.json"])
        manifest["selection"] = {**(manifest.get("selection") or {}), "media": False}
        files["manifest.json"] = json.dumps(manifest).encode()

    bad = rewrite_package(package, tmp_path / "bad.zip", swap, remanifest=True)
    assert ("changed", name) in _problems(bad)
    _refused(bad, target, tmp_path, PackageMismatchError)


@pytest.mark.parametrize(("statements", "expected"), [
    (["UPDATE meta SET value = 'twelve' WHERE key = 'schema_version'"],
     "damaged: bad schema version"),
    # Passed verify (NULL read as 0), then ended merge with an internal error.
    (["UPDATE meta SET value = NULL WHERE key = 'schema_version'"],
     "damaged: bad schema version"),
    # Not checked by verify; merge records the title in its summary, as JSON.
    (["UPDATE meta SET value = X'00ff' WHERE key = 'title'"],
     "meta title: holds bytes where the app writes text"),
    (["DROP TRIGGER audit_append_only_update", "UPDATE audit SET hash = 'zz' WHERE seq = 3"],
     "the audit log does not give the root the manifest signs"),
])
def test_a_database_value_of_another_type_is_named_not_a_crash(package, target, tmp_path,
                                                               statements, expected):
    """Found by fuzzing the package's database: each ended verify or merge with an
    internal error."""
    bad = rewrite_package(package, tmp_path / "bad.zip",
                          lambda files: edit_database(files, tmp_path, *statements),
                          remanifest=True)
    problems = [p["detail"] for p in verify_package(bad).problems]
    assert any(expected in p for p in problems), problems
    _refused(bad, target, tmp_path, PackageMismatchError)
