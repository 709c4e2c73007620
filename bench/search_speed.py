"""How long does search or a filter take on a case of 100,000 items and 1,000,000 tags?

Builds the case straight in SQLite (items with names, notes, cameras, positions over a
region and times over a year; ten tags each with a note of five words from a 300-word
vocabulary; 200 incidents linked to 20 items each), its search index made once by
search.create (not timed). Then times the core query both front ends call,
`list_evidence_ids(case, EvidenceFilter(...))` (the ids in display order: what the
browser's model holds), for a common word, a rare word, search plus box plus dates, and
filters alone; each against the baseline measured in the same run: the unfiltered
listing (every id in display order; `SELECT count(*) FROM evidence` printed beside it).
Target (issue 16): under 150 ms. A measurement, not a test: it exits 0 whatever the result.

    python bench/search_speed.py [--items 100000] [--tags-per-item 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.core import search
from reviewer.core.case import create_case, open_case
from reviewer.core.clock import new_id
from reviewer.core.evidence import EvidenceFilter, list_evidence_ids

TARGET_MS = 150.0
CAMERAS = [("Apple", "iPhone 12"), ("Samsung", "SM-G991B"), ("DJI", "FC3411"),
           ("Canon", "EOS 40D"), ("Google", "Pixel 7")]


def build(folder: Path, items: int, tags: int) -> None:
    rng = random.Random(16)
    words = [f"{w}{i}" for i, w in enumerate(["crater", "cylinder", "smoke", "rubble",
                                                "column", "vehicle", "roof", "wall",
                                                "window", "street"] * 30)]
    create_case(folder, title="Search bench", actor="bench").close()
    conn = sqlite3.connect(folder / "case.sqlite", isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    # Built in bulk: the index is made once afterwards (search.create makes it again
    # with its triggers) rather than item by item as each tag arrives.
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                " AND name LIKE 'search\\_%' ESCAPE '\\'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    labels = [row[0] for row in conn.execute("SELECT id FROM labels")]
    at = "2025-01-01T00:00:00Z"
    conn.execute("BEGIN")
    ids = [new_id() for _ in range(items)]
    rows = []
    for n, evidence_id in enumerate(ids):
        make, model = CAMERAS[n % len(CAMERAS)]
        second = rng.randrange(365 * 86400)
        taken = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1704067200 + second))
        rows.append((evidence_id, f"{n:064x}", f"IMG_{n:06d}.jpg", f"media/x/{n}.jpg",
                     taken, taken, make, model, 36.0 + rng.random(), 37.0 + rng.random(),
                     " ".join(rng.choices(words, k=3)) if n % 10 == 0 else "", at))
    conn.executemany(
        "INSERT INTO evidence (id, kind, sha256, bytes, original_name, stored_path, taken_at,"
        " taken_at_utc, make, model, gps_lat, gps_lon, note, imported_at, imported_by)"
        " VALUES (?, 'photo', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench')", rows)
    rare = set(rng.sample(range(items * tags), 3))
    for start in range(0, items, 10_000):
        conn.executemany(
            "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h,"
            " note, created_at, created_by, updated_at, updated_by) VALUES"
            " (?, ?, ?, 'rect', '{}', 1, 1, 5, 5, ?, ?, 'bench', ?, 'bench')",
            [(new_id(), ids[n], labels[(n + k) % len(labels)],
              "Zarqawi" if n * tags + k in rare else " ".join(rng.choices(words, k=5)), at, at)
             for n in range(start, min(start + 10_000, items)) for k in range(tags)])
    for n in range(200):
        incident_id = new_id()
        conn.execute("INSERT INTO incidents (id, title, description, sources, created_at,"
                     " created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, 'bench',"
                     " ?, 'bench')", (incident_id, f"Strike number {n}", "Barrel bomb",
                                      "Witness", at, at))
        conn.executemany("INSERT OR IGNORE INTO incident_evidence VALUES (?, ?, ?, 'bench')",
                         [(incident_id, ids[rng.randrange(items)], at) for _ in range(20)])
    search.create(conn)
    conn.execute("COMMIT")
    conn.close()


def median_ms(run, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--tags-per-item", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the case here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="reviewer-bench-search-"))
    folder = root / "search.case"
    try:
        if not folder.exists():
            started = time.perf_counter()
            build(folder, args.items, args.tags_per_item)
            print(f"built {args.items:,} items, {args.items * args.tags_per_item:,} tags and"
                  f" their index in {time.perf_counter() - started:.0f} s (not timed below)")
        with open_case(folder, actor="bench") as case:
            def count() -> int:
                return case.conn.execute("SELECT count(*) FROM evidence").fetchone()[0]

            def listing(**filters) -> int:
                return len(list_evidence_ids(case, EvidenceFilter(**filters)))

            count_ms, _ = median_ms(count, args.repeat)
            base_ms, _ = median_ms(listing, args.repeat)
            print(f"SELECT count(*) FROM evidence: {count_ms:.1f} ms; baseline, every item in"
                  f" display order (no filter): {base_ms:.1f} ms")
            box = (37.2, 36.2, 37.4, 36.4)
            cases = [
                ("search a rare word (one tag note)", {"search": "zarqawi"}),
                ("search a common word (about 2% of tags)", {"search": "crater0"}),
                ("search two words", {"search": "smoke2 rubble3"}),
                ("search an incident's word", {"search": "barrel"}),
                ("search + box + a month", {"search": "crater0", "bbox": box,
                                            "time_from": "2024-03-01",
                                            "time_to": "2024-03-31"}),
                ("box only (the map's area)", {"bbox": box}),
                ("a day only (the timeline's brush)", {"time_from": "2024-06-01",
                                                       "time_to": "2024-06-01"}),
                ("camera only", {"camera": "pixel"}),
            ]
            for name, filters in cases:
                took, size = median_ms(lambda f=filters: listing(**f), args.repeat)
                verdict = "PASS" if took < TARGET_MS else "FAIL"
                print(f"{name}: {took:.1f} ms, {size:,} items (x{took / base_ms:.2f} the"
                      f" baseline; target < {TARGET_MS:.0f} ms) {verdict}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
