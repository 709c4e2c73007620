"""reviewer.core.metadata against the shared corpus and the values exiftool read from it.

Expected values come from ``expected.tsv`` at test time; the few places where the reader
deliberately differs from exiftool are asserted in their own tests below.
"""

from __future__ import annotations

import csv
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import exifread
import pillow_heif
import pytest
from PIL import Image

from reviewer.core.metadata import PhotoMetadata, display_size, parse_xmp_gps, read_metadata

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
if not (CORPUS / "expected.tsv").is_file():
    pytest.skip("shared corpus not present", allow_module_level=True)

pillow_heif.register_heif_opener()

with open(CORPUS / "expected.tsv", newline="", encoding="utf-8") as _tsv:
    ROWS = {row["path"]: row for row in csv.DictReader(_tsv, delimiter="\t")}

NULL_ISLAND = "photos_gps/EDGE_samsung_galaxy_s_gps_null_island.jpg"
ZERO_DENOMINATORS = "photos_gps/EDGE_leica_t_gps_zero_denominators.jpg"
XMP_ONLY = "photos_gps/EDGE_samsung_gear360_gps_only_in_xmp.jpg"
NO_ORIENTATION = "photos_misc/orientation/Landscape_0.jpg"
# Where we deliberately differ from exiftool on GPS; each has its own test below.
GPS_DIFFERENCES = {NULL_ISLAND, ZERO_DENOMINATORS}
BROKEN = sorted((CORPUS / "broken").iterdir())


def _float(text: str) -> float | None:
    return None if text in ("", "undef") else float(text)


@pytest.fixture(scope="module")
def metadata() -> dict[str, PhotoMetadata]:
    return {path: read_metadata(CORPUS / path) for path in ROWS}


@pytest.mark.parametrize("path", sorted(set(ROWS) - GPS_DIFFERENCES))
def test_gps_matches_exiftool(path: str, metadata: dict[str, PhotoMetadata]) -> None:
    row, meta = ROWS[path], metadata[path]
    for expected, actual in ((row["gps_lat"], meta.gps_lat), (row["gps_lon"], meta.gps_lon)):
        if _float(expected) is None:
            assert actual is None
        else:
            assert actual == pytest.approx(float(expected), abs=1e-6)
    alt = _float(row["gps_alt_m"])
    assert meta.gps_alt == (None if alt is None else pytest.approx(alt, abs=0.01))
    source = "xmp" if path == XMP_ONLY else "exif" if row["gps_lat"] else None
    assert meta.gps_source == source


@pytest.mark.parametrize("path", sorted(ROWS))
def test_camera_and_time_match_exiftool(path: str, metadata: dict[str, PhotoMetadata]) -> None:
    row, meta = ROWS[path], metadata[path]
    assert meta.make == (row["make"] or None)
    assert meta.model == (row["model"] or None)
    assert meta.taken_at_offset == (row["offset"] or None)
    if path != NO_ORIENTATION:
        assert meta.orientation == (int(row["orientation"]) if row["orientation"] else None)
    written = row["taken_at_local"]
    if not written:
        assert meta.taken_at is None and meta.taken_at_utc is None
        return
    # exiftool shows the value as written; we add SubSecTimeOriginal when the value has none.
    iso = re.sub(r"^(\d{4}):(\d\d):(\d\d) ", r"\1-\2-\3T", written)
    match = re.fullmatch(re.escape(iso) + r"(?:\.(\d+))?" + re.escape(row["offset"]), meta.taken_at)
    assert match, meta.taken_at
    if "." not in written:
        assert (match[1] or "") == meta.tags.get("EXIF SubSecTimeOriginal", "").strip()
    if row["offset"]:
        local = datetime.strptime(written[:19] + row["offset"], "%Y:%m:%d %H:%M:%S%z")
        utc = local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        assert re.fullmatch(re.escape(utc) + r"(\.\d+)?Z", meta.taken_at_utc)
    else:
        assert meta.taken_at_utc is None


@pytest.mark.parametrize("path", sorted(ROWS))
def test_display_size_matches_exiftool(path: str, metadata: dict[str, PhotoMetadata]) -> None:
    row, meta = ROWS[path], metadata[path]
    try:
        with Image.open(CORPUS / path) as im:
            size, info = im.size, dict(im.info)
    except Exception as exc:  # only the size check needs Pillow
        pytest.skip(f"Pillow cannot open it: {exc}")
    # pillow-heif hands out HEIF pixels already turned upright (irot/imir applied) and marks
    # that with "original_orientation"; turning them again by the EXIF value would be wrong.
    orientation = None if "original_orientation" in info else meta.orientation
    assert info.get("original_orientation") in (None, meta.orientation)
    expected = (int(row["display_width"]), int(row["display_height"]))
    assert display_size(*size, orientation) == expected


