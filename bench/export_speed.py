"""How fast are export and package verification, against copying the media with `cp -r`?

Builds (once; reused from --dir) a case holding --size MB of media in --files originals:
each a small real JPEG followed by incompressible bytes (JPEG decoders stop at the end
of the image, so every file imports as a photo). Then, alternating which goes first on
each --repeat, after `sync` so one run's writes are not flushed during the next, times:

- the baseline: `cp -r CASE/media COPY/` then fsync of every copied file (the export
  fsyncs its package: a copy without it is not the same promise; `cp -r` alone is
  printed too);
- `export_case(case, OUT.zip)`, the whole case with its report, on the same disk;
- `verify_package(OUT.zip)`: MB/s of package bytes re-hashed.

Targets: export <= 1.5x the baseline; verify >= 500 MB/s. Prints PASS/FAIL; it
measures, it does not test, so it exits 0 whatever the result.

    python bench/export_speed.py [--size 2048] [--files 64] [--dir DIR] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_EXPORT_RATIO = 1.5
TARGET_VERIFY_MBPS = 500
_BLOCK = 4 << 20


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def _small_jpeg(index: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (index * 37 % 256, 90, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


def build_case(folder: Path, size_mb: int, files: int) -> Path:
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    case_path = folder / "bench.case"
    if (case_path / "case.sqlite").exists():
        return case_path
    sources = folder / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    per_file = size_mb * (1 << 20) // files
    block = os.urandom(_BLOCK)
    for index in range(files):
        with open(sources / f"photo_{index:04d}.jpg", "wb") as out:
            head = _small_jpeg(index)
            out.write(head)
            out.write(index.to_bytes(8, "little"))   # every file its own hash
            left = per_file - len(head) - 8
            while left > 0:
                out.write(block[:min(left, _BLOCK)])
                left -= _BLOCK
    case = create_case(case_path, title="export bench", actor="bench")
    try:
        report = import_paths(case, [sources])
        if report.errors or len(report.imported) != files:
            sys.exit(f"the bench case did not import: {report.errors[:3]}")
    finally:
        case.close()
    shutil.rmtree(sources)
    return case_path


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def time_copy(case_path: Path, target: Path) -> tuple[float, float]:
    """Seconds for `cp -r`, and for `cp -r` plus fsync of every copy."""
    shutil.rmtree(target, ignore_errors=True)
    os.sync()
    start = time.perf_counter()
    subprocess.run(["cp", "-r", str(case_path / "media"), str(target)], check=True)
    copied = time.perf_counter() - start
    _fsync_tree(target)
    durable = time.perf_counter() - start
    return copied, durable


def time_export(case_path: Path, out: Path) -> float:
    from reviewer.core.case import open_case
    from reviewer.core.export import export_case

    out.unlink(missing_ok=True)
    os.sync()
    with open_case(case_path, actor="bench") as case:
        start = time.perf_counter()
        report = export_case(case, out)
        elapsed = time.perf_counter() - start
    if not report.ok:
        sys.exit(f"export failed: {report.to_dict()}")
    return elapsed


def time_verify(out: Path) -> float:
    from reviewer.core.package_verify import verify_package

    start = time.perf_counter()
    report = verify_package(out)
    elapsed = time.perf_counter() - start
    if not report.ok:
        sys.exit(f"verify failed: {report.problems[:3]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2048, help="MB of media (default 2048)")
    parser.add_argument("--files", type=int, default=64, help="originals (default 64)")
    parser.add_argument("--dir", type=Path, help="where to build the case (reused)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the case in --dir")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="export-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"building the case in {folder} ({args.size} MB in {args.files} files)...",
          flush=True)
    case_path = build_case(folder, args.size, args.files)
    media_bytes = sum(p.stat().st_size for p in (case_path / "media").rglob("*")
                      if p.is_file())
    out, copy = folder / "bench.zip", folder / "media-copy"
    copies, durables, exports, verifies = [], [], [], []
    try:
        for round_ in range(args.repeat):
            print(f"round {round_ + 1}: load before {_load()}", flush=True)
            order = ["copy", "export"] if round_ % 2 == 0 else ["export", "copy"]
            for step in order:
                if step == "copy":
                    plain, durable = time_copy(case_path, copy)
                    copies.append(plain)
                    durables.append(durable)
                else:
                    exports.append(time_export(case_path, out))
            verifies.append(time_verify(out))
            package_mb = out.stat().st_size / 1e6
            print(f"  cp -r {copies[-1]:.2f} s, cp -r + fsync {durables[-1]:.2f} s,"
                  f" export {exports[-1]:.2f} s ({exports[-1] / durables[-1]:.2f}x),"
                  f" verify {verifies[-1]:.2f} s ({package_mb / verifies[-1]:.0f} MB/s);"
                  f" load after {_load()}", flush=True)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
        package_mb = out.stat().st_size / 1e6 if out.exists() else 0
        out.unlink(missing_ok=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    ratio = statistics.median(exports) / statistics.median(durables)
    ratio_plain = statistics.median(exports) / statistics.median(copies)
    mbps = package_mb / statistics.median(verifies)
    print(f"media {media_bytes / 1e6:.0f} MB, package {package_mb:.0f} MB, {args.repeat}"
          " round(s), medians:")
    print(f"  export / (cp -r + fsync) = {ratio:.2f}x (target <= {TARGET_EXPORT_RATIO}x):"
          f" {'PASS' if ratio <= TARGET_EXPORT_RATIO else 'FAIL'}"
          f"   [export / cp -r alone = {ratio_plain:.2f}x]")
    print(f"  verify = {mbps:.0f} MB/s (target >= {TARGET_VERIFY_MBPS}):"
          f" {'PASS' if mbps >= TARGET_VERIFY_MBPS else 'FAIL'}")


if __name__ == "__main__":
    main()
