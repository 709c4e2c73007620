"""The per-file work of an import, run in worker processes: no database access here.

`prepare_photo` reads a file once to hash and copy it, decodes it at reduced
scale into a thumbnail (which also proves it decodes), and reads its metadata;
`prepare_video` probes a video, reads its container metadata (position, camera, time)
and telemetry (a DJI SRT sidecar, else a GoPro's GPMF track), copies it and the sidecar.
Neither
raises: every outcome is a `Prepared` or a `Failed` the writer handles.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from reviewer.core import (
    credentials_in,
    damage,
    gpmf,
    imaging,
    media_store,
    phash,
    quicktime,
    quiet,
    srt,
    video,
)
from reviewer.core.atomic import write_atomically
from reviewer.core.discover import media_suffix
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
    width: int | None          # None: a damaged file whose header gave no size
    height: int | None
    fields: dict[str, object]   # parsed metadata, keyed by evidence column
    tags: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    kind: str = "photo"
    attachments: list[dict[str, object]] = field(default_factory=list)
    picture_hash: phash.PictureHash | None = None   # None: the hash could not be made
    credentials: list[credentials_in.Credentials] = field(default_factory=list)


@dataclass
class Failed:
    path: str
    error: str


def thumbnail_path(case_path: Path, sha256: str) -> Path:
    return case_path / "cache" / "thumbs" / sha256[:2] / f"{sha256}.jpg"


def _write_thumbnail(case_path: Path, sha256: str, data: bytes) -> None:
    target = thumbnail_path(case_path, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, data)


def prepare_photo(path: str, case_path: str, link: bool, owner_pid: int) -> Prepared | Failed:
    part: Path | None = None
    try:
        source = Path(path)
        if source.stat().st_size == 0:
            return Failed(path, "empty file (0 bytes)")
        decoded = imaging.decode_for_import(source)
        info = decoded.info
        picture_hash = (_picture_hash(phash.hash_image, decoded.small)
                        if decoded.small is not None else None)
        sha256, size, part = _copy_in(source, Path(case_path), link, owner_pid)
        thumbnail = decoded.thumbnail
        if thumbnail is not None:
            _write_thumbnail(Path(case_path), sha256, thumbnail)
        with quiet.captured():
            metadata = read_metadata(source, info.xmp if info else None,
                                     info.exif if info else None)
        fields = {
            "taken_at": metadata.taken_at, "taken_at_utc": metadata.taken_at_utc,
            "taken_at_offset": metadata.taken_at_offset, "make": metadata.make,
            "model": metadata.model, "orientation": metadata.orientation,
            "gps_lat": metadata.gps_lat, "gps_lon": metadata.gps_lon,
            "gps_alt": metadata.gps_alt, "gps_time": metadata.gps_time,
            "gps_source": metadata.gps_source,
            "damaged": int(decoded.damage is not None), "damage_reason": decoded.damage,
        }
        warnings = list(metadata.warnings)
        if decoded.damage:
            warnings.insert(0, f"kept, flagged damaged: {decoded.damage}")
        fmt = info.format if info else str(imaging.sniff_format(source))
        ext = info.ext if info else imaging.extension_for(fmt)
        suffix = media_suffix(source).lstrip(".")
        if suffix and suffix not in _SUFFIXES_FOR.get(fmt, {ext}):
            warnings.append(f"the content is {fmt} but the name ends in .{suffix}")
        attachments, found = _credentials(source, sha256, fmt, Path(case_path), owner_pid,
                                          warnings)
        return Prepared(path, sha256, size, str(part) if part else None, link, fmt, ext,
                        info.mime if info else imaging.mime_for(fmt),
                        info.width if info else None, info.height if info else None,
                        fields, metadata.tags, warnings, attachments=attachments,
                        picture_hash=picture_hash, credentials=found)
    except MediaError as error:
        media_store.discard(part)
        return Failed(path, error.reason)
    except PermissionError:
        media_store.discard(part)
        return Failed(path, "cannot read the file: permission denied")
    except OSError as error:
        media_store.discard(part)
        if error.errno is None:   # a decoder's complaint about the content, not the disk
            return Failed(path, f"the file's content is damaged: {error}")
        return Failed(path, f"cannot read the file: {error.strerror or error}")
    except Exception as error:  # a decoder bug on a hostile file must not stop the batch
        media_store.discard(part)
        return Failed(path, f"unexpected {type(error).__name__} while reading: {error}")


def _picture_hash(make: Callable[[Any], phash.PictureHash | None], pixels: Any
                  ) -> phash.PictureHash | None:
    # The hash is a lead, not part of the evidence: a picture it cannot be made of is
    # imported all the same, without one.
    try:
        return make(pixels)
    except Exception:
        return None


_SUFFIXES_FOR = {
    "JPEG": {"jpg", "jpeg", "jpe", "jfif"},
    "MPO": {"jpg", "jpeg", "mpo"},
    "TIFF": {"tif", "tiff"},
    "HEIF": {"heic", "heif", "hif"},
}


def _copy_in(source: Path, case_path: Path, link: bool, owner_pid: int
             ) -> tuple[str, int, Path | None]:
    with open(source, "rb") as handle:
        if link:
            sha256, size = media_store.hash_and_copy(handle, None)
            return sha256, size, None
        part = media_store.incoming_part(case_path, owner_pid)
        try:
            with open(part, "wb") as target:
                sha256, size = media_store.hash_and_copy(handle, target)
        except BaseException:
            media_store.discard(part)
            raise
        return sha256, size, part


def _telemetry_attachment(source: Path, case_path: Path, owner_pid: int, duration_s: float,
                          warnings: list[str]) -> tuple[list[dict[str, object]], object]:
    """The drone's SRT beside the video, kept as found and parsed; problems are warnings."""
    sidecar = srt.find_sidecar(source)
    if sidecar is None:
        return [], None
    try:
        telemetry = srt.parse_srt(sidecar)
    except MediaError as error:
        warnings.append(f"telemetry {sidecar.name} not used: {error.reason}")
        return [], None
    warnings.extend(f"telemetry {sidecar.name}: {w}" for w in telemetry.warnings)
    mismatch = srt.check_duration(telemetry, int(duration_s * 1000))
    if mismatch:
        warnings.append(f"telemetry {sidecar.name}: {mismatch}")
    sha256, size, part = _copy_in(sidecar, case_path, False, owner_pid)
    return [{"role": "telemetry", "part": str(part), "sha256": sha256, "bytes": size,
             "ext": sidecar.suffix.lower().lstrip(".") or "srt",
             "original_name": sidecar.name, "original_path": str(sidecar.absolute()),
             "details": {"layout": telemetry.layout, "entries": len(telemetry.points)}}
            ], telemetry


