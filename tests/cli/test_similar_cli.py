"""`reviewer similar`, run as the real command: groups, one item's copies, the best source."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import Cli, query
from PIL import Image

ORIGINAL = "photos_gps/nikon_coolpix_p6000_DSCN0010.jpg"
UNRELATED = "photos_misc/kodak_kodim03_photo.png"


@pytest.fixture
def copies_case(cli: Cli, new_case, corpus: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "in"
    folder.mkdir()
    picture = Image.open(corpus / ORIGINAL).convert("RGB")
    picture.save(folder / "forwarded.jpg", "JPEG", quality=30)
    width, height = picture.size
    picture.crop((0, 0, int(width * 0.88), height)).save(folder / "cropped.jpg", quality=80)
    case = new_case()
    report = cli("import", case, corpus / ORIGINAL, corpus / UNRELATED, folder, "--json").json()
    ids = {Path(item["path"]).name: item["id"] for item in report["imported"]}
    return case, ids


def test_similar_lists_an_items_copies_with_their_distance(cli: Cli, copies_case):
    case, ids = copies_case
    original = ids[Path(ORIGINAL).name]
    document = cli("similar", case, original[:8], "--json").json()
    assert document["id"] == original and document["hashed"] is True
    found = {item["original_name"]: item for item in document["similar"]}
    assert set(found) == {"forwarded.jpg", "cropped.jpg"}
    assert all(0 <= item["distance"] <= document["threshold"] for item in found.values())
    assert found["cropped.jpg"]["sha256"] != found["forwarded.jpg"]["sha256"]
    text = cli("similar", case, original).stdout
    assert "2 item(s) like nikon_coolpix_p6000_DSCN0010.jpg" in text
    assert f"forwarded.jpg  distance {found['forwarded.jpg']['distance']}" in text
    assert "kodak_kodim03_photo.png" not in text
    assert "identity is its SHA-256" in text


def test_similar_without_an_id_lists_the_groups_and_marks_the_best_source(cli: Cli, copies_case):
    case, ids = copies_case
    groups = cli("similar", case, "--json").json()["groups"]
    assert len(groups) == 1
    assert {i["original_name"] for i in groups[0]["items"]} == {
        "nikon_coolpix_p6000_DSCN0010.jpg", "forwarded.jpg", "cropped.jpg"}
    marked = cli("similar", case, ids["cropped.jpg"], "--mark-best")
    assert "Marked cropped.jpg" in marked.stdout
    text = cli("similar", case).stdout
    assert text.splitlines()[1].strip().endswith("cropped.jpg  [best source]")
    assert query(case, "SELECT evidence_id FROM best_sources") == [(ids["cropped.jpg"],)]
    assert query(case, "SELECT count(*) FROM audit WHERE action = 'similar.best_source'") \
        == [(1,)]


def test_a_video_is_known_by_its_first_frame_and_mark_best_needs_an_id(cli: Cli, new_case,
                                                                       corpus: Path):
    case = new_case()
    item = cli("import", case, corpus / "video/canon_camera_mjpeg.AVI", "--json").json()
    video = item["imported"][0]["id"]
    assert cli("similar", case, video, "--json").json()["hashed"] is True
    result = cli("similar", case, "--mark-best", expect=2)
    assert result.error_lines == ["error: --mark-best: needs the ID of the item to mark"]


def test_rebuild_hashes_an_older_case_and_names_what_does_not_decode(cli: Cli, new_case,
                                                                    corpus: Path, tmp_path):
    case = new_case()
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes((corpus / ORIGINAL).read_bytes())
    report = cli("import", case, corpus / UNRELATED, "--json").json()
    report_linked = cli("import", case, damaged, "--link", "--json").json()
    good, bad = report["imported"][0]["id"], report_linked["imported"][0]["id"]
    # As a case imported before hashing existed: no hashes at all.
    conn = sqlite3.connect(case / "case.sqlite")
    with conn:
        conn.execute("DELETE FROM picture_hashes")
    conn.close()
    damaged.write_bytes(damaged.read_bytes()[:3000])
    missing = cli("similar", case, good, expect=1)
    assert missing.error_lines == [f"error: {good}: has no picture hash (not a picture, too"
                                   " small or plain to compare, it does not decode, or it was"
                                   " imported before hashing: try --rebuild)"]
    assert "2 item(s) have no picture hash (see --rebuild)." in missing.stdout
    rebuilt = cli("similar", case, "--rebuild", "--json", expect=1)
    assert rebuilt.json()["rebuild"]["hashed"] == 1
    [line] = rebuilt.error_lines
    assert line.startswith(f"error: {bad} (damaged.jpg): no picture hash: damaged image"
                           " header")
    said = cli("similar", case, "--rebuild", expect=1)
    # After a rebuild, not "see --rebuild" again: each item without a hash was named.
    assert "1 item(s) have no picture hash (each named above)." in said.stdout
    assert "see --rebuild" not in said.stdout
    assert query(case, "SELECT evidence_id FROM picture_hashes") == [(good,)]
    assert cli("similar", case, good, "--json").json()["hashed"] is True


def test_merge_names_incoming_pictures_that_look_like_ones_already_here(
        cli: Cli, new_case, corpus: Path, tmp_path):
    alice = new_case("alice")
    cli("import", alice, corpus / ORIGINAL, corpus / UNRELATED)
    package = tmp_path / "alice.zip"
    cli("export", alice, package)
    bob = new_case("bob")
    forwarded = tmp_path / "forwarded.jpg"
    Image.open(corpus / ORIGINAL).convert("RGB").save(forwarded, "JPEG", quality=30)
    bobs = cli("import", bob, forwarded, "--json").json()["imported"][0]["id"]
    merged = cli("merge", bob, package, "--accept-untrusted")
    [line] = [text for text in merged.stdout.splitlines() if text.startswith("near-duplicate:")]
    assert line.startswith("near-duplicate: nikon_coolpix_p6000_DSCN0010.jpg (")
    assert f"looks like forwarded.jpg ({bobs[:8]}) already here" in line
    assert "kodak" not in merged.stdout
