"""Frame extraction speed: `reviewer import --frames-every 1` against ffmpeg's fps filter.

    python bench/frames_speed.py [--seconds 60] [--dir /tmp/frames_bench] [--repeat 1]

Makes a 1080p H.264 clip (with ffmpeg's testsrc2 pattern; once, reused), then in the
same run times (a) `reviewer new` + `reviewer import CASE clip.mp4 --frames-every 1`
and (b) `ffmpeg -i clip.mp4 -vf fps=1 out%04d.png`, prints both and the ratio
(target: reviewer <= 1.0x ffmpeg), and compares every kept frame with ffmpeg's to a
PSNR (target: above 40 dB). Skips with a message where ffmpeg is absent.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2


def make_clip(folder: Path, seconds: int) -> Path:
    clip = folder / f"clip_{seconds}s_1080p.mp4"
    if not clip.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size=1920x1080:rate=30:duration={seconds}", "-c:v",
                        "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(clip)],
                       check=True)
    return clip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_reviewer(clip: Path, work: Path) -> tuple[float, float, Path]:
    case = work / "bench.case"
    shutil.rmtree(case, ignore_errors=True)
    reviewer = [sys.executable, "-m", "reviewer"]
    subprocess.run([*reviewer, "new", str(case)], check=True, capture_output=True)
    cpu, started = _children_cpu(), time.perf_counter()
    result = subprocess.run([*reviewer, "import", str(case), str(clip), "--frames-every", "1"],
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"reviewer import failed: {result.stderr.strip()}")
    return elapsed, _children_cpu() - cpu, case


def time_ffmpeg(clip: Path, work: Path) -> tuple[float, float, Path]:
    out = work / "ffmpeg_frames"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(clip), "-vf", "fps=1",
                    str(out / "out%04d.png")], check=True)
    return time.perf_counter() - started, _children_cpu() - cpu, out


def compare(case: Path, ffmpeg_frames: Path) -> list[float]:
    conn = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    stored = [row[0] for row in conn.execute(
        "SELECT stored_path FROM evidence WHERE kind = 'frame' ORDER BY frame_index")]
    conn.close()
    theirs = sorted(ffmpeg_frames.glob("out*.png"))
    if len(stored) != len(theirs):
        print(f"frame counts differ: reviewer kept {len(stored)}, ffmpeg wrote {len(theirs)}")
    values = []
    for ours, reference in zip(stored, theirs, strict=False):
        a = cv2.imread(str(case / ours))
        b = cv2.imread(str(reference))
        values.append(float(cv2.PSNR(a, b)))
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "frames_bench"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; shared and noisy: compare within one run only"
          f" (load now {os.getloadavg()[0]:.2f})")
    if shutil.which("ffmpeg") is None:
        print("SKIPPED: ffmpeg is not installed (Debian: apt-get install ffmpeg)")
        return
    work = Path(args.dir)
    clip = make_clip(work, args.seconds)
    print(f"clip: {clip} ({clip.stat().st_size / 1e6:.1f} MB, {args.seconds} s, 1920x1080,"
          " 30 fps, H.264)")
    ours, theirs, ratios, cpu = [], [], [], {"reviewer": [], "ffmpeg": []}
    case = frames = None
    for round_ in range(args.repeat):
        # Alternate the order so neither side always runs on a colder cache.
        order = (time_reviewer, time_ffmpeg) if round_ % 2 == 0 else (time_ffmpeg, time_reviewer)
        for timer in order:
            seconds, cpu_s, produced = timer(clip, work)
            name = timer.__name__[5:]
            cpu[name].append(cpu_s)
            if timer is time_reviewer:
                ours.append(seconds)
                case = produced
            else:
                theirs.append(seconds)
                frames = produced
            print(f"  round {round_ + 1}: {name:<8} {seconds:6.2f} s  (CPU {cpu_s:5.2f} s,"
                  f" load {os.getloadavg()[0]:.2f})")
        ratios.append(ours[-1] / theirs[-1])
    mine, ref = statistics.median(ours), statistics.median(theirs)
    # The two runs of a round are neighbours in time, so other load on the machine
    # weighs on both alike: the median of the rounds' ratios is the steadier figure.
    ratio = statistics.median(ratios)
    print(f"reviewer import --frames-every 1: {mine:.2f} s median, CPU"
          f" {statistics.median(cpu['reviewer']):.2f} s (hash, copy, probe, frames as"
          " evidence with thumbnails and audit records)")
    print(f"ffmpeg -vf fps=1 out%04d.png:     {ref:.2f} s median, CPU"
          f" {statistics.median(cpu['ffmpeg']):.2f} s")
    print(f"ratio reviewer/ffmpeg (median of the rounds' ratios: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}): {ratio:.3f}x  (target <= 1.0x)  "
          f"{'PASS' if ratio <= 1.0 else 'FAIL'}")
    psnr = compare(case, frames)
    if psnr:
        worst = min(psnr)
        shown = "identical" if worst == float("inf") or worst > 99 else f"{worst:.1f} dB"
        print(f"frames compared: {len(psnr)}; lowest PSNR against ffmpeg's: {shown}"
              f"  (target > 40 dB)  {'PASS' if worst > 40 else 'FAIL'}")


if __name__ == "__main__":
    main()
