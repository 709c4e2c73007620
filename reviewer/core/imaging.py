"""Opening images safely: identify, refuse bombs, decode at reduced scale, thumbnail.

Pillow (with pillow-heif for HEIC/HEIF) is the decoder; OpenCV's libtiff is the
fallback for camera TIFFs that Pillow refuses but libtiff reads.
"""

from __future__ import annotations

import contextlib
import io
import struct
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageFile, UnidentifiedImageError

from reviewer.core import quiet
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


class HeaderUnreadable(MediaError):
    """Pillow does not recognise the file or cannot parse its header (not a bomb)."""


# What the first bytes say a file is, whatever a decoder makes of the rest.
_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"II*\x00", "TIFF"),
          (b"MM\x00*", "TIFF"), (b"II+\x00", "TIFF"), (b"MM\x00+", "TIFF"),
          (b"GIF87a", "GIF"), (b"GIF89a", "GIF"))
_HEIF_BRANDS = {b"heic": "HEIF", b"heix": "HEIF", b"mif1": "HEIF", b"msf1": "HEIF",
                b"hevc": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}


def sniff_format(path: Path) -> str | None:
    """The image format the file's signature names ("JPEG"), or None: not an image."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        return _HEIF_BRANDS.get(head[8:12])
    return None


_TRUNCATION_LOCK = threading.Lock()


@contextlib.contextmanager
def tolerating_truncation() -> Iterator[None]:
    """Decode what is there of a cut-off file (Pillow greys the rest) instead of failing.

    Pillow's switch is global; the lock keeps two tolerant decodes from racing on it.
    """
    with _TRUNCATION_LOCK:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


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
        raise HeaderUnreadable(path, _describe_unreadable(path)) from error
    except (SyntaxError, ValueError, EOFError, struct.error) as error:
        raise HeaderUnreadable(path, f"damaged image header: {error}") from error
    except OSError as error:
        if error.errno is not None:     # the disk or the permissions, not the content
            raise
        # Pillow's "Truncated File Read": the file ends inside its header.
        raise HeaderUnreadable(path, f"damaged image header: {error}") from error
    width, height = image.size
    if width <= 0 or height <= 0:
        raise MediaError(path, f"image declares an impossible size {width}x{height}")
    if width * height > MAX_PIXELS:
        raise MediaError(
            path, f"declares {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the"
                  f" {MAX_PIXELS / 1e6:.0f} MP limit: refused as a possible decompression bomb")
    return image


def extension_for(fmt: str) -> str:
    return _EXTENSIONS.get(fmt, fmt.lower())


def mime_for(fmt: str) -> str:
    return _MIMES.get(fmt) or Image.MIME.get(fmt, "application/octet-stream")


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
        format=fmt, ext=extension_for(fmt), mime=mime_for(fmt),
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


@dataclass
class ImportDecode:
    """What an import learns from decoding: None fields where the damage hid them."""

    info: ImageInfo | None
    small: Image.Image | None    # the reduced pixels (of those that decode, if damaged)
    damage: str | None           # why the file is damaged; None for a sound one

    @property
    def thumbnail(self) -> bytes | None:
        """JPEG bytes of `small`."""
        return encode_thumbnail(self.small) if self.small is not None else None


def decode_for_import(path: Path, size: int = THUMB_SIZE) -> ImportDecode:
    """Open and decode `path` at reduced scale, keeping a damaged image rather than refusing it.

    Refused (MediaError): what is not an image at all, and possible decompression bombs.
    A file whose signature names an image format but whose header or data does not
    decode is an image that was harmed: it comes back with `damage` saying how, and the
    pixels that decode. The decoders' own chatter goes into that reason, not onto stderr.
    """
    with quiet.captured() as chatter:
        result = _decode_or_damage(path, size)
    if result.damage and chatter.summary() and chatter.summary() not in result.damage:
        result.damage = f"{result.damage} ({chatter.summary()})"
    return result


def _decode_or_damage(path: Path, size: int) -> ImportDecode:
    try:
        image = open_image(path)
    except HeaderUnreadable as error:
        named = sniff_format(path)
        if named is None:
            raise
        # Pillow's "cannot identify" says nothing here; the decoder's chatter says more.
        detail = error.reason if error.reason.startswith("damaged image header") else ""
        return ImportDecode(None, None, f"damaged {named}: its header does not parse, no"
                                        " pixels decode" + (f" ({detail})" if detail else ""))
    with image:
        info = image_info(image)
        try:
            return ImportDecode(info, decode_small(path, image, info, size), None)
        except MediaError as error:
            if "decompression bomb" in error.reason:
                raise
            first = _detail(error.reason)
    try:
        with tolerating_truncation(), open_image(path) as again:
            partial = decode_small(path, again, info, size)
    except MediaError:
        return ImportDecode(info, None, f"damaged {info.format}: no pixels decode ({first})")
    return ImportDecode(info, partial, f"damaged {info.format}: the image data is cut short"
                                       f" or corrupt ({first}); the pixels that decode are kept")


def _detail(reason: str) -> str:
    return reason.removeprefix("the image data does not decode: ")


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}


def orient(image: Image.Image, orientation: int) -> Image.Image:
    """Turn decoded pixels the way EXIF orientation says they are displayed."""
    method = _TRANSPOSE.get(orientation)
    return image.transpose(method) if method is not None else image


def _decode_truncated(path: Path) -> Image.Image | None:
    try:
        with quiet.captured(), tolerating_truncation(), open_image(path) as image:
            image.load()
            return to_displayable(image).copy()
    except (MediaError, OSError, SyntaxError, ValueError, EOFError):
        return None


# Pillow's transpose for a clockwise quarter turn (its ROTATE_* turn anticlockwise).
_CLOCKWISE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
              270: Image.Transpose.ROTATE_90}


def turn(image: Image.Image, degrees: int) -> Image.Image:
    """Upright pixels turned `degrees` clockwise: an item's display rotation."""
    method = _CLOCKWISE.get(degrees % 360)
    return image.transpose(method) if method is not None else image


def decode_pixels(path: Path, rotation: int = 0, *, damaged: bool = False) -> np.ndarray:
    """The whole image at full scale as RGB uint8 (h, w, 3), turned upright (and then
    `rotation` degrees clockwise, the item's display rotation).

    For work on the pixels themselves (alignment, comparison). Raises MediaError
    naming the file when it is missing or does not decode; with `damaged` (an item kept
    flagged so) a truncated file gives the pixels that decode instead.
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
        if fallback is None and damaged:
            # An item kept damaged (truncated) gives the pixels that decode; a sound
            # item's file that no longer decodes was harmed in the store: an error.
            fallback = _decode_truncated(path)
        if fallback is None:
            raise MediaError(path, f"the image data does not decode: {error}") from error
        pixels = fallback
    pixels = orient(pixels.convert("RGB") if pixels.mode != "RGB" else pixels,
                    info.pixel_orientation)
    return np.asarray(turn(pixels, rotation))
