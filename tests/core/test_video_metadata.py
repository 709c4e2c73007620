"""Importing videos: the container's position, camera, time and tags; GoPro telemetry."""

from __future__ import annotations

import shutil
import struct

import pytest
from mp4_support import add_to_moov, apple_keys_meta, box, corpus_file, make_clip, udta_text
from test_quicktime import IPHONE

from reviewer.core.evidence import EvidenceFilter, evidence_exif, list_evidence
from reviewer.core.frames import extract_frames
from reviewer.core.importer import import_paths
from reviewer.core.quicktime import read_quicktime
from reviewer.core.srt import Telemetry, TelemetryPoint
from reviewer.core.verify import verify_case


def _one(case, kind="video"):
    (row,) = list_evidence(case, EvidenceFilter(kind=kind))
    return row


def test_iphone_mov_imports_with_position_camera_time_and_tags(case, tmp_path):
    clip = add_to_moov(make_clip(tmp_path / "IMG_0001.MOV", frames=75), apple_keys_meta(IPHONE))
    report = import_paths(case, [clip], frames_every=1)
    assert not report.errors and not report.warnings, (report.errors, report.warnings)
    video = _one(case)
    assert (video["gps_lat"], video["gps_lon"], video["gps_alt"]) == (32.0929, 34.862, 28.5)
    assert (video["make"], video["model"], video["gps_source"]) == ("Apple", "iPhone 6",
                                                                    "quicktime")
    assert video["taken_at"] == "2016-08-21T15:04:27+03:00"
    assert (video["taken_at_utc"], video["taken_at_offset"]) == ("2016-08-21T12:04:27Z",
                                                                 "+03:00")
    tags = dict(evidence_exif(case, video["id"]))
    assert tags["Keys:com.apple.quicktime.location.ISO6709"] == "+32.0929+034.8620+028.500/"
    assert tags["Keys:com.apple.quicktime.software"] == "9.3.2"
    # No telemetry: each frame carries the video's own position and its moment.
    frames = list_evidence(case, EvidenceFilter(kind="frame"))
    assert [f["frame_time_ms"] for f in frames] == [0, 1000, 2000]
    for frame in frames:
        assert (frame["gps_lat"], frame["gps_lon"], frame["gps_source"]) == (
            32.0929, 34.862, "quicktime")
    assert frames[1]["taken_at"] == "2016-08-21T15:04:28.000+03:00"
    assert frames[1]["taken_at_utc"] == "2016-08-21T12:04:28.000Z"
    assert verify_case(case).ok


def test_gopro_clip_frames_get_the_gpmf_track(case):
    clip = corpus_file("video/gopro_karma_drone_hero5.mp4")
    report = import_paths(case, [clip], frames_every=3)
    assert not report.errors and not report.warnings, (report.errors, report.warnings)
    video = _one(case)
    # exiftool -ee -n, the first GLPI sample: 33.1253688 -117.3310668, 15.711 m.
    assert (video["gps_lat"], video["gps_lon"], video["gps_alt"]) == pytest.approx(
        (33.1253688, -117.3310668, 15.711))
    assert video["gps_source"] == "gpmf"
    assert video["model"] == "HERO5 Black"    # exiftool: Camera Model Name (fdsc track)
    frames = list_evidence(case, EvidenceFilter(kind="frame"))
    assert len(frames) == 5 and all(f["gps_source"] == "gpmf" for f in frames)
    # exiftool -ee -n -G3: the third payload (2.0-3.0 s of the clip) holds three GLPI
    # samples; the last, at 19:28:00.05001, 33.1254471 -117.3311166, is on screen at 3 s.
    assert (frames[1]["gps_lat"], frames[1]["gps_lon"]) == pytest.approx(
        (33.1254471, -117.3311166))
    assert frames[1]["taken_at_utc"] == "2017-04-17T19:28:00.050Z"
    # The drone moved: the frames' positions differ, in the order flown.
    assert len({(f["gps_lat"], f["gps_lon"]) for f in frames}) == 5


