"""QuickTime/MP4 metadata: crafted box trees, damaged ones, and the real phone videos."""

from __future__ import annotations

import csv
import re
import struct
from pathlib import Path

import pytest
from mp4_support import (
    add_to_moov,
    apple_keys_meta,
    box,
    corpus_file,
    data_item,
    make_clip,
    udta_text,
)

from reviewer.core.quicktime import boxes, parse_iso6709, read_quicktime

IPHONE = {
    "com.apple.quicktime.location.ISO6709": "+32.0929+034.8620+028.500/",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 6",
    "com.apple.quicktime.software": "9.3.2",
    "com.apple.quicktime.creationdate": "2016-08-21T15:04:27+0300",
}


def _manifest_description(relative: str) -> str:
    with open(corpus_file("MANIFEST.tsv"), newline="") as handle:
        return next(row["description"] for row in csv.DictReader(handle, delimiter="\t")
                    if row["relative_path"] == relative)


def test_iphone_keys_give_position_camera_and_local_time_with_offset(tmp_path: Path) -> None:
    clip = add_to_moov(make_clip(tmp_path / "IMG_0001.MOV"), apple_keys_meta(IPHONE))
    meta = read_quicktime(clip)
    assert (meta.gps_lat, meta.gps_lon, meta.gps_alt) == (32.0929, 34.862, 28.5)
    assert (meta.make, meta.model, meta.gps_source) == ("Apple", "iPhone 6", "quicktime")
    assert meta.taken_at == "2016-08-21T15:04:27+03:00"
    assert meta.taken_at_utc == "2016-08-21T12:04:27Z"
    assert meta.taken_at_offset == "+03:00"
    # Every key is kept, as for photos, even those the app has no field for.
    assert meta.tags["Keys:com.apple.quicktime.software"] == "9.3.2"
    assert meta.warnings == []


def test_udta_atoms_as_android_and_older_apple_write_them(tmp_path: Path) -> None:
    udta = box(b"udta", udta_text(b"\xa9xyz", "-33.8688+151.2093/")
               + udta_text(b"\xa9mak", "samsung") + udta_text(b"\xa9mod", "SM-G930F")
               + udta_text(b"\xa9day", "2019-03-02T10:11:12-0500"))
    meta = read_quicktime(add_to_moov(make_clip(tmp_path / "android.mp4"), udta))
    assert (meta.gps_lat, meta.gps_lon, meta.gps_alt) == (-33.8688, 151.2093, None)
    assert (meta.make, meta.model) == ("samsung", "SM-G930F")
    assert (meta.taken_at, meta.taken_at_utc) == ("2019-03-02T10:11:12-05:00",
                                                  "2019-03-02T15:11:12Z")
    assert meta.tags["UserData:GPSCoordinates"] == "-33.8688+151.2093/"


def test_udta_meta_item_list(tmp_path: Path) -> None:
    ilst = box(b"ilst", data_item(b"\xa9mak", "GoPro") + data_item(b"\xa9mod", "HERO9"))
    handler = box(b"hdlr", bytes(8) + b"mdir" + bytes(13))
    udta = box(b"udta", box(b"meta", b"\x00\x00\x00\x00" + handler + ilst))
    meta = read_quicktime(add_to_moov(make_clip(tmp_path / "gopro.mp4"), udta))
    assert (meta.make, meta.model) == ("GoPro", "HERO9")


def test_phone_mp4_position_from_udta_as_the_manifest_reads_it() -> None:
    name = "video_phone/phone_mp4_gps_udta_xyz.mp4"
    # The corpus notes read the position with exiftool: "(+51.4169-000.0806)".
    lat, lon = (float(v) for v in re.search(r"\(([+-][\d.]+)([+-][\d.]+)\)",
                                           _manifest_description(name)).groups())
    meta = read_quicktime(corpus_file(name))
    assert (meta.gps_lat, meta.gps_lon) == pytest.approx((lat, lon), abs=1e-6)
    # exiftool: Create Date 2017:02:22 08:20:28 (mvhd, UTC), Android Version 6.0.1.
    assert meta.taken_at_utc == "2017-02-22T08:20:28Z"
    assert meta.tags["Keys:com.android.version"] == "6.0.1"


def test_null_island_is_no_position_with_a_warning() -> None:
    meta = read_quicktime(corpus_file("video_phone/EDGE_3gp5_gps_null_island.mp4"))
    assert (meta.gps_lat, meta.gps_lon) == (None, None)
    assert meta.tags["UserData:GPSCoordinates"] == "+00.0000+000.0000/"
    assert meta.warnings == ["the recorded position is exactly 0, 0 (no GPS fix); ignored"]


def test_a_video_without_metadata_reads_as_nothing_quietly() -> None:
    meta = read_quicktime(corpus_file("video/hevc_h265_portrait_sample.mp4"))
    assert (meta.gps_lat, meta.make, meta.taken_at) == (None, None, None)   # mvhd date is 0
    assert meta.warnings == [] and meta.gpmf == []
    avi = read_quicktime(corpus_file("video/canon_camera_mjpeg.AVI"))
    assert avi.tags == {} and avi.warnings == []


def test_garbled_box_keeps_what_comes_before(tmp_path: Path) -> None:
    good = udta_text(b"\xa9mak", "Apple")
    broken = struct.pack(">I4s", 0x7FFFFFF0, b"\xa9mod") + b"iPhone"   # size past the end
    clip = add_to_moov(make_clip(tmp_path / "garbled.mov"),
                       box(b"udta", good + broken))
    meta = read_quicktime(clip)
    assert (meta.make, meta.model) == ("Apple", None)
    assert meta.warnings == ["container metadata damaged: box '©mod' claims 2147483632 bytes,"
                             " 14 remain; the rest of its container is not read"]


def test_a_truncated_file_is_a_one_line_warning(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "cut.mp4")
    data = clip.read_bytes()
    clip.write_bytes(data[:len(data) - 200])   # the index at the end is cut short
    meta = read_quicktime(clip)
    assert meta.tags == {}
    assert len(meta.warnings) == 1 and "runs past the end of the file" in meta.warnings[0]


def test_box_walker_stops_at_damage() -> None:
    data = box(b"free", b"abc") + struct.pack(">I4s", 4, b"bad!") + box(b"free", b"x")
    assert [kind for kind, _, _ in boxes(data, 0, len(data))] == [b"free"]


@pytest.mark.parametrize(("text", "expected"), [
    ("+32.0929+034.8620+028.500/", (32.0929, 34.862, 28.5)),
    ("+51.4169-000.0806/", (51.4169, -0.0806, None)),
    ("-12.5+181.0/", None),
    ("nowhere", None),
])
def test_iso6709(text: str, expected: tuple | None) -> None:
    assert parse_iso6709(text) == expected


def test_an_impossible_offset_keeps_the_local_time_and_says_so(tmp_path: Path) -> None:
    keys = {**IPHONE, "com.apple.quicktime.creationdate": "2016-08-21T15:04:27+2500"}
    meta = read_quicktime(add_to_moov(make_clip(tmp_path / "odd.MOV"), apple_keys_meta(keys)))
    assert (meta.taken_at, meta.taken_at_utc) == ("2016-08-21T15:04:27", None)
    assert meta.warnings == ["creation date '2016-08-21T15:04:27+2500' has an impossible UTC"
                             " offset; the offset is ignored"]
