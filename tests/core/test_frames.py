"""Videos in a case: import with telemetry, frames as evidence, keep one frame, resume."""

from __future__ import annotations

import hashlib
import threading

import cv2
import numpy as np
import pytest

from reviewer.core.case import create_case
from reviewer.core.evidence import EvidenceFilter, list_evidence, media_path
from reviewer.core.frames import keep_frame, telemetry_for
from reviewer.core.importer import import_paths
from reviewer.core.srt import parse_srt
from reviewer.core.verify import verify_case
from reviewer.core.video import frames_every

FPS = 25


def _make_clip(folder, frames=250, name="DJI_0001", srt_frames=None, garbled=False):
    """An MP4 whose frames show their index, and a Mavic 3 style SRT beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    video = folder / f"{name}.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (320, 240))
    for index in range(frames):
        image = np.full((240, 320, 3), 40, np.uint8)
        cv2.putText(image, str(index), (20, 150), cv2.FONT_HERSHEY_SIMPLEX, 3,
                    (255, 255, 255), 5)
        writer.write(image)
    writer.release()
    blocks = []
    for k in range(srt_frames or frames):
        start, end = k * 40, (k + 1) * 40

        def stamp(ms):
            return f"00:{ms // 60000:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

        blocks.append(
            f"{k + 1}\n{stamp(start)} --> {stamp(end)}\n"
            f"<font size=\"28\">FrameCnt: {k + 1}, DiffTime: 40ms\n"
            f"2023-05-01 10:00:{start // 1000:02d}.{start % 1000:03d}\n"
            f"[iso: 100] [latitude: {34.55 + k * 1e-5:.6f}] [longitude: {38.27 + k * 1e-5:.6f}]"
            f" [rel_alt: {10 + k * 0.1:.3f} abs_alt: {420 + k * 0.1:.3f}] </font>\n")
    text = "this is not telemetry at all\n" if garbled else "\n".join(blocks)
    (folder / f"{name}.SRT").write_text(text)
    return video


def _frames(case):
    return list_evidence(case, EvidenceFilter(kind="frame"))


def test_video_with_telemetry_gives_frames_with_position_and_time(case, tmp_path):
    video = _make_clip(tmp_path / "flight")
    report = import_paths(case, [video.parent], frames_every=2)
    assert not report.errors and not report.warnings, (report.errors, report.warnings)
    assert report.skipped == []                      # the SRT went in with its video
    (row,) = list_evidence(case, EvidenceFilter(kind="video"))
    assert (row["width"], row["height"], row["frame_count"]) == (320, 240, 250)
    assert row["duration_s"] == pytest.approx(10, abs=0.1)
    assert row["gps_lat"] == pytest.approx(34.55)
    telemetry = telemetry_for(case, row["id"])
    assert telemetry is not None and len(telemetry.points) == 250
    # The frames on screen at 0, 2, 4, 6, 8 s, as an investigator asking for "every 2 s"
    # expects (FFmpeg's nearest rounding would give 0.96, 2.96 ... s).
    expected = [(k * 50, k * 2000) for k in range(5)]
    frames = _frames(case)
    assert [(f["frame_index"], f["frame_time_ms"]) for f in frames] == expected
    for frame in frames:
        point = telemetry.at(frame["frame_time_ms"])
        assert (frame["gps_lat"], frame["gps_lon"], frame["gps_alt"]) == (
            point.lat, point.lon, point.altitude)
        assert frame["taken_at"] == point.time and frame["parent_id"] == row["id"]
        assert frame["gps_source"] == "srt"
    assert verify_case(case).ok


def test_frames_are_lossless_copies_of_the_decoded_frame(case, tmp_path):
    video = _make_clip(tmp_path / "flight", frames=60)
    import_paths(case, [video], frames_every=1)
    decoded = {f.index: f.image for f in frames_every(video, 1, rounding="up")}
    for frame in _frames(case):
        stored = media_path(case, frame)
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == frame["sha256"]
        pixels = cv2.imread(str(stored), cv2.IMREAD_COLOR)
        assert np.array_equal(pixels, decoded[frame["frame_index"]])


def test_running_the_import_again_finishes_without_duplicates(case, tmp_path):
    video = _make_clip(tmp_path / "flight", frames=125)
    cancel = threading.Event()

    def stop_soon(progress):
        if progress.done > 40 and progress.item.endswith(".mp4"):
            cancel.set()

    first = import_paths(case, [video], frames_every=1, progress=stop_soon, cancel=cancel)
    kept = len(_frames(case))
    assert first.cancelled and kept < 5
    second = import_paths(case, [video], frames_every=1)
    assert [d["path"] for d in second.duplicates] == [str(video)]
    assert len(_frames(case)) == 5 and len(second.imported) == 5 - kept
    third = import_paths(case, [video], frames_every=1)
    assert third.imported == [] and len(_frames(case)) == 5
    assert verify_case(case).ok


def test_keep_one_frame_twice_gives_the_same_item(case, tmp_path):
    video = _make_clip(tmp_path / "flight", frames=60)
    import_paths(case, [video])
    (row,) = list_evidence(case, EvidenceFilter(kind="video"))
    kept = keep_frame(case, row["id"], 37)
    assert (kept["kind"], kept["frame_index"], kept["parent_id"]) == ("frame", 37, row["id"])
    assert kept["frame_time_ms"] == pytest.approx(37 * 40, abs=1)
    assert keep_frame(case, row["id"], 37)["id"] == kept["id"]
    ids = [r["id"] for r in list_evidence(case)]
    assert ids == [row["id"], kept["id"]]           # the frame is listed under its video


def test_garbled_telemetry_is_a_warning_naming_the_srt(case, tmp_path):
    video = _make_clip(tmp_path / "flight", frames=30, garbled=True)
    report = import_paths(case, [video])
    assert len(report.imported) == 1
    assert any("DJI_0001.SRT" in w["warning"] for w in report.warnings)
    assert telemetry_for(case, report.imported[0]["id"]) is None


def test_telemetry_of_another_length_is_a_warning(case, tmp_path):
    video = _make_clip(tmp_path / "flight", frames=50, srt_frames=400)
    report = import_paths(case, [video])
    assert any("lasts" in w["warning"] for w in report.warnings), report.warnings


def test_telemetry_beside_a_video_already_in_the_case_is_named_not_dropped(case, tmp_path):
    video = _make_clip(tmp_path / "flight", frames=30)
    telemetry = video.with_suffix(".SRT").read_bytes()
    video.with_suffix(".SRT").unlink()
    (first,) = import_paths(case, [video]).imported        # imported without its SRT
    video.with_suffix(".SRT").write_bytes(telemetry)
    report = import_paths(case, [video.parent])
    assert [d["id"] for d in report.duplicates] == [first["id"]]
    assert [w["path"] for w in report.warnings] == [str(video.with_suffix(".SRT"))]
    assert first["id"][:8] in report.warnings[0]["warning"]
    assert telemetry_for(case, first["id"]) is None          # the item in the case unchanged
    assert case.conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    # The same pair again, into a case that kept the SRT with its video: nothing to say.
    kept = create_case(tmp_path / "other.case", actor="tester")
    import_paths(kept, [video.parent])
    again = import_paths(kept, [video.parent])
    assert again.duplicates and not again.warnings


def test_fake_videos_are_refused_by_name_and_a_cut_one_kept_damaged(case, tmp_path, photo_factory):
    whole = _make_clip(tmp_path / "flight", frames=100)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[:2000])
    fake = tmp_path / "fake.mov"
    fake.write_text("https://example.org/where-the-video-was")
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    good = photo_factory()
    report = import_paths(case, [cut, fake, empty, good])
    assert {e["path"] for e in report.errors} == {str(fake), str(empty)}
    # A cut-off recording is evidence as received: kept, flagged damaged (issue 14).
    assert [(i["path"], i["damaged"]) for i in report.imported] == [(str(cut), True),
                                                                     (str(good), False)]


def test_changed_telemetry_is_found_by_verify(case, tmp_path):
    import os

    video = _make_clip(tmp_path / "flight", frames=30)
    import_paths(case, [video])
    stored = case.path / case.conn.execute("SELECT stored_path FROM attachments").fetchone()[0]
    os.chmod(stored, 0o644)
    stored.write_text(stored.read_text().replace("34.55", "35.55", 1))
    problems = verify_case(case).problems
    assert [(p["kind"], p["path"]) for p in problems] == [("changed", str(stored))]
    assert parse_srt(stored).points[0].lat == pytest.approx(35.55)
