"""Photo import through the core API, on the real corpus and on generated photos."""

from __future__ import annotations

import csv
import hashlib
import os
import stat
import threading

import numpy as np
import pytest
from PIL import Image

from reviewer.core import media_store
from reviewer.core.evidence import evidence_exif, list_evidence, media_path
from reviewer.core.importer import import_paths
from reviewer.core.ingest import thumbnail_path
from reviewer.core.verify import verify_case


def _expected(corpus):
    with open(corpus / "expected.tsv", newline="") as handle:
        return {row["path"]: row for row in csv.DictReader(handle, delimiter="\t")}


def _by_name(case):
    return {row["original_path"]: row for row in list_evidence(case)}


def _consistent(case):
    """Every item in the case has its complete original; no temporary copies are left."""
    for row in list_evidence(case):
        data = media_path(case, row).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["original_name"]
    assert not list((case.path / "media").rglob("*.part"))


def test_import_real_photos_keeps_camera_gps_and_displayed_size(case, corpus):
    report = import_paths(case, [corpus / "photos_gps", corpus / "photos_misc"], recursive=True)
    expected = _expected(corpus)
    rows = _by_name(case)
    assert not report.errors, report.errors
    assert len(report.imported) == len(expected)
    for relative, want in expected.items():
        row = rows[str((corpus / relative).absolute())]
        assert (row["width"], row["height"]) == (int(want["display_width"]),
                                                 int(want["display_height"])), relative
        assert (row["make"] or "") == want["make"], relative
        assert (row["model"] or "") == want["model"], relative
        if want["gps_lat"] and not relative.startswith("photos_gps/EDGE_samsung_galaxy"):
            assert row["gps_lat"] == pytest.approx(float(want["gps_lat"]), abs=1e-6), relative
            assert row["gps_lon"] == pytest.approx(float(want["gps_lon"]), abs=1e-6), relative
        else:
            assert row["gps_lat"] is None and row["gps_lon"] is None, relative
        if want["gps_alt_m"] not in ("", "undef") and row["gps_lat"] is not None:
            assert row["gps_alt"] == pytest.approx(float(want["gps_alt_m"]), abs=0.01), relative
        if want["offset"]:
            assert row["taken_at_offset"] == want["offset"], relative
        # every tag exifread found is kept as found
        if want["make"]:
            assert evidence_exif(case, row["id"])["Image Make"].strip() == want["make"]
    _consistent(case)


def test_originals_are_copied_read_only_and_content_addressed(case, photo_factory):
    source = photo_factory()
    report = import_paths(case, [source])
    row = list_evidence(case)[0]
    stored = case.path / row["stored_path"]
    assert report.imported[0]["sha256"] == row["sha256"]
    assert stored.read_bytes() == source.read_bytes()
    assert stored.name == f"{row['sha256']}.jpg" and stored.parent.name == row["sha256"][:2]
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert row["original_name"] == source.name and row["imported_by"] == "tester"


def test_thumbnails_are_small_and_shown_the_right_way_up(case, corpus):
    folder = corpus / "photos_misc" / "orientation"
    import_paths(case, [folder])
    thumbs = {}
    for row in list_evidence(case):
        with Image.open(thumbnail_path(case.path, row["sha256"])) as thumb:
            assert max(thumb.size) <= 256
            thumbs[row["original_name"]] = thumb.convert("L").resize((48, 32))
    reference = thumbs["Landscape_1.jpg"]
    for name, thumb in thumbs.items():
        diff = np.abs(np.asarray(thumb, float) - np.asarray(reference, float)).mean()
        assert diff < 12, f"{name} is not displayed like Landscape_1 (mean diff {diff:.1f})"


def test_second_import_of_same_bytes_adds_nothing_and_says_so(case, photo_factory):
    source = photo_factory()
    first = import_paths(case, [source])
    copy = source.with_name("renamed copy.jpg")
    copy.write_bytes(source.read_bytes())
    audit_before = case.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    second = import_paths(case, [source, copy])
    assert second.imported == []
    assert {d["path"] for d in second.duplicates} == {str(source), str(copy)}
    assert all(d["id"] == first.imported[0]["id"] for d in second.duplicates)
    assert len(list_evidence(case)) == 1
    assert case.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before


