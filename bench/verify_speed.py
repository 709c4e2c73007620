"""How long does `verify` take with the history replayed, against re-hashing the media alone?

Uses the UI bench's case (bench/ui_speed.py: 10,000 photos through the real importer and
100,000 regions in one audited write; built once, reused from --dir), then, in the same
process and run, alternating which goes first on each --repeat:

  - re-hash: SHA-256 of every original and attachment the case stores, on two threads
    (as verify hashes);
  - verify: `reviewer.core.verify.verify_case`, everything it does: SQLite's quick
    and foreign-key checks, the audit chain, the signed head, the replay of every
    record's after-state compared with every table (in a process of its own for a case
    this big), and the same re-hash.

Also prints the replay and the comparison alone. Target (issue 13): verify at most 2x
the re-hash. A measurement, not a test: exits 0 whatever the figures.

    python bench/verify_speed.py [--dir /tmp/ui_bench] [--repeat 3] [--rebuild]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_RATIO = 2.0


def rehash(case) -> int:
    from reviewer.core.evidence import stored_file
    from reviewer.core.media_store import sha256_file

    paths = [stored_file(case, *row) for row in case.conn.execute(
        "SELECT stored_path, linked_path, linked_path_hex FROM evidence")]
    paths += [case.path / p for (p,) in case.conn.execute("SELECT stored_path FROM attachments")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(sha256_file, paths))
    return len(paths)


def verify_replays_apart(case_path: Path) -> bool:
    from reviewer.core.replay_apart import APART_BYTES

    return (Path(case_path) / "case.sqlite").stat().st_size >= APART_BYTES


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ui_bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)

    import ui_speed

    from reviewer.core.audit import check_chain
    from reviewer.core.case import open_case
    from reviewer.core.replay import compare, replay
    from reviewer.core.verify import verify_case

    info = ui_speed.build_case(args.dir.resolve(), args.rebuild)
    started = time.monotonic()
    with open_case(info["case"], actor=ui_speed.SETUP_ACTOR) as case:
        opened = time.monotonic() - started
        records = case.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        print(f"case: {info['case']} ({records} audit records; opened, migrated if older,"
              f" in {opened:.1f} s)", flush=True)
        rehash(case)        # warm the page cache: both sides read the same files after
        hashed, verified, replayed, compared = [], [], [], []
        cpu: dict[str, list[float]] = {"rehash": [], "verify": [], "apart": []}
        for run in range(args.repeat):
            order = ("rehash", "verify") if run % 2 == 0 else ("verify", "rehash")
            for what in order:
                before = _cpu_seconds()
                started = time.monotonic()
                if what == "rehash":
                    files = rehash(case)
                    hashed.append(time.monotonic() - started)
                else:
                    report = verify_case(case)
                    verified.append(time.monotonic() - started)
                    if not report.ok:
                        print(f"verify found {len(report.problems)} problem(s):"
                              f" {report.problems[:3]}")
                cpu[what].append(_cpu_seconds() - before)
            before = _cpu_seconds()
            started = time.monotonic()
            state = replay(case.conn)
            replayed.append(time.monotonic() - started)
            started = time.monotonic()
            unexplained = compare(case.conn, state)
            compared.append(time.monotonic() - started)
            # Not kept into the next run: 200,000 rows alive in this process would make
            # each of verify's garbage collections here walk them (verify's own replay
            # keeps them in its own process).
            records = state.records
            del state
            check_chain(case.conn)
            cpu["apart"].append(_cpu_seconds() - before)
            print(f"run {run + 1}: re-hash {hashed[-1]:.2f} s, verify {verified[-1]:.2f} s,"
                  f" replay {replayed[-1]:.2f} s, compare {compared[-1]:.2f} s", flush=True)
    med = statistics.median
    ratio = med(verified) / med(hashed)
    print(f"re-hash of {files} files: {med(hashed):.2f} s (median of {args.repeat})")
    print(f"verify with replay:  {med(verified):.2f} s; of which replay {med(replayed):.2f} s"
          f" ({records} records), compare {med(compared):.2f} s"
          f" ({len(unexplained)} rows unexplained)")
    print(f"{report.history_line()}")
    # Work rather than time: on a shared machine both sides get a share of the cores.
    # A big case's replay and chain walk run in processes of their own (replay_apart.py),
    # children of the forkserver, not of this process: their CPU is measured apart.
    apart = med(cpu["apart"]) if verify_replays_apart(info["case"]) else 0.0
    total = med(cpu["verify"]) + apart
    print(f"CPU seconds (median): re-hash {med(cpu['rehash']):.2f}, verify {total:.2f}"
          f" ({med(cpu['verify']):.2f} in this process + {apart:.2f} replay, compare and chain"
          f" in their own, measured apart; ratio {total / med(cpu['rehash']):.2f})")
    print(f"ratio verify/re-hash: {ratio:.2f} (target <= {TARGET_RATIO:.0f}):"
          f" {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
