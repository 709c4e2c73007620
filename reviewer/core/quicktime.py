"""QuickTime/MP4 metadata as exiftool reads it: position, camera, capture time, every tag.

Phones and cameras write their metadata in three places of the ISO box tree, all read
here without decoding a frame:

- ``moov/mvhd``: creation time, seconds since 1904 in UTC (by the standard; GoPro and
  some cameras write local time there, so it is only a fallback);
- ``moov/udta``: Apple's and Android's ``©xyz`` (ISO 6709 position), ``©mak``, ``©mod``,
  ``©day`` ... as text with a 2-byte length and language; also ``udta/meta/ilst``;
- ``moov/meta`` with ``keys`` + ``ilst`` (handler ``mdta``): iPhone's
  ``com.apple.quicktime.location.ISO6709``, ``.make``, ``.model``, ``.creationdate`` (local
  time with its UTC offset) and Android's ``com.android.version``.

It also finds the timed-metadata track of a GoPro (``gpmd`` samples, GPMF telemetry) and
lists where its samples lie, for ``gpmf`` to read. A damaged tree never raises: what can
be read is kept and ``warnings`` says what could not.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

_MP4_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
_TOP_LEVEL = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
_MAX_MOOV = 256 << 20   # a real index is a few MB; a hostile size must not fill memory
_FDSC_MODEL = 0x66
# A GPMF track has a sample a second: a million is eleven days; a hostile count must not
# fill memory.
_MAX_SAMPLES = 1_000_000
# ISO 6709 as phones write it: "+32.0929+034.8620+028.500/" (altitude optional).
_ISO6709 = re.compile(r"([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")
_DATE = re.compile(r"(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                   r"\s*(Z|[+-]\d{2}:?\d{2})?")
# Friendly names for the udta atoms exiftool names ("UserData" group).
_UDTA_NAMES = {"©xyz": "GPSCoordinates", "©mak": "Make", "©mod": "Model",
               "©day": "ContentCreateDate", "©too": "Encoder", "©swr": "SoftwareVersion",
               "©nam": "Title", "©cmt": "Comment", "©des": "Description", "©ART": "Artist"}


@dataclass
class SampleRun:
    """Where one timed-metadata sample lies in the file, and when it plays."""

    offset: int
    size: int
    start_s: float
    duration_s: float


@dataclass
class QuickTimeMeta:
    tags: dict[str, str] = field(default_factory=dict)   # "Group:Name" -> text
    make: str | None = None
    model: str | None = None
    taken_at: str | None = None          # as written: local time with offset when known
    taken_at_utc: str | None = None
    taken_at_offset: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    gps_source: str | None = None        # "quicktime" when a position was found
    gpmf: list[SampleRun] = field(default_factory=list)   # GoPro telemetry samples
    fdsc: SampleRun | None = None        # a GoPro's description sample (its model name)
    warnings: list[str] = field(default_factory=list)


def boxes(data: bytes, start: int, end: int, problems: list[str] | None = None,
          ) -> Iterator[tuple[bytes, int, int]]:
    """ISO base media boxes in data[start:end]: (type, payload start, box end).

    Stops at the first box whose size runs past `end` or is smaller than its header:
    a truncated or garbled tree yields the boxes before the damage, and `problems`
    (when given) gets one line saying where it is.
    """
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            if problems is not None:
                problems.append(f"container metadata damaged: box {_name(kind)!r} claims"
                                f" {size} bytes, {end - pos} remain; the rest of its"
                                " container is not read")
            return
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, span: tuple[int, int] | None, kind: bytes) -> tuple[int, int] | None:
    if span is None:
        return None
    return next(((s, e) for k, s, e in boxes(data, *span) if k == kind), None)


def read_moov(handle: BinaryIO) -> tuple[bytes | None, str | None]:
    """The 'moov' box's payload, or None and why not (not an MP4/MOV, cut short ...)."""
    handle.seek(0, 2)
    size = handle.tell()
    pos = 0
    first = True
    while pos + 8 <= size:
        handle.seek(pos)
        head = handle.read(16)
        length, kind = struct.unpack_from(">I4s", head)
        if first and kind not in _TOP_LEVEL:
            return None, "not an MP4/MOV file"
        first = False
        header = 8
        if length == 1 and len(head) == 16:
            length, header = struct.unpack_from(">Q", head, 8)[0], 16
        elif length == 0:
            length = size - pos
        if length < header or pos + length > size:
            return None, f"box '{_name(kind)}' at byte {pos} runs past the end of the file"
        if kind == b"moov":
            if length - header > _MAX_MOOV:
                return None, "the 'moov' box is implausibly large"
            handle.seek(pos + header)
            return handle.read(length - header), None
        pos += length
    return None, "no 'moov' box (the index of an MP4/MOV)"