def test_link_keeps_the_original_where_it_lies(case, photo_factory):
    source = photo_factory()
    import_paths(case, [source], link=True)
    row = list_evidence(case)[0]
    assert row["stored_path"] is None and row["linked_path"] == str(source.resolve())
    assert not [p for p in (case.path / "media").rglob("*") if p.is_file()]
    assert verify_case(case).ok
    source.rename(source.with_name("moved.jpg"))
    problems = verify_case(case).problems
    assert [p["kind"] for p in problems] == ["missing"] and problems[0]["path"] == str(source)


def test_pool_import_of_many_files_batches_and_reports_progress(case, photo_factory):
    sources = [photo_factory(size=(320, 240)) for _ in range(12)]
    seen = []
    report = import_paths(case, [sources[0].parent], progress=seen.append, workers=2)
    assert len(report.imported) == 12
    assert [p.done for p in seen] == list(range(1, 13)) and seen[-1].total == 12
    assert {r["original_name"] for r in list_evidence(case)} == {s.name for s in sources}
    _consistent(case)


def test_cancel_keeps_complete_items_and_a_rerun_finishes(case, photo_factory):
    sources = [photo_factory(size=(320, 240)) for _ in range(16)]
    cancel = threading.Event()

    def stop_after_five(progress):
        if progress.done >= 5:
            cancel.set()

    report = import_paths(case, [sources[0].parent], progress=stop_after_five, cancel=cancel,
                          workers=2)
    assert report.cancelled
    kept = len(list_evidence(case))
    assert 5 <= kept < 16
    _consistent(case)
    rerun = import_paths(case, [sources[0].parent], workers=2)
    assert len(rerun.imported) == 16 - kept and len(rerun.duplicates) == kept
    assert len(list_evidence(case)) == 16
    _consistent(case)
    assert verify_case(case).ok


# -- bad input: each is reported with its path, the batch goes on, the case stays whole --

def _bad_batch(case, photo_factory, bad):
    good_before = photo_factory()
    import_paths(case, [good_before])
    good_after = photo_factory()
    report = import_paths(case, [bad, good_after])
    assert [r["path"] for r in report.imported] == [str(good_after)]
    assert len(list_evidence(case)) == 2
    _consistent(case)
    assert verify_case(case).ok
    return report


def _error_for(report, path):
    errors = [e["error"] for e in report.errors if e["path"] == str(path)]
    assert len(errors) == 1, report.errors
    return errors[0]


def test_zero_byte_file(case, photo_factory, corpus):
    bad = corpus / "broken" / "zero_byte.jpeg"
    assert "empty file" in _error_for(_bad_batch(case, photo_factory, bad), bad)


def _kept_damaged(case, photo_factory, bad):
    """A damaged image is kept beside the good one, flagged, its hash verified."""
    good = photo_factory()
    report = import_paths(case, [bad, good])
    assert sorted(r["path"] for r in report.imported) == sorted([str(bad), str(good)])
    assert not report.errors
    row = next(r for r in list_evidence(case) if r["original_name"] == bad.name)
    assert row["damaged"] == 1 and row["sha256"] == media_store.sha256_file(bad)
    assert any(w["path"] == str(bad) and "damaged" in w["warning"] for w in report.warnings)
    _consistent(case)
    assert verify_case(case).ok
    return row


def test_truncated_jpeg_is_kept_flagged_damaged(case, photo_factory, corpus):
    row = _kept_damaged(case, photo_factory, corpus / "broken" / "truncated_jpeg.jpg")
    assert "damaged JPEG" in row["damage_reason"] and "truncated" in row["damage_reason"]


def test_truncated_generated_jpeg_keeps_the_pixels_that_decode(case, photo_factory, tmp_path):
    whole = photo_factory(size=(800, 600))
    bad = tmp_path / "cut.jpg"
    bad.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    row = _kept_damaged(case, photo_factory, bad)
    assert (row["width"], row["height"]) == (800, 600)
    assert "the pixels that decode are kept" in row["damage_reason"]
    assert (case.path / "cache" / "thumbs" / row["sha256"][:2] / f"{row['sha256']}.jpg").is_file()


