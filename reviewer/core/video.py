"""Video: probe a file, pull frames out of it, encode them as lossless PNG.

OpenCV's FFmpeg backend decodes. Extraction reads the file once, forward: ``grab()``
decodes every frame, ``retrieve()`` (the conversion to BGR) runs only for frames that
may be kept. ``frames_every`` picks the frames FFmpeg's ``fps`` filter picks (``-vf
fps=1/N``, default ``round=near``): a frame's time is rounded to the output grid and
tick n takes the last frame rounding to <= n, so for N = 1 s the last frame before
n + 0.5 s (12, 37, 62... at 25 fps; ``rounding="up"`` gives 0, 25, 50). The stream
ends one nominal frame after the last frame. Where FFmpeg repeats a frame to fill a
gap longer than N, it is yielded once here.

Not a video, not openable or no decodable frame: ``MediaError`` naming the file. A
video that stops decoding early is extracted as far as it goes and
``Extraction.warnings`` holds a ``VideoTruncated``; odd timestamps a ``VariableFrameRate``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from reviewer.core.errors import MediaError, ValidationError
from reviewer.core.names import utf8_alias
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress

# Mean absolute difference in grey levels (0-255) of consecutive frames shrunk to
# SCENE_SIZE grey. Steady footage stays well under it (the corpus drone, hand-held and
# street clips peak at 8.5; 18.8 across a 100 ms gap in the HEVC sample); cuts between
# unrelated shots measure 25-90. A blast or a flash counts too, as an investigator wants.
SCENE_THRESHOLD = 20.0
SCENE_SIZE = (64, 36)
# Frames after the first whose timestamps probe_video checks when the container has no
# timing table (MP4/MOV's 'stts' gives every frame's duration without decoding).
PROBE_FRAMES = 24
# zlib level 1 with the Up filter: lossless, ~60 ms for a noisy 2.5 MP camera frame and
# 15-20 % smaller than OpenCV's default (Sub filter, RLE); level 3 costs 2x for 5 %.
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1]
if hasattr(cv2, "IMWRITE_PNG_FILTER"):   # OpenCV >= 4.11
    _PNG_PARAMS += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
_MP4_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
_IMAGE_BRANDS = {b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"}   # same boxes, stills
_MAX_MOOV = 256 << 20   # a real index is a few MB; a hostile size must not fill memory
_EPSILON = 1e-7   # float noise in POS_MSEC must not flip a tie that FFmpeg breaks exactly
_ROUNDING: dict[str, Callable[[float], int]] = {
    "near": lambda x: math.floor(x + 0.5 + _EPSILON),   # ties away from zero, as FFmpeg
    "up": lambda x: math.ceil(x - _EPSILON),
    "down": lambda x: math.floor(x + _EPSILON),
}


@dataclass(frozen=True)
class VideoInfo:
    width: int                 # as displayed: the container's rotation applied
    height: int
    fps: float                 # nominal; for variable frame rate the container's average
    frame_count: int           # the container's count (see probe_video)
    duration_s: float
    codec: str                 # fourcc as text: "h264", "hevc", "MJPG", "FMP4"
    creation_time: str | None  # MP4/MOV 'mvhd', ISO 8601 "Z"; None if absent or zero
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
    """Frame times are irregular: use Frame.time_ms, never index / fps."""


@dataclass
class _Mp4:
    creation_time: str | None = None
    timescale: int = 0
    stts: tuple[tuple[int, int], ...] = ()   # video track: (frames, duration) runs

    def regular(self) -> bool | None:
        # The last frame often has a duration of its own; the runs before it decide.
        runs = self.stts[:-1] if self.stts and self.stts[-1][0] == 1 else self.stts
        return len({delta for _, delta in runs}) <= 1 if runs else None


def _boxes(read: Callable[[int, int], bytes], start: int, end: int,
           ) -> Iterator[tuple[bytes, int, int]]:
    """ISO base media boxes between start and end: (type, payload start, end)."""
    pos = start
    while pos + 8 <= end:
        head = read(pos, 16)
        size, kind = struct.unpack_from(">I4s", head)
        header = 8
        if size == 1 and len(head) == 16:
            size, header = struct.unpack_from(">Q", head, 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:   # cut short: as good as absent
            return
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, span: tuple[int, int] | None, kind: bytes) -> tuple[int, int] | None:
    found = span and _boxes(lambda pos, n: data[pos:pos + n], *span)
    return next(((s, e) for k, s, e in found if k == kind), None) if found else None


def _read_mp4(path: Path) -> _Mp4 | None:
    """Creation time and video timing of an MP4/MOV; None for other containers."""
    with open(path, "rb") as handle:
        def read(pos: int, length: int) -> bytes:
            handle.seek(pos)
            return handle.read(length)

        head = read(0, 12)
        if head[4:8] not in _ISO_BOXES:
            return None
        if head[4:8] == b"ftyp" and head[8:12] in _IMAGE_BRANDS:
            raise MediaError(path, f"a {head[8:12].decode()} image, not a video")
        size = handle.seek(0, 2)
        moov = next(((s, e) for k, s, e in _boxes(read, 0, size) if k == b"moov"), None)
        if moov is None:
            raise MediaError(path, "the MP4/MOV index ('moov' box) is missing or cut short:"
                             " the recording was cut off (battery, crash, interrupted copy);"
                             " tools such as untrunc can rebuild it from a good file of the"
                             " same camera")
        if moov[1] - moov[0] > _MAX_MOOV:
            return _Mp4()
        data = read(moov[0], moov[1] - moov[0])
    facts = _Mp4()
    # A damaged index is OpenCV's to judge: the file may still play.
    with contextlib.suppress(struct.error, ValueError, OverflowError):
        _parse_moov(data, facts)
    return facts


def _parse_moov(data: bytes, facts: _Mp4) -> None:
    whole = (0, len(data))
    mvhd = _child(data, whole, b"mvhd")
    if mvhd:
        wide = data[mvhd[0]] == 1
        created = struct.unpack_from(">Q" if wide else ">I", data, mvhd[0] + 4)[0]
        if created:
            when = _MP4_EPOCH + timedelta(seconds=created)
            facts.creation_time = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for kind, start, end in _boxes(lambda pos, n: data[pos:pos + n], *whole):
        mdia = _child(data, (start, end), b"mdia") if kind == b"trak" else None
        hdlr = _child(data, mdia, b"hdlr")
        if not hdlr or data[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
            continue
        mdhd = _child(data, mdia, b"mdhd")
        if mdhd:
            offset = mdhd[0] + (20 if data[mdhd[0]] == 1 else 12)
            facts.timescale = struct.unpack_from(">I", data, offset)[0]
        stts = _child(data, _child(data, _child(data, mdia, b"minf"), b"stbl"), b"stts")
        if stts:
            runs = min(struct.unpack_from(">I", data, stts[0] + 4)[0],
                       (stts[1] - stts[0] - 8) // 8)
            facts.stts = tuple(struct.iter_unpack(">II", data[stts[0] + 8:stts[0] + 8 + 8 * runs]))
        return


def _decoder_threads() -> int:
    # FFmpeg's own choice for frame threading: cores + 1, so that a core never waits
    # while the oldest frame in flight finishes. OpenCV passes cores, which on two
    # cores leaves the decoder barely faster than one thread (measured on a 1080p
    # H.264 clip: 600 frames in 2.37 s with 2 threads, 1.47 s with 3).
    return min((os.cpu_count() or 1) + 1, 16)


def _open_video(path: Path, *, streaming: bool = False) -> tuple[cv2.VideoCapture, _Mp4 | None]:
    """Open for decoding; `streaming` for reading a whole file forward (more threads
    decode faster but each adds a frame of delay, which one-frame reads don't want)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as error:
        raise MediaError(path, f"cannot read the file: {error.strerror or error}") from error
    if not head:
        raise MediaError(path, "empty file (0 bytes)")
    # Never hand text to FFmpeg: a playlist or concat script would make it open other files.
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        start = head[:60].decode("ascii").split("\n")[0].strip()
        raise MediaError(path, f"a text file, not a video (it starts {start!r})")
    mp4 = _read_mp4(path)
    # CAP_FFMPEG explicitly: other backends read "%d" in a name as an image sequence.
    params = [cv2.CAP_PROP_N_THREADS, _decoder_threads()] if streaming else []
    with utf8_alias(path) as name:   # OpenCV crashes on a name that is not UTF-8
        capture = cv2.VideoCapture(name, cv2.CAP_FFMPEG, params)
    if not capture.isOpened():
        capture.release()
        raise MediaError(path, "not a video that can be opened (unknown format or a"
                         " damaged header)")
    return capture, mp4


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
    PROBE_FRAMES frames, so a rate that changes later is found only by extraction.
    """
    path = Path(path)
    capture, mp4 = _open_video(path)
    try:
        fps = capture.get(cv2.CAP_PROP_FPS)
        fps = fps if math.isfinite(fps) and fps > 0 else 0.0
        fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)) & 0xFFFFFFFF
        codec = fourcc.to_bytes(4, "little").decode("latin-1").strip("\x00 ")
        codec = codec if codec.isprintable() and codec else f"0x{fourcc:08x}"
        if not capture.grab():
            raise MediaError(path, f"no frame decodes ({codec} video): the video data is"
                             " missing or damaged")
        first = _retrieve(path, capture, 0).image
        regular = mp4.regular() if mp4 else None
        if regular is None:
            times = [capture.get(cv2.CAP_PROP_POS_MSEC)]
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
    """The kept frames, decoded as the caller iterates; afterwards, what went wrong.

    Creating it probes (``info``), so a file that is no video fails before the loop.
    After the loop, ``warnings`` may hold a ``VideoTruncated`` (the frames before it are
    good) and a ``VariableFrameRate`` (irregular timestamps ``info`` did not report, or
    backward ones); ``decoded`` counts frames, ``cancelled`` says if `cancel` stopped it.
    """

    def __init__(self, path: Path, select: Callable[[Extraction], Iterator[Frame]],
                 progress: ProgressCallback, cancel: CancelFlag | None) -> None:
        self.path = Path(path)
        self.info = probe_video(self.path)
        self.warnings: list[VideoWarning] = []
        self.decoded = 0
        self.cancelled = False
        self._capture, mp4 = _open_video(self.path, streaming=True)
        # How far ahead the next frame may come, in latest steps. An MP4/MOV whose 'stts'
        # proves a constant rate gives every frame's time in advance (up to rounding to
        # the time base); elsewhere a dropped frame can double the step unannounced.
        self._lookahead = 1.1 if mp4 and mp4.regular() else 2.0
        self._progress = progress
        self._cancel = cancel or NeverCancel()
        self._nominal_ms = 1000.0 / self.info.fps if self.info.fps else 40.0
        self._step_ms = self._nominal_ms   # the latest step forward, at least nominal
        self._frames = select(self)

    def __next__(self) -> Frame:
        return next(self._frames)

    def close(self) -> None:
        self._frames.close()
        self._capture.release()

    def _image(self) -> np.ndarray:
        return _retrieve(self.path, self._capture, self.decoded - 1).image

    def _timestamps(self) -> Iterator[tuple[int, float]]:
        """Grab every frame in order, as (index, time in ms); check the end afterwards."""
        previous: float | None = None
        irregular: list[float] = []
        total = self.info.frame_count
        try:
            while True:
                if self._cancel.is_set():
                    self.cancelled = True
                    return
                if not self._capture.grab():
                    break
                time_ms = self._capture.get(cv2.CAP_PROP_POS_MSEC)
                if previous is not None:
                    step = time_ms - previous
                    if _irregular(step, self._nominal_ms):
                        irregular.append(step)
                    self._step_ms = max(self._nominal_ms, step)
                self.decoded += 1
                total = max(total, self.decoded)
                self._progress(Progress(self.decoded, total, self.path.name))
                yield self.decoded - 1, time_ms
                previous = time_ms
        except cv2.error as error:
            raise MediaError(self.path, f"the decoder failed after frame {self.decoded}:"
                             f" {error}") from error
        finally:
            self._capture.release()
        if previous is None:
            raise MediaError(self.path, "no frame decodes: the video data is missing or damaged")
        if total > self.decoded:   # the bar ends full, whatever the container promised
            self._progress(Progress(self.decoded, self.decoded, self.path.name))
        end_ms, expected_ms = previous + self._nominal_ms, self.info.duration_s * 1000.0
        if end_ms < expected_ms - max(3 * self._nominal_ms, 0.01 * expected_ms):
            self.warnings.append(VideoTruncated(str(self.path), (
                f"decoding stopped after frame {self.decoded - 1} at {end_ms / 1000:.2f} s of"
                f" {expected_ms / 1000:.2f} s (the container lists {self.info.frame_count}"
                " frames): the file is truncated or damaged, later frames are missing")))
        backward = sum(step < 0 for step in irregular)
        if backward:
            self.warnings.append(VariableFrameRate(str(self.path), (
                f"frame timestamps go backwards {backward} time(s): the file's timing is"
                " damaged, frame times and FFmpeg's frame choice may be off")))
        elif irregular and not self.info.variable_frame_rate:
            self.warnings.append(VariableFrameRate(str(self.path), (
                f"variable frame rate: {len(irregular)} frame steps differ from the nominal"
                f" {self._nominal_ms:.1f} ms ({min(irregular):.1f} to {max(irregular):.1f}"
                " ms); frame times come from the timestamps")))


def _every(seconds: float, rounding: str) -> Callable[[Extraction], Iterator[Frame]]:
    to_tick = _ROUNDING[rounding]
    period = seconds * 1000.0

    def select(run: Extraction) -> Iterator[Frame]:
        next_tick: int | None = None
        # The last frame so far whose time rounds to <= next_tick, with its image if it
        # was retrieved: for most frames only grab() has run.
        held: tuple[int, float, np.ndarray | None] | None = None
        last_ms = 0.0
        for index, time_ms in run._timestamps():
            tick = to_tick(time_ms / period)
            next_tick = tick if next_tick is None else next_tick
            last_ms = max(last_ms, time_ms)
            if held is not None and tick > next_tick:
                next_tick = tick
                if held[2] is not None:
                    yield Frame(held[0], round(held[1]), held[2])
                else:
                    # A step over twice the one before it: the held frame is gone, the
                    # first frame after it stands in (FFmpeg would show the held one).
                    held = None
                    yield Frame(index, round(time_ms), run._image())
                    continue
            # Convert only a frame that may stay the choice for next_tick: one the next
            # frame would round past if it came up to `_lookahead` latest steps later.
            maybe = to_tick((time_ms + run._lookahead * run._step_ms) / period) > next_tick
            held = (index, time_ms, run._image() if maybe else None)
        if held is not None and held[2] is not None and next_tick is not None \
                and next_tick < to_tick((last_ms + run._nominal_ms) / period):
            yield Frame(held[0], round(held[1]), held[2])

    return select


def frames_every(path: Path, seconds: float, *, rounding: str = "near",
                 progress: ProgressCallback = no_progress,
                 cancel: CancelFlag | None = None) -> Extraction:
    """One frame every `seconds`, the frames ``ffmpeg -vf fps=1/seconds`` writes.

    `rounding` is that filter's ``round`` option: "near" (FFmpeg's default), "up" (the
    frame at or after 0, s, 2s...) or "down".
    """
    if not (0 < seconds < math.inf) or rounding not in _ROUNDING:
        raise ValidationError(None, f"frames every {seconds} s, rounding {rounding!r}: the"
                              f" interval must be > 0, rounding one of {', '.join(_ROUNDING)}")
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

    Every frame is converted to BGR to be compared: 1.7x the time of decoding alone at
    1080p. Reading the luma plane (CAP_PROP_CONVERT_RGB off) would be cheaper, but OpenCV
    calls that untested for planar formats and it is garbage for codecs decoding to RGB.
    """
    if not threshold >= 0 or not min_gap_s >= 0:
        raise ValidationError(None, "the scene threshold and gap must be zero or more")

    def select(run: Extraction) -> Iterator[Frame]:
        before: np.ndarray | None = None
        kept_ms = -math.inf
        for index, time_ms in run._timestamps():
            image = run._image()
            small = _small_grey(image)
            change = math.inf if before is None else float(cv2.absdiff(small, before).mean())
            before = small
            if change > threshold and time_ms - kept_ms >= min_gap_s * 1000.0:
                kept_ms = time_ms
                yield Frame(index, round(time_ms), image)

    return Extraction(Path(path), select, progress, cancel)