def prepare_video(path: str, case_path: str, link: bool, owner_pid: int) -> Prepared | Failed:
    """Probe, hash and copy a video; a first-frame thumbnail; its telemetry sidecar."""
    parts: list[str] = []
    try:
        source = Path(path)
        if source.stat().st_size == 0:
            return Failed(path, "empty file (0 bytes)")
        info, first, damaged = _probe_or_damage(source)
        sha256, size, part = _copy_in(source, Path(case_path), link, owner_pid)
        if part:
            parts.append(str(part))
        if first is not None:
            thumb = Image.fromarray(first.image[:, :, ::-1])
            thumb.thumbnail((imaging.THUMB_SIZE, imaging.THUMB_SIZE))
            buffer = io.BytesIO()
            thumb.save(buffer, "JPEG", quality=85)
            _write_thumbnail(Path(case_path), sha256, buffer.getvalue())
        warnings: list[str] = [f"kept, flagged damaged: {damaged['damage_reason']}"] \
            if damaged else []
        if info is None:
            ext = media_suffix(source).lstrip(".") or "video"
            return Prepared(path, sha256, size, str(part) if part else None, link, "", ext,
                            mimetypes.guess_type(f"x.{ext}")[0] or "video/" + ext, None, None,
                            {**damaged, "frame_count": 0}, {}, warnings, "video")
        if info.variable_frame_rate:
            warnings.append("variable frame rate: frame times come from the container's"
                            " timestamps, frame counts may be approximate")
        attachments, telemetry = _telemetry_attachment(source, Path(case_path), owner_pid,
                                                       info.duration_s, warnings)
        parts.extend(str(a["part"]) for a in attachments)
        bundle, found = _credentials(source, sha256, ext_of(source), Path(case_path), owner_pid,
                                     warnings)
        parts.extend(str(a["part"]) for a in bundle)
        attachments += bundle
        container = quicktime.read_quicktime(source)
        warnings.extend(container.warnings)
        if telemetry is None:
            telemetry = gpmf.read_gpmf(source)
            if telemetry is not None:
                warnings.extend(f"GoPro telemetry: {w}" for w in telemetry.warnings)
        start = next((p for p in telemetry.points if p.lat is not None), None) if telemetry \
            else None
        ext = media_suffix(source).lstrip(".") or "video"
        fields = {
            "duration_s": info.duration_s, "fps": info.fps, "frame_count": info.frame_count,
            "codec": info.codec, "make": container.make, "model": container.model,
            **damaged,
            # The phone's local creation date with its offset; else 'mvhd' (UTC by the
            # standard) as exiftool reads it; else the drone's clock at the first entry.
            "taken_at": container.taken_at or (telemetry.points[0].time if telemetry else None),
            "taken_at_utc": container.taken_at_utc,
            "taken_at_offset": container.taken_at_offset,
            # Telemetry where the drone recorded it, else the position the phone wrote.
            "gps_lat": start.lat if start else container.gps_lat,
            "gps_lon": start.lon if start else container.gps_lon,
            "gps_alt": start.altitude if start else container.gps_alt,
            "gps_source": srt.source_of(telemetry) if start else container.gps_source,
        }
        return Prepared(path, sha256, size, str(part) if part else None, link, info.codec, ext,
                        mimetypes.guess_type(f"x.{ext}")[0] or "video/" + ext, info.width,
                        info.height, fields, container.tags, warnings, "video", attachments,
                        _picture_hash(phash.hash_frame, first.image) if first is not None
                        else None, found)
    except MediaError as error:
        for leftover in parts:
            media_store.discard(leftover)
        return Failed(path, error.reason)
    except OSError as error:
        for leftover in parts:
            media_store.discard(leftover)
        reason = "permission denied" if isinstance(error, PermissionError) else (
            error.strerror or str(error))
        return Failed(path, f"cannot read the file: {reason}")
    except Exception as error:  # a decoder bug on a hostile file must not stop the batch
        for leftover in parts:
            media_store.discard(leftover)
        return Failed(path, f"unexpected {type(error).__name__} while reading: {error}")


