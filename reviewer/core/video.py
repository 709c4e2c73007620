"""Video: probe a file, pull frames out of it, encode them as lossless PNG.

OpenCV's FFmpeg backend decodes (MP4, MOV, AVI, MKV, WebM...). Extraction reads the
file once, forward: ``grab()`` decodes every frame, ``retrieve()`` (the colour
conversion to BGR) runs only for frames that may be kept. Nothing seeks per frame.

Frame choice for ``frames_every`` is FFmpeg's ``fps`` filter (``-vf fps=1/N``): each
frame's time is rounded to the output grid (``round=near`` by default), and output
tick n takes the last frame whose rounded time is <= n. With ``near`` and N = 1 s that
is the last frame before n + 0.5 s (frame 12, 37, 62... at 25 fps, not 0, 25, 50);
``rounding="up"`` gives the frame at or after each whole n*N. The stream ends at the
last frame's time plus its duration, rounded the same way. A tick that no frame
reaches (a gap longer than N) repeats a frame in FFmpeg's output; here the repeated
frame is yielded once.

Problems: a file that is not a video, cannot be opened or decodes no frame raises
``MediaError``. A video that stops decoding before its container's end is still
extracted; the iteration ends and ``Extraction.warnings`` holds a ``VideoTruncated``.
Frame timestamps that drift from the nominal rate add a ``VariableFrameRate``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from reviewer.core.errors import MediaError, ValidationError
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress

# Mean absolute difference, in grey levels (0-255), between consecutive frames shrunk to
# SCENE_SIZE grey. Compression noise, a walking subject or a steady drone pan stay under
# ~12 (the corpus clips peak at 11); a hard cut between two shots is usually 35-90.
# 30 leaves room for fast drone turns while catching most cuts; an explosion or a flash
# also counts, which an investigator wants to see anyway.
SCENE_THRESHOLD = 30.0
SCENE_SIZE = (64, 36)
# Frames after the first whose timestamps probe_video checks when the container has no
# timing table (MP4/MOV's 'stts' gives every frame's duration without decoding).
PROBE_FRAMES = 24
# zlib level 1 with the Up filter: lossless, about 60 ms for a noisy 1080p camera frame
# and 15-20 % smaller than OpenCV's own fastest setting; level 3+ costs 2x for ~5 %.
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1]
if hasattr(cv2, "IMWRITE_PNG_FILTER"):   # OpenCV >= 4.11
    _PNG_PARAMS += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
_MP4_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
_TICK_EPSILON = 1e-7   # float noise in POS_MSEC must not flip a tie FFmpeg breaks exactly
_ROUNDING: dict[str, Callable[[float], int]] = {
    "near": lambda x: math.floor(x + 0.5 + _TICK_EPSILON),   # ties away from zero
    "up": lambda x: math.ceil(x - _TICK_EPSILON),
    "down": lambda x: math.floor(x + _TICK_EPSILON),
}


@dataclass(frozen=True)
class VideoInfo:
    width: int                 # as displayed: the container's rotation applied
    height: int
    fps: float                 # nominal; for variable frame rate the container's average
    frame_count: int           # the container's count: see probe_video
    duration_s: float
    codec: str                 # fourcc as text: "h264", "hevc", "MJPG", "FMP4"
    creation_time: str | None  # 'mvhd' of MP4/MOV, ISO 8601 "Z"; None when absent or zero
    variable_frame_rate: bool


@dataclass(frozen=True)
class Frame:
    index: int                 # 0-based, counted in decoding order from the first frame
    time_ms: int               # presentation time from the container's timestamps
    image: np.ndarray          # BGR uint8, upright


@dataclass(frozen=True)
class VideoWarning:
    """Extraction went on, but something needs a look; str() names the file."""

    subject: str
    reason: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


class VideoTruncated(VideoWarning):
    """Decoding stopped before the container's end: later frames are missing."""


class VariableFrameRate(VideoWarning):
    """Frame times are irregular: use Frame.time_ms, not index / fps."""


@dataclass
class _Mp4:
    creation_time: str | None = None
    timescale: int = 0
    stts: tuple[tuple[int, int], ...] = ()   # (sample count, duration) runs, video track

    def regular(self) -> bool | None:
        # The last sample often has its own duration; only the runs before it count.
        runs = self.stts[:-1] if self.stts and self.stts[-1][0] == 1 else self.stts
        return len({delta for _, delta in runs}) <= 1 if runs else None


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _children(data, start, end) if k == kind), None)


