"""A short drone-like clip flying along the ruined colonnade, with DJI-style telemetry.

The clip pans across the "after" photo (as a drone sliding sideways at constant
height would), written as MP4, with a Mavic 3 style SRT beside it whose position
moves east along the colonnade. The frame where the toppled columns sit in the
middle is the one the demo keeps and tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from reviewer.demo.colonnade_plan import colonnade_layout

FPS = 25
SECONDS = 6
FRAME_SIZE = (640, 360)
WINDOW = (1280, 720)            # the part of the photo in view, in photo pixels
START = (34.55096, 38.26860)    # where the flight starts (near the photo's GPS)
EAST_PER_SECOND = 0.00003       # degrees of longitude flown per second (~3 m/s)
ALTITUDE = 430.0


@dataclass(frozen=True)
class Flight:
    video: Path
    telemetry: Path
    keep_index: int
    toppled: tuple[tuple[tuple[float, float], ...], ...]   # polygons in that frame's pixels


def _window_origin(index: int, frames: int, photo_width: int, top: int) -> tuple[float, int]:
    travel = photo_width - WINDOW[0]
    return travel * index / max(frames - 1, 1), top


def _srt(frames: int) -> str:
    blocks = []
    for k in range(frames):
        start, end = k * 1000 // FPS, (k + 1) * 1000 // FPS
        lon = START[1] + EAST_PER_SECOND * start / 1000

        def stamp(ms: int) -> str:
            return f"00:00:{ms // 1000:02d},{ms % 1000:03d}"

        blocks.append(
            f"{k + 1}\n{stamp(start)} --> {stamp(end)}\n"
            f"<font size=\"28\">FrameCnt: {k + 1}, DiffTime: {end - start}ms\n"
            f"2016-04-02 15:41:{start // 1000:02d}.{start % 1000:03d}\n"
            f"[iso: 100] [shutter: 1/1000.0] [fnum: 2.8] [ev: 0] [latitude: {START[0]:.6f}]"
            f" [longitude: {lon:.6f}] [rel_alt: 48.200 abs_alt: {ALTITUDE:.3f}] </font>\n")
    return "\n".join(blocks)


def make_flight(after_photo: Path, folder: Path) -> Flight:
    """Write folder/DJI_0042.MP4 and its .SRT from the after photo; say which frame to keep."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = cv2.imread(str(after_photo), cv2.IMREAD_COLOR)
    if photo is None:
        raise ValueError(f"cannot read {after_photo}")
    height, width = photo.shape[:2]
    toppled = [np.asarray(polygon, np.float64) for polygon in colonnade_layout().toppled_after]
    ground = np.vstack(toppled)
    top = int(np.clip(ground[:, 1].mean() - WINDOW[1] / 2, 0, height - WINDOW[1]))
    frames = FPS * SECONDS
    centre_x = ground[:, 0].mean()
    keep_index = min(range(frames), key=lambda k: abs(
        _window_origin(k, frames, width, top)[0] + WINDOW[0] / 2 - centre_x))
    video = folder / "DJI_0042.MP4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), FPS, FRAME_SIZE)
    try:
        for k in range(frames):
            x0, y0 = _window_origin(k, frames, width, top)
            # A sub-pixel affine crop keeps the slide smooth, like a real drone's.
            shift = np.array([[1, 0, -x0], [0, 1, -y0]], np.float64)
            view = cv2.warpAffine(photo, shift, WINDOW, flags=cv2.INTER_LINEAR)
            writer.write(cv2.resize(view, FRAME_SIZE, interpolation=cv2.INTER_AREA))
    finally:
        writer.release()
    telemetry = folder / "DJI_0042.SRT"
    telemetry.write_text(_srt(frames), encoding="utf-8")
    x0, y0 = _window_origin(keep_index, frames, width, top)
    scale = FRAME_SIZE[0] / WINDOW[0]
    in_frame = tuple(
        tuple((round(float(np.clip((x - x0) * scale, 0, FRAME_SIZE[0])), 1),
               round(float(np.clip((y - y0) * scale, 0, FRAME_SIZE[1])), 1))
              for x, y in polygon)
        for polygon in toppled)
    return Flight(video, telemetry, keep_index, in_frame)
