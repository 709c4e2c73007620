"""reviewer.core.srt against the real DJI subtitle files and small synthetic ones.

Expected values were read by hand from the files; each literal quotes its raw line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.core.errors import MediaError
from reviewer.core.srt import Telemetry, TelemetryPoint, check_duration, find_sidecar, parse_srt

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
MAVIC_PRO = "srt/mavic_pro_2017_home_gps_barometer.SRT"
P4RTK = "srt/phantom4_rtk_fstop_gps_home_pry.SRT"
MAVIC3 = "srt/mavic3_framecnt_rel_abs_alt.srt"


def corpus_file(relative: str) -> Path:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"shared corpus file {relative} not present")
    return path


def by_index(telemetry: Telemetry, index: int) -> TelemetryPoint:
    (point,) = [p for p in telemetry.points if p.index == index]
    return point


def write(tmp_path: Path, text: str, name: str = "clip.SRT", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- the real files -------------------------------------------------------------------

def test_mavic_pro_is_longitude_first_and_barometer_is_the_height() -> None:
    tel = parse_srt(corpus_file(MAVIC_PRO))
    assert tel.layout == "mavic-pro-gps-lon-lat-sats"
    assert len(tel.points) == 468 and tel.warnings == []
    assert tel.duration_ms == 468_000  # 00:00:01,000 .. 00:07:49,000

    # 00:00:01,000 --> 00:00:02,000
    # HOME(149.0251,-20.2532) 2017.08.05 14:11:51
    # GPS(149.0251,-20.2533,16) BAROMETER:1.9
    first = tel.points[0]
    assert (first.index, first.start_ms, first.end_ms) == (1, 1000, 2000)
    assert (first.lat, first.lon) == (-20.2533, 149.0251)
    assert (first.home_lat, first.home_lon) == (-20.2532, 149.0251)
    assert first.altitude == 1.9 and first.rel_alt == 1.9  # not 16: that is satellites
    assert first.time == "2017-08-05T14:11:51" and first.frame_count is None

    # 234 / 00:03:54,000 --> 00:03:55,000 / HOME(149.0251,-20.2532) 2017.08.05 14:15:44
    # GPS(149.0258,-20.2531,15) BAROMETER:118.5
    mid = by_index(tel, 234)
    assert (mid.start_ms, mid.end_ms) == (234_000, 235_000)
    assert (mid.lat, mid.lon, mid.altitude) == (-20.2531, 149.0258, 118.5)
    assert mid.time == "2017-08-05T14:15:44"

    # 468 / 00:07:48,000 --> 00:07:49,000 / HOME(149.0251,-20.2532) 2017.08.05 14:19:39
    # GPS(149.0251,-20.2532,16) BAROMETER:0.0
    last = tel.points[-1]
    assert (last.index, last.start_ms, last.end_ms) == (468, 468_000, 469_000)
    assert (last.lat, last.lon, last.altitude) == (-20.2532, 149.0251, 0.0)
    assert last.time == "2017-08-05T14:19:39"


def test_phantom4_rtk_is_longitude_first_with_home_and_height() -> None:
    tel = parse_srt(corpus_file(P4RTK))
    assert tel.layout == "p4rtk"
    assert len(tel.points) == 55 and tel.warnings == []
    assert tel.duration_ms == 55_000

    # 1 / 00:00:00,000 --> 00:00:01,000 / F/5.6, SS 400, ISO 100, EV 0,
    # GPS (-58.851745, -34.237922, 15), HOME (-58.847509, -34.232707, -57.98m),
    # D 698.70m, H 85.80m, H.S 0.00m/s, V.S 0.00m/s, F.PRY (2.7°, -7.0°, 110.1°), ...
    first = tel.points[0]
    assert (first.index, first.start_ms, first.end_ms) == (1, 0, 1000)
    assert (first.lat, first.lon) == (-34.237922, -58.851745)
    assert (first.home_lat, first.home_lon) == (-34.232707, -58.847509)
    assert first.altitude == 85.8 and first.rel_alt == 85.8  # "H 85.80m", not the D or H.S
    assert first.time is None and first.frame_count is None  # this layout has no clock

    # 28 / 00:00:27,000 --> 00:00:28,000 / ... GPS (-58.850546, -34.235313, 14), ...
    # D 402.15m, H 85.67m, H.S 12.89m/s, ...
    mid = by_index(tel, 28)
    assert (mid.start_ms, mid.end_ms) == (27_000, 28_000)
    assert (mid.lat, mid.lon, mid.altitude) == (-34.235313, -58.850546, 85.67)

    # 55 / 00:00:54,000 --> 00:00:55,000 / ... GPS (-58.849196, -34.232349, 15), ...
    # D 159.98m, H 85.80m, ...
    last = tel.points[-1]
    assert (last.index, last.start_ms, last.end_ms) == (55, 54_000, 55_000)
    assert (last.lat, last.lon, last.altitude) == (-34.232349, -58.849196, 85.8)


def test_mavic3_framecnt_brackets() -> None:
    path = corpus_file(MAVIC3)
    tel = parse_srt(path)
    assert tel.layout == "framecnt-brackets"
    assert len(tel.points) == 12318 and tel.warnings == []
    assert tel.duration_ms == 246_360

    # 1 / 00:00:00,000 --> 00:00:00,020 / <font size="28">FrameCnt: 1, DiffTime: 20ms
    # 2021-12-25 12:27:52.373
    # [iso: 220] ... [latitude: 3.41531] [longitude: -3.37440] [rel_alt: -2.400 abs_alt: 0.401]
    first = tel.points[0]
    assert (first.index, first.start_ms, first.end_ms, first.frame_count) == (1, 0, 20, 1)
    assert (first.lat, first.lon) == (3.41531, -3.37440)
    assert (first.altitude, first.rel_alt) == (0.401, -2.4)
    assert first.time == "2021-12-25T12:27:52.373"
    assert first.home_lat is None and first.home_lon is None

    # 4484 / 00:01:29,660 --> 00:01:29,680 / FrameCnt: 4484 / 2021-12-25 12:29:22.030
    # ... [latitude: 3.41469] [longitude: -3.37403] [rel_alt: -5.300 abs_alt: -2.499]
    low = by_index(tel, 4484)
    assert (low.start_ms, low.end_ms, low.frame_count) == (89_660, 89_680, 4484)
    assert (low.lat, low.lon, low.altitude, low.rel_alt) == (3.41469, -3.37403, -2.499, -5.3)
    assert low.time == "2021-12-25T12:29:22.030"

    # 6159 / 00:02:03,160 --> 00:02:03,180 / FrameCnt: 6159 / 2021-12-25 12:29:55.531
    # ... [latitude: 3.41456] [longitude: -3.37423] [rel_alt: -1.500 abs_alt: 1.301]
    mid = by_index(tel, 6159)
    assert (mid.start_ms, mid.end_ms, mid.frame_count) == (123_160, 123_180, 6159)
    assert (mid.lat, mid.lon, mid.altitude, mid.rel_alt) == (3.41456, -3.37423, 1.301, -1.5)
    assert mid.time == "2021-12-25T12:29:55.531"

    # 12318 / 00:04:06,340 --> 00:04:06,360 / FrameCnt: 12318 / 2021-12-25 12:31:58.710
    # ... [latitude: 3.41368] [longitude: -3.37721] [rel_alt: 3.600 abs_alt: 6.401]
    last = tel.points[-1]
    assert (last.index, last.start_ms, last.end_ms, last.frame_count) == (
        12318, 246_340, 246_360, 12318)
    assert (last.lat, last.lon, last.altitude, last.rel_alt) == (3.41368, -3.37721, 6.401, 3.6)
    assert last.time == "2021-12-25T12:31:58.710"


def test_at_picks_the_covering_entry() -> None:
    m3 = parse_srt(corpus_file(MAVIC3))
    assert m3.at(0).index == 1
    assert m3.at(123_170).index == 6159
    assert m3.at(123_180).index == 6160  # an end is the next entry's start
    assert m3.at(246_359).index == 12318
    pro = parse_srt(corpus_file(MAVIC_PRO))
    assert pro.at(999) is None  # the Mavic Pro's first entry starts at 1 s
    assert pro.at(1000).index == 1
    assert pro.at(234_500).index == 234
    last = pro.points[-1]
    assert pro.at(last.end_ms - 1).index == 468
    # Past the last entry the telemetry says nothing: no borrowed position, a reason.
    assert pro.at(last.end_ms) is None and pro.at(last.end_ms + 1000) is None
    assert pro.uncovered(last.end_ms) == (f"after the telemetry ends ({last.end_ms / 1000:.2f}"
                                          " s into the video)")


def test_zero_byte_srt_is_refused_naming_the_file() -> None:
    path = corpus_file("broken/srt_zero_byte.SRT")
    with pytest.raises(MediaError) as info:
        parse_srt(path)
    assert info.value.subject == str(path)
    assert "srt_zero_byte.SRT" in str(info.value) and "empty" in str(info.value)


def test_truncated_real_file_skips_the_cut_entry(tmp_path: Path) -> None:
    text = corpus_file(MAVIC_PRO).read_text(encoding="utf-8")
    cut = text.index("BAROMETER:0.0", text.index("\n468\n")) + len("BAROMETER:0")
    # The cut leaves "BAROMETER:0" whose value is unfinished: the entry must not count.
    tel = parse_srt(write(tmp_path, text[:cut]))
    assert len(tel.points) == 467 and tel.points[-1].index == 467
    assert tel.warnings == ["1 of 468 entries unreadable; skipped"]
    cut = text.index("GPS(149.0251,-20.2532,16)", text.index("\n468\n")) + 10
    tel = parse_srt(write(tmp_path, text[:cut]))
    assert tel.warnings == ["1 of 468 entries unreadable; skipped"]


def test_truncated_mavic3_drops_the_entry_cut_inside_abs_alt(tmp_path: Path) -> None:
    text = corpus_file(MAVIC3).read_text(encoding="utf-8")
    cut = text.rindex("abs_alt: 6.401") + len("abs_alt: 6.40")
    tel = parse_srt(write(tmp_path, text[:cut]))
    assert len(tel.points) == 12317 and tel.points[-1].index == 12317
    assert tel.warnings == ["1 of 12318 entries unreadable; skipped"]


# --- synthetic layouts the corpus lacks -----------------------------------------------

AIR = (
    "\ufeff1\r\n00:00:00,000 --> 00:00:00,033\r\n"
    '<font size="36">SrtCnt : 1, DiffTime : 33ms\r\n2022-08-07 13:40:40,774,808\r\n'
    "[iso : 100] [shutter : 1/80.0] [fnum : 280] [ev : 0] [ct : 5744] [color_md : default] "
    "[focal_len : 240] [latitude: 41.424724] [longitude: 2.234156] [altitude: 117.000000] "
    "</font>\r\n\r\n"
    "2\r\n00:00:00,033 --> 00:00:00,066\r\n"
    '<font size="36">SrtCnt : 2, DiffTime : 33ms\r\n2022-08-07 13:40:40,808,164\r\n'
    "[iso : 100] [latitude: 0.000000] [longitude: 0.000000] [altitude: 117.100000] </font>\r\n"
)


def test_brackets_altitude_with_bom_crlf_and_font_tags(tmp_path: Path) -> None:
    tel = parse_srt(write(tmp_path, AIR))
    assert tel.layout == "brackets-altitude"
    first, second = tel.points
    assert (first.index, first.start_ms, first.end_ms, first.frame_count) == (1, 0, 33, 1)
    assert (first.lat, first.lon, first.altitude, first.rel_alt) == (41.424724, 2.234156,
                                                                   117.0, None)
    assert first.time == "2022-08-07T13:40:40.774808"
    # [latitude: 0.000000] [longitude: 0.000000]: no fix, not the Gulf of Guinea
    assert (second.lat, second.lon, second.altitude) == (None, None, 117.1)
    assert tel.warnings == ["1 of 2 entries have no GPS fix (0, 0); position left empty"]


def test_utf16_and_mavic2_spelling(tmp_path: Path) -> None:
    text = ("1\n00:00:00,000 --> 00:00:00,033\n2019-05-01 10:00:00,123,456\n"
            "[latitude : 50.1234] [longtitude : 8.5678] [altitude: 102.4]\n")
    tel = parse_srt(write(tmp_path, text, encoding="utf-16"))
    (point,) = tel.points
    assert (point.lat, point.lon, point.altitude) == (50.1234, 8.5678, 102.4)


M300 = (
    "1\n00:00:59,000 --> 00:00:60,000\n2022.06.21 16:06:17\n"
    "GPS(36.6146,-6.1120,12.5M) BAROMETER:0.3M\n\n"
    "2\n00:01:00,000 --> 00:01:01,000\n2022.06.21 16:06:18\n"
    "GPS(95.0,-6.1120,12.5M) BAROMETER:0.8M\n\n"
)


def test_gps_lat_lon_alt_m(tmp_path: Path) -> None:
    tel = parse_srt(write(tmp_path, M300))
    assert tel.layout == "gps-lat-lon-alt-m"
    first, second = tel.points
    # "00:00:60,000" is how DJI writes the minute: it is 60,000 ms, not garbage
    assert (first.start_ms, first.end_ms) == (59_000, 60_000)
    assert (first.lat, first.lon, first.altitude, first.rel_alt) == (36.6146, -6.112, 12.5, 0.3)
    assert first.time == "2022-06-21T16:06:17"
    assert (second.lat, second.lon, second.altitude) == (None, None, 12.5)  # latitude 95
    assert tel.warnings == ["1 of 2 entries have a coordinate out of range; left empty"]


def test_order_comes_from_the_layout_not_the_numbers(tmp_path: Path) -> None:
    # The same two numbers, both plausible either way round: the M unit marks latitude
    # first, a bare satellite count marks the Mavic Pro's longitude first.
    lat_first = parse_srt(write(tmp_path, "1\n00:00:00,000 --> 00:00:01,000\n"
                                          "GPS(40.5,50.5,30.0M) BAROMETER:2.0M\n", "a.SRT"))
    lon_first = parse_srt(write(tmp_path, "1\n00:00:00,000 --> 00:00:01,000\n"
                                          "GPS(40.5,50.5,12) BAROMETER:2.0\n", "b.SRT"))
    assert (lat_first.points[0].lat, lat_first.points[0].lon) == (40.5, 50.5)
    assert (lon_first.points[0].lat, lon_first.points[0].lon) == (50.5, 40.5)
    assert lon_first.points[0].altitude == 2.0  # the 12 satellites are not an altitude


def test_layouts_without_a_height(tmp_path: Path) -> None:
    brackets = parse_srt(write(tmp_path, "1\n00:00:00,000 --> 00:00:00,033\n"
                                         "[latitude: 12.5] [longitude: 45.25]\n", "a.SRT"))
    assert brackets.layout == "brackets"
    assert (brackets.points[0].lat, brackets.points[0].lon) == (12.5, 45.25)
    assert brackets.points[0].altitude is None and brackets.points[0].rel_alt is None
    no_baro = parse_srt(write(tmp_path, "1\n00:00:00,000 --> 00:00:01,000\n"
                                        "GPS(45.25,12.5,9)\n", "b.SRT"))
    assert no_baro.layout == "mavic-pro-gps-lon-lat-sats"
    assert (no_baro.points[0].lat, no_baro.points[0].lon) == (12.5, 45.25)
    assert no_baro.points[0].altitude is None and no_baro.warnings == []


def test_garbled_blocks_are_skipped_with_one_warning(tmp_path: Path) -> None:
    good = "{n}\n00:00:0{n},000 --> 00:00:0{m},000\nGPS(10.5,20.5,7.0M)\n\n"
    text = (good.format(n=1, m=2) + "2\n00:00:02,000 --> 00:00:03,000\n\x07##%%\n\n"
            + "@@ line noise @@\n\n" + good.format(n=3, m=4)
            + "5\n00:00:09,000 --> 00:00:08,000\nGPS(10.5,20.5,7.0M)\n")
    tel = parse_srt(write(tmp_path, text))
    assert [p.index for p in tel.points] == [1, 3]
    assert tel.warnings == ["3 of 5 entries unreadable; skipped"]


def test_merged_entries_without_blank_line_are_split(tmp_path: Path) -> None:
    text = ("1\n00:00:00,000 --> 00:00:01,000\nGPS(10.5,20.5,7.0M)\n"
            "2\n00:00:01,000 --> 00:00:02,000\nGPS(11.5,21.5,8.0M)\n")
    tel = parse_srt(write(tmp_path, text))
    assert [(p.index, p.lat) for p in tel.points] == [(1, 10.5), (2, 11.5)]


def test_out_of_order_entries_are_sorted(tmp_path: Path) -> None:
    text = ("2\n00:00:01,000 --> 00:00:02,000\nGPS(11.5,21.5,8.0M)\n\n"
            "1\n00:00:00,000 --> 00:00:01,000\nGPS(10.5,20.5,7.0M)\n\n")
    tel = parse_srt(write(tmp_path, text))
    assert [p.index for p in tel.points] == [1, 2]
    assert tel.warnings == ["entries are out of time order; sorted by start time"]
    assert tel.at(1500).index == 2


@pytest.mark.parametrize(("content", "reason"), [
    (b"the quick brown fox\njumps over\n\nthe lazy dog\n", "not an SRT subtitle file"),
    (b"\n\r\n  \n", "blank"),
    (b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)), "binary"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n", "without drone telemetry"),
    (b"1\n00:00:01,000 --> 00:00:02,000\n[latitude: 3.4\n", "none of the 1 subtitle entries"),
])
def test_unusable_files_raise_media_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "garbled.SRT"
    path.write_bytes(content)
    with pytest.raises(MediaError) as info:
        parse_srt(path)
    assert str(info.value).startswith(f"{path}: ")
    assert reason in str(info.value)


def test_at_in_gaps_and_edges() -> None:
    points = [TelemetryPoint(i, s, e, None, None, 1.0, 2.0, None, None)
              for i, (s, e) in enumerate([(1000, 2000), (5000, 6000)], start=1)]
    tel = Telemetry("x.SRT", "gps-lat-lon-alt-m", points, [])
    assert tel.at(999) is None
    assert tel.uncovered(999) == "before the telemetry starts (1.00 s into the video)"
    assert tel.at(1999).index == 1
    # A 3 s gap is longer than two 1 s entries: nothing there speaks for the aircraft.
    assert tel.at(3000) is None
    assert tel.uncovered(3000) == "in a 3.00 s gap in the telemetry (2.00-5.00 s into the video)"
    assert tel.at(5000).index == 2
    assert tel.at(5999).index == 2
    assert tel.at(6000) is None and tel.at(7000) is None
    assert Telemetry("x.SRT", "p4rtk", [], []).at(0) is None


def test_a_short_gap_borrows_the_entry_before() -> None:
    points = [TelemetryPoint(i, s, e, None, None, 1.0, 2.0, None, None)
              for i, (s, e) in enumerate([(0, 1000), (1000, 2000), (3500, 4500)], start=1)]
    tel = Telemetry("x.SRT", "gps-lat-lon-alt-m", points, [])
    assert tel.at(2500).index == 2 and tel.uncovered(2500) is None   # 1.5 s: under two


# --- duration and sidecar -------------------------------------------------------------

def _span(duration_ms: int) -> Telemetry:
    return Telemetry("x.SRT", "p4rtk",
                     [TelemetryPoint(1, 0, duration_ms, None, None, None, None, None, None)], [])


def test_check_duration() -> None:
    pro = parse_srt(corpus_file(MAVIC_PRO))
    assert check_duration(pro, 12_000) == "telemetry covers 468.0 s but the video lasts 12.0 s"
    assert check_duration(pro, 469_000) is None
    assert check_duration(_span(10_000), 12_000) is None  # 2 s is tolerated
    assert check_duration(_span(10_000), 12_001) is not None
    assert check_duration(_span(95_000), 100_000) is None  # 5 % of a long video
    assert check_duration(_span(94_000), 100_000) == (
        "telemetry covers 94.0 s but the video lasts 100.0 s")


def test_find_sidecar(tmp_path: Path) -> None:
    video = tmp_path / "clip.MP4"
    video.write_bytes(b"")
    assert find_sidecar(video) is None
    (tmp_path / "other.SRT").write_text("x")
    assert find_sidecar(video) is None
    sidecar = tmp_path / "clip.SRT"
    sidecar.write_text("x")
    assert find_sidecar(video) == sidecar
    sidecar.unlink()
    (tmp_path / "clip.Srt").write_text("x")
    assert find_sidecar(video).name.lower() == "clip.srt"
    assert find_sidecar(tmp_path / "clip.Srt") is None  # a subtitle is not its own sidecar