def _read_mp4(path: Path) -> _Mp4 | None:
    """Creation time and video timing of an MP4/MOV; None for other containers."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        pos, moov = 0, None
        while pos + 8 <= size:
            handle.seek(pos)
            head = handle.read(16)
            length, kind = struct.unpack_from(">I4s", head)
            if pos == 0 and kind not in _ISO_BOXES:
                return None
            if length == 1 and len(head) == 16:
                length = struct.unpack_from(">Q", head, 8)[0]
            elif length == 0:
                length = size - pos
            if length < 8:
                break
            if kind == b"moov":
                moov = (pos, min(length, size - pos))
                break
            pos += length
    if moov is None:
        if pos == 0:
            return None
        raise MediaError(path, "the MP4/MOV index ('moov' box) is missing: the recording was"
                         " cut off (battery, crash, interrupted copy) before it was finished;"
                         " repair tools such as untrunc can rebuild it from a good file of the"
                         " same camera")
    with open(path, "rb") as handle:
        handle.seek(moov[0])
        data = handle.read(moov[1])
    facts = _Mp4()
    # A damaged index is OpenCV's to judge: it may still play.
    with contextlib.suppress(struct.error, ValueError, OverflowError):
        _parse_moov(data, facts)
    return facts


def _parse_moov(data: bytes, facts: _Mp4) -> None:
    body = next(_children(data, 0, len(data)), None)
    if body is None:
        return
    _, start, end = body
    mvhd = _child(data, start, end, b"mvhd")
    if mvhd:
        version = data[mvhd[0]]
        created = struct.unpack_from(">Q" if version == 1 else ">I", data, mvhd[0] + 4)[0]
        if created:
            when = _MP4_EPOCH + timedelta(seconds=created)
            facts.creation_time = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for kind, t_start, t_end in _children(data, start, end):
        mdia = _child(data, t_start, t_end, b"mdia") if kind == b"trak" else None
        hdlr = mdia and _child(data, *mdia, b"hdlr")
        if not mdia or not hdlr or data[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
            continue
        mdhd = _child(data, *mdia, b"mdhd")
        if mdhd:
            offset = mdhd[0] + (20 if data[mdhd[0]] == 1 else 12)
            facts.timescale = struct.unpack_from(">I", data, offset)[0]
        minf = _child(data, *mdia, b"minf")
        stbl = minf and _child(data, *minf, b"stbl")
        stts = stbl and _child(data, *stbl, b"stts")
        if stts:
            count = min(struct.unpack_from(">I", data, stts[0] + 4)[0],
                        (stts[1] - stts[0] - 8) // 8)
            facts.stts = tuple(struct.iter_unpack(">II", data[stts[0] + 8:stts[0] + 8 + 8 * count]))
        return


def _refuse_non_video(path: Path) -> None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as error:
        raise MediaError(path, f"cannot read the file: {error.strerror or error}") from error
    if not head:
        raise MediaError(path, "empty file (0 bytes)")
    # Never hand text to FFmpeg: a playlist or concat script can make it open other files.
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        start = head[:60].decode("ascii").split("\n")[0].strip()
        raise MediaError(path, f"a text file, not a video (it starts {start!r})")


def _open(path: Path) -> cv2.VideoCapture:
    _refuse_non_video(path)
    # CAP_FFMPEG explicitly: other backends would read "%d" in a name as an image sequence.
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise MediaError(path, "not a video that can be opened (unknown format or a damaged"
                         " header)")
    return capture


def _codec(capture: cv2.VideoCapture) -> str:
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)) & 0xFFFFFFFF
    text = fourcc.to_bytes(4, "little").decode("latin-1").strip("\x00 ")
    return text if text and text.isprintable() else f"0x{fourcc:08x}"


def _irregular(step: float, nominal: float) -> bool:
    # Timestamps rounded to the container's time base wobble by a millisecond; a phone
    # dropping to 24 fps in low light or a skipped frame moves far more than that.
    return abs(step - nominal) > max(2.0, 0.1 * nominal)


def probe_video(path: Path) -> VideoInfo:
    """Describe a video after proving that its first frame decodes.

    `frame_count` is the container's: exact for MP4/MOV/AVI (their index lists every
    frame), OpenCV's estimate duration x fps for MKV/WebM, which is wrong for variable
    frame rate. Variable frame rate is read from MP4/MOV's 'stts' table (every frame's
    duration, without decoding); for other containers from the timestamps of the first
    PROBE_FRAMES frames, so a rate that changes later is found only during extraction.
    """
    path = Path(path)
    _refuse_non_video(path)
    mp4 = _read_mp4(path)
    capture = _open(path)
    try:
        fps = capture.get(cv2.CAP_PROP_FPS)
        fps = fps if math.isfinite(fps) and fps > 0 else 0.0
        codec = _codec(capture)
        if not capture.grab():
            raise MediaError(path, f"no frame decodes ({codec} video): the video data is"
                             " missing or damaged")
        ok, first = capture.retrieve()
        if not ok or first is None:
            raise MediaError(path, f"the first frame does not convert to an image ({codec})")
        regular = mp4.regular() if mp4 else None
        times = [capture.get(cv2.CAP_PROP_POS_MSEC)]
        if regular is None:
            while len(times) <= PROBE_FRAMES and capture.grab():
                times.append(capture.get(cv2.CAP_PROP_POS_MSEC))
            steps = [b - a for a, b in itertools.pairwise(times)]
            if not fps and steps:
                fps = 1000.0 / max(sum(steps) / len(steps), 1e-3)
            regular = not any(_irregular(s, 1000.0 / fps) for s in steps) if fps else True
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    except cv2.error as error:
        raise MediaError(path, f"the decoder failed: {error}") from error
    finally:
        capture.release()
    if mp4 and mp4.stts and mp4.timescale:
        duration = sum(n * delta for n, delta in mp4.stts) / mp4.timescale
        count = count if count > 0 else sum(n for n, _ in mp4.stts)
    else:
        count = max(count, 1)
        duration = count / fps if fps else 0.0
    height, width = first.shape[:2]
    return VideoInfo(width=width, height=height, fps=fps, frame_count=count,
                     duration_s=duration, codec=codec,
                     creation_time=mp4.creation_time if mp4 else None,
                     variable_frame_rate=not regular)


class Extraction(Iterator[Frame]):
    """The kept frames, decoded as the caller iterates; afterwards what went wrong.

    ``warnings`` (after the loop) holds a ``VideoTruncated`` when decoding stopped before
    the container's duration, and a ``VariableFrameRate`` when the timestamps turned out
    irregular although ``probe_video`` (``info``) did not say so. ``decoded`` counts the
    frames decoded, ``cancelled`` tells whether `cancel` stopped it. Breaking out of the
    loop early is fine; ``close()`` frees the decoder at once.
    """

    def __init__(self, path: Path, select: Callable[[Extraction], Iterator[Frame]],
                 progress: ProgressCallback, cancel: CancelFlag | None) -> None:
        self.path = Path(path)
        self.info = probe_video(self.path)
        self.warnings: list[VideoWarning] = []
        self.decoded = 0
        self.cancelled = False
        self.capture = _open(self.path)
        self._progress = progress
        self._cancel = cancel or NeverCancel()
        self.nominal_ms = 1000.0 / self.info.fps if self.info.fps else 40.0
        self.max_step_ms = self.nominal_ms
        self._frames = select(self)

    def __iter__(self) -> Extraction:
        return self

    def __next__(self) -> Frame:
        return next(self._frames)

    def close(self) -> None:
        self._frames.close()
        self.capture.release()

    def image(self) -> np.ndarray:
        """The BGR image of the frame grabbed last (the colour conversion happens here)."""
        ok, image = self.capture.retrieve()
        if not ok or image is None:
            raise MediaError(self.path, f"frame {self.decoded - 1} does not convert to an image")
        return image

    def timestamps(self) -> Iterator[tuple[int, float]]:
        """Grab every frame in order: (index, time in ms). Records warnings at the end."""
        previous: float | None = None
        last_step = self.nominal_ms
        irregular: list[float] = []
        total = self.info.frame_count
        try:
            while True:
                if self._cancel.is_set():
                    self.cancelled = True
                    return
                if not self.capture.grab():
                    break
                time_ms = self.capture.get(cv2.CAP_PROP_POS_MSEC)
                if previous is not None:
                    step = time_ms - previous
                    if _irregular(step, self.nominal_ms):
                        irregular.append(step)
                    if step > 0:
                        last_step, self.max_step_ms = step, max(self.max_step_ms, step)
                self.decoded += 1
                total = max(total, self.decoded)
                self._progress(Progress(self.decoded, total, self.path.name))
                yield self.decoded - 1, time_ms
                previous = time_ms
        except cv2.error as error:
            raise MediaError(self.path, f"the decoder failed after frame {self.decoded}:"
                             f" {error}") from error
        finally:
            self.capture.release()
        if total > self.decoded:   # the bar ends full, whatever the container promised
            self._progress(Progress(self.decoded, self.decoded, self.path.name))
        self._check_end(previous, last_step, irregular)

    def _check_end(self, last: float | None, step: float, irregular: list[float]) -> None:
        if last is None:
            raise MediaError(self.path, "no frame decodes: the video data is missing or"
                             " damaged")
        end_ms, expected_ms = last + step, self.info.duration_s * 1000.0
        if end_ms < expected_ms - max(3 * self.nominal_ms, 0.01 * expected_ms):
            self.warnings.append(VideoTruncated(str(self.path), (
                f"decoding stopped after frame {self.decoded - 1} at {end_ms / 1000:.2f} s of"
                f" {expected_ms / 1000:.2f} s (the container lists {self.info.frame_count}"
                " frames): the file is truncated or damaged, later frames are missing")))
        if irregular and not self.info.variable_frame_rate:
            self.warnings.append(VariableFrameRate(str(self.path), (
                f"variable frame rate: {len(irregular)} frame steps differ from the nominal"
                f" {self.nominal_ms:.1f} ms (from {min(irregular):.1f} to"
                f" {max(irregular):.1f} ms); frame times come from the timestamps")))


def _every(seconds: float, rounding: str) -> Callable[[Extraction], Iterator[Frame]]:
    to_tick = _ROUNDING[rounding]
    period = seconds * 1000.0

    def select(run: Extraction) -> Iterator[Frame]:
        next_tick: int | None = None
        # The last frame so far whose time rounds to <= next_tick, and its image if it was
        # retrieved: only grab() has run for most frames.
        held: tuple[int, float, np.ndarray | None] | None = None
        last_ms = 0.0
        for index, time_ms in run.timestamps():
            tick = to_tick(time_ms / period)
            next_tick = tick if next_tick is None else next_tick
            last_ms = max(last_ms, time_ms)
            if held is not None and tick > next_tick:
                next_tick = tick
                if held[2] is not None:
                    yield Frame(held[0], round(held[1]), held[2])
                else:
                    # A gap wider than twice any step seen before: the held frame is gone,
                    # the first frame after it stands in (FFmpeg would keep the held one).
                    held = None
                    yield Frame(index, round(time_ms), run.image())
                    continue
            # Colour-convert only a frame that may stay the choice for next_tick: one that
            # the next frame, up to two of the longest steps away, would round past it.
            maybe = to_tick((time_ms + 2 * run.max_step_ms) / period) > next_tick
            held = (index, time_ms, run.image() if maybe else None)
        # FFmpeg ends the stream one nominal frame duration after the last frame.
        if held is not None and held[2] is not None and next_tick is not None \
                and next_tick < to_tick((last_ms + run.nominal_ms) / period):
            yield Frame(held[0], round(held[1]), held[2])

    return select


def frames_every(path: Path, seconds: float, *, rounding: str = "near",
                 progress: ProgressCallback = no_progress,
                 cancel: CancelFlag | None = None) -> Extraction:
    """One frame every `seconds`, chosen as FFmpeg's ``fps=1/seconds`` filter does.

    `rounding` is the filter's ``round`` option: "near" (FFmpeg's default, so frames match
    ``ffmpeg -vf fps=...``), "up" (the frame at or after 0, s, 2s...) or "down".
    """
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValidationError(None, f"the frame interval must be a positive number of"
                              f" seconds, not {seconds}")
    if rounding not in _ROUNDING:
        raise ValidationError(None, f"rounding must be one of {', '.join(_ROUNDING)}")
    return Extraction(Path(path), _every(seconds, rounding), progress, cancel)


def _small_grey(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    # Striding first (a view, no copy) leaves INTER_AREA ~16x fewer pixels to average.
    stride = max(1, min(width // (4 * SCENE_SIZE[0]), height // (4 * SCENE_SIZE[1])))
    grey = cv2.cvtColor(image[::stride, ::stride], cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, SCENE_SIZE, interpolation=cv2.INTER_AREA)


def frames_at_scenes(path: Path, threshold: float = SCENE_THRESHOLD, *,
                     min_gap_s: float = 1.0, progress: ProgressCallback = no_progress,
                     cancel: CancelFlag | None = None) -> Extraction:
    """The first frame, then each frame that differs from the one before by > `threshold`.

    The difference is the mean absolute difference in grey levels (0-255) of the two
    frames shrunk to SCENE_SIZE grey (see SCENE_THRESHOLD). A change within `min_gap_s`
    of the last kept frame is skipped, so a flash or a flickering cut keeps one frame.

    Every frame is colour-converted (``retrieve()``) to be compared: about 1.7x the time
    of plain decoding at 1080p. Reading the luma plane directly (CAP_PROP_CONVERT_RGB off)
    would be cheaper, but OpenCV marks it untested for planar formats and returns
    garbage for codecs that decode to RGB; a missed cut in evidence costs more.
    """
    if not threshold >= 0 or not min_gap_s >= 0:
        raise ValidationError(None, "the scene threshold and gap must be zero or more")

    def select(run: Extraction) -> Iterator[Frame]:
        before: np.ndarray | None = None
        kept_ms = -math.inf
        for index, time_ms in run.timestamps():
            image = run.image()
            small = _small_grey(image)
            change = math.inf if before is None else float(cv2.absdiff(small, before).mean())
            before = small
            if change > threshold and time_ms - kept_ms >= min_gap_s * 1000.0:
                kept_ms = time_ms
                yield Frame(index, round(time_ms), image)

    return Extraction(Path(path), select, progress, cancel)


def frame_at(path: Path, index: int) -> Frame:
    """Frame `index` (as counted by extraction), for keeping one frame from the app.

    Seeks with CAP_PROP_POS_FRAMES, which OpenCV turns into a timestamp and decodes
    forward to from the keyframe before it. The landed frame's time must be the index's
    time at the nominal rate, or the frames are decoded forward from the start. So they
    always are for variable frame rate, where frame numbers and timestamps do not map
    one to one: slow for a frame deep in a long file (grab() runs at ~400 frames/s at
    1080p H.264 on two cores).
    """
    path = Path(path)
    if index < 0:
        raise MediaError(path, f"there is no frame {index}")
    info = probe_video(path) if index > 0 else None
    capture = _open(path)
    try:
        if not capture.grab():
            raise MediaError(path, "no frame decodes: the video data is missing or damaged")
        first_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
        if info and info.fps and not info.variable_frame_rate:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            expected = first_ms + index * 1000.0 / info.fps
            if capture.grab() and abs(capture.get(cv2.CAP_PROP_POS_MSEC) - expected) \
                    < 500.0 / info.fps:
                return _frame(path, capture, index)
            capture.release()
            capture = _open(path)
            capture.grab()
        for done in range(1, index + 1):
            if not capture.grab():
                raise MediaError(path, f"there is no frame {index}: the video ends after"
                                 f" {done} frames")
        return _frame(path, capture, index)
    except cv2.error as error:
        raise MediaError(path, f"the decoder failed: {error}") from error
    finally:
        capture.release()


def _frame(path: Path, capture: cv2.VideoCapture, index: int) -> Frame:
    ok, image = capture.retrieve()
    if not ok or image is None:
        raise MediaError(path, f"frame {index} does not convert to an image")
    return Frame(index, round(capture.get(cv2.CAP_PROP_POS_MSEC)), image)


def encode_png(image: np.ndarray) -> bytes:
    """Lossless PNG bytes of a BGR (or grey) uint8 image; see _PNG_PARAMS for the speed."""
    ok, data = cv2.imencode(".png", image, _PNG_PARAMS)
    if not ok:
        raise MediaError(None, f"PNG encoding failed for a {image.shape} {image.dtype} image")
    return data.tobytes()