def read_quicktime(path: Path) -> QuickTimeMeta:
    """The metadata of an MP4/MOV; only OSError from opening or reading escapes."""
    meta = QuickTimeMeta()
    with open(path, "rb") as handle:
        moov, problem = read_moov(handle)
        if moov is None:
            if problem and problem != "not an MP4/MOV file":
                meta.warnings.append(f"container metadata unreadable: {problem}")
            return meta
        try:
            _parse(moov, meta)
        except (struct.error, ValueError, IndexError, OverflowError) as error:
            meta.warnings.append(f"container metadata partly unreadable: {error}")
        if meta.fdsc and meta.fdsc.size >= _FDSC_MODEL + 16:
            # HERO5/6 write their model name at a fixed place in this sample, as exiftool
            # reads it (GoPro.pm, fdsc); other fields there move between firmwares.
            handle.seek(meta.fdsc.offset + _FDSC_MODEL)
            model = _text(handle.read(16))
            if model.isprintable() and model:
                meta.tags["GoPro:Model"] = model
    _fill_fields(meta)
    return meta


def _name(kind: bytes) -> str:
    return kind.decode("mac_roman") if kind[:1] == b"\xa9" else kind.decode("latin-1")


def _parse(moov: bytes, meta: QuickTimeMeta) -> None:
    whole = (0, len(moov))
    mvhd = _child(moov, whole, b"mvhd")
    if mvhd:
        _read_mvhd(moov, mvhd, meta)
    for kind, start, end in boxes(moov, *whole, meta.warnings):
        if kind == b"udta":
            _read_udta(moov, (start, end), meta)
        elif kind == b"meta":
            _read_meta(moov, (start, end), meta, "Keys")
        elif kind == b"trak":
            _read_track(moov, (start, end), meta)


def _read_mvhd(data: bytes, span: tuple[int, int], meta: QuickTimeMeta) -> None:
    wide = data[span[0]] == 1
    created = struct.unpack_from(">Q" if wide else ">I", data, span[0] + 4)[0]
    if created:
        when = _MP4_EPOCH + timedelta(seconds=created)
        meta.tags["QuickTime:CreateDate"] = when.strftime("%Y:%m:%d %H:%M:%S")


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()


def _read_udta(data: bytes, span: tuple[int, int], meta: QuickTimeMeta) -> None:
    for kind, start, end in boxes(data, *span, meta.warnings):
        if kind == b"meta":
            _read_meta(data, (start, end), meta, "ItemList")
            continue
        name = _name(kind)
        if kind[:1] != b"\xa9":
            raw = data[start:end]
            # Camera makers' own atoms (GoPro's FIRM, LENS): kept when they are plain text.
            if len(raw) <= 256 and all(32 <= b < 127 for b in raw.rstrip(b"\x00")) \
                    and _text(raw):
                meta.tags[f"UserData:{name}"] = _text(raw)
            continue
        value = _item_value(data, (start, end))
        if value is None and end - start >= 4:
            # Apple's text atom: a 2-byte length and a 2-byte language, then the text.
            length = struct.unpack_from(">H", data, start)[0]
            value = _text(data[start + 4:start + 4 + length])
        if value:
            meta.tags[f"UserData:{_UDTA_NAMES.get(name, name)}"] = value


