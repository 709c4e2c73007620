"""XMP embedded in a JPEG or PNG copy, replacing any XMP the copy held: Lightroom reads a
JPEG's own XMP and ignores a sidecar beside it. Only the metadata blocks change; the
compressed image data is kept byte for byte."""

from __future__ import annotations

import zlib

_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\x00"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"


class CannotEmbed(ValueError):
    """The file's structure is not what its format promises, or the XMP is too large."""


def _jpeg_segments(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """The marker segments before the scan, and the scan with what follows it."""
    if data[:2] != b"\xff\xd8":
        raise CannotEmbed("not a JPEG")
    position, segments = 2, []
    while True:
        if position + 4 > len(data) or data[position] != 0xFF:
            raise CannotEmbed("damaged JPEG header")
        marker = data[position + 1]
        if marker == 0xFF:                 # fill byte
            position += 1
            continue
        if marker == 0xDA:                 # start of scan: the image data
            return segments, data[position:]
        length = int.from_bytes(data[position + 2:position + 4], "big")
        segments.append((marker, data[position:position + 2 + length]))
        position += 2 + length


def jpeg_with_xmp(data: bytes, packet: bytes) -> bytes:
    body = _JPEG_XMP + packet
    if len(body) + 2 > 0xFFFF:
        raise CannotEmbed("the XMP is larger than one JPEG segment holds")
    segments, scan = _jpeg_segments(data)
    kept = [(m, s) for m, s in segments
            if not (m == 0xE1 and s[4:].startswith((_JPEG_XMP, _JPEG_XMP_EXTENSION)))]
    # After JFIF/EXIF (APP0, APP1), where readers look for it.
    at = 0
    while at < len(kept) and kept[at][0] in (0xE0, 0xE1):
        at += 1
    ours = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
    parts = [s for _, s in kept[:at]] + [ours] + [s for _, s in kept[at:]]
    return b"\xff\xd8" + b"".join(parts) + scan


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (len(payload).to_bytes(4, "big") + kind + payload
            + zlib.crc32(kind + payload).to_bytes(4, "big"))


def png_with_xmp(data: bytes, packet: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise CannotEmbed("not a PNG")
    position, chunks = len(_PNG_SIGNATURE), []
    while position < len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if end > len(data):
            raise CannotEmbed("damaged PNG chunk")
        payload = data[position + 8:position + 8 + length]
        if not (kind == b"iTXt" and payload.startswith(_PNG_XMP_KEYWORD + b"\x00")):
            chunks.append(data[position:end])
        position = end
    if not chunks or chunks[0][4:8] != b"IHDR":
        raise CannotEmbed("damaged PNG header")
    # iTXt: keyword, NUL, uncompressed (0, 0), empty language and translated keyword.
    ours = _png_chunk(b"iTXt", _PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + packet)
    return _PNG_SIGNATURE + chunks[0] + ours + b"".join(chunks[1:])


EMBEDDERS = {".jpg": jpeg_with_xmp, ".png": png_with_xmp}
