"""Preserve what arrives: damaged media kept and flagged, any file name imported exactly,
names of only dots imported, XMP GPS used when EXIF GPS is invalid (issue 14)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reviewer.core import media_store
from reviewer.core.evidence import get_evidence, list_evidence
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths
from reviewer.core.package_verify import verify_package
from reviewer.core.schema import SCHEMA_VERSION
from reviewer.core.verify import verify_case

IPHONE = "photos_gps/iphone6_hdr.jpg"          # GPS 40.44697, -3.72475, 3264x2448


def _row(case, name: str) -> dict:
    rows = [r for r in list_evidence(case) if r["original_name"] == name]
    assert len(rows) == 1, [r["original_name"] for r in list_evidence(case)]
    return rows[0]


def _cut(source: Path, target: Path, size: int) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes()[:size])
    return target


# -- damaged images ---------------------------------------------------------------------

def test_a_phone_jpeg_cut_in_its_data_is_kept_damaged_with_its_gps(case, tmp_path, corpus):
    phone = _cut(corpus / IPHONE, tmp_path / "in" / "IMG_0001.jpg", 1_000_000)
    report = import_paths(case, [phone])
    assert not report.errors
    row = _row(case, "IMG_0001.jpg")
    assert row["damaged"] == 1 and "damaged JPEG" in row["damage_reason"]
    assert row["gps_lat"] == pytest.approx(40.44697, abs=1e-5)
    assert row["gps_lon"] == pytest.approx(-3.72475, abs=1e-5)
    assert (row["width"], row["height"], row["model"]) == (3264, 2448, "iPhone 6")
    assert row["sha256"] == media_store.sha256_file(phone)
    # The pixels that decode are there: the top of the photo is not the grey fill.
    thumb = Image.open(case.path / "cache" / "thumbs" / row["sha256"][:2]
                       / f"{row['sha256']}.jpg")
    top = np.asarray(thumb.crop((0, 0, thumb.width, 10)).convert("L"))
    assert int(top.max()) - int(top.min()) > 20
    assert verify_case(case).ok


def test_a_phone_jpeg_cut_in_its_header_is_kept_with_its_metadata(case, tmp_path, corpus):
    phone = _cut(corpus / IPHONE, tmp_path / "in" / "IMG_0002.jpg", 12_000)
    report = import_paths(case, [phone])
    assert not report.errors
    row = _row(case, "IMG_0002.jpg")
    assert row["damaged"] == 1 and "no pixels decode" in row["damage_reason"]
    assert "cannot read the file" not in row["damage_reason"]
    assert row["width"] is None and row["gps_lat"] == pytest.approx(40.44697, abs=1e-5)
    assert "no pixels decode" in _audit_details(case, row["id"])["damaged"]


def test_in_one_batch_the_damaged_photo_is_kept_and_what_is_no_media_refused(
        case, tmp_path, corpus):
    damaged = _cut(corpus / IPHONE, tmp_path / "in" / "IMG_0004.jpg", 500_000)
    empty = tmp_path / "in" / "empty.jpg"
    empty.write_bytes(b"")
    text_video = tmp_path / "in" / "clip.mp4"
    text_video.write_text("https://example.org/clip.mp4\n")
    text_photo = corpus / "broken" / "plain_text_named.jpg"
    report = import_paths(case, [empty, text_video, damaged, text_photo])
    assert {e["path"]: e["error"] for e in report.errors} == {
        str(empty): "empty file (0 bytes)",
        str(text_video): "a text file, not a video (it starts 'https://example.org/clip.mp4')",
        str(text_photo): "a text file, not an image"}
    assert [(r["original_name"], r["damaged"]) for r in list_evidence(case)] == [
        ("IMG_0004.jpg", 1)]


# -- damaged videos ---------------------------------------------------------------------

def test_an_mp4_cut_off_before_its_index_is_kept_damaged(case, tmp_path, corpus):
    clip = _cut(corpus / "video/gopro_karma_drone_hero5.mp4", tmp_path / "in" / "GOPR.MP4",
                2_000_000)
    report = import_paths(case, [clip])
    assert not report.errors
    row = _row(case, "GOPR.MP4")
    assert (row["kind"], row["damaged"], row["frame_count"]) == ("video", 1, 0)
    assert "'moov' box" in row["damage_reason"]
    assert row["sha256"] == media_store.sha256_file(clip)
    assert verify_case(case).ok


def test_a_cut_off_avi_keeps_the_frames_and_duration_that_decode(case, tmp_path, corpus):
    clip = _cut(corpus / "video/canon_camera_mjpeg.AVI", tmp_path / "in" / "MVI.AVI",
                1_500_000)
    import_paths(case, [clip])
    row = _row(case, "MVI.AVI")
    assert row["damaged"] == 1
    # The whole clip is 78 frames, 2.6 s; about half the bytes hold about half of them.
    assert 20 < row["frame_count"] < 78 and 0.5 < row["duration_s"] < 2.5
    assert f"{row['frame_count']} of 78 frames decode" in row["damage_reason"]


def test_a_sound_video_is_not_flagged(case, corpus):
    import_paths(case, [corpus / "video/canon_camera_mjpeg.AVI"])
    row = list_evidence(case)[0]
    assert (row["damaged"], row["damage_reason"], row["frame_count"]) == (0, None, 78)


# -- file names ---------------------------------------------------------------------------

def test_names_not_utf8_are_imported_shown_escaped_and_kept_exactly(case, tmp_path, corpus):
    folder = os.fsencode(tmp_path) + b"/caf\xe9 \xff"
    os.mkdir(folder)
    photo = folder + b"/ph\xe9to.jpg"
    shutil.copyfile(corpus / IPHONE, photo)
    report = import_paths(case, [os.fsdecode(folder)])
    assert not report.errors and len(report.imported) == 1
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")   # printable as JSON
    row = get_evidence(case, report.imported[0]["id"])
    assert row["original_name"] == "ph\\xe9to.jpg"
    assert row["original_path"].endswith("/caf\\xe9 \\xff/ph\\xe9to.jpg")
    assert bytes.fromhex(row["original_name_hex"]) == b"ph\xe9to.jpg"
    assert bytes.fromhex(row["original_path_hex"]) == photo
    assert bytes.fromhex(_audit_details(case, row["id"])["path_hex"]) == photo
    assert verify_case(case).ok


def test_a_linked_file_under_a_non_utf8_name_is_found_again(case, tmp_path, corpus):
    folder = os.fsencode(tmp_path) + b"/\xff\xfe"
    os.mkdir(folder)
    shutil.copyfile(corpus / IPHONE, folder + b"/a.jpg")
    report = import_paths(case, [os.fsdecode(folder + b"/a.jpg")], link=True)
    row = get_evidence(case, report.imported[0]["id"])
    assert bytes.fromhex(row["linked_path_hex"]) == folder + b"/a.jpg"
    assert verify_case(case).ok and verify_case(case).files_checked == 1


def test_utf8_names_need_no_exact_copy(case, photo_factory):
    import_paths(case, [photo_factory(name="حلب.jpg")])
    row = list_evidence(case)[0]
    assert row["original_name"] == "حلب.jpg"
    assert row["original_name_hex"] is None and row["original_path_hex"] is None


def test_names_of_dots_are_imported_and_hidden_media_counted(case, tmp_path, corpus):
    folder = tmp_path / "phone"
    (folder / ".thumbnails").mkdir(parents=True)
    photo = (corpus / "photos_gps" / "nikon_d3100_gps_alt0.jpg").read_bytes()
    names = ("..jpg", "...jpg", ".jpg", ".secret.jpg", ".thumbnails/t.jpg")
    for number, name in enumerate(names):
        (folder / name).write_bytes(photo + bytes([number]))   # each its own hash
    report = import_paths(case, [folder], recursive=True)
    assert sorted(r["original_name"] for r in list_evidence(case)) == [
        "...jpg", "..jpg", ".jpg"]
    assert report.hidden == [str(folder / ".secret.jpg")]


# -- XMP position where EXIF GPS is invalid -------------------------------------------------

def test_valid_xmp_gps_is_used_without_a_no_position_warning(case, tmp_path, corpus):
    source = Image.open(corpus / "photos_gps" / "EDGE_samsung_gear360_gps_only_in_xmp.jpg")
    exif = source.getexif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "X", (10.0, 0.0, 0.0)     # present, but "X" is neither N nor S
    gps[3], gps[4] = "E", (20.0, 0.0, 0.0)
    target = tmp_path / "xmp_only_valid.jpg"
    source.save(target, exif=exif, xmp=source.info["xmp"])
    report = import_paths(case, [target])
    row = list_evidence(case)[0]
    assert row["gps_source"] == "xmp"
    assert row["gps_lat"] == pytest.approx(-0.0702668, abs=1e-6)
    assert row["gps_lon"] == pytest.approx(34.3819352, abs=1e-6)
    assert not [w for w in report.warnings if "position" in w["warning"]], report.warnings


# -- the record, its package, its report ----------------------------------------------------

def test_schema_5_holds_the_flag_and_the_exact_names(case):
    columns = {r[1] for r in case.conn.execute("PRAGMA table_info(evidence)")}
    assert {"damaged", "damage_reason", "original_name_hex", "original_path_hex",
            "linked_path_hex"} <= columns
    assert SCHEMA_VERSION >= 5


def test_a_damaged_item_exports_verifies_and_says_so_in_the_report(case, tmp_path, corpus):
    phone = _cut(corpus / IPHONE, tmp_path / "in" / "IMG_0003.jpg", 1_000_000)
    import_paths(case, [phone])
    package = tmp_path / "out.zip"
    export_case(case, package)
    assert verify_package(package).ok
    with zipfile.ZipFile(package) as zf:
        html = zf.read("report/index.html").decode()
    assert "kept as received, damaged" in html and "damaged JPEG" in html


def _audit_details(case, object_id: str) -> dict:
    (details,), = case.conn.execute("SELECT details FROM audit WHERE object_id = ?"
                                    " AND action = 'evidence.import'", (object_id,)).fetchall()
    return json.loads(details)


def test_a_reason_quoting_a_name_that_is_not_utf8_is_stored_and_printable(case, tmp_path,
                                                                          corpus):
    odd = os.fsencode(tmp_path) + b"/photo.jp\xff"
    shutil.copyfile(corpus / IPHONE, odd)
    report = import_paths(case, [os.fsdecode(odd)])
    assert report.warnings == [{"path": f"{tmp_path}/photo.jp\\xff",
                                "warning": "the content is JPEG but the name ends in .jp\\xff"}]
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    assert _audit_details(case, report.imported[0]["id"])["warnings"] == [
        "the content is JPEG but the name ends in .jp\\xff"]
