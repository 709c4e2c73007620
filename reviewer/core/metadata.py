"""Photo metadata as found in the file: every EXIF tag as text, plus the fields the app needs.

Nothing here writes to the file. Damaged or odd metadata never raises: it leaves a field
empty and says why in ``warnings``, because one bad photo must not stop an import batch.
"""

from __future__ import annotations

import io
import logging
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import exifread

# exifread reports damage only through this logger, never through its return value.
_EXIF_LOG = logging.getLogger("exifread")
_EXIF_LOG_LOCK = threading.Lock()
_XMP_SCAN_BYTES = 256 * 1024
_BINARY_TAGS = {"JPEGThumbnail", "TIFFThumbnail"}
_DATETIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?", re.ASCII)
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})", re.ASCII)
_XMP_COORD = re.compile(r"(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?([NSEW])", re.ASCII)
_XMP_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)(?:/(\d+))?", re.ASCII)


@dataclass
class PhotoMetadata:
    tags: dict[str, str] = field(default_factory=dict)
    taken_at: str | None = None
    taken_at_utc: str | None = None
    taken_at_offset: str | None = None
    make: str | None = None
    model: str | None = None
    orientation: int | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    gps_time: str | None = None
    gps_source: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_metadata(path: Path, xmp: bytes | None = None,
                  exif: bytes | None = None) -> PhotoMetadata:
    """Read ``path``'s metadata; only OSError from opening the file escapes.

    ``exif`` is the raw EXIF block as Pillow found it. exifread does not find the EXIF
    of every container (WebP, some HEIF writers); then it reads this block instead.
    """
    meta = PhotoMetadata()
    with open(path, "rb") as f:
        raw = _process_file(f, meta.warnings)
        if not raw and exif:
            block = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
            fallback: list[str] = []
            raw = _process_file(io.BytesIO(block), fallback)
            if raw:
                meta.warnings = [w for w in meta.warnings if not w.startswith("EXIF unreadable")]
            meta.warnings += fallback
        meta.tags = {k: str(v) for k, v in raw.items() if k not in _BINARY_TAGS}
        _guarded(meta, "date", _fill_taken_at, meta, raw)
        _guarded(meta, "camera", _fill_camera, meta, raw)
        before_gps = len(meta.warnings)
        _guarded(meta, "GPS", _fill_exif_gps, meta, raw)
        exif_gps_warnings = meta.warnings[before_gps:]
        _guarded(meta, "GPS time", _fill_gps_time, meta, raw)
        if meta.gps_source is None:
            if xmp is None:
                xmp = _scan_for_xmp(f)
            if xmp:
                _guarded(meta, "XMP GPS", _fill_xmp_gps, meta, xmp)
            if meta.gps_source == "xmp":
                # "no position recorded" would be false: XMP gave one (raw tags stay kept).
                meta.warnings = [w for w in meta.warnings if w not in exif_gps_warnings]
    return meta


def parse_xmp_gps(xmp: bytes) -> tuple[float | None, float | None, float | None]:
    """Latitude, longitude and altitude from an XMP packet's exif:GPS* properties.

    Coordinates use the XMP form "DD,MM.mmK" or "DD,MM,SSK"; out-of-range ones give None.
    """
    text = xmp.decode("utf-8", "replace")
    lat = _xmp_coordinate(_xmp_value(text, "GPSLatitude"), "NS", 90)
    lon = _xmp_coordinate(_xmp_value(text, "GPSLongitude"), "EW", 180)
    alt = None
    match = _XMP_NUMBER.fullmatch(_xmp_value(text, "GPSAltitude") or "")
    if match and int(match.group(2) or 1) != 0:
        alt = float(match.group(1)) / int(match.group(2) or 1)
        alt = -alt if _xmp_value(text, "GPSAltitudeRef") == "1" else alt
    return lat, lon, alt if alt is not None and math.isfinite(alt) else None


