"""GoPro GPMF telemetry: the position track inside a GoPro's MP4.

GPMF (github.com/gopro/gpmf-parser, docs) is KLV: a 4-character key, a 1-byte type, a
1-byte structure size and a 2-byte repeat count, then size x repeat bytes padded to 4.
Type 0 nests more KLV (``DEVC`` devices, ``STRM`` streams). A stream's ``SCAL`` divides
its values, ``TYPE`` spells the fields of a ``?`` structure.

Two position streams are read:

``GPS5``  HERO5 and later cameras: latitude, longitude, altitude (m), 2D and 3D speed;
          ``GPSU`` gives the UTC time of the payload's first sample ("yymmddhhmmss.sss").
``GLPI``  the Karma drone: system time (s), latitude, longitude, altitude ...; the
          ``SYST`` stream pairs the system clock with UTC (as exiftool converts it).

Each MP4 sample (``quicktime.SampleRun``) is one payload covering its play time; the
position samples in it are spread evenly over that time. A payload with a bad length is
skipped with a warning naming it; the rest of the track is still read.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reviewer.core.quicktime import SampleRun, read_quicktime
from reviewer.core.srt import Telemetry, TelemetryPoint

_FORMATS = {"b": "b", "B": "B", "s": "h", "S": "H", "l": "i", "L": "I", "f": "f",
            "d": "d", "j": "q", "J": "Q", "F": "4s", "q": "i", "Q": "q"}
_MAX_PAYLOAD = 16 << 20   # a payload is a few kB per second of video


class GpmfError(ValueError):
    """A KLV item whose length runs past its container."""


@dataclass
class Klv:
    key: str
    type: str          # one character; "\x00" for nested
    size: int
    repeat: int
    data: bytes
    children: list[Klv] = field(default_factory=list)


def parse_klv(data: bytes, start: int = 0, end: int | None = None) -> list[Klv]:
    """The KLV items in data[start:end]; GpmfError if a length runs past the end."""
    end = len(data) if end is None else end
    items: list[Klv] = []
    pos = start
    while pos + 8 <= end:
        key, kind, size, repeat = struct.unpack_from(">4scBH", data, pos)
        length = size * repeat
        stop = pos + 8 + length
        if stop > end:
            raise GpmfError(f"item {key.decode('latin-1')!r} at byte {pos} claims {length}"
                            f" bytes, {end - pos - 8} remain")
        if key == b"\x00\x00\x00\x00":   # padding at the end of a payload
            break
        item = Klv(key.decode("latin-1"), kind.decode("latin-1"), size, repeat,
                   data[pos + 8:stop])
        if kind == b"\x00":
            item.children = parse_klv(data, pos + 8, stop)
        items.append(item)
        pos += 8 + (length + 3) // 4 * 4
    return items


def values(item: Klv, structure: str | None = None) -> list[tuple[Any, ...]]:
    """The item's samples as tuples; `structure` is the stream's TYPE for a '?' item."""
    if item.type == "c":
        return [(item.data.split(b"\x00", 1)[0].decode("latin-1"),)]
    if item.type == "U":
        return [(item.data[:16].decode("latin-1"),)]
    fields = structure if item.type == "?" else item.type
    if not fields or any(c not in _FORMATS for c in fields):
        return []
    fmt = ">" + "".join(_FORMATS[c] for c in fields)
    width = struct.calcsize(fmt)
    if item.type != "?" and width != item.size:
        # One type, several per sample (GPS5 is 5 x 'l' in a 20-byte structure).
        count = item.size // width
        fmt = ">" + _FORMATS[item.type] * count
        width = struct.calcsize(fmt)
    if width != item.size:
        raise GpmfError(f"item {item.key!r}: structure of {item.size} bytes does not match"
                        f" type {fields!r}")
    return [struct.unpack_from(fmt, item.data, i * width) for i in range(item.repeat)]


def _scaled(rows: list[tuple[Any, ...]], scale: list[float]) -> list[tuple[float, ...]]:
    """Divide each field by its SCAL (one SCAL value applies to every field)."""
    def divisor(column: int) -> float:
        value = scale[min(column, len(scale) - 1)] if scale else 1
        return value or 1   # a zero scale is a broken stream, not a division by zero

    return [tuple(float(v) / divisor(i) for i, v in enumerate(row)) for row in rows]


@dataclass
class _Payload:
    run: SampleRun
    gps5: list[tuple[float, ...]] = field(default_factory=list)
    gpsu: datetime | None = None
    glpi: list[tuple[float, ...]] = field(default_factory=list)
    syst: list[tuple[float, float]] = field(default_factory=list)


def _read_payload(data: bytes, run: SampleRun) -> _Payload:
    payload = _Payload(run)
    for device in parse_klv(data):
        for stream in device.children:
            items = stream.children
            structure = next((values(i)[0][0] for i in items if i.key == "TYPE"), None)
            scale = [v for i in items if i.key == "SCAL" for row in values(i) for v in row]
            for item in items:
                if item.key == "GPS5":
                    payload.gps5 = _scaled(values(item), scale)
                elif item.key == "GPSU":
                    payload.gpsu = _gps_time(values(item)[0][0])
                elif item.key == "GLPI":
                    payload.glpi = _scaled(values(item, structure), scale)
                elif item.key == "SYST":
                    payload.syst = [(r[0], r[1]) for r in _scaled(values(item, structure),
                                                                  scale)]
    return payload


def _gps_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text[:16], "%y%m%d%H%M%S.%f").replace(tzinfo=UTC)
    except ValueError:
        return None


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _system_to_utc(calibration: list[tuple[float, float]], system_s: float) -> datetime | None:
    """Karma's system clock to UTC, interpolated between SYST pairs as exiftool does."""
    if not calibration:
        return None
    starts = [s for s, _ in calibration]
    # The pair around the time, or the last two past the end: extrapolated, as exiftool.
    i = min(max(bisect_right(starts, system_s) - 1, 0), max(len(calibration) - 2, 0))
    j = min(i + 1, len(calibration) - 1)
    (s0, u0), (s1, u1) = calibration[i], calibration[j]
    unix = u0 if s1 == s0 else u0 + (u1 - u0) * (system_s - s0) / (s1 - s0)
    try:
        return datetime.fromtimestamp(unix, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def read_gpmf(path: Path) -> Telemetry | None:
    """The GoPro position track of a video; None when it has no GPMF positions."""
    path = Path(path)
    runs = read_quicktime(path).gpmf
    if not runs:
        return None
    payloads: list[_Payload] = []
    warnings: list[str] = []
    with open(path, "rb") as handle:
        for number, run in enumerate(runs, start=1):
            if not 0 < run.size <= _MAX_PAYLOAD:
                warnings.append(f"GPMF payload {number} has an implausible size; skipped")
                continue
            handle.seek(run.offset)
            data = handle.read(run.size)
            try:
                payloads.append(_read_payload(data, run))
            except (ValueError, struct.error, IndexError, OverflowError) as error:
                warnings.append(f"GPMF payload {number} unreadable ({error}); skipped")
    calibration = sorted(pair for p in payloads for pair in p.syst)
    points: list[TelemetryPoint] = []
    layout = "gpmf-gps5"
    for payload in payloads:
        rows = payload.gps5 or payload.glpi
        if not rows:
            continue
        layout = "gpmf-gps5" if payload.gps5 else "gpmf-glpi"
        step_ms = payload.run.duration_s * 1000.0 / len(rows)
        for n, row in enumerate(rows):
            start = payload.run.start_s * 1000.0 + n * step_ms
            if payload.gps5:
                lat, lon, alt = row[0], row[1], row[2]
                when = payload.gpsu + timedelta(milliseconds=n * step_ms) \
                    if payload.gpsu else None
            else:
                lat, lon, alt = row[1], row[2], row[3]
                when = _system_to_utc(calibration, row[0])
            fix = (lat, lon) != (0.0, 0.0) and abs(lat) <= 90 and abs(lon) <= 180
            points.append(TelemetryPoint(
                index=len(points) + 1, start_ms=round(start), end_ms=round(start + step_ms),
                frame_count=None, time=_iso(when), lat=lat if fix else None,
                lon=lon if fix else None, altitude=alt if fix else None, rel_alt=None))
    if not points:
        return None
    return Telemetry(str(path), layout, points, warnings)
