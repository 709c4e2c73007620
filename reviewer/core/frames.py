"""Frames pulled out of a video become evidence items of their own.

A frame is stored as a lossless PNG in the media store (its own SHA-256), linked
to its video by `parent_id`, `frame_index` and `frame_time_ms`, and given the
position, altitude and time of the telemetry entry covering that moment (a DJI SRT
sidecar, else the GoPro GPMF track inside the video). A video without telemetry gives
its frames its own position (the phone's); a frame outside the telemetry's span or in
a long gap gets no position and a warning naming the gap.
A video whose display was turned gives frames written turned, upright as the
investigator saw them (their own display rotation is 0); frames kept before the turn
stay as they were.
Extraction is resumable: frames already in the case are skipped.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cv2

from reviewer.core import gpmf, media_store, phash
from reviewer.core.atomic import write_atomically
from reviewer.core.case import Case
from reviewer.core.clock import new_id
from reviewer.core.errors import MediaError, NotFoundError
from reviewer.core.evidence import Evidence, get_evidence, media_path
from reviewer.core.imaging import THUMB_SIZE
from reviewer.core.ingest import thumbnail_path
from reviewer.core.progress import CancelFlag, NeverCancel, ProgressCallback, no_progress
from reviewer.core.rotation import upright_frame
from reviewer.core.similar import store_hash
from reviewer.core.srt import Telemetry, parse_srt, source_of
from reviewer.core.video import Frame, encode_png, frame_at, frames_at_scenes, frames_every

BATCH = 16


@dataclass
class FrameReport:
    imported: list[dict[str, Any]] = field(default_factory=list)   # id, path, sha256, kind
    existing: int = 0
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class _Encoded:
    frame_index: int
    time_ms: int
    width: int
    height: int
    sha256: str
    part: Path
    picture_hash: phash.PictureHash | None = None


def telemetry_for(case: Case, video_id: str) -> Telemetry | None:
    """The telemetry of a video, parsed again from the kept originals: the SRT stored
    with it at import, else the GPMF track inside the video itself."""
    row = case.conn.execute(
        "SELECT stored_path FROM attachments WHERE evidence_id = ? AND role = 'telemetry'",
        (video_id,)).fetchone()
    try:
        if row is not None:
            return parse_srt(case.path / row[0])
        return gpmf.read_gpmf(media_path(case, get_evidence(case, video_id)))
    except (MediaError, OSError):
        return None


def _uncovered_warnings(telemetry: Telemetry | None, report: FrameReport,
                        times_ms: list[int]) -> None:
    """One warning per gap that frames fell into, naming the gap and the frames."""
    if telemetry is None:
        return
    gaps: dict[str, list[int]] = {}
    for time_ms in times_ms:
        reason = telemetry.uncovered(time_ms)
        if reason is not None:
            gaps.setdefault(reason, []).append(time_ms)
    for reason, times in gaps.items():
        shown = ", ".join(f"{t / 1000:.2f}" for t in times[:5]) + (" ..." if len(times) > 5
                                                                   else "")
        report.warnings.append(f"{len(times)} frame(s) at {shown} s are {reason}: no"
                               " position given")


def _encode(case_path: Path, frame: Frame, rotation: int = 0) -> _Encoded:
    """PNG-encode (turned by the video's display rotation), hash, write the temporary
    copy and the thumbnail (runs on a thread)."""
    image = upright_frame(frame.image, rotation)
    data = encode_png(image)
    sha256 = hashlib.sha256(data).hexdigest()
    part = media_store.incoming_part(case_path, os.getpid())
    part.write_bytes(data)
    height, width = image.shape[:2]
    # Shrink with OpenCV before anything else touches the pixels: a tenth of the cost
    # of handing a full 1080p frame to Pillow, and it runs without the GIL.
    scale = THUMB_SIZE / max(width, height)
    small = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else image
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])
    target = thumbnail_path(case_path, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    if ok:
        write_atomically(target, jpeg.tobytes())
    try:
        picture_hash = phash.hash_frame(small)
    except Exception:   # a lead only: the frame is kept without one
        picture_hash = None
    return _Encoded(frame.index, frame.time_ms, width, height, sha256, part, picture_hash)


def _commit(case: Case, video: Evidence, telemetry: Telemetry | None,
            encoded: list[_Encoded], report: FrameReport) -> None:
    if not encoded:
        return
    with case.write() as tx:
        for item in encoded:
            stored = media_store.stored_relpath(item.sha256, "png")
            media_store.place(case.path, item.part, stored)
            point = telemetry.at(item.time_ms) if telemetry else None
            taken = point.time if point and point.time else _offset_time(
                video.taken_at, item.time_ms)
            # Without telemetry the video's own position (a phone's) is the frame's too.
            position = (point.lat, point.lon, point.altitude, source_of(telemetry)) \
                if point and point.lat is not None else (None, None, None, None) \
                if telemetry else (video.gps_lat, video.gps_lon, video.gps_alt,
                                   video.gps_source)
            frame_id = new_id()
            name = f"{Path(video.original_name).stem}_frame{item.frame_index:06d}.png"
            row = {
                "id": frame_id, "kind": "frame", "sha256": item.sha256,
                "bytes": (case.path / stored).stat().st_size, "original_name": name,
                "original_path": video.original_path, "stored_path": stored,
                "mime": "image/png", "format": "PNG", "width": item.width,
                "height": item.height, "parent_id": video.id,
                "frame_index": item.frame_index, "frame_time_ms": item.time_ms,
                "make": video.make, "model": video.model,
                "taken_at": taken,
                "taken_at_utc": _utc_time(video, point, item.time_ms),
                "taken_at_offset": video.taken_at_offset,
                "gps_lat": position[0], "gps_lon": position[1], "gps_alt": position[2],
                "gps_source": position[3],
                "imported_at": tx.at, "imported_by": tx.actor,
            }
            tx.conn.execute(
                f"INSERT INTO evidence ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()))
            hashed = store_hash(tx, frame_id, item.picture_hash) if item.picture_hash else None
            tx.record("evidence.frame", frame_id, {
                "video_id": video.id, "frame_index": item.frame_index,
                "frame_time_ms": item.time_ms, "sha256": item.sha256,
                "turned": video.display_rotation or 0,
                **({"picture_hashes": hashed["hashes"]} if hashed else {}),
                "telemetry": None if point is None else {
                    "lat": point.lat, "lon": point.lon, "altitude": point.altitude,
                    "time": point.time}})
            report.imported.append({"id": frame_id, "path": name, "sha256": item.sha256,
                                    "kind": "frame"})


def _offset_time(start: str | None, offset_ms: int) -> str | None:
    """The moment a frame shows: the video's start, as its container wrote it, plus offset."""
    if not start:
        return None
    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        return None
    moment += timedelta(milliseconds=offset_ms)
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if start.endswith("Z") else text


def _utc_time(video: Evidence, point: object, offset_ms: int) -> str | None:
    """The frame's moment in UTC: the telemetry's when it is UTC (GPMF), else the
    video's start in UTC plus the offset."""
    when = getattr(point, "time", None)
    if when and when.endswith("Z"):
        return when
    return _offset_time(video.taken_at_utc, offset_ms)


def _existing_indices(case: Case, video_id: str) -> set[int]:
    return {row[0] for row in case.conn.execute(
        "SELECT frame_index FROM evidence WHERE parent_id = ? AND kind = 'frame'", (video_id,))}


def extract_frames(
    case: Case, video_id: str, *, every_s: float | None = None, scenes: bool = False,
    progress: ProgressCallback = no_progress, cancel: CancelFlag | None = None,
) -> FrameReport:
    """Keep the frames at 0, `every_s`, 2 x `every_s` ... seconds, or at each scene
    change, as evidence items."""
    cancel = cancel or NeverCancel()
    video = get_evidence(case, video_id)
    if video.kind != "video":
        raise NotFoundError(video_id, "is not a video")
    path = media_path(case, video)
    telemetry = telemetry_for(case, video.id)
    existing = _existing_indices(case, video.id)
    report = FrameReport()
    if scenes:
        frames = frames_at_scenes(path, progress=progress, cancel=cancel)
    else:
        # The frames on screen at 0, N, 2N ... s (each the last to start at or before its
        # moment), what an investigator asking for "every N seconds" expects; FFmpeg's
        # default rounds to the nearest tick and starts half a period late.
        frames = frames_every(path, every_s or 1.0, rounding="up", progress=progress,
                              cancel=cancel)
    pending: list[Future[_Encoded]] = []
    times: list[int] = []
    # Encoding PNGs (zlib releases the GIL) overlaps with decoding the next frames.
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            for frame in frames:
                if frame.index in existing:
                    report.existing += 1
                    continue
                pending.append(pool.submit(_encode, case.path, frame,
                                           video.display_rotation or 0))
                times.append(frame.time_ms)
                if len(pending) >= BATCH:
                    _commit(case, video, telemetry, [f.result() for f in pending], report)
                    pending = []
            _commit(case, video, telemetry, [f.result() for f in pending], report)
            pending = []
        finally:
            frames.close()
            for future in pending:
                media_store.discard(future.result().part)
    report.warnings.extend(warning.reason for warning in frames.warnings)
    _uncovered_warnings(telemetry, report, times)
    report.cancelled = frames.cancelled or cancel.is_set()
    return report


def keep_frame(case: Case, video_id: str, frame_index: int) -> Evidence:
    """Add one frame of a video to the case (the app's "Keep frame"); returns its row.

    Keeping a frame already in the case returns the existing item.
    """
    video = get_evidence(case, video_id)
    if video.kind != "video":
        raise NotFoundError(video_id, "is not a video")
    row = case.conn.execute(
        "SELECT id FROM evidence WHERE parent_id = ? AND frame_index = ? AND kind = 'frame'",
        (video.id, frame_index)).fetchone()
    if row is None:
        report = FrameReport()
        encoded = _encode(case.path, frame_at(media_path(case, video), frame_index),
                          video.display_rotation or 0)
        _commit(case, video, telemetry_for(case, video.id), [encoded], report)
        return get_evidence(case, report.imported[0]["id"])
    return get_evidence(case, row[0])
