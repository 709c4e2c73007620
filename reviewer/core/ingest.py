"""The per-file work of an import, run in worker processes: no database access here.

`prepare_photo` reads a file once to hash and copy it, decodes it at reduced
scale into a thumbnail (which also proves it decodes), and reads its metadata.
It never raises: every outcome is a `Prepared` or a `Failed` the writer handles.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.core import imaging, media_store
from reviewer.core.errors import MediaError
from reviewer.core.metadata import read_metadata


@dataclass
class Prepared:
    path: str
    sha256: str
    bytes: int
    part: str | None          # temporary copy in media/.incoming (None when linked)
    link: bool
    format: str
    ext: str
    mime: str
    width: int
    height: int
    fields: dict[str, object]   # parsed metadata, keyed by evidence column
    tags: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    kind: str = "photo"


@dataclass
class Failed:
    path: str
    error: str


def thumbnail_path(case_path: Path, sha256: str) -> Path:
    return case_path / "cache" / "thumbs" / sha256[:2] / f"{sha256}.jpg"


def _write_thumbnail(case_path: Path, sha256: str, data: bytes) -> None:
    target = thumbnail_path(case_path, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{os.getpid()}.{target.name}")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def prepare_photo(path: str, case_path: str, link: bool, owner_pid: int) -> Prepared | Failed:
    part: Path | None = None
    try:
        source = Path(path)
        if source.stat().st_size == 0:
            return Failed(path, "empty file (0 bytes)")
        with imaging.open_image(source) as image:
            info = imaging.image_info(image)
            thumbnail = imaging.decode_thumbnail(source, image, info)
        with open(source, "rb") as handle:
            if link:
                sha256, size = media_store.hash_and_copy(handle, None)
            else:
                part = media_store.incoming_part(Path(case_path), owner_pid)
                with open(part, "wb") as target:
                    sha256, size = media_store.hash_and_copy(handle, target)
        _write_thumbnail(Path(case_path), sha256, thumbnail)
        metadata = read_metadata(source, info.xmp, info.exif)
        fields = {
            "taken_at": metadata.taken_at, "taken_at_utc": metadata.taken_at_utc,
            "taken_at_offset": metadata.taken_at_offset, "make": metadata.make,
            "model": metadata.model, "orientation": metadata.orientation,
            "gps_lat": metadata.gps_lat, "gps_lon": metadata.gps_lon,
            "gps_alt": metadata.gps_alt, "gps_time": metadata.gps_time,
            "gps_source": metadata.gps_source,
        }
        warnings = list(metadata.warnings)
        suffix = source.suffix.lower().lstrip(".")
        if suffix and suffix not in _SUFFIXES_FOR.get(info.format, {info.ext}):
            warnings.append(f"the content is {info.format} but the name ends in .{suffix}")
        return Prepared(path, sha256, size, str(part) if part else None, link, info.format,
                        info.ext, info.mime, info.width, info.height, fields, metadata.tags,
                        warnings)
    except MediaError as error:
        media_store.discard(part)
        return Failed(path, error.reason)
    except PermissionError:
        media_store.discard(part)
        return Failed(path, "cannot read the file: permission denied")
    except OSError as error:
        media_store.discard(part)
        return Failed(path, f"cannot read the file: {error.strerror or error}")
    except Exception as error:  # a decoder bug on a hostile file must not stop the batch
        media_store.discard(part)
        return Failed(path, f"unexpected {type(error).__name__} while reading: {error}")


_SUFFIXES_FOR = {
    "JPEG": {"jpg", "jpeg", "jpe", "jfif"},
    "MPO": {"jpg", "jpeg", "mpo"},
    "TIFF": {"tif", "tiff"},
    "HEIF": {"heic", "heif", "hif"},
}
