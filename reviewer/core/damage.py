"""Videos that arrive damaged: is it a video at all, is it cut short, what still decodes.

A recording cut off by a flat battery or an interrupted copy is evidence as received:
it is kept and flagged, never refused, as long as its first bytes say it is a video.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2

from reviewer.core import quiet
from reviewer.core.names import utf8_alias

# Top-level ISO media boxes (MP4, MOV, 3GP) a file can start with.
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}
_SIGNATURES = (b"\x1a\x45\xdf\xa3",                      # Matroska / WebM
               b"\x00\x00\x01\xba",                      # MPEG program stream
               b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")      # ASF (WMV)


def looks_like_video(path: Path) -> bool:
    """Whether the file's signature names a video container, whatever the rest holds."""
    with open(path, "rb") as handle:
        head = handle.read(400)
    if head[4:8] in _ISO_BOXES:
        return True
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return True
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:   # MPEG-TS packets
        return True
    return head.startswith(_SIGNATURES)


def cut_short(path: Path) -> tuple[int, int] | None:
    """(bytes the container declares, bytes there are) when the file ends early, else None.

    MP4/MOV: a top-level box reaching past the end; AVI: the RIFF size. Other containers
    are not checked: their truncation shows only as fewer frames when extracting.
    """
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(0)
        head = handle.read(12)
        if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
            declared = struct.unpack_from("<I", head, 4)[0] + 8
            return (declared, size) if declared > size else None
        if head[4:8] not in _ISO_BOXES:
            return None
        position = 0
        while position + 8 <= size:
            handle.seek(position)
            box = handle.read(16)
            length = struct.unpack_from(">I", box)[0]
            if length == 1 and len(box) == 16:
                length = struct.unpack_from(">Q", box, 8)[0]
            elif length == 0:       # "to the end of the file": nothing declared beyond it
                return None
            if length < 8:
                return None         # not boxes after all; the decoder will judge
            if position + length > size:
                return position + length, size
            position += length
    return None


def decodable_frames(path: Path) -> tuple[int, float]:
    """How many frames decode from the start, and the time of the last one in seconds."""
    with quiet.captured():
        with utf8_alias(path) as name:
            capture = cv2.VideoCapture(name, cv2.CAP_FFMPEG)
        count, last_ms = 0, 0.0
        try:
            while capture.isOpened() and capture.grab():
                count += 1
                last_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
        except cv2.error:
            pass            # a decoder error ends what decodes, as the end of the file would
        finally:
            capture.release()
    return count, last_ms / 1000.0
