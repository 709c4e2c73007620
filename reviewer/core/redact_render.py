"""Redacted derivatives: an image's pixels with its redaction regions covered, re-encoded
with nothing of the original file but its pixels and its colour profile.

Covering works on each region's bounding box only (a 12-MP photo is not copied per
region). A region reaching past the image is clamped to it; every pixel a region's
edge touches is covered (rounding outwards), so no sliver of a covered area survives.
The encoded file is built from a fresh image made of the pixels: no EXIF, XMP, IPTC,
maker notes, comments or embedded thumbnails can ride along, whatever the source held.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from reviewer.core.imaging import image_info, open_image, orient, to_displayable, turn
from reviewer.core.regions import Region

# Bumped whenever covering or encoding changes what a derivative holds: it is kept in
# each derivative's history, so a published image can be traced to the code that made it.
RENDERER_VERSION = "redact/1"
JPEG_QUALITY = 92
FILL = (0, 0, 0)


@dataclass(frozen=True)
class Rendered:
    data: bytes          # the encoded derivative
    format: str          # "JPEG" or "PNG"
    width: int
    height: int
    covered: int         # regions that covered at least one pixel


def _outward_box(region: Region, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The region's bounds as whole pixels, rounded outwards, clamped to the image
    (None: nothing of it is inside)."""
    x, y, w, h = region.bbox
    left, top = max(0, math.floor(x)), max(0, math.floor(y))
    right, bottom = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
    if right <= left or bottom <= top:
        return None
    return left, top, right, bottom


def _mask(region: Region, box: tuple[int, int, int, int]) -> Image.Image:
    """Which pixels of `box` the region covers (255), edges included."""
    left, top, right, bottom = box
    mask = Image.new("L", (right - left, bottom - top), 0)
    if region.shape_value.is_box:
        mask.paste(255, (0, 0, mask.width, mask.height))
        return mask
    points = [(px - left, py - top) for px, py in region.shape_value.vertices()]
    ImageDraw.Draw(mask).polygon(points, fill=255, outline=255, width=2)
    return mask


def _cover(part: Image.Image, method: str) -> Image.Image:
    if method == "blur":
        radius = max(8.0, max(part.size) / 6)
        return part.filter(ImageFilter.BoxBlur(radius)).filter(ImageFilter.BoxBlur(radius))
    if method == "pixelate":
        block = max(8, min(part.size) // 8)
        small = part.resize((max(1, part.width // block), max(1, part.height // block)),
                            Image.Resampling.BOX)
        return small.resize(part.size, Image.Resampling.NEAREST)
    return Image.new(part.mode, part.size, FILL)


def cover_regions(image: Image.Image, regions: Sequence[Region]) -> int:
    """Cover `regions` (those marked redact) on `image` in place; returns how many covered
    pixels. Points mark a spot and cover nothing (they cannot be marked redact)."""
    covered = 0
    for region in regions:
        if not region.redact or region.shape_value.is_marker:
            continue
        box = _outward_box(region, image.width, image.height)
        if box is None:
            continue
        part = image.crop(box)
        image.paste(_cover(part, region.redact_method), box, _mask(region, box))
        covered += 1
    return covered


def displayed_pixels(path: Path, rotation: int = 0) -> tuple[Image.Image, bytes | None]:
    """The image as the app shows it (EXIF orientation, then the item's display rotation),
    as a fresh RGB(A) image with no metadata; and its ICC profile, if any."""
    with open_image(path) as source:
        info = image_info(source)
        icc = source.info.get("icc_profile")
        source.load()
        pixels = to_displayable(source)
        if pixels.mode not in ("RGB", "RGBA"):
            pixels = pixels.convert("RGBA" if "A" in pixels.getbands() else "RGB")
        upright = turn(orient(pixels, info.pixel_orientation), rotation)
    # A new image of the pixels alone: Pillow carries `info` (comments, EXIF) across copies.
    fresh = Image.new(upright.mode, upright.size)
    fresh.paste(upright)
    return fresh, icc or None


def encode(image: Image.Image, icc: bytes | None) -> tuple[bytes, str]:
    """JPEG (PNG where the image has transparency) with only the ICC profile attached."""
    buffer = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if image.mode == "RGBA":
        image.save(buffer, "PNG", compress_level=6, **extra)
        return buffer.getvalue(), "PNG"
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, **extra)
    return buffer.getvalue(), "JPEG"


def render_redacted(path: Path, regions: Sequence[Region], rotation: int = 0) -> Rendered:
    """The redacted derivative of the image at `path` (regions in displayed pixels)."""
    image, icc = displayed_pixels(path, rotation)
    covered = cover_regions(image, regions)
    data, fmt = encode(image, icc)
    return Rendered(data, fmt, image.width, image.height, covered)