def _item_value(data: bytes, span: tuple[int, int]) -> str | None:
    """The value of an 'ilst' item: its 'data' box, typed (text, integer or float)."""
    found = _child(data, span, b"data")
    if found is None:
        return None
    start, end = found
    kind = struct.unpack_from(">I", data, start)[0] & 0xFFFFFF
    value = data[start + 8:end]
    if kind in (1, 4):   # UTF-8, UTF-16 is rare enough to read as UTF-8 with replacement
        return _text(value) if kind == 1 else value.decode("utf-16-be", "replace").strip("\x00")
    if kind == 23 and len(value) == 4:
        return f"{struct.unpack('>f', value)[0]:g}"
    if kind == 24 and len(value) == 8:
        return f"{struct.unpack('>d', value)[0]:g}"
    if kind in (21, 22) and 1 <= len(value) <= 8:
        return str(int.from_bytes(value, "big", signed=kind == 21))
    return None   # images, binary blobs: nothing an investigator reads as text


def _read_meta(data: bytes, span: tuple[int, int], meta: QuickTimeMeta, group: str) -> None:
    # QuickTime's 'meta' is a plain container; ISO's is a full box with 4 bytes of flags.
    plain = data[span[0] + 4:span[0] + 8] in (b"hdlr", b"keys", b"ilst")
    start = span[0] + (0 if plain else 4)
    inner = (start, span[1])
    keys: list[str] = []
    found = _child(data, inner, b"keys")
    if found:
        count = struct.unpack_from(">I", data, found[0] + 4)[0]
        # Each key is (size, namespace, name): the shape of a box whose type is the namespace.
        keys = [data[s:e].decode("utf-8", "replace")
                for _, s, e in boxes(data, found[0] + 8, found[1])][:count]
    items = _child(data, inner, b"ilst")
    if items is None:
        return
    for kind, start_item, end_item in boxes(data, *items, meta.warnings):
        value = _item_value(data, (start_item, end_item))
        if value is None:
            continue
        index = int.from_bytes(kind, "big")
        if keys and 1 <= index <= len(keys):
            meta.tags[f"Keys:{keys[index - 1]}"] = value
        else:
            name = _name(kind)
            meta.tags[f"{group}:{_UDTA_NAMES.get(name, name)}"] = value


def _read_track(data: bytes, span: tuple[int, int], meta: QuickTimeMeta) -> None:
    mdia = _child(data, span, b"mdia")
    hdlr = _child(data, mdia, b"hdlr")
    if not hdlr or data[hdlr[0] + 8:hdlr[0] + 12] != b"meta":
        return
    stbl = _child(data, _child(data, mdia, b"minf"), b"stbl")
    stsd = _child(data, stbl, b"stsd")
    kind = data[stsd[0] + 12:stsd[0] + 16] if stsd else b""
    if kind not in (b"gpmd", b"fdsc"):
        return
    mdhd = _child(data, mdia, b"mdhd")
    if not mdhd:
        return
    wide = data[mdhd[0]] == 1
    timescale = struct.unpack_from(">I", data, mdhd[0] + (20 if wide else 12))[0]
    if timescale <= 0:
        return
    runs = _sample_runs(data, stbl, timescale)
    if kind == b"gpmd":
        meta.gpmf = runs
    elif runs:
        meta.fdsc = runs[0]