def test_text_file_named_jpg(case, photo_factory, corpus):
    bad = corpus / "broken" / "plain_text_named.jpg"
    assert "text file" in _error_for(_bad_batch(case, photo_factory, bad), bad)


def test_decompression_bomb_is_refused_without_decoding(case, photo_factory, corpus):
    bad = corpus / "broken" / "png_bomb_spark_225000x225000.png"
    assert "decompression bomb" in _error_for(_bad_batch(case, photo_factory, bad), bad)
    assert not list((case.path / "cache").rglob("*.jpg"))[2:], "no thumbnail for the bomb"


def test_corrupt_exif_is_imported_with_a_warning(case, corpus):
    bad = corpus / "broken" / "exif_gps_ifd_typeerror.jpg"
    report = import_paths(case, [bad])
    assert len(report.imported) == 1
    assert any("corrupted IFD" in w["warning"] for w in report.warnings)
    assert not report.ok


def test_exif_that_crashes_exifread_does_not_stop_the_batch(case, photo_factory, corpus):
    bad = corpus / "broken" / "broken_png_header.png"
    row = _kept_damaged(case, photo_factory, bad)   # a PNG signature, then garbage
    assert "damaged PNG" in row["damage_reason"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file; tests/cli covers this")
def test_unreadable_file(case, photo_factory):
    bad = photo_factory(name="secret.jpg")
    bad.chmod(0)
    try:
        assert "permission denied" in _error_for(_bad_batch(case, photo_factory, bad), bad)
    finally:
        bad.chmod(0o644)


def test_folder_loop_under_recursive(case, photo_factory, tmp_path):
    top = tmp_path / "scene"
    photo_factory(name="../scene/a.jpg")
    photo_factory(name="../scene/day2/b.jpg")
    (top / "day2" / "back").symlink_to(top)
    report = import_paths(case, [top], recursive=True)
    assert len(report.imported) == 2
    loops = [e for e in report.errors if "loop" in e["error"]]
    assert [e["path"] for e in loops] == [str(top / "day2" / "back")]


def test_missing_path_is_reported(case, tmp_path):
    report = import_paths(case, [tmp_path / "nope.jpg"])
    assert report.errors == [{"path": str(tmp_path / "nope.jpg"),
                              "error": "no such file or folder"}]


@pytest.mark.parametrize("fmt, suffix", [("WEBP", "webp"), ("PNG", "png"), ("TIFF", "tif"),
                                         ("HEIF", "heic")])
def test_each_supported_format_is_imported_with_its_exif(case, photo_factory, fmt, suffix):
    jpeg = photo_factory(size=(320, 200))
    with Image.open(jpeg) as image:
        exif = image.getexif()
        target = jpeg.with_suffix(f".{suffix}")
        image.save(target, fmt, exif=exif)
    report = import_paths(case, [target])
    assert not report.errors, report.errors
    row = list_evidence(case)[0]
    assert row["stored_path"].endswith(f".{suffix}") and (row["width"], row["height"]) == (320, 200)
    assert row["make"] == "TestCam"
    assert row["gps_lat"] == pytest.approx(36.2021, abs=1e-4)


def test_work_finished_but_not_yet_taken_leaves_no_copy_when_the_import_stops(
        case, photo_factory):
    # The import stops at one result (a full disk, say) while others have finished in
    # the workers: their copies were left in media/.incoming until the next import.
    import time

    from reviewer.core.importer import _prepare_all
    from reviewer.core.progress import NeverCancel

    paths = [str(photo_factory()) for _ in range(12)]
    results = _prepare_all(paths, str(case.path), False, NeverCancel(), 2)
    held = [next(results)]
    time.sleep(2)                 # every queued photo is copied in meanwhile
    held.append(next(results))
    results.close()               # as the import's loop does when it stops
    left = set(map(str, (case.path / "media" / ".incoming").glob("*.part")))
    assert left == {str(result.part) for result in held}