def test_null_island_is_no_fix(metadata: dict[str, PhotoMetadata]) -> None:
    row, meta = ROWS[NULL_ISLAND], metadata[NULL_ISLAND]
    assert (float(row["gps_lat"]), float(row["gps_lon"])) == (0, 0)  # exiftool reports 0,0
    assert (meta.gps_lat, meta.gps_lon, meta.gps_alt, meta.gps_source) == (None,) * 4
    assert "GPS position 0,0 treated as no fix" in meta.warnings
    assert "GPS GPSLatitude" in meta.tags  # the tags themselves are kept as found


def test_zero_denominators_give_no_position(metadata: dict[str, PhotoMetadata]) -> None:
    row, meta = ROWS[ZERO_DENOMINATORS], metadata[ZERO_DENOMINATORS]
    assert (row["gps_lat"], row["gps_lon"], row["gps_alt_m"]) == ("", "", "undef")
    assert "0/0" in meta.tags["GPS GPSLatitude"]
    assert (meta.gps_lat, meta.gps_lon, meta.gps_alt, meta.gps_source) == (None,) * 4
    assert any(w.startswith("GPS tags present but invalid") for w in meta.warnings)
    assert meta.make == row["make"]  # the rest of the file is still read


def test_orientation_zero_is_none(metadata: dict[str, PhotoMetadata]) -> None:
    row, meta = ROWS[NO_ORIENTATION], metadata[NO_ORIENTATION]
    assert row["orientation"] == "0"  # exiftool: 0, which EXIF does not define
    assert meta.orientation is None
    assert not meta.warnings  # "undefined" orientation is common, not damage


def test_gps_only_in_xmp(metadata: dict[str, PhotoMetadata]) -> None:
    row, meta = ROWS[XMP_ONLY], metadata[XMP_ONLY]
    assert not any(key.startswith("GPS ") for key in meta.tags)
    assert meta.gps_source == "xmp"
    with Image.open(CORPUS / XMP_ONLY) as im:
        xmp = im.info["xmp"]
    given = read_metadata(CORPUS / XMP_ONLY, xmp=xmp)
    assert (given.gps_lat, given.gps_lon, given.gps_alt) == (
        meta.gps_lat,
        meta.gps_lon,
        meta.gps_alt,
    )
    assert parse_xmp_gps(xmp) == pytest.approx(
        (float(row["gps_lat"]), float(row["gps_lon"]), float(row["gps_alt_m"])), abs=1e-6
    )


def test_gps_time_agrees_with_camera_clock(metadata: dict[str, PhotoMetadata]) -> None:
    checked = 0
    for path, row in ROWS.items():
        meta = metadata[path]
        if row["offset"] and meta.gps_time:
            camera = datetime.fromisoformat(meta.taken_at_utc)
            gps = datetime.fromisoformat(meta.gps_time)
            assert abs((gps - camera).total_seconds()) < 120, path
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_broken_files_never_raise(path: Path) -> None:
    meta = read_metadata(path)
    assert isinstance(meta, PhotoMetadata)
    assert all(isinstance(v, str) for v in meta.tags.values())
    assert all(isinstance(w, str) and str(CORPUS) not in w for w in meta.warnings)


def test_unreadable_exif_is_a_warning() -> None:
    meta = read_metadata(CORPUS / "broken" / "broken_png_header.png")
    assert meta.tags == {}
    assert "EXIF unreadable (damaged EXIF block)" in meta.warnings


