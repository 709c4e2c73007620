"""How long does an export for publication take, against the ordinary export of the same
items in the same run?

Builds (once; reused from --dir) a case of --n 12-MP photos (4000x3000 JPEGs with camera
EXIF and texture, so they encode like photographs) with 5 redaction regions each (boxes
and a polygon). Then, alternating which goes first on each --repeat, after `sync`, times:

- the baseline: `export_case(case, OUT.zip)`, the ordinary package (originals, case
  file, report with a crop of every tag);
- `export_public(case, OUT.zip, precision="1km")`: every photo decoded, covered,
  re-encoded without metadata, stored in the case as a derived item, recorded.

Each public export adds its derivatives to the case; they are removed (a fresh copy of
the case folder) before each run so every run does the same work.

Target: public export <= 2x the ordinary export. Prints PASS/FAIL; it measures, it does
not test, so it exits 0 whatever the result.

    python bench/public_export_speed.py [--n 100] [--dir DIR] [--repeat 2] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 2.0
SIZE = (4000, 3000)


def _photo(path: Path, index: int) -> None:
    import numpy as np
    from PIL import Image, ImageDraw

    from reviewer.core.exif_writer import camera_exif

    rng = np.random.default_rng(index)
    # Smooth gradients plus fine noise: about the bytes and decode cost of a camera photo.
    y, x = np.mgrid[0:SIZE[1]:8, 0:SIZE[0]:8]
    base = np.stack([(x * 255 // SIZE[0]), (y * 255 // SIZE[1]),
                     np.full_like(x, index * 37 % 256)], axis=-1).astype(np.uint8)
    image = Image.fromarray(base).resize(SIZE, Image.Resampling.BILINEAR)
    noise = rng.integers(0, 24, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    image = Image.fromarray(np.asarray(image) // 2 + noise * 2)
    ImageDraw.Draw(image).text((100, 100), f"photo {index}", fill=(255, 255, 255))
    image.save(path, "JPEG", quality=90,
               exif=camera_exif("BenchCam", "12MP", None, None, (36.2, 37.1, 400.0), 1))


def build_case(folder: Path, n: int) -> Path:
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths
    from reviewer.core.regions import add_region_in

    case_path = folder / "bench.case"
    if (case_path / "case.sqlite").exists():
        return case_path
    sources = folder / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for index in range(n):
        _photo(sources / f"photo_{index:04d}.jpg", index)
    case = create_case(case_path, title="public export bench", actor="bench")
    try:
        report = import_paths(case, [sources])
        if report.errors or len(report.imported) != n:
            sys.exit(f"the bench case did not import: {report.errors[:3]}")
        with case.write() as tx:
            for (evidence_id,) in case.conn.execute("SELECT id FROM evidence").fetchall():
                for k in range(4):
                    add_region_in(tx, evidence_id, "vehicle", "rect",
                                  {"x": 200 + 900 * k, "y": 400 + 300 * k, "w": 600, "h": 400},
                                  redact=True)
                add_region_in(tx, evidence_id, "debris", "polygon",
                              {"points": [[100, 2500], [900, 2200], [1200, 2900]]},
                              redact=True)
    finally:
        case.close()
    shutil.rmtree(sources)
    return case_path


def _fresh(case_path: Path, work: Path) -> Path:
    copy = work / "run.case"
    if copy.exists():
        for path in copy.rglob("*"):
            path.chmod(0o700 if path.is_dir() else 0o600)
        shutil.rmtree(copy)
    shutil.copytree(case_path, copy)
    return copy


def time_ordinary(case_path: Path, out: Path) -> float:
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


def time_public(case_path: Path, out: Path) -> float:
    from reviewer.core.case import open_case
    from reviewer.core.public_export import export_public

    out.unlink(missing_ok=True)
    os.sync()
    with open_case(case_path, actor="bench") as case:
        start = time.perf_counter()
        report = export_public(case, out, precision="1km")
        elapsed = time.perf_counter() - start
    if not report.ok:
        sys.exit(f"public export failed: {report.to_dict()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="photos (default 100)")
    parser.add_argument("--dir", type=Path, help="keep the bench case here between runs")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="reviewer-public-bench-"))
    try:
        started = time.perf_counter()
        case_path = build_case(folder, args.n)
        print(f"case: {args.n} photos of {SIZE[0]}x{SIZE[1]}, 5 redaction regions each"
              f" (built/reused in {time.perf_counter() - started:.1f} s)")
        ordinary, public = [], []
        for run in range(args.repeat):
            order = ("ordinary", "public") if run % 2 == 0 else ("public", "ordinary")
            for which in order:
                copy = _fresh(case_path, folder)
                if which == "ordinary":
                    ordinary.append(time_ordinary(copy, folder / "ordinary.zip"))
                else:
                    public.append(time_public(copy, folder / "public.zip"))
            print(f"run {run + 1}: ordinary {ordinary[-1]:.2f} s, public {public[-1]:.2f} s,"
                  f" ratio {public[-1] / ordinary[-1]:.2f} (load {os.getloadavg()[0]:.1f})")
        # The ratio of each run (the two exports back to back, under the same load), then
        # their median: on a shared machine the load swings between runs.
        ratio = statistics.median(p / o for p, o in zip(public, ordinary, strict=True))
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        print(f"ordinary export (baseline) median {statistics.median(ordinary):.2f} s, public"
              f" export median {statistics.median(public):.2f} s: ratio {ratio:.2f} (median of"
              f" runs; target <= {TARGET_RATIO:g}) {verdict}; {os.cpu_count()} cores")
    finally:
        if not args.keep and not args.dir:
            for path in folder.rglob("*"):
                if not path.is_symlink():
                    path.chmod(0o700 if path.is_dir() else 0o600)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
