"""Near-duplicates: copies of a real photo are found with their distance; others are not."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from reviewer.core import phash, similar
from reviewer.core.case import create_case, open_case
from reviewer.core.export import export_case
from reviewer.core.frames import extract_frames
from reviewer.core.importer import import_paths
from reviewer.core.labels import list_labels, update_label
from reviewer.core.merge import merge_package
from reviewer.core.schema import versions_after
from reviewer.core.verify import verify_case
from tests.core.old_cases import downgrade

ORIGINAL = "photos_gps/nikon_coolpix_p6000_DSCN0010.jpg"
UNRELATED = "photos_misc/kodak_kodim03_photo.png"


def make_copies(original: Path, folder: Path) -> dict[str, Path]:
    """What forwarding does to a photo: re-encoded, shrunk, cropped, screenshotted."""
    folder.mkdir(parents=True, exist_ok=True)
    picture = Image.open(original).convert("RGB")
    width, height = picture.size
    copies = {name: folder / name for name in
              ("reencoded.jpg", "resized.jpg", "cropped.jpg", "screenshot.png")}
    picture.save(copies["reencoded.jpg"], "JPEG", quality=35)
    picture.resize((width * 2 // 5, height * 2 // 5)).save(copies["resized.jpg"], quality=70)
    picture.crop((int(width * 0.12), 0, width, height)).save(copies["cropped.jpg"], quality=85)
    screen = Image.new("RGB", (1080, 1400), (0, 0, 0))
    shown = picture.resize((1080, 1080 * height // width))
    screen.paste(shown, (0, 300))
    screen.paste(Image.new("RGB", (1080, 90), (38, 38, 38)), (0, 0))   # an app's title bar
    screen.save(copies["screenshot.png"])
    return copies


@pytest.fixture
def imported(case, corpus, tmp_path):
    """A case holding the corpus photo, four copies of it and an unrelated corpus photo."""
    copies = make_copies(corpus / ORIGINAL, tmp_path / "copies")
    paths = [corpus / ORIGINAL, corpus / UNRELATED, *copies.values()]
    report = import_paths(case, paths)
    assert not report.errors, report.errors
    ids = {Path(item["path"]).name: item["id"] for item in report.imported}
    return case, ids


def test_copies_of_a_photo_are_found_with_their_distance_and_an_unrelated_one_is_not(imported):
    case, ids = imported
    original = ids[Path(ORIGINAL).name]
    found = {item.id: item.distance for item in similar.similar_to(case, original)}
    copies = {ids[name] for name in ("reencoded.jpg", "resized.jpg", "cropped.jpg",
                                     "screenshot.png")}
    assert set(found) == copies
    assert all(0 <= found[i] <= phash.DEFAULT_THRESHOLD for i in copies)
    assert ids[Path(UNRELATED).name] not in found
    # Each copy finds the original too: the relation is symmetric.
    for copy in copies:
        assert original in {item.id for item in similar.similar_to(case, copy)}
    assert similar.similar_to(case, ids[Path(UNRELATED).name]) == []


def test_the_import_audit_record_carries_the_hashes(imported):
    case, ids = imported
    details = json.loads(case.conn.execute(
        "SELECT details FROM audit WHERE action = 'evidence.import' AND object_id = ?",
        (ids["cropped.jpg"],)).fetchone()[0])
    stored = phash.PictureHash.from_bytes(case.conn.execute(
        "SELECT hashes FROM picture_hashes WHERE evidence_id = ?",
        (ids["cropped.jpg"],)).fetchone()[0])
    assert details["picture_hashes"] == [f"{v:016x}" for v in stored.values]


def test_groups_and_marking_the_best_source(imported):
    case, ids = imported
    groups = similar.groups(case)
    assert len(groups) == 1
    group = groups[0]
    assert {item.id for item in group} == {ids[n] for n in (
        Path(ORIGINAL).name, "reencoded.jpg", "resized.jpg", "cropped.jpg", "screenshot.png")}
    resized = ids["resized.jpg"]
    before = similar.mark_best_source(case, resized)
    assert before == []
    group = similar.groups(case)[0]
    assert group[0].id == resized and group[0].best_source and group[0].distance == 0
    assert sum(item.best_source for item in group) == 1
    record = json.loads(case.conn.execute(
        "SELECT details FROM audit WHERE action = 'similar.best_source'").fetchone()[0])
    assert record["after"][0]["evidence_id"] == resized
    # Marking another moves the mark; putting the earlier marks back undoes it.
    original = ids[Path(ORIGINAL).name]
    previous = similar.mark_best_source(case, original)
    assert [m["evidence_id"] for m in previous] == [resized]
    assert [i.id for i in similar.groups(case)[0] if i.best_source] == [original]
    similar.set_best_sources(case, [i.id for i in group], previous)
    assert [i.id for i in similar.groups(case)[0] if i.best_source] == [resized]
    assert verify_case(case).ok


def test_an_image_that_does_not_decode_gets_no_hash_and_the_rest_do(case, corpus, tmp_path):
    photo = tmp_path / "photo.jpg"
    shutil.copy(corpus / ORIGINAL, photo)
    # A file that is no picture at all is refused; the sound photo is hashed.
    report = import_paths(case, [photo, corpus / "broken/plain_text_named.jpg"], link=True)
    assert len(report.imported) == 1 and len(report.errors) == 1
    item = report.imported[0]["id"]
    # An item hashed before its linked original was damaged: rebuilding reports it.
    photo.write_bytes(photo.read_bytes()[:2000])
    rebuilt = similar.rebuild_hashes(case, everything=True)
    assert rebuilt.hashed == []
    assert rebuilt.errors[0]["id"] == item and "damaged" in rebuilt.errors[0]["error"]


def test_an_older_case_is_migrated_and_hashed_by_rebuild(tmp_path, corpus):
    folder = tmp_path / "old.case"
    case = create_case(folder, actor="tester")
    import_paths(case, [corpus / ORIGINAL, corpus / UNRELATED])
    # Version 7 had no redaction: no label redacted by default (as the history says).
    for label in list_labels(case):
        if label.redact_default:
            update_label(case, label.id, redact_default=False)
    case.close()
    downgrade(folder, 7)      # as version 7 left it: no picture hashes
    assert versions_after(7)[0] == 8
    case = open_case(folder)
    try:
        assert similar.unhashed_count(case) == 2
        rebuilt = similar.rebuild_hashes(case)
        assert len(rebuilt.hashed) == 2 and not rebuilt.errors
        assert similar.unhashed_count(case) == 0
        assert verify_case(case).ok
    finally:
        case.close()


def test_kept_video_frames_are_hashed(case, corpus):
    report = import_paths(case, [corpus / "video/canon_camera_mjpeg.AVI"])
    video = report.imported[0]["id"]
    frames = extract_frames(case, video, every_s=1.0)
    assert frames.imported
    hashed = {row[0] for row in case.conn.execute("SELECT evidence_id FROM picture_hashes")}
    assert video in hashed
    assert {f["id"] for f in frames.imported} <= hashed
    # The first kept frame is the picture the video is known by.
    first = next(f["id"] for f in frames.imported)
    assert video in {item.id for item in similar.similar_to(case, first)}


def test_merge_reports_near_duplicates_between_the_package_and_the_case(tmp_path, corpus):
    alice = create_case(tmp_path / "alice", actor="alice")
    import_paths(alice, [corpus / ORIGINAL, corpus / UNRELATED])
    package = tmp_path / "alice.zip"
    export_case(alice, package)
    alice.close()
    bob = create_case(tmp_path / "bob", actor="bob")
    copies = make_copies(corpus / ORIGINAL, tmp_path / "bobs")
    bobs = import_paths(bob, [copies["reencoded.jpg"]]).imported[0]["id"]
    try:
        report = merge_package(bob, package, accept_untrusted=True)
        near = report.near_duplicates
        assert [(n["similar_id"], n["original_name"]) for n in near] == [
            (bobs, Path(ORIGINAL).name)]
        assert 0 <= near[0]["distance"] <= phash.DEFAULT_THRESHOLD
        assert report.to_dict()["near_duplicates"] == near
    finally:
        bob.close()


def test_an_incident_package_carries_no_hashes_of_the_items_left_out(imported, tmp_path):
    """A hash says what a picture looks like: it must not travel without the picture."""
    import zipfile

    from reviewer.core.incidents import add_incident, link_evidence

    case, ids = imported
    incident = add_incident(case, "Shelling of the market")
    kept = ids[Path(UNRELATED).name]
    link_evidence(case, incident.id, kept)
    out = tmp_path / "incident.zip"
    export_case(case, out, incidents=[incident.id])
    with zipfile.ZipFile(out) as package:
        database = tmp_path / "snapshot.sqlite"
        database.write_bytes(package.read("case.sqlite"))
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("SELECT evidence_id FROM picture_hashes").fetchall() == [(kept,)]
    finally:
        conn.close()


def test_a_uniform_or_icon_sized_picture_gets_no_hash_so_they_are_not_all_similar(case,
                                                                                   corpus):
    """Every flat picture would hash alike: a black phone photo and a 16-px icon."""
    flat = ["photos_gps/samsung_sm-g930f_zero_length_string.jpg",   # 4032x2012, all one grey
            "photos_gps/htc_legend_orientation2_subsec.jpg",          # 16x16
            "photos_gps/EDGE_samsung_gear360_gps_only_in_xmp.jpg"]    # 32x28
    report = import_paths(case, [corpus / name for name in flat])
    assert len(report.imported) == 3 and not report.errors
    for item in report.imported:
        assert not similar.has_hash(case, item["id"])
        assert similar.similar_to(case, item["id"]) == []
    assert similar.groups(case) == []
    rebuilt = similar.rebuild_hashes(case)
    assert rebuilt.errors == [] and len(rebuilt.too_plain) == 3
