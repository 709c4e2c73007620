"""What signing the audit head costs: per edit, and per command-line call.

Targets (issue 13): signing adds under 5% to 1,000 tag calls and under 1 ms per edit.

    python bench/signing_speed.py [--edits 1000] [--cli 20]

Core: 1,000 `add_region` calls (one tag each, one transaction each, as the app and the
CLI make them) on a real case file, in blocks of 100 that alternate between signing
and not signing (the signature step replaced by a no-op), so both see the same disk,
cache and neighbours. The difference per edit is what signing costs.

Command line: each `reviewer tag` call is a new process that must also read and unlock
the key once; the bench times a few real `tag` calls and, separately, the key load plus
one signature, and prints the latter as a share of the former.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_SHARE, TARGET_MS = 0.05, 1.0


def _photo(folder: Path) -> Path:
    from PIL import Image

    path = folder / "photo.jpg"
    Image.new("RGB", (640, 480), (90, 120, 150)).save(path, "JPEG")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--cli", type=int, default=20, help="real `reviewer tag` calls timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reviewer-sign-bench-") as scratch:
        folder = Path(scratch)
        os.environ["REVIEWER_CONFIG_DIR"] = str(folder / "config")
        from reviewer.core import case as case_module
        from reviewer.core import keys
        from reviewer.core.case import create_case
        from reviewer.core.evidence import list_evidence
        from reviewer.core.importer import import_paths
        from reviewer.core.labels import list_labels
        from reviewer.core.regions import add_region
        from reviewer.core.shape import parse_box

        case = create_case(folder / "bench", actor="Bench")
        import_paths(case, [_photo(folder)])
        item = list_evidence(case)[0]["id"]
        label = list_labels(case)[0].id
        box = parse_box("10,10,100,80")
        signing = case_module.sign_head
        times: dict[bool, list[float]] = {True: [], False: []}
        block = 100
        for start in range(0, args.edits * 2, block):
            signed = (start // block) % 2 == 0
            case_module.sign_head = signing if signed else (lambda *_args: None)
            for _ in range(block):
                began = time.perf_counter()
                add_region(case, item, label, "rect", box)
                times[signed].append(time.perf_counter() - began)
        case_module.sign_head = signing
        with_ms = statistics.mean(times[True]) * 1000
        without_ms = statistics.mean(times[False]) * 1000
        per_edit = with_ms - without_ms
        share = per_edit / without_ms
        print(f"core tag, {args.edits} edits each way: signed {with_ms:.3f} ms/edit, unsigned"
              f" {without_ms:.3f} ms/edit; signing adds {per_edit:.3f} ms/edit"
              f" ({share:+.1%}) [target < {TARGET_MS} ms and < {TARGET_SHARE:.0%}]")

        loads = []
        for _ in range(50):
            keys._unlocked.clear()
            began = time.perf_counter()
            identity = keys.load_identity()
            identity.sign(b"x" * 100)
            loads.append(time.perf_counter() - began)
        load_ms = statistics.median(loads) * 1000
        case.close()
        if args.cli:
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            calls = []
            for _ in range(args.cli):
                began = time.perf_counter()
                subprocess.run([sys.executable, "-m", "reviewer", "tag", str(folder / "bench.case"),
                                item, "--label", list_labels_name(folder), "--box",
                                "10,10,100,80"], env=env, check=True, capture_output=True)
                calls.append(time.perf_counter() - began)
            call_ms = statistics.median(calls) * 1000
            cli_share = (load_ms + per_edit) / (call_ms - load_ms - per_edit)
            print(f"CLI tag, {args.cli} calls: {call_ms:.0f} ms/call (median); key load and"
                  f" signature {load_ms + per_edit:.2f} ms of it ({cli_share:+.2%})"
                  f" [target < {TARGET_SHARE:.0%}]")


def list_labels_name(folder: Path) -> str:
    from reviewer.core.case import open_case
    from reviewer.core.labels import list_labels

    with open_case(folder / "bench.case") as case:
        return list_labels(case)[0].name


if __name__ == "__main__":
    main()