def test_frames_outside_the_telemetry_get_no_position_and_a_warning(case, tmp_path,
                                                                    monkeypatch):
    clip = make_clip(tmp_path / "flight.mp4", frames=125)   # 5 s
    import_paths(case, [clip])
    video = _one(case)
    # Telemetry for 0-2 s only, as a GPS that lost its fix would leave.
    points = [TelemetryPoint(i + 1, i * 250, (i + 1) * 250, None, None, 10.0 + i, 20.0, 5.0,
                             None) for i in range(8)]
    monkeypatch.setattr("reviewer.core.frames.telemetry_for",
                        lambda case, video_id: Telemetry("flight.mp4", "gpmf-gps5", points, []))
    report = extract_frames(case, video["id"], every_s=1)
    frames = list_evidence(case, EvidenceFilter(kind="frame"))
    assert [f["gps_lat"] for f in frames] == [10.0, 14.0, None, None, None]
    assert report.warnings == ["3 frame(s) at 2.00, 3.00, 4.00 s are after the telemetry ends"
                               " (2.00 s into the video): no position given"]


def test_videos_without_metadata_or_with_a_null_position(case):
    report = import_paths(case, [corpus_file("video/hevc_h265_portrait_sample.mp4"),
                                 corpus_file("video_phone/EDGE_3gp5_gps_null_island.mp4")])
    assert not report.errors and len(report.imported) == 2
    for row in list_evidence(case, EvidenceFilter(kind="video")):
        assert row["gps_lat"] is None and row["gps_source"] is None
    null_island = [w["warning"] for w in report.warnings if "null_island" in w["path"]]
    assert "the recorded position is exactly 0, 0 (no GPS fix); ignored" in null_island
    # Nothing said about the metadata the HEVC clip lacks (only its frame timing).
    assert [w["warning"] for w in report.warnings if "hevc" in w["path"]] == [
        "variable frame rate: frame times come from the container's timestamps, frame"
        " counts may be approximate"]


def test_damaged_metadata_is_a_one_line_warning_and_the_import_goes_on(case, tmp_path):
    garbled = add_to_moov(make_clip(tmp_path / "garbled.MOV"), apple_keys_meta(IPHONE),
                          box(b"udta", udta_text(b"\xa9mak", "Apple")
                              + struct.pack(">I4s", 0x7FFFFFF0, b"\xa9mod")))
    karma = tmp_path / "karma.mp4"
    shutil.copyfile(corpus_file("video/gopro_karma_drone_hero5.mp4"), karma)
    first = read_quicktime(karma).gpmf[0]
    with open(karma, "r+b") as handle:          # the first GPMF payload's length, garbled
        handle.seek(first.offset + 6)
        handle.write(b"\xff\xff")
    report = import_paths(case, [garbled, karma], frames_every=4)
    assert not report.errors and len([i for i in report.imported if i["kind"] == "video"]) == 2
    lines: dict[str, list[str]] = {}
    for warning in report.warnings:
        lines.setdefault(warning["path"].rsplit("/", 1)[-1], []).append(warning["warning"])
    assert lines["garbled.MOV"][0].startswith("container metadata damaged: box '©mod' claims")
    assert lines["karma.mp4"][0].startswith("GoPro telemetry: GPMF payload 1 unreadable (item"
                                            " 'DEVC' at byte 0 claims")
    assert all("\n" not in w["warning"] for w in report.warnings)
    rows = {r["original_name"]: r for r in list_evidence(case, EvidenceFilter(kind="video"))}
    assert rows["garbled.MOV"]["gps_lat"] == 32.0929       # what could be read is kept
    frames = list_evidence(case, EvidenceFilter(kind="frame"))
    karma_frames = [f for f in frames if f["original_name"].startswith("karma")]
    # The first second's telemetry is gone: the frame at 0 s has no position (and says
    # why), the later ones have theirs.
    assert karma_frames[0]["gps_lat"] is None
    assert all(f["gps_source"] == "gpmf" for f in karma_frames[1:])
    assert any("before the telemetry starts" in w["warning"] for w in report.warnings)