def test_corrupt_gps_ifd_is_a_warning_not_a_log_record(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("exifread")
    before = (logger.propagate, logger.level, list(logger.handlers))
    with caplog.at_level(logging.DEBUG):
        meta = read_metadata(CORPUS / "broken" / "exif_gps_ifd_typeerror.jpg")
    assert "EXIF damaged: Possibly corrupted IFD: GPS" in meta.warnings
    assert meta.gps_lat is None
    assert not [r for r in caplog.records if r.name.startswith("exifread")]
    assert "corrupted" not in capfd.readouterr().err
    assert (logger.propagate, logger.level, list(logger.handlers)) == before


def test_altitude_ref_without_altitude() -> None:
    meta = read_metadata(CORPUS / "broken" / "corrupt_exif_gps_altref_without_alt.jpg")
    assert "GPS GPSAltitudeRef" in meta.tags and "GPS GPSAltitude" not in meta.tags
    assert meta.gps_lat is not None and meta.gps_lon is not None
    assert meta.gps_alt is None


def test_tags_are_every_exifread_tag_as_text() -> None:
    path = CORPUS / "photos_misc" / "canon_eos1300d_18mp.jpg"
    with open(path, "rb") as f:
        raw = exifread.process_file(f, details=True, extract_thumbnail=False)
    tags = read_metadata(path).tags
    assert tags == {
        k: str(v) for k, v in raw.items() if k not in ("JPEGThumbnail", "TIFFThumbnail")
    }
    assert any(key.startswith("MakerNote ") for key in tags)
    assert "Image DateTime" in tags


def _jpeg(tmp_path: Path, exif_tags: dict[int, object], gps_tags: dict[int, object]) -> Path:
    exif = Image.Exif()
    exif[0x010F] = "Acme\x00"
    exif.get_ifd(0x8769).update(exif_tags)
    exif.get_ifd(0x8825).update(gps_tags)
    path = tmp_path / "made.jpg"
    Image.new("RGB", (8, 6)).save(path, "JPEG", exif=exif)
    return path


def test_below_sea_level_and_bad_dates(tmp_path: Path) -> None:
    path = _jpeg(
        tmp_path,
        {0x9003: "0000:00:00 00:00:00", 0x9004: "2020:01:02 03:04:05", 0x9012: "+5:30"},
        {
            1: "S",
            2: (31.0, 46.0, 30.0),
            3: "E",
            4: (35.0, 13.0, 59.0),
            5: b"\x01",  # GPSAltitudeRef: below sea level
            6: 430.5,
            7: (23.0, 59.0, 59.5),
            29: "2020:01:01",
        },
    )
    meta = read_metadata(path)
    assert meta.make == "Acme"
    assert meta.gps_lat == pytest.approx(-(31 + 46 / 60 + 30 / 3600))
    assert meta.gps_lon == pytest.approx(35 + 13 / 60 + 59 / 3600)
    assert meta.gps_alt == pytest.approx(-430.5)
    assert meta.gps_time == "2020-01-01T23:59:59.5Z"
    assert meta.taken_at == "2020-01-02T03:04:05"  # DateTimeDigitized, as Original is zeros
    assert meta.taken_at_offset is None and meta.taken_at_utc is None
    assert any("0000:00:00" in w for w in meta.warnings)
    assert any("+5:30" in w for w in meta.warnings)


def test_offset_and_subseconds_give_utc(tmp_path: Path) -> None:
    path = _jpeg(
        tmp_path,
        {0x9003: "2020:01:01 01:30:00", 0x9291: "25", 0x9011: "+05:30", 0x9010: "-08:00"},
        {},
    )
    meta = read_metadata(path)
    assert meta.taken_at == "2020-01-01T01:30:00.25+05:30"
    assert meta.taken_at_utc == "2019-12-31T20:00:00.25Z"
    assert meta.taken_at_offset == "+05:30"
    assert meta.gps_lat is None and meta.gps_source is None and meta.warnings == []


def test_out_of_range_gps_is_no_position(tmp_path: Path) -> None:
    path = _jpeg(tmp_path, {}, {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0)})
    meta = read_metadata(path)
    assert (meta.gps_lat, meta.gps_lon, meta.gps_source) == (None, None, None)
    assert any(w.startswith("GPS tags present but invalid") for w in meta.warnings)


def test_makernote_failure_retries_without_details(monkeypatch: pytest.MonkeyPatch) -> None:
    real = exifread.process_file

    def fails_on_details(f: object, details: bool = True, **kwargs: object) -> object:
        if details:
            raise ValueError("bad MakerNote")
        return real(f, details=False, **kwargs)

    monkeypatch.setattr(exifread, "process_file", fails_on_details)
    path = CORPUS / "photos_misc" / "canon_eos1300d_18mp.jpg"
    meta = read_metadata(path)
    assert meta.model == ROWS["photos_misc/canon_eos1300d_18mp.jpg"]["model"]
    assert not any(key.startswith("MakerNote ") for key in meta.tags)
    assert any("MakerNote" in w and "bad MakerNote" in w for w in meta.warnings)


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_metadata(tmp_path / "absent.jpg")


def test_parse_xmp_gps_forms() -> None:
    elements = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>'
        b"<exif:GPSLatitude>48,51,29.4N</exif:GPSLatitude>"
        b"<exif:GPSLongitude>2,17.67W</exif:GPSLongitude>"
        b"<exif:GPSAltitude>-0/0</exif:GPSAltitude>"
        b"</rdf:Description></x:xmpmeta>"
    )
    lat, lon, alt = parse_xmp_gps(elements)
    assert lat == pytest.approx(48 + 51 / 60 + 29.4 / 3600)
    assert lon == pytest.approx(-(2 + 17.67 / 60))
    assert alt is None  # zero denominator
    below = b'<rdf:Description exif:GPSAltitude="125/10" exif:GPSAltitudeRef="1"/>'
    assert parse_xmp_gps(below) == (None, None, -12.5)
    assert parse_xmp_gps(b'<d exif:GPSLatitude="95,0.0N" exif:GPSLongitude="1,0.0X"/>') == (
        None,
        None,
        None,
    )
    assert parse_xmp_gps(b"\xff\xfe not xml") == (None, None, None)
    assert parse_xmp_gps(b'<d exif:GPSAltitude="12/00"/>') == (None, None, None)


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [(None, (40, 30)), (1, (40, 30)), (4, (40, 30)), (5, (30, 40)), (8, (30, 40)), (9, (40, 30))],
)
def test_display_size(orientation: int | None, expected: tuple[int, int]) -> None:
    assert display_size(40, 30, orientation) == expected
