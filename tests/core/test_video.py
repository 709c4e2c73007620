"""Video probing and frame extraction on generated clips and the real corpus.

Every generated frame carries its own index as a Gray-coded strip of black and white
blocks along the top (one block flips per frame, so the strip barely affects scene
differences) that survives lossy compression, so each returned image can be checked
against the index it claims. Expected frame choices for frames_every were taken from
``ffmpeg -vf fps=...`` (FFmpeg 5.1) on these same clips.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from reviewer.core.errors import MediaError
from reviewer.core.progress import Progress
from reviewer.core.video import (
    VariableFrameRate,
    VideoTruncated,
    encode_png,
    frame_at,
    frames_at_scenes,
    frames_every,
    probe_video,
)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
W, H, BITS, STRIP = 320, 240, 16, 30
BLOCK = W // BITS
LEVELS = (30, 200, 80, 230, 10, 160)   # scene backgrounds: far apart, so every cut shows


def render(index: int, scene: int = 0) -> np.ndarray:
    rng = np.random.default_rng(scene)
    texture = rng.integers(-40, 40, (6, 8, 3))
    base = np.clip(LEVELS[scene % len(LEVELS)] + texture, 0, 255).astype(np.uint8)
    image = cv2.resize(base, (W, H), interpolation=cv2.INTER_NEAREST)
    x = (index * 3) % (W - 40)   # something moves within a scene
    cv2.rectangle(image, (x, 100), (x + 40, 140), (255, 255, 255), -1)
    gray = index ^ (index >> 1)
    for bit in range(BITS):
        image[:STRIP, bit * BLOCK:(bit + 1) * BLOCK] = 255 if gray >> bit & 1 else 0
    return image


def read_index(image: np.ndarray) -> int:
    gray = 0
    for bit in range(BITS):
        if image[8:STRIP - 8, bit * BLOCK + 5:(bit + 1) * BLOCK - 5].mean() > 127:
            gray |= 1 << bit
    index = 0
    while gray:
        index, gray = index ^ gray, gray >> 1
    return index


def write_video(path: Path, frames: int, fps: float = 25.0, fourcc: str = "mp4v",
                cuts: tuple[int, ...] = ()) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (W, H))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} {path.suffix}"
    for index in range(frames):
        writer.write(render(index, sum(index >= cut for cut in cuts)))
    writer.release()
    return path


def edit_box(data: bytes, path: list[bytes], edit: Callable[[bytes], bytes]) -> bytes:
    """Rewrite the payload of the MP4 box at `path`, fixing the sizes of its parents."""
    pos = 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if kind == path[0]:
            payload = data[pos + 8:pos + size]
            new = edit(payload) if len(path) == 1 else edit_box(payload, path[1:], edit)
            return data[:pos] + struct.pack(">I4s", 8 + len(new), kind) + new + data[pos + size:]
        pos += size
    raise AssertionError(f"no box {path[0]!r}")


STBL = [b"moov", b"trak", b"mdia", b"minf", b"stbl"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "mp4": write_video(folder / "ten_s.mp4", 250),
        "avi": write_video(folder / "ten_s.avi", 250, fourcc="MJPG"),
        "ntsc": write_video(folder / "ntsc.mp4", 318, fps=30000 / 1001),
        "scenes": write_video(folder / "scenes.mp4", 200, cuts=(40, 95, 150, 160)),
    }


def check_frames(frames: list, indices: list[int], fps: float = 25.0) -> None:
    assert [f.index for f in frames] == indices
    assert [f.time_ms for f in frames] == [round(i * 1000 / fps) for i in indices]
    assert [read_index(f.image) for f in frames] == indices
    assert all(f.image.shape == (H, W, 3) and f.image.dtype == np.uint8 for f in frames)


def test_probe_generated(clips: dict[str, Path]) -> None:
    info = probe_video(clips["mp4"])
    assert (info.width, info.height, info.frame_count) == (W, H, 250)
    assert info.fps == pytest.approx(25.0)
    assert info.duration_s == pytest.approx(10.0)
    assert info.codec == "FMP4"   # OpenCV's name for MPEG-4 part 2 ('mp4v')
    assert info.creation_time is None   # OpenCV's muxer writes zero
    assert info.variable_frame_rate is False
    avi = probe_video(clips["avi"])
    assert (avi.codec, avi.frame_count, avi.width, avi.variable_frame_rate) == ("MJPG", 250, W,
                                                                                 False)


@pytest.mark.parametrize(("clip", "seconds", "rounding", "indices"), [
    ("mp4", 1.0, "near", [12, 37, 62, 87, 112, 137, 162, 187, 212, 237]),
    ("avi", 1.0, "near", [12, 37, 62, 87, 112, 137, 162, 187, 212, 237]),
    ("mp4", 2.0, "near", [24, 74, 124, 174, 224]),
    ("mp4", 3.3, "near", [41, 123, 206]),
    ("avi", 2.0, "up", [0, 50, 100, 150, 200]),
    ("mp4", 1.0, "up", [0, 25, 50, 75, 100, 125, 150, 175, 200, 225]),
])
def test_frames_every_picks_ffmpegs_frames(clips: dict[str, Path], clip: str, seconds: float,
                                           rounding: str, indices: list[int]) -> None:
    extraction = frames_every(clips[clip], seconds, rounding=rounding)
    check_frames(list(extraction), indices)
    assert extraction.decoded == 250
    assert extraction.warnings == [] and not extraction.cancelled


def test_frames_every_ntsc_rate_and_the_last_partial_second(clips: dict[str, Path]) -> None:
    # 318 frames at 29.97 fps end at 10.61 s, which rounds to an 11th output second.
    frames = list(frames_every(clips["ntsc"], 1.0))
    assert [f.index for f in frames] == [14, 44, 74, 104, 134, 164, 194, 224, 254, 284, 314]
    assert [read_index(f.image) for f in frames] == [f.index for f in frames]
    assert frames[1].time_ms == round(44 * 1001 / 30)


def test_scene_changes(clips: dict[str, Path]) -> None:
    check_frames(list(frames_at_scenes(clips["scenes"])), [0, 40, 95, 150])
    # The cut at 160 is 0.4 s after the one at 150: kept only without a minimum gap.
    check_frames(list(frames_at_scenes(clips["scenes"], min_gap_s=0)), [0, 40, 95, 150, 160])
    assert [f.index for f in frames_at_scenes(clips["scenes"], threshold=255)] == [0]
    assert len(list(frames_at_scenes(clips["scenes"], threshold=0, min_gap_s=0))) > 150


@pytest.mark.parametrize("clip", ["mp4", "avi"])
def test_frame_at_is_exact(clips: dict[str, Path], clip: str) -> None:
    for index in (0, 1, 77, 130, 249):
        frame = frame_at(clips[clip], index)
        assert (frame.index, read_index(frame.image), frame.time_ms) == (index, index,
                                                                        index * 40)
    with pytest.raises(MediaError, match="no frame 250"):
        frame_at(clips[clip], 250)
    with pytest.raises(MediaError, match="no frame -1"):
        frame_at(clips[clip], -1)


def test_progress_and_cancel(clips: dict[str, Path]) -> None:
    seen: list[Progress] = []
    frames = list(frames_every(clips["mp4"], 1.0, progress=seen.append))
    assert [p.done for p in seen] == list(range(1, 251))
    assert {p.total for p in seen} == {250} and seen[0].item == "ten_s.mp4"
    assert len(frames) == 10

    cancel = threading.Event()

    def stop_at_60(progress: Progress) -> None:
        if progress.done == 60:
            cancel.set()

    extraction = frames_every(clips["mp4"], 1.0, progress=stop_at_60, cancel=cancel)
    assert [f.index for f in extraction] == [12, 37]
    assert extraction.cancelled and extraction.decoded == 60 and extraction.warnings == []


def test_breaking_out_early_and_closing(clips: dict[str, Path]) -> None:
    extraction = frames_at_scenes(clips["scenes"])
    assert next(extraction).index == 0
    extraction.close()
    with pytest.raises(StopIteration):
        next(extraction)


def test_variable_frame_rate(tmp_path: Path, clips: dict[str, Path]) -> None:
    # Rewrite the timing table: frames 0-124 last 80 ms (12.5 fps), 125-249 last 40 ms.
    def two_rates(payload: bytes) -> bytes:
        count, delta = struct.unpack_from(">II", payload, 8)
        assert count == 250
        return payload[:4] + struct.pack(">IIIII", 2, 125, 2 * delta, 125, delta)

    def fifteen_seconds(payload: bytes) -> bytes:   # the edit list would cut at 10 s
        return payload[:8] + struct.pack(">I", 15_000) + payload[12:]

    path = tmp_path / "vfr.mp4"
    data = edit_box(clips["mp4"].read_bytes(), [*STBL, b"stts"], two_rates)
    path.write_bytes(edit_box(data, [b"moov", b"trak", b"edts", b"elst"], fifteen_seconds))
    info = probe_video(path)
    assert info.variable_frame_rate is True
    assert info.frame_count == 250 and info.duration_s == pytest.approx(15.0)
    extraction = frames_every(path, 1.0)
    frames = list(extraction)
    # As ffmpeg -vf fps=1 picks them from this file.
    assert [f.index for f in frames] == [6, 18, 31, 43, 56, 68, 81, 93, 106, 118, 137, 162,
                                         187, 212, 237]
    assert [read_index(f.image) for f in frames] == [f.index for f in frames]
    assert frames[-1].time_ms == 10_000 + (237 - 125) * 40
    assert extraction.warnings == []   # probe_video said so already
    # Seeking by frame number would land on frame 175 (12 s at the average 16.7 fps).
    late = frame_at(path, 200)
    assert (late.index, read_index(late.image), late.time_ms) == (200, 200, 13_000)


def test_a_long_gap_at_a_tick(tmp_path: Path, clips: dict[str, Path]) -> None:
    # Frame 10 (0.40 s) lasts a whole second; the rest 40 ms. Its image was not kept when
    # frame 11 showed it to be the choice for second 0, so frame 11 stands in for it.
    def gap(payload: bytes) -> bytes:
        delta = struct.unpack_from(">I", payload, 12)[0]
        return payload[:4] + struct.pack(">7I", 3, 10, delta, 1, 25 * delta, 239, delta)

    def eleven_seconds(payload: bytes) -> bytes:
        return payload[:8] + struct.pack(">I", 11_000) + payload[12:]

    path = tmp_path / "gap.mp4"
    data = edit_box(clips["mp4"].read_bytes(), [*STBL, b"stts"], gap)
    path.write_bytes(edit_box(data, [b"moov", b"trak", b"edts", b"elst"], eleven_seconds))
    frames = list(frames_every(path, 1.0))
    # FFmpeg: 10, 13, 38, ...
    assert [f.index for f in frames] == [11, 13, 38, 63, 88, 113, 138, 163, 188, 213, 238]
    assert [read_index(f.image) for f in frames] == [f.index for f in frames]
    assert [f.time_ms for f in frames[:3]] == [1400, 1480, 2480]


def test_rotation_metadata_is_applied(tmp_path: Path, clips: dict[str, Path]) -> None:
    identity = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    # The matrix of a phone held upright: show the stored landscape turned 90° clockwise.
    turned = struct.pack(">9I", 0, 0x10000, 0, 0xFFFF0000, 0, 0, 0, 0, 0x40000000)

    def rotate(payload: bytes) -> bytes:
        assert payload[40:76] == identity
        return payload[:40] + turned + payload[76:]

    path = tmp_path / "portrait.mp4"
    path.write_bytes(edit_box(clips["mp4"].read_bytes(), [b"moov", b"trak", b"tkhd"], rotate))
    info = probe_video(path)
    assert (info.width, info.height) == (H, W)
    frame = frame_at(path, 30)
    assert frame.image.shape == (W, H, 3)
    upright = cv2.rotate(frame.image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    assert read_index(upright) == 30
    assert [read_index(cv2.rotate(f.image, cv2.ROTATE_90_COUNTERCLOCKWISE))
            for f in frames_every(path, 2.0)] == [24, 74, 124, 174, 224]


def test_creation_time_from_mvhd_version_0_and_1(tmp_path: Path, clips: dict[str, Path]) -> None:
    when = datetime(2017, 3, 4, 12, 0, 1, tzinfo=UTC)
    since_1904 = int((when - datetime(1904, 1, 1, tzinfo=UTC)).total_seconds())

    def version0(payload: bytes) -> bytes:
        return payload[:4] + struct.pack(">I", since_1904) + payload[8:]

    def version1(payload: bytes) -> bytes:
        _, modified, scale, duration = struct.unpack_from(">IIII", payload, 4)
        return (b"\x01\x00\x00\x00" + struct.pack(">QQIQ", since_1904, modified, scale, duration)
                + payload[20:])

    original = clips["mp4"].read_bytes()
    for name, edit in (("v0.mp4", version0), ("v1.mov", version1)):
        path = tmp_path / name
        path.write_bytes(edit_box(original, [b"moov", b"mvhd"], edit))
        info = probe_video(path)
        assert info.creation_time == "2017-03-04T12:00:01Z", name
        assert info.duration_s == pytest.approx(10.0) and info.frame_count == 250


def test_truncated_mp4_without_its_index_is_refused(tmp_path: Path, clips: dict[str, Path]) -> None:
    data = clips["mp4"].read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(MediaError, match=r"cut\.mp4: .*'moov' box\) is missing") as error:
        probe_video(path)
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        frames_every(path, 1.0)
    assert error.value.subject == str(path)


def faststart(data: bytes) -> bytes:
    """The same MP4 with its index moved to the front, as streaming-ready files have it."""
    start = data.index(b"moov") - 4
    moov = data[start:]

    def shift(payload: bytes) -> bytes:
        count = struct.unpack_from(">I", payload, 4)[0]
        offsets = struct.unpack_from(f">{count}I", payload, 8)
        return payload[:8] + struct.pack(f">{count}I", *(o + len(moov) for o in offsets))

    ftyp_end = struct.unpack_from(">I", data, 0)[0]
    moov = edit_box(moov, [*STBL, b"stco"], shift)
    return data[:ftyp_end] + moov + data[ftyp_end:start]


@pytest.mark.parametrize("clip", ["mp4", "avi"])
def test_truncated_video_that_still_opens_warns(tmp_path: Path, clips: dict[str, Path],
                                                clip: str) -> None:
    data = clips[clip].read_bytes()
    data = faststart(data) if clip == "mp4" else data
    assert probe_video(Path(shutil.copy(clips[clip], tmp_path / f"whole.{clip}")))
    path = tmp_path / f"cut.{clip}"
    path.write_bytes(data[:len(data) // 2])
    assert probe_video(path).frame_count == 250   # the index still promises every frame
    extraction = frames_every(path, 1.0)
    frames = list(extraction)
    assert 2 <= len(frames) <= 8 and 50 < extraction.decoded < 200
    assert [read_index(f.image) for f in frames] == [f.index for f in frames]
    [warning] = extraction.warnings
    assert isinstance(warning, VideoTruncated)
    assert str(warning).startswith(f"{path}: decoding stopped after frame")
    assert "of 10.00 s" in str(warning) and "truncated" in str(warning)


def test_files_that_are_not_video(tmp_path: Path) -> None:
    text = tmp_path / "clip.mp4"
    text.write_text("https://example.org/the-real-video\n")
    with pytest.raises(MediaError, match=r"clip\.mp4: a text file, not a video .*example\.org"):
        probe_video(text)
    with pytest.raises(MediaError, match=r"clip\.mp4: a text file"):
        frame_at(text, 0)
    empty = tmp_path / "empty.mov"
    empty.touch()
    with pytest.raises(MediaError, match=r"empty\.mov: empty file"):
        probe_video(empty)
    noise = tmp_path / "noise.mkv"
    noise.write_bytes(np.random.default_rng(1).integers(0, 256, 20_000, np.uint8).tobytes())
    with pytest.raises(MediaError, match=r"noise\.mkv: not a video that can be opened"):
        frames_every(noise, 1.0)
    with pytest.raises(MediaError, match=r"missing\.mp4: cannot read"):
        probe_video(tmp_path / "missing.mp4")


def test_videos_with_no_decodable_frame(tmp_path: Path, clips: dict[str, Path]) -> None:
    write_video(tmp_path / "nothing.avi", 0, fourcc="MJPG")
    with pytest.raises(MediaError, match=r"nothing\.avi: no frame decodes"):
        probe_video(tmp_path / "nothing.avi")

    def blank(payload: bytes) -> bytes:
        return bytes(len(payload))

    path = tmp_path / "blanked.mp4"
    path.write_bytes(edit_box(clips["mp4"].read_bytes(), [b"mdat"], blank))
    with pytest.raises(MediaError, match=r"blanked\.mp4: no frame decodes"):
        probe_video(path)


def test_encode_png_is_lossless() -> None:
    image = np.random.default_rng(2).integers(0, 256, (90, 160, 3), np.uint8)
    data = encode_png(image)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED),
                          image)


def corpus_rows() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with open(manifest, newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [r for r in rows if r["relative_path"].startswith("video/")]


def decode_all(path: Path, stop: int | None = None) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    images = []
    while stop is None or len(images) <= stop:
        ok, image = capture.read()
        if not ok:
            break
        images.append(image)
    capture.release()
    return images


@pytest.mark.parametrize("row", corpus_rows() or [None], ids=lambda r: r and r["relative_path"])
def test_corpus_videos(row: dict[str, str] | None) -> None:
    if row is None:
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    path = CORPUS / row["relative_path"]
    found = re.search(r"codec=(\S+) (\d+)x(\d+) fps=([\d.]+) frames_reported=(\d+)"
                      r" frames_decoded=(\d+)", row["verification"])
    assert found, row["verification"]
    codec, width, height, fps, reported, decoded = found.groups()
    info = probe_video(path)
    assert (info.codec, info.width, info.height) == (codec, int(width), int(height))
    assert round(info.fps, 2) == float(fps) and info.frame_count == int(reported)
    assert info.duration_s == pytest.approx(int(reported) / info.fps, rel=0.02)
    extraction = frames_every(path, 1.0)
    frames = list(extraction)
    assert extraction.decoded == int(decoded)
    assert not any(isinstance(w, VideoTruncated) for w in extraction.warnings)
    assert len(frames) == round(info.duration_s)
    assert all(f.image.shape == (info.height, info.width, 3) for f in frames)
    pick = min(int(decoded) - 1, 100)
    assert np.array_equal(frame_at(path, pick).image, decode_all(path, pick)[pick])


def test_corpus_details(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    still = Path(shutil.copy(CORPUS / "broken/heif_container_named.jpg", tmp_path / "a.mov"))
    with pytest.raises(MediaError, match=r"a\.mov: a \w+ image, not a video"):
        probe_video(still)   # MP4's box structure, but an HEIF photo
    gopro = probe_video(CORPUS / "video/gopro_karma_drone_hero5.mp4")
    assert gopro.creation_time == "2017-04-17T19:27:57Z"   # as ffprobe reads it
    assert gopro.variable_frame_rate is False
    # The HEVC sample's timing table mixes 1, 2 and 3 frame durations.
    hevc_path = CORPUS / "video/hevc_h265_portrait_sample.mp4"
    hevc = probe_video(hevc_path)
    assert hevc.variable_frame_rate is True and hevc.height > hevc.width
    # ...and its 7th frame is stamped 150 ms, after one stamped 233 ms.
    extraction = frames_every(hevc_path, 5.0)
    assert [f.index for f in extraction] == [71]   # the last frame before 2.5 s
    [warning] = extraction.warnings
    assert isinstance(warning, VariableFrameRate) and "backwards 1 time" in str(warning)
    assert [str(w) for w in frames_every(CORPUS / "video/gopro_karma_drone_hero5.mp4", 4.0)
            .warnings] == []
    assert probe_video(CORPUS / "video/canon_camera_mjpeg.AVI").creation_time is None
    with pytest.raises(MediaError, match=r"url_text_named_vtest\.avi: a text file.*https"):
        probe_video(CORPUS / "broken/url_text_named_vtest.avi")
    scenes = list(frames_at_scenes(CORPUS / "video/gopro_karma_drone_hero5.mp4"))
    assert [f.index for f in scenes] == [0]   # one continuous drone shot


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b) ** 2)
    return 99.0 if error == 0 else float(10 * np.log10(255 ** 2 / error))


def ffmpeg_frames(source: Path, folder: Path, fps: str = "1") -> list[np.ndarray]:
    folder.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(source), "-vf", f"fps={fps}",
                    str(folder / "out%04d.png")], check=True, timeout=120)
    return [cv2.imread(str(p)) for p in sorted(folder.glob("*.png"))]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_same_frames_as_ffmpeg(tmp_path: Path, clips: dict[str, Path]) -> None:
    sources = [clips["ntsc"], clips["avi"]]
    if CORPUS.is_dir():
        sources.append(CORPUS / "video/gopro_karma_drone_hero5.mp4")
    for number, source in enumerate(sources):
        reference = ffmpeg_frames(source, tmp_path / str(number))
        ours = list(frames_every(source, 1.0))
        assert len(ours) == len(reference), source
        assert min(psnr(f.image, r) for f, r in zip(ours, reference, strict=True)) > 40


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_frame_rate_change_found_during_extraction(tmp_path: Path, clips: dict[str, Path]) -> None:
    # Matroska has no timing table: probe sees the first frames at 25 fps, then the rate
    # halves. OpenCV's frame count is an estimate (duration x 25 = 374), not a truncation.
    path = tmp_path / "halves.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(clips["mp4"]), "-vf",
                    "setpts='if(lt(N,125),N/25,5+(N-125)/12.5)/TB'", "-fps_mode", "passthrough",
                    "-c:v", "mjpeg", str(path)], check=True, timeout=60)
    info = probe_video(path)
    assert info.variable_frame_rate is False and info.frame_count == 374
    extraction = frames_every(path, 1.0)
    assert [f.index for f in extraction][-3:] == [218, 231, 243]
    [warning] = extraction.warnings
    assert isinstance(warning, VariableFrameRate) and "80.0 ms" in str(warning)
    assert extraction.decoded == 250


@pytest.mark.skipif(not os.environ.get("REVIEWER_VIDEO_BENCH"),
                    reason="set REVIEWER_VIDEO_BENCH=1 to time a 60 s 1080p clip")
def test_time_one_frame_per_second_of_1080p(tmp_path: Path) -> None:
    path = tmp_path / "sixty.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (1920, 1080))
    noise = np.random.default_rng(3).integers(0, 256, (1080 // 8, 1920 // 8, 3), np.uint8)
    backdrop = cv2.resize(noise, (1920, 1080), interpolation=cv2.INTER_LINEAR)
    for index in range(1800):
        writer.write(np.roll(backdrop, index * 4, axis=1))
    writer.release()
    started = time.perf_counter()
    sizes = [len(encode_png(frame.image)) for frame in frames_every(path, 1.0)]
    ours = time.perf_counter() - started
    print(f"\nframes_every(1.0) + encode_png, 60 s 1080p mp4v: {ours:.2f} s,"
          f" {len(sizes)} frames, {sum(sizes) / len(sizes) / 1e6:.2f} MB per PNG")
    if shutil.which("ffmpeg"):
        started = time.perf_counter()
        reference = ffmpeg_frames(path, tmp_path / "ffmpeg")
        baseline = time.perf_counter() - started
        print(f"ffmpeg -vf fps=1 out%04d.png: {baseline:.2f} s, {len(reference)} frames;"
              f" ratio {ours / baseline:.2f}")
    assert len(sizes) == 60