def frame_at(path: Path, index: int) -> Frame:
    """Frame `index` as extraction counts it, to keep one frame from the app.

    Only an MP4/MOV whose 'stts' table proves a constant rate is seeked (OpenCV's
    CAP_PROP_POS_FRAMES), and the landed frame's time must be the index's. Anything else
    decodes forward from the start (~400 frames/s at 1080p H.264): OpenCV maps frame
    numbers to times at the average rate, landing elsewhere when the rate varies.
    """
    path = Path(path)
    if index < 0:
        raise MediaError(path, f"there is no frame {index}")
    capture, mp4 = _open_video(path)
    try:
        if not capture.grab():
            raise MediaError(path, "no frame decodes: the video data is missing or damaged")
        first_ms, fps = capture.get(cv2.CAP_PROP_POS_MSEC), capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if mp4 and mp4.regular() and index >= count > 0:   # an MP4's count is exact
            raise MediaError(path, f"there is no frame {index}: the video has {count} frames")
        if index > 0 and mp4 and mp4.regular() and fps > 0:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            expected = first_ms + index * 1000.0 / fps
            if capture.grab() and abs(capture.get(cv2.CAP_PROP_POS_MSEC) - expected) \
                    < 500.0 / fps:
                return _retrieve(path, capture, index)
            capture.release()
            capture, _ = _open_video(path, streaming=True)
            capture.grab()
        for done in range(1, index + 1):
            if not capture.grab():
                raise MediaError(path, f"there is no frame {index}: the video ends after"
                                 f" {done} frames")
        return _retrieve(path, capture, index)
    except cv2.error as error:
        raise MediaError(path, f"the decoder failed: {error}") from error
    finally:
        capture.release()


def _retrieve(path: Path, capture: cv2.VideoCapture, index: int) -> Frame:
    ok, image = capture.retrieve()
    if not ok or image is None:
        raise MediaError(path, f"frame {index} does not convert to an image")
    return Frame(index, round(capture.get(cv2.CAP_PROP_POS_MSEC)), image)


def encode_png(image: np.ndarray) -> bytes:
    """Lossless PNG of a BGR (or grey) uint8 image, fast (see _PNG_PARAMS)."""
    ok, data = cv2.imencode(".png", image, _PNG_PARAMS)
    if not ok:
        raise MediaError(None, f"PNG encoding failed for a {image.shape} {image.dtype} image")
    return data.tobytes()