def ext_of(source: Path) -> str:
    return media_suffix(source).lstrip(".").lower()


def _credentials(source: Path, sha256: str, fmt: str, case_path: Path, owner_pid: int,
                 warnings: list[str]) -> tuple[list[dict[str, object]],
                                               list[credentials_in.Credentials]]:
    """The file's C2PA manifest and ProofMode bundle (its files kept as attachments);
    what needs a look becomes a warning. Never raises for the credentials' sake."""
    found = []
    c2pa = credentials_in.read_c2pa(source, fmt)
    if c2pa is not None:
        found.append(c2pa)
    attachments: list[dict[str, object]] = []
    bundle = credentials_in.proofmode_files(source, sha256)
    if bundle:
        found.append(credentials_in.read_proofmode(source, bundle))
        for role, path in bundle.items():
            try:
                kept_sha256, size, part = _copy_in(path, case_path, False, owner_pid)
            except OSError as error:   # an unreadable sidecar must not refuse the photo
                warnings.append(f"ProofMode file {path.name} not kept: cannot read it"
                                f" ({error.strerror or error})")
                continue
            attachments.append({
                "role": f"proofmode_{role}", "part": str(part), "sha256": kept_sha256,
                "bytes": size, "ext": path.suffix.lower().lstrip("."),
                "original_name": path.name, "original_path": str(path.absolute()),
                "details": {"standard": "proofmode"}})
    warnings.extend(w for w in (c.warning() for c in found) if w)
    return attachments, found


def _probe_or_damage(source: Path) -> tuple[video.VideoInfo | None, video.Frame | None, dict]:
    """The video's facts and first frame; for a damaged one, what decodes and the flag.

    The dict holds the evidence columns a damaged video overrides (empty when sound): a
    file cut short gets the frames and duration that decode, not what its container
    promised. A file that is no video (text, empty) raises MediaError as before.
    """
    with quiet.captured() as chatter:
        try:
            info = video.probe_video(source)
            first = video.frame_at(source, 0)
        except MediaError as error:
            if not damage.looks_like_video(source):
                raise
            why = error.reason + (f" ({chatter.summary()})" if chatter.summary() else "")
            return None, None, {"damaged": 1, "damage_reason": f"damaged video: {why};"
                                " kept as received"}
    cut = damage.cut_short(source)
    if cut is None:
        return info, first, {}
    frames, last_s = damage.decodable_frames(source)
    duration = last_s + (1.0 / info.fps if info.fps else 0.0) if frames else 0.0
    return info, first, {
        "damaged": 1, "frame_count": frames, "duration_s": duration,
        "damage_reason": (f"damaged {info.codec} video: the file is cut short ({cut[1]:,} of"
                          f" the {cut[0]:,} bytes its container declares); {frames} of"
                          f" {info.frame_count} frames decode ({duration:.2f} s of"
                          f" {info.duration_s:.2f} s)")}