def _table(data: bytes, span: tuple[int, int] | None, fmt: str, skip: int = 0) -> list:
    if span is None:
        return []
    count = struct.unpack_from(">I", data, span[0] + 4 + skip)[0]
    width = struct.calcsize(fmt)
    first = span[0] + 8 + skip
    count = min(count, (span[1] - first) // width)
    return list(struct.iter_unpack(fmt, data[first:first + count * width]))


def _sample_runs(data: bytes, stbl: tuple[int, int] | None, timescale: int) -> list[SampleRun]:
    """Offset, size and timing of every sample of a track, from its sample tables."""
    stsz = _child(data, stbl, b"stsz")
    if stsz is None:
        return []
    fixed = struct.unpack_from(">I", data, stsz[0] + 4)[0]
    sizes = [s for (s,) in _table(data, stsz, ">I", 4)] if not fixed else \
        [fixed] * min(struct.unpack_from(">I", data, stsz[0] + 8)[0], _MAX_SAMPLES)
    chunks = [c for (c,) in _table(data, _child(data, stbl, b"stco"), ">I")] or \
        [c for (c,) in _table(data, _child(data, stbl, b"co64"), ">Q")]
    per_chunk = _table(data, _child(data, stbl, b"stsc"), ">III")
    deltas: list[int] = []
    for count, delta in _table(data, _child(data, stbl, b"stts"), ">II"):
        deltas.extend([delta] * min(count, len(sizes) - len(deltas)))
    runs: list[SampleRun] = []
    sample, clock = 0, 0
    for number, chunk_offset in enumerate(chunks, start=1):
        in_chunk = next((n for first, n, _ in reversed(per_chunk) if first <= number), 1)
        offset = chunk_offset
        for _ in range(in_chunk):
            if sample >= len(sizes):
                return runs
            delta = deltas[sample] if sample < len(deltas) else 0
            runs.append(SampleRun(offset, sizes[sample], clock / timescale, delta / timescale))
            offset += sizes[sample]
            clock += delta
            sample += 1
    return runs


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """Latitude, longitude and altitude of "+51.4169-000.0806/" ; None if not one."""
    match = _ISO6709.match(text.strip())
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon, float(match.group(3)) if match.group(3) else None


def _fill_fields(meta: QuickTimeMeta) -> None:
    tags = meta.tags
    for key, source in (("Keys:com.apple.quicktime.location.ISO6709", "quicktime"),
                        ("UserData:GPSCoordinates", "quicktime")):
        position = parse_iso6709(tags[key]) if key in tags else None
        if key in tags and position is None:
            meta.warnings.append(f"position {tags[key]!r} is not ISO 6709; ignored")
        if position is None:
            continue
        if position[:2] == (0.0, 0.0):
            # 0,0 is what a phone without a fix writes: no position, not the Gulf of Guinea.
            meta.warnings.append("the recorded position is exactly 0, 0 (no GPS fix); ignored")
            break
        meta.gps_lat, meta.gps_lon, meta.gps_alt = position
        meta.gps_source = source
        break
    meta.make = _first(tags, "Keys:com.apple.quicktime.make", "UserData:Make", "ItemList:Make")
    meta.model = _first(tags, "Keys:com.apple.quicktime.model", "UserData:Model",
                        "ItemList:Model", "GoPro:Model")
    for key in ("Keys:com.apple.quicktime.creationdate", "UserData:ContentCreateDate",
                "ItemList:ContentCreateDate"):
        if key in tags and _set_local_time(meta, tags[key]):
            return
    if "QuickTime:CreateDate" in tags:
        # mvhd is UTC by the standard; cameras writing local time there can't be told apart.
        when = datetime.strptime(tags["QuickTime:CreateDate"], "%Y:%m:%d %H:%M:%S")
        meta.taken_at = meta.taken_at_utc = when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _first(tags: dict[str, str], *keys: str) -> str | None:
    return next((tags[k] for k in keys if tags.get(k)), None)


def _set_local_time(meta: QuickTimeMeta, text: str) -> bool:
    match = _DATE.match(text.strip())
    if not match:
        meta.warnings.append(f"creation date {text!r} is not a date; ignored")
        return False
    *parts, fraction, zone = match.groups()
    try:
        moment = datetime(*(int(p) for p in parts))
    except ValueError:
        meta.warnings.append(f"creation date {text!r} is not a valid date; ignored")
        return False
    fraction = fraction or ""
    local = moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction
    if zone is None:
        meta.taken_at = local
        return True
    if zone == "Z":
        meta.taken_at = meta.taken_at_utc = local + "Z"
        meta.taken_at_offset = "+00:00"
        return True
    offset = f"{zone[:3]}:{zone[-2:]}"
    delta = timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:]))
    if delta > timedelta(hours=14):
        meta.warnings.append(f"creation date {text!r} has an impossible UTC offset; the"
                             " offset is ignored")
        meta.taken_at = local
        return True
    utc = moment.replace(tzinfo=timezone(-delta if zone[0] == "-" else delta)).astimezone(UTC)
    meta.taken_at = local + offset
    meta.taken_at_utc = utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"
    meta.taken_at_offset = offset
    return True