def display_size(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """Width and height as shown: orientations 5-8 turn the picture a quarter."""
    if orientation is not None and 5 <= orientation <= 8:
        return height, width
    return width, height


def _process_file(f: BinaryIO, warnings: list[str]) -> dict[str, Any]:
    collector = _Collector()
    # The app reads from several processes but could call this from threads too: the lock
    # keeps one call's records out of another's collector and restores the logger once.
    with _EXIF_LOG_LOCK:
        saved = (_EXIF_LOG.propagate, _EXIF_LOG.level)
        _EXIF_LOG.addHandler(collector)
        _EXIF_LOG.propagate = False  # damage goes into warnings, not onto stderr
        # At least WARNING gets through, even if the app quietened exifread (or left it NOTSET).
        _EXIF_LOG.setLevel(min(saved[1], logging.WARNING) or logging.WARNING)
        try:
            tags = _process_with_retry(f, warnings)
        finally:
            _EXIF_LOG.removeHandler(collector)
            _EXIF_LOG.propagate, level = saved
            _EXIF_LOG.setLevel(level)
    warnings.extend(f"EXIF damaged: {message}" for message in dict.fromkeys(collector.messages))
    return tags


def _process_with_retry(f: BinaryIO, warnings: list[str]) -> dict[str, Any]:
    try:
        return exifread.process_file(f, details=True, extract_thumbnail=False)
    except Exception as first:  # exifread raises anything on fuzzed input
        try:
            tags = exifread.process_file(f, details=False, extract_thumbnail=False)
        except Exception:
            # The exception's wording ("'ascii' codec can't decode byte 0xf4") says nothing
            # to an investigator; the item is imported all the same.
            warnings.append("EXIF unreadable (damaged EXIF block)")
            return {}
        warnings.append(f"MakerNote unreadable, skipped ({_describe(first)})")
        return tags


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # "No EXIF found" is logged as a warning but is normal for PNGs and plain files.
        if type(record.msg).__name__ == "ExifNotFound":
            return
        # Maker notes are proprietary and exifread often misreads fields of healthy
        # photos; those complaints would bury real damage, so only the tags are kept.
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if "MakerNote" not in message:
            self.messages.append(message)


def _guarded(meta: PhotoMetadata, what: str, fill: Any, *args: Any) -> None:
    # Last line of defence: a parser bug on a strange file loses one field, not the import.
    try:
        fill(*args)
    except Exception as exc:
        meta.warnings.append(f"{what} metadata unreadable ({_describe(exc)})")


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 120 else text[:117] + "..."


def _text(tag: Any) -> str:
    """An ASCII tag as a C string: exiftool also stops at the first NUL."""
    if tag is None:
        return ""
    values = getattr(tag, "values", tag)
    if isinstance(values, bytes):
        values = values.decode("latin-1")
    if not isinstance(values, str):
        values = str(tag)
    return values.split("\x00", 1)[0].strip()


def _first(tag: Any) -> Any:
    values = getattr(tag, "values", None)
    return values[0] if isinstance(values, list) and values else None


def _number(value: Any) -> float:
    denominator = getattr(value, "denominator", 1)
    if denominator == 0:
        raise ValueError("zero denominator")
    number = float(getattr(value, "numerator", value)) / denominator
    if not math.isfinite(number):
        raise ValueError("not a number")
    return number


def _fill_taken_at(meta: PhotoMetadata, raw: dict[str, Any]) -> None:
    # Only the capture time: "Image DateTime" is when software last modified the file.
    for kind in ("Original", "Digitized"):
        tag = raw.get(f"EXIF DateTime{kind}")
        if tag is None:
            continue
        value = _text(tag)
        match = _DATETIME.fullmatch(value)
        try:
            moment = datetime(*(int(g) for g in match.groups()[:6]))
        except (AttributeError, ValueError):  # no match, or "0000:00:00 00:00:00"
            meta.warnings.append(f"DateTime{kind} {value!r} is not a valid date; ignored")
            continue
        fraction = match.group(7) or ""
        subsec = _text(raw.get(f"EXIF SubSecTime{kind}"))
        if not fraction and re.fullmatch(r"\d{1,9}", subsec, re.ASCII):
            fraction = "." + subsec
        offset = _offset(meta, raw, kind)
        meta.taken_at = "{}-{}-{}T{}:{}:{}".format(*match.groups()[:6]) + fraction
        if offset:
            sign, hours, minutes = _OFFSET.fullmatch(offset).groups()
            delta = timedelta(hours=int(hours), minutes=int(minutes))
            utc = moment.replace(tzinfo=timezone(-delta if sign == "-" else delta))
            meta.taken_at += offset
            meta.taken_at_utc = f"{utc.astimezone(UTC):%Y-%m-%dT%H:%M:%S}{fraction}Z"
            meta.taken_at_offset = offset
        return


def _offset(meta: PhotoMetadata, raw: dict[str, Any], kind: str) -> str | None:
    value = _text(raw.get(f"EXIF OffsetTime{kind}")) or _text(raw.get("EXIF OffsetTime"))
    if not value:
        return None
    match = _OFFSET.fullmatch(value)
    if match and int(match.group(2)) <= 14 and int(match.group(3)) < 60:
        return value
    meta.warnings.append(f"Time zone offset {value!r} is not like +HH:MM; ignored")
    return None


def _fill_camera(meta: PhotoMetadata, raw: dict[str, Any]) -> None:
    meta.make = _text(raw.get("Image Make")) or None
    meta.model = _text(raw.get("Image Model")) or None
    tag = raw.get("Image Orientation")
    if tag is None:
        return
    value = _first(tag)
    if isinstance(value, int) and 1 <= value <= 8:
        meta.orientation = value
    elif value != 0:  # 0 ("undefined") is common and harmless: shown as stored

        meta.warnings.append(f"EXIF orientation {str(tag)!r} is not 1-8; ignored")


def _fill_exif_gps(meta: PhotoMetadata, raw: dict[str, Any]) -> None:
    lat_tag, lon_tag = raw.get("GPS GPSLatitude"), raw.get("GPS GPSLongitude")
    if lat_tag is None and lon_tag is None:
        return
    try:
        lat = _exif_coordinate(lat_tag, raw.get("GPS GPSLatitudeRef"), "NS", 90)
        lon = _exif_coordinate(lon_tag, raw.get("GPS GPSLongitudeRef"), "EW", 180)
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        meta.warnings.append(f"GPS tags present but invalid ({exc}); no position recorded")
        return
    if not _usable_position(meta, lat, lon):
        return
    alt = None
    alt_tag = raw.get("GPS GPSAltitude")
    if alt_tag is not None:  # a GPSAltitudeRef alone says nothing
        try:
            alt = _number(_first(alt_tag))
        except (ValueError, TypeError) as exc:
            meta.warnings.append(f"GPS altitude invalid ({exc}); not recorded")
        if alt is not None and _first(raw.get("GPS GPSAltitudeRef")) == 1:
            alt = -alt
    meta.gps_lat, meta.gps_lon, meta.gps_alt, meta.gps_source = lat, lon, alt, "exif"


def _exif_coordinate(tag: Any, ref_tag: Any, refs: str, limit: float) -> float:
    if tag is None:
        raise ValueError("latitude or longitude missing")
    values = getattr(tag, "values", None)
    if not isinstance(values, list) or not 1 <= len(values) <= 3:
        raise ValueError("not degrees, minutes, seconds")
    degrees = sum(_number(v) / 60**i for i, v in enumerate(values))
    ref = _text(ref_tag).upper()
    if ref not in tuple(refs):
        raise ValueError(f"reference {ref!r} is not {refs[0]} or {refs[1]}")
    if not 0 <= degrees <= limit:
        raise ValueError("out of range")
    return -degrees if ref in "SW" else degrees


def _usable_position(meta: PhotoMetadata, lat: float, lon: float) -> bool:
    # Cameras without a fix often write zeros; 0,0 in the Gulf of Guinea is never evidence.
    if lat == 0 and lon == 0:
        meta.warnings.append("GPS position 0,0 treated as no fix")
        return False
    return True


def _fill_gps_time(meta: PhotoMetadata, raw: dict[str, Any]) -> None:
    date, stamp = _text(raw.get("GPS GPSDate")), raw.get("GPS GPSTimeStamp")
    if not date or stamp is None:
        return
    try:
        parts = re.fullmatch(r"(\d{4}):(\d\d):(\d\d)", date, re.ASCII).groups()
        year, month, day = (int(p) for p in parts)
        values = stamp.values
        hours, minutes, seconds = (Fraction(v.numerator, v.denominator) for v in values)
        whole = int(seconds)
        moment = datetime(year, month, day, int(hours), int(minutes), whole)
        if hours.denominator != 1 or minutes.denominator != 1:
            raise ValueError("fractional hours or minutes")
    except (AttributeError, TypeError, ValueError, ZeroDivisionError):
        meta.warnings.append("GPS date or time stamp invalid; not recorded")
        return
    fraction = f"{float(seconds - whole):.6f}"[1:].rstrip("0").rstrip(".")
    meta.gps_time = f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def _scan_for_xmp(f: BinaryIO) -> bytes | None:
    try:
        f.seek(0)
        head = f.read(_XMP_SCAN_BYTES)
    except OSError:
        return None
    start = head.find(b"<x:xmpmeta")
    end = head.find(b"</x:xmpmeta>", start)
    return head[start : end + len(b"</x:xmpmeta>")] if start >= 0 and end >= 0 else None


def _fill_xmp_gps(meta: PhotoMetadata, xmp: bytes) -> None:
    lat, lon, alt = parse_xmp_gps(xmp)
    if lat is None or lon is None or not _usable_position(meta, lat, lon):
        return
    meta.gps_lat, meta.gps_lon, meta.gps_alt, meta.gps_source = lat, lon, alt, "xmp"


def _xmp_value(text: str, name: str) -> str | None:
    # XMP writes simple properties either as attributes or as elements; any prefix.
    match = re.search(rf"[\s<][\w.-]+:{name}\s*=\s*[\"']([^\"']*)", text) or re.search(
        rf"<[\w.-]+:{name}(?:\s[^>]*)?>([^<]*)<", text
    )
    return match.group(1).strip() if match else None


def _xmp_coordinate(value: str | None, refs: str, limit: float) -> float | None:
    match = _XMP_COORD.fullmatch((value or "").upper())
    if match is None or match.group(4) not in refs:
        return None
    degrees, minutes, seconds, ref = match.groups()
    number = float(degrees) + float(minutes) / 60 + float(seconds or 0) / 3600
    if number > limit:
        return None
    return -number if ref in "SW" else number
