"""Drone telemetry from DJI-style ``.SRT`` subtitle sidecars.

DJI drones write one subtitle entry per frame (or per second) beside the video, carrying
the aircraft's position, height and clock. Firmware lines disagree on the wording and,
worse, on the order of the GPS numbers, so each file's layout is recognised first and the
numbers are then read in the order that layout is known to use. The magnitudes are never
used to guess which number is the latitude: a longitude of 34 is as plausible as a
latitude of 34, and a wrong guess would put evidence in the wrong country.

Layouts (``Telemetry.layout``):

``framecnt-brackets``           ``FrameCnt``/``SrtCnt`` blocks with ``[latitude: a]
                                [longitude: b] [rel_alt: r abs_alt: h]`` (Mavic 3)
``brackets-altitude``           the same brackets with ``[altitude: h]`` and no rel/abs pair
                                (Air 2S; some firmware spells it ``longtitude``)
``brackets``                    the same brackets with a position only: ``altitude`` is None
``mavic-pro-gps-lon-lat-sats``  ``HOME(lon,lat) date`` + ``GPS(lon,lat,satellites)
                                BAROMETER:h``: longitude first, the third number is a
                                satellite count; the barometric height above take-off is the
                                only height, so it is both ``altitude`` and ``rel_alt``
``p4rtk``                       one comma-separated line ``F/.., SS .., GPS (lon, lat, sats),
                                HOME (lon, lat, alt m), D .., H h m, ...`` (Phantom 4 RTK);
                                ``H`` (height above home) is both ``altitude`` and ``rel_alt``
``gps-lat-lon-alt-m``           ``GPS(lat,lon,altM) BAROMETER:hM``: the ``M`` unit marks the
                                latitude-first order with an altitude in metres (Matrice
                                300); the barometric height is ``rel_alt``; a ``HOME`` here
                                has no documented order and is not read

An entry missing the height its file's layout carries is treated as cut short, as is a
number with nothing after it at the end of the file: truncated files end mid-entry.
No layout writes a time zone, so ``time`` is the drone's clock as written, zone-less.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from reviewer.core.errors import MediaError

# A DJI SRT runs to ~55 MB for an hour at 50 fps; anything far larger is not a sidecar and
# would only exhaust memory.
MAX_BYTES = 256 * 1024 * 1024
SIDECAR_SUFFIXES = (".SRT", ".srt", ".Srt")

# A number must be followed by something: a value cut short at the end of a truncated file
# ("BAROMETER:11" for 118.5) would otherwise read as a smaller, wrong one.
_NUM = r"[-+]?\d+(?:\.\d+)?(?=[^\d.])"
_HEADER = re.compile(
    r"^[ \t]*(\d+)[ \t]*\n[ \t]*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})[ \t]*-->[ \t]*"
    r"(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})[^\n]*",
    re.M,
)
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_FRAME = re.compile(r"(?:FrameCnt|SrtCnt)\s*:\s*(\d+)")
# Millisecond and microsecond groups ("12:27:52.373", "13:40:40,774,808") or one fraction.
_DATE = re.compile(
    r"\b(\d{4})[-./](\d{1,2})[-./](\d{1,2})[ T]+(\d{1,2}):(\d{2}):(\d{2})"
    r"(?:[.,](\d{3}),(\d{3})\b|[.,](\d{1,6})\b)?"
)
_LAT = re.compile(rf"\[\s*latitude\s*:\s*({_NUM})")
_LON = re.compile(rf"\[\s*longt?itude\s*:\s*({_NUM})")
_REL_ALT = re.compile(rf"rel_alt\s*:\s*({_NUM})")
_ABS_ALT = re.compile(rf"abs_alt\s*:\s*({_NUM})")
_ALTITUDE = re.compile(rf"\[\s*altitude\s*:\s*({_NUM})")
_GPS_M = re.compile(rf"GPS\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*[mM]\s*\)")
_GPS_SATS = re.compile(rf"GPS\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*,\s*(\d+)\s*\)")
_HOME = re.compile(rf"HOME\s*\(\s*({_NUM})\s*,\s*({_NUM})")
_BAROMETER = re.compile(rf"BAROMETER\s*:\s*({_NUM})")
_P4_HEIGHT = re.compile(rf"(?:^|,)\s*H\s+({_NUM})\s*m\b", re.M)
# The first of these in a file decides its layout; a unitless GPS triple then needs a look
# at its line to tell the Phantom 4 RTK's comma-separated fields from the Mavic Pro's.
_MARKER = re.compile(
    rf"(?P<brackets>\[\s*latitude\s*:)|(?P<gps_m>{_GPS_M.pattern})|(?P<gps_sats>{_GPS_SATS.pattern})"
)


@dataclass(frozen=True)
class TelemetryPoint:
    index: int                 # the subtitle's sequence number
    start_ms: int
    end_ms: int
    frame_count: int | None    # FrameCnt / SrtCnt when the block has one
    time: str | None           # the block's date-time as ISO 8601, as written (no zone)
    lat: float | None
    lon: float | None
    altitude: float | None     # metres: abs_alt, else altitude, else the layout's barometric
    rel_alt: float | None      # height above take-off where given
    home_lat: float | None = None
    home_lon: float | None = None


@dataclass
class Telemetry:
    path: str
    layout: str
    points: list[TelemetryPoint]
    warnings: list[str]        # short sentences without the path (the caller adds it)
    _starts: list[int] = field(default_factory=list, init=False, repr=False, compare=False)
    _step: float = field(default=0.0, init=False, repr=False, compare=False)

    @property
    def duration_ms(self) -> int:
        """The span from the first entry's start to the last entry's end."""
        if not self.points:
            return 0
        return self.points[-1].end_ms - self.points[0].start_ms

    def _index(self, time_ms: int) -> int:
        if len(self._starts) != len(self.points):
            self._starts = [p.start_ms for p in self.points]
        return bisect_right(self._starts, time_ms) - 1

    def _step_ms(self) -> float:
        """The usual length of one entry (the median), to tell a gap from jitter."""
        if not self._step:
            lengths = sorted(p.end_ms - p.start_ms for p in self.points)
            self._step = max(lengths[len(lengths) // 2], 1) if lengths else 1
        return self._step

    def uncovered(self, time_ms: int) -> str | None:
        """Why no entry speaks for ``time_ms``, naming the gap; None when one does.

        Before the first entry, from the last one's end on, and inside a gap longer than
        two entries the telemetry says nothing: borrowing a neighbour's position there
        would put a frame where the aircraft may not have been.
        """
        i = self._index(time_ms)
        if not self.points:
            return "no telemetry"
        if i < 0:
            return (f"before the telemetry starts ({self.points[0].start_ms / 1000:.2f} s"
                    " into the video)")
        point = self.points[i]
        if i == len(self.points) - 1:
            if time_ms >= point.end_ms:
                return f"after the telemetry ends ({point.end_ms / 1000:.2f} s into the video)"
            return None
        following = self.points[i + 1].start_ms
        if time_ms >= point.end_ms and following - point.end_ms > 2 * self._step_ms():
            return (f"in a {(following - point.end_ms) / 1000:.2f} s gap in the telemetry"
                    f" ({point.end_ms / 1000:.2f}-{following / 1000:.2f} s into the video)")
        return None

    def at(self, time_ms: int) -> TelemetryPoint | None:
        """The entry covering ``time_ms``, or the nearest earlier one inside a short gap.

        None where ``uncovered`` says why: before the first entry, past the last one's
        end, inside a gap longer than two entries.
        """
        if self.uncovered(time_ms) is not None:
            return None
        return self.points[self._index(time_ms)]


def source_of(telemetry: Telemetry) -> str:
    """What a position taken from this telemetry is recorded as coming from."""
    return "gpmf" if telemetry.layout.startswith("gpmf") else "srt"


def find_sidecar(video: Path) -> Path | None:
    """The ``.SRT`` with the video's stem in the video's folder, if there is one."""
    video = Path(video)
    if video.suffix.lower() == ".srt":
        return None
    for suffix in SIDECAR_SUFFIXES:
        candidate = video.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def parse_srt(path: Path) -> Telemetry:
    """Read a DJI subtitle file; MediaError when it holds no usable telemetry entry."""
    path = Path(path)
    text = _read_text(path)
    layout, needs_height = _detect_layout(path, text)
    points: list[TelemetryPoint] = []
    unreadable = 0
    counts = {"no_fix": 0, "out_of_range": 0, "bad_time": 0}
    for chunk in _BLANK_LINES.split(text):
        first = _HEADER.match(chunk)
        if first is not None and chunk.find("-->", first.end()) < 0:
            headers = [first]  # the usual entry; a full scan is only for merged ones
        else:
            headers = list(_HEADER.finditer(chunk))
        if not headers:
            unreadable += bool(chunk.strip())
            continue
        if headers[0].start() > 0 and chunk[: headers[0].start()].strip():
            unreadable += 1  # text before the first header: the remains of a broken entry
        for n, header in enumerate(headers):
            stop = headers[n + 1].start() if n + 1 < len(headers) else len(chunk)
            body = chunk[header.end() : stop]
            point = _read_entry(layout, needs_height, header, body, counts)
            if point is None:
                unreadable += 1
            else:
                points.append(point)

    total = len(points) + unreadable
    if not points:
        raise MediaError(path, f"none of the {total} subtitle entries holds readable telemetry")
    warnings: list[str] = []
    if unreadable:
        warnings.append(f"{unreadable} of {total} entries unreadable; skipped")
    if any(a.start_ms > b.start_ms for a, b in pairwise(points)):
        points.sort(key=lambda p: p.start_ms)
        warnings.append("entries are out of time order; sorted by start time")
    n = len(points)
    if counts["no_fix"]:
        warnings.append(f"{counts['no_fix']} of {n} entries have no GPS fix (0, 0); "
                        "position left empty")
    if counts["out_of_range"]:
        warnings.append(f"{counts['out_of_range']} of {n} entries have a coordinate out of "
                        "range; left empty")
    if counts["bad_time"]:
        warnings.append(f"{counts['bad_time']} of {n} entries have an impossible date-time; "
                        "left empty")
    return Telemetry(str(path), layout, points, warnings)


def check_duration(telemetry: Telemetry, video_duration_ms: int) -> str | None:
    """A warning when the telemetry's span and the video's length disagree.

    Tolerance is max(2 s, 5 % of the video): DJI starts some files a second late and
    rounds entry lengths, but a sidecar from another flight is off by far more.
    """
    if video_duration_ms <= 0:
        return None  # an unknown length proves nothing either way
    span = telemetry.duration_ms
    if abs(span - video_duration_ms) <= max(2000, 0.05 * video_duration_ms):
        return None
    return (f"telemetry covers {span / 1000:.1f} s but the video lasts "
            f"{video_duration_ms / 1000:.1f} s")


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise MediaError(path, f"too large for a subtitle file ({size // 2**20} MB)")
        data = path.read_bytes()
    except OSError as error:
        raise MediaError(path, f"cannot be read ({error.strerror or error})") from error
    if not data.strip():
        raise MediaError(path, "empty file" if not data else "contains only blank space")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data[:4096]:
        raise MediaError(path, "binary data, not a subtitle file")
    else:
        # Undecodable bytes sit in fields we do not read (attitude degree signs written in a
        # legacy code page); replacing them keeps the rest of the entry.
        text = data.decode("utf-8-sig", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _detect_layout(path: Path, text: str) -> tuple[str, bool]:
    """The file's layout and whether its entries carry a height.

    Entries of one file share a layout, so an entry missing the height its siblings carry
    was cut short (a truncated file ends mid-entry) and is not trusted.
    """
    if not _HEADER.search(text):
        raise MediaError(path, "not an SRT subtitle file (no numbered, timed entries)")
    marker = _MARKER.search(text)
    if marker is None:
        raise MediaError(path, "subtitles without drone telemetry in a known layout "
                               "(no latitude/longitude brackets or GPS(...) triple)")
    start = text.rfind("\n", 0, marker.start()) + 1
    end = text.find("\n\n", marker.end())
    block = text[start : end if end >= 0 else len(text)]
    if marker.group("brackets"):
        if _ABS_ALT.search(block):
            return "framecnt-brackets", True
        if _ALTITUDE.search(block):
            return "brackets-altitude", True
        return "brackets", False
    if marker.group("gps_m"):
        return "gps-lat-lon-alt-m", True
    line = block.split("\n", 1)[0]
    if _P4_HEIGHT.search(line):
        return "p4rtk", True
    return "mavic-pro-gps-lon-lat-sats", bool(_BAROMETER.search(block))


def _ms(h: str, m: str, s: str, frac: str) -> int:
    # Arithmetic, not validation: DJI writes "00:00:60,000" for a minute boundary.
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(frac.ljust(3, "0"))


def _float(match: re.Match[str] | None, group: int = 1) -> float | None:
    return float(match.group(group)) if match else None


def _position(lat: float, lon: float, counts: dict[str, int]) -> tuple[float | None, ...]:
    if lat == 0 and lon == 0:
        counts["no_fix"] += 1
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        counts["out_of_range"] += 1
        return None, None
    return lat, lon


def _home(lat: float, lon: float) -> tuple[float | None, ...]:
    # A home point that is unset (0, 0) or impossible is simply absent; the aircraft's own
    # position is what the warnings are about.
    if (lat == 0 and lon == 0) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _time(body: str, counts: dict[str, int]) -> str | None:
    m = _DATE.search(body)
    if m is None:
        return None
    second = _iso_second(m.group(1, 2, 3, 4, 5, 6))
    if second is None:
        counts["bad_time"] += 1
        return None
    frac = m.group(7) + m.group(8) if m.group(7) else m.group(9)
    return f"{second}.{frac}" if frac else second


@lru_cache(maxsize=1024)
def _iso_second(parts: tuple[str, ...]) -> str | None:
    # Cached: at 50 fps fifty entries share each second, and validating is the costly part.
    y, mo, d, h, mi, s = (int(g) for g in parts)
    try:
        datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"


def _read_entry(
    layout: str, needs_height: bool, header: re.Match[str], body: str, counts: dict[str, int]
) -> TelemetryPoint | None:
    g = header.groups()
    start, end = _ms(*g[1:5]), _ms(*g[5:9])
    if end < start:
        return None
    home_lat = home_lon = rel_alt = altitude = None
    if layout in ("framecnt-brackets", "brackets-altitude", "brackets"):
        lat_m, lon_m = _LAT.search(body), _LON.search(body)
        if lat_m is None or lon_m is None:
            return None
        raw_lat, raw_lon = float(lat_m.group(1)), float(lon_m.group(1))
        altitude = _float(_ABS_ALT.search(body))
        if altitude is None:
            altitude = _float(_ALTITUDE.search(body))
        rel_alt = _float(_REL_ALT.search(body))
    elif layout == "gps-lat-lon-alt-m":
        gps = _GPS_M.search(body)
        if gps is None:
            return None
        raw_lat, raw_lon, altitude = (float(v) for v in gps.groups())
        rel_alt = _float(_BAROMETER.search(body))
    else:  # mavic-pro-gps-lon-lat-sats and p4rtk: longitude first, then satellites
        gps = _GPS_SATS.search(body)
        if gps is None:
            return None
        raw_lon, raw_lat = float(gps.group(1)), float(gps.group(2))
        height = _BAROMETER if layout == "mavic-pro-gps-lon-lat-sats" else _P4_HEIGHT
        altitude = rel_alt = _float(height.search(body))
        home = _HOME.search(body)
        if home:
            home_lat, home_lon = _home(float(home.group(2)), float(home.group(1)))
    if needs_height and altitude is None:
        return None
    lat, lon = _position(raw_lat, raw_lon, counts)
    frame = _FRAME.search(body)
    return TelemetryPoint(
        index=int(g[0]), start_ms=start, end_ms=end,
        frame_count=int(frame.group(1)) if frame else None, time=_time(body, counts),
        lat=lat, lon=lon, altitude=altitude, rel_alt=rel_alt,
        home_lat=home_lat, home_lon=home_lon,
    )
