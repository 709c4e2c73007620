"""Crafting MP4/MOV metadata boxes and GPMF bytes for the video metadata tests."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, payload: bytes) -> bytes:
    return box(kind, b"\x00\x00\x00\x00" + payload)


def data_item(kind: bytes, text: str) -> bytes:
    """An 'ilst' item holding UTF-8 text (type 1) in its 'data' box."""
    return box(kind, box(b"data", struct.pack(">II", 1, 0) + text.encode()))


def apple_keys_meta(entries: dict[str, str]) -> bytes:
    """moov/meta as an iPhone writes it: handler 'mdta', 'keys', 'ilst' by key index."""
    keys = b"".join(box(b"mdta", name.encode()) for name in entries)
    items = b"".join(data_item(struct.pack(">I", n), value)
                     for n, value in enumerate(entries.values(), start=1))
    handler = full_box(b"hdlr", b"\x00\x00\x00\x00mdta" + bytes(12) + b"\x00")
    return box(b"meta", handler + full_box(b"keys", struct.pack(">I", len(entries)) + keys)
               + box(b"ilst", items))


def udta_text(kind: bytes, text: str) -> bytes:
    """A QuickTime text atom: 2-byte length, 2-byte language, the text."""
    raw = text.encode()
    return box(kind, struct.pack(">HH", len(raw), 0x15C7) + raw)


def make_clip(path: Path, frames: int = 50, fps: int = 25) -> Path:
    """A real MP4 written by OpenCV (FFmpeg), whose 'moov' is the last box."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    for index in range(frames):
        writer.write(np.full((120, 160, 3), (index * 5) % 255, np.uint8))
    writer.release()
    return path


def add_to_moov(path: Path, *children: bytes) -> Path:
    """Append boxes to the file's 'moov' (the last box, so no sample offset moves)."""
    data = bytearray(path.read_bytes())
    pos = 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if kind == b"moov":
            assert pos + size == len(data), "moov must be the last box"
            extra = b"".join(children)
            struct.pack_into(">I", data, pos, size + len(extra))
            path.write_bytes(bytes(data) + extra)
            return path
        pos += size
    raise AssertionError("no moov box")


def klv(key: bytes, kind: bytes, size: int, values: bytes, repeat: int | None = None) -> bytes:
    """One GPMF KLV item, padded to 4 bytes."""
    repeat = len(values) // size if repeat is None else repeat
    padded = values + b"\x00" * (-len(values) % 4)
    return struct.pack(">4scBH", key, kind, size, repeat) + padded


def gps5_payload(gpsu: str, samples: list[tuple[float, float, float]]) -> bytes:
    """A HERO-style payload: DEVC/STRM with SCAL, GPSU and GPS5 samples."""
    scale = struct.pack(">5i", 10_000_000, 10_000_000, 1000, 1000, 100)
    rows = b"".join(struct.pack(">5i", round(lat * 1e7), round(lon * 1e7), round(alt * 1000),
                                0, 0) for lat, lon, alt in samples)
    stream = klv(b"STNM", b"c", 1, b"GPS (Lat., Long., Alt., 2D speed, 3D speed)") \
        + klv(b"GPSU", b"U", 16, gpsu.encode()) + klv(b"SCAL", b"l", 4, scale) \
        + klv(b"GPS5", b"l", 20, rows)
    device = klv(b"DVNM", b"c", 1, b"Camera") + klv(b"STRM", b"\x00", 1, stream)
    return klv(b"DEVC", b"\x00", 1, device)


CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_file(relative: str) -> Path:
    """A file of the real corpus; the test is skipped where it is absent."""
    import pytest

    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"shared corpus file {relative} not present")
    return path
