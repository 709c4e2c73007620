"""GoPro GPMF telemetry: crafted KLV bytes, a bad length, and the corpus Karma clip."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from mp4_support import corpus_file, gps5_payload, klv

from reviewer.core.gpmf import GpmfError, _read_payload, parse_klv, read_gpmf
from reviewer.core.quicktime import QuickTimeMeta, SampleRun, read_quicktime

KARMA = "video/gopro_karma_drone_hero5.mp4"


def test_klv_nesting_and_padding() -> None:
    data = klv(b"DEVC", b"\x00", 1, klv(b"DVNM", b"c", 1, b"Camera") + klv(b"TMPC", b"f", 4,
                                                                            b"\x42\x28\x00\x00"))
    (device,) = parse_klv(data)
    assert device.key == "DEVC"
    assert [(c.key, c.type, c.data) for c in device.children] == [
        ("DVNM", "c", b"Camera"), ("TMPC", "f", b"\x42\x28\x00\x00")]


def test_gps5_samples_are_scaled_and_timed_from_gpsu() -> None:
    payload = _read_payload(gps5_payload("170417192757.500", [
        (33.1253688, -117.3310668, 15.711), (33.1253712, -117.3310685, 15.643)]),
        SampleRun(0, 0, 0.0, 1.0))
    assert payload.gps5[0][:3] == pytest.approx((33.1253688, -117.3310668, 15.711))
    assert payload.gps5[1][:3] == pytest.approx((33.1253712, -117.3310685, 15.643))
    assert payload.gpsu.isoformat() == "2017-04-17T19:27:57.500000+00:00"


def test_a_length_past_the_end_is_an_error_naming_the_item() -> None:
    data = bytearray(gps5_payload("170417192757.500", [(1.0, 2.0, 3.0)]))
    struct.pack_into(">H", data, 6, 0xFFFF)   # DEVC claims 64 kB more than there is
    with pytest.raises(GpmfError, match="item 'DEVC' at byte 0 claims 65535 bytes"):
        parse_klv(bytes(data))


def test_karma_clip_positions_match_exiftool() -> None:
    telemetry = read_gpmf(corpus_file(KARMA))
    assert telemetry is not None and telemetry.layout == "gpmf-glpi"
    # exiftool -ee -n: 47 "GPS Latitude" samples (GLPI, ~4 a second) over 12 s.
    assert len(telemetry.points) == 47
    first, last = telemetry.points[0], telemetry.points[-1]
    # exiftool -ee -n: the first GLPI sample, then the last.
    assert (first.lat, first.lon, first.altitude) == pytest.approx(
        (33.1253688, -117.3310668, 15.711))
    assert first.time == "2017-04-17T19:27:57.526Z"      # exiftool: 19:27:57.52602
    assert last.lat == pytest.approx(33.1260123)
    assert last.time == "2017-04-17T19:28:09.119Z"       # exiftool: 19:28:09.11929
    assert first.start_ms == 0 and last.end_ms == pytest.approx(12012, abs=2)
    assert telemetry.warnings == []


def test_a_bad_payload_is_skipped_with_a_warning_and_the_rest_read(tmp_path: Path) -> None:
    clip = tmp_path / "karma.mp4"
    shutil.copyfile(corpus_file(KARMA), clip)
    runs = read_quicktime(clip).gpmf
    with open(clip, "r+b") as handle:     # garble the first payload's DEVC length
        handle.seek(runs[0].offset + 6)
        handle.write(b"\xff\xff")
    telemetry = read_gpmf(clip)
    assert telemetry is not None
    assert len(telemetry.warnings) == 1
    assert telemetry.warnings[0].startswith("GPMF payload 1 unreadable (item 'DEVC' at byte 0")
    assert 40 <= len(telemetry.points) < 47
    assert telemetry.points[0].start_ms >= 1000     # the first second is gone, not faked


def test_videos_without_gpmf_have_no_telemetry() -> None:
    assert read_gpmf(corpus_file("video_phone/phone_mp4_gps_udta_xyz.mp4")) is None
    assert read_gpmf(corpus_file("video/canon_camera_mjpeg.AVI")) is None


def test_gps5_track_gives_timed_positions(tmp_path: Path, monkeypatch) -> None:
    # Two one-second payloads as a HERO camera writes them; the box index that says where
    # they lie is quicktime's business, tested there.
    first = gps5_payload("230501100000.000", [(48.1, 11.5, 520.0), (48.2, 11.6, 521.0)])
    second = gps5_payload("230501100001.000", [(0.0, 0.0, 0.0), (48.4, 11.8, 523.0)])
    path = tmp_path / "GH010001.MP4"
    path.write_bytes(first + second)
    runs = [SampleRun(0, len(first), 0.0, 1.0), SampleRun(len(first), len(second), 1.0, 1.0)]
    monkeypatch.setattr("reviewer.core.gpmf.read_quicktime",
                        lambda _: QuickTimeMeta(gpmf=runs))
    telemetry = read_gpmf(path)
    assert telemetry.layout == "gpmf-gps5"
    assert [(p.start_ms, p.end_ms) for p in telemetry.points] == [
        (0, 500), (500, 1000), (1000, 1500), (1500, 2000)]
    assert [p.time for p in telemetry.points] == [
        "2023-05-01T10:00:00.000Z", "2023-05-01T10:00:00.500Z",
        "2023-05-01T10:00:01.000Z", "2023-05-01T10:00:01.500Z"]
    assert telemetry.points[1].lat == pytest.approx(48.2)
    assert telemetry.points[2].lat is None          # 0, 0: no fix, not the Gulf of Guinea
    assert telemetry.points[3].altitude == pytest.approx(523.0)
