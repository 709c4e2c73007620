"""Copies of the tagged images, upright: the pixels as the investigator saw them.

COCO, YOLO, VOC and CVAT readers ignore EXIF orientation, so a photo stored sideways
with an orientation tag would put every box in the wrong place. A JPEG or PNG already
upright is copied byte for byte; a JPEG (or HEIC, AVIF) stored turned is decoded, turned
and re-encoded as JPEG, keeping its EXIF with the orientation set to upright; anything
else (TIFF, 16-bit data) becomes a PNG that training tools read. The originals are only
ever read.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PIL import Image

from reviewer.core.errors import MediaError
from reviewer.core.imaging import decode_pixels, image_info, open_image
from reviewer.core.rotation import turned_size

_COPIED_AS_IS = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png"}
# Already lossy: one more JPEG generation at high quality loses nothing a detector needs,
# where a PNG of a 12 MP phone photo would be five times the size.
_LOSSY = {"JPEG", "MPO", "HEIF", "AVIF"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def copy_name(evidence_id: str, original_name: str, extension: str) -> str:
    """A unique, portable file name that still says which photo it was."""
    stem = _UNSAFE.sub("_", Path(original_name).stem).strip("._")[:60] or "image"
    return f"{evidence_id[:8]}_{stem}{extension}"


def write_upright_copy(source: Path, folder: Path, evidence_id: str, original_name: str,
                       size: tuple[int, int], rotation: int = 0) -> str:
    """Write the copy into `folder`; its file name. `rotation`: the item's display turn
    (degrees clockwise, on top of EXIF orientation), which the tags were drawn on and the
    copy is turned by too. MediaError if the original is gone or does not decode, or
    decodes to another size than the case recorded."""
    try:
        with open_image(source) as image:
            info = image_info(image)
            exif = image.getexif() if info.format in _LOSSY else None
    except FileNotFoundError as error:
        raise MediaError(source, "the file is missing") from error
    except OSError as error:
        raise MediaError(source, f"cannot read: {error.strerror or error}") from error
    if turned_size(info.width, info.height, rotation) != size:
        shown = "x".join(str(v) for v in turned_size(info.width, info.height, rotation))
        raise MediaError(source, f"is {shown} pixels as displayed, not the"
                                 f" {size[0]}x{size[1]} the tags were drawn on")
    extension = _COPIED_AS_IS.get(info.format)
    upright = info.pixel_orientation == 1 and not rotation % 360
    if extension and upright:
        name = copy_name(evidence_id, original_name, extension)
        shutil.copyfile(source, folder / name)
    else:
        pixels = Image.fromarray(decode_pixels(source, rotation))
        if pixels.size != size:
            raise MediaError(source, f"decodes to {pixels.width}x{pixels.height} pixels, not"
                                     f" the {size[0]}x{size[1]} the tags were drawn on")
        if exif is not None:
            exif[0x0112] = 1          # the pixels are upright now
            name = copy_name(evidence_id, original_name, ".jpg")
            pixels.save(folder / name, "JPEG", quality=95, exif=exif.tobytes())
        else:
            name = copy_name(evidence_id, original_name, ".png")
            pixels.save(folder / name, "PNG", compress_level=1)
    return name
