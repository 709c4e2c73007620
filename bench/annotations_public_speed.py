"""How long does `export-annotations --public` take, against `export --public` of the same
photos in the same run (the same rendering work: does the annotation path add any)?

The case is public_export_speed.py's (--n 12-MP photos, 5 redaction regions each) with
one visible "crater" box added per photo, so every photo has a tag that travels. Then,
alternating which goes first on each --repeat, after `sync`, each on a fresh copy of
the case, times:

- the baseline: `export_public(case, OUT.zip, precision="1km")`, the publication;
- `export_annotations(case, OUT, "coco", public=True)`: the same rendering (every photo
  decoded, covered, re-encoded without metadata, signed), each copy stored in the case
  as a derived item, recorded, plus the COCO file.

Also printed, for scale: the ordinary annotation export (a file copy per photo stored
upright). Target: annotations --public <= 1.3x export --public. Prints PASS/FAIL; it
measures, it does not test, so it exits 0 whatever the result.

    PYTHONPATH=. python bench/annotations_public_speed.py [--n 20] [--dir DIR] [--repeat 2]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_export_speed import _fresh, build_case  # a sibling bench script

TARGET_RATIO = 1.3


def add_visible_tags(case_path: Path) -> None:
    from reviewer.core.case import open_case
    from reviewer.core.regions import add_region_in

    with open_case(case_path, actor="bench") as case:
        if case.conn.execute("SELECT 1 FROM regions WHERE redact = 0").fetchone():
            return
        with case.write() as tx:
            for (evidence_id,) in case.conn.execute("SELECT id FROM evidence").fetchall():
                add_region_in(tx, evidence_id, "crater", "rect",
                              {"x": 2000, "y": 100, "w": 500, "h": 300}, redact=False)


def time_export(case_path: Path, out: Path, which: str) -> float:
    from reviewer.core.annotations.export import export_annotations
    from reviewer.core.case import open_case
    from reviewer.core.public_export import export_public

    if out.is_dir():
        shutil.rmtree(out)
    out.unlink(missing_ok=True)
    os.sync()
    with open_case(case_path, actor="bench") as case:
        start = time.perf_counter()
        if which == "publication":
            report = export_public(case, out, precision="1km")
            ok = report.ok
        else:
            report = export_annotations(case, out, "coco", public=which == "public")
            ok = report.ok and report.images
        elapsed = time.perf_counter() - start
    if not ok:
        sys.exit(f"{which} export failed: {report.to_dict()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="photos (default 20)")
    parser.add_argument("--dir", type=Path, help="keep the bench case here between runs")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="reviewer-annpublic-bench-"))
    try:
        case_path = build_case(folder, args.n)
        add_visible_tags(case_path)
        times: dict[str, list[float]] = {"publication": [], "public": [], "ordinary": []}
        for run in range(args.repeat):
            order = ["publication", "public", "ordinary"]
            if run % 2:
                order[:2] = order[1::-1]
            for which in order:
                copy = _fresh(case_path, folder)
                times[which].append(time_export(copy, folder / f"out-{which}", which))
            publication, public = times["publication"][-1], times["public"][-1]
            print(f"run {run + 1}: export --public {publication:.2f} s, export-annotations"
                  f" --public {public:.2f} s, ratio {public / publication:.2f}; ordinary"
                  f" annotation export {times['ordinary'][-1]:.2f} s"
                  f" (load {os.getloadavg()[0]:.1f})")
        ratio = statistics.median(p / b for p, b in zip(times["public"], times["publication"],
                                                        strict=True))
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        print(f"{args.n} photos: export --public (baseline) median"
              f" {statistics.median(times['publication']):.2f} s, export-annotations --public"
              f" median {statistics.median(times['public']):.2f} s: ratio {ratio:.2f} (target"
              f" <= {TARGET_RATIO:g}) {verdict}; {os.cpu_count()} cores")
    finally:
        if not args.dir:
            for path in folder.rglob("*"):
                if not path.is_symlink():
                    path.chmod(0o700 if path.is_dir() else 0o600)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
