"""Opening images safely: identify, refuse bombs, decode at reduced scale, thumbnail.

Pillow (with pillow-heif for HEIC/HEIF) is the decoder; OpenCV's libtiff is the
fallback for camera TIFFs that Pillow refuses but libtiff reads.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from reviewer.core.errors import MediaError

pillow_heif.register_heif_opener()

# Larger than any camera or drone sensor, far smaller than a decompression bomb.
# Pillow raises its own error at twice this; we check it ourselves first.
MAX_PIXELS = 250_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Only formats a camera, phone or drone produces. Pillow can open more (EPS via
# Ghostscript, for one) and a hostile file must not reach those decoders.
# MPO (stereo JPEG) is opened by the JPEG plugin.
ACCEPTED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "HEIF", "AVIF", "BMP", "GIF")
_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "TIFF": "tif", "WEBP": "webp",
               "HEIF": "heic", "AVIF": "avif", "BMP": "bmp", "GIF": "gif"}
_MIMES = {"HEIF": "image/heic", "MPO": "image/jpeg"}
THUMB_SIZE = 256


@dataclass
class ImageInfo:
    format: str
    ext: str
    mime: str
    width: int            # as displayed: orientation applied
    height: int
    pixel_orientation: int   # what to apply to decoded pixels (HEIF arrives already upright)
    xmp: bytes | None
    exif: bytes | None    # the raw EXIF block, for containers exifread cannot parse


def _describe_unreadable(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(512)
    if not head:
        return "empty file (0 bytes)"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "a text file, not an image"
    return "not an image in a supported format (JPEG, PNG, TIFF, WebP, HEIC)"


def open_image(path: Path) -> Image.Image:
    """Open (header only) or raise MediaError saying why not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise MediaError(path, f"refused as a possible decompression bomb: {error}") from error
    except UnidentifiedImageError as error:
        raise MediaError(path, _describe_unreadable(path)) from error
    except (SyntaxError, ValueError, EOFError, struct.error) as error:
        raise MediaError(path, f"damaged image header: {error}") from error
    width, height = image.size
    if width <= 0 or height <= 0:
        raise MediaError(path, f"image declares an impossible size {width}x{height}")
    if width * height > MAX_PIXELS:
        raise MediaError(
            path, f"declares {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the"
                  f" {MAX_PIXELS / 1e6:.0f} MP limit: refused as a possible decompression bomb")
    return image


def image_info(image: Image.Image) -> ImageInfo:
    fmt = image.format or "UNKNOWN"
    try:
        orientation = int(image.getexif().get(0x0112, 1) or 1)
    except Exception:  # a damaged EXIF block must not stop the import; metadata reports it
        orientation = 1
    if orientation not in range(1, 9):
        orientation = 1
    width, height = image.size
    if orientation >= 5:
        width, height = height, width
    xmp = image.info.get("xmp")
    exif = image.info.get("exif")
    return ImageInfo(
        format=fmt, ext=_EXTENSIONS.get(fmt, fmt.lower()),
        mime=_MIMES.get(fmt) or Image.MIME.get(fmt, "application/octet-stream"),
        width=width, height=height, pixel_orientation=orientation,
        xmp=xmp if isinstance(xmp, bytes) else (xmp.encode() if isinstance(xmp, str) else None),
        exif=exif if isinstance(exif, bytes) else None,
    )


def to_displayable(image: Image.Image) -> Image.Image:
    """8-bit RGB/L for any mode; 16-bit data is stretched (radiometric drone TIFFs)."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode.startswith("I") or image.mode == "F":
        data = np.asarray(image, dtype=np.float64)
        low, high = np.percentile(data, (0.5, 99.5)) if data.size else (0, 1)
        scaled = np.clip((data - low) * (255.0 / max(high - low, 1e-9)), 0, 255)
        return Image.fromarray(scaled.astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        backdrop = Image.new("RGB", rgba.size, (128, 128, 128))
        backdrop.paste(rgba, mask=rgba.getchannel("A"))
        return backdrop
    return image.convert("L" if image.mode == "1" else "RGB")


def _decode_with_opencv(path: Path, size: int) -> Image.Image | None:
    import cv2

    data = np.fromfile(path, dtype=np.uint8)
    array = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if array is None:
        return None
    image = Image.fromarray(cv2.cvtColor(array, cv2.COLOR_BGR2RGB))
    image.thumbnail((size, size))
    return image


def decode_thumbnail(path: Path, image: Image.Image, info: ImageInfo,
                     size: int = THUMB_SIZE) -> bytes:
    """Decode the whole image at reduced scale (which also proves it decodes); JPEG bytes."""
    return encode_thumbnail(decode_small(path, image, info, size))


def encode_thumbnail(small: Image.Image) -> bytes:
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def decode_small(path: Path, image: Image.Image, info: ImageInfo,
                 size: int = THUMB_SIZE) -> Image.Image:
    """The whole image decoded at reduced scale, upright, 8-bit RGB or grey."""
    try:
        # draft() makes libjpeg decode at 1/2..1/8 scale: most of the import's speed.
        image.draft("RGB", (size, size))
        image.load()
        small = to_displayable(image)
        small.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    except Image.DecompressionBombError as error:
        raise MediaError(path, f"refused as a possible decompression bomb: {error}") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        fallback = _decode_with_opencv(path, size) if info.format == "TIFF" else None
        if fallback is None:
            raise MediaError(path, f"the image data does not decode: {error}") from error
        small = fallback
    return orient(small, info.pixel_orientation)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}


def orient(image: Image.Image, orientation: int) -> Image.Image:
    """Turn decoded pixels the way EXIF orientation says they are displayed."""
    method = _TRANSPOSE.get(orientation)
    return image.transpose(method) if method is not None else image


def decode_pixels(path: Path) -> np.ndarray:
    """The whole image at full scale as RGB uint8 (h, w, 3), turned upright.

    For work on the pixels themselves (alignment, comparison). Raises MediaError
    naming the file when it is missing or does not decode.
    """
    try:
        image = open_image(path)
    except FileNotFoundError as error:
        raise MediaError(path, "the file is missing") from error
    except OSError as error:
        raise MediaError(path, f"cannot read: {error.strerror or error}") from error
    info = image_info(image)
    try:
        image.load()
        pixels = to_displayable(image)
    except Image.DecompressionBombError as error:
        raise MediaError(path, f"refused as a possible decompression bomb: {error}") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        fallback = _decode_with_opencv(path, MAX_PIXELS) if info.format == "TIFF" else None
        if fallback is None:
            raise MediaError(path, f"the image data does not decode: {error}") from error
        pixels = fallback
    pixels = orient(pixels.convert("RGB") if pixels.mode != "RGB" else pixels,
                    info.pixel_orientation)
    return np.asarray(pixels)
