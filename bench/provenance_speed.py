"""What provenance costs on a large case: provenance.jsonld and a bulk edit.

Builds (in a temporary folder) a case of --items items with one tag each (rows written in
one audited write; the media are not needed: nothing here reads them), then, in the same
process and run, alternating which goes first on each --repeat:

  - document: `prov_document.provenance_jsonld` of the whole case, as export writes it;
    baseline: reading every evidence and region row and writing them as JSON
    (`json.dumps`), the least any document of the same rows costs.
  - bulk edit: `set_provenance` of every item (source, acquired from, a verification
    step each: one transaction, one audit record per item); baseline: one plain
    `UPDATE evidence SET ...` of the same columns, unaudited, in a transaction.

Prints the medians and each ratio (ours / baseline). A measurement, not a test.

    python bench/provenance_speed.py [--items 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(folder: Path, items: int):
    from reviewer.core.case import create_case
    from reviewer.core.labels import list_labels

    case = create_case(folder / "bench", actor="bench")
    label = list_labels(case)[0].id
    with case.write() as tx:
        for n in range(items):
            sha = hashlib.sha256(str(n).encode()).hexdigest()
            tx.conn.execute(
                "INSERT INTO evidence (id, kind, sha256, bytes, original_name, stored_path,"
                " width, height, gps_lat, gps_lon, taken_at, imported_at, imported_by)"
                " VALUES (?, 'photo', ?, 1000, ?, ?, 4000, 3000, 33.5, 36.3,"
                " '2024-03-01T10:00:00', ?, ?)",
                (f"e{n:08d}-0000-4000-8000-000000000000", sha, f"photo_{n}.jpg",
                 f"media/{sha[:2]}/{sha}.jpg", tx.at, tx.actor))
            tx.conn.execute(
                "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h,"
                " created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, 'rect',"
                " '{\"x\": 10, \"y\": 10, \"w\": 50, \"h\": 50}', 10, 10, 50, 50,"
                " ?, ?, ?, ?)",
                (f"r{n:08d}-0000-4000-8000-000000000000",
                 f"e{n:08d}-0000-4000-8000-000000000000", label, tx.at, tx.actor, tx.at,
                 tx.actor))
        tx.record("bench.build", None, {})
    return case


def document(case) -> float:
    from reviewer.core.prov_document import provenance_jsonld

    start = time.perf_counter()
    provenance_jsonld(case, {"exported_at": "2024-03-02T00:00:00Z", "case_id": case.id,
                             "case_title": case.title, "exporter": "bench",
                             "selection": {}})
    return time.perf_counter() - start


def document_baseline(case) -> float:
    from reviewer.core.rows import as_dicts

    start = time.perf_counter()
    json.dumps({"evidence": as_dicts(case.conn.execute("SELECT * FROM evidence")),
                "regions": as_dicts(case.conn.execute("SELECT * FROM regions"))}, indent=1)
    return time.perf_counter() - start


def bulk(case, ids: list[str], round_: int) -> float:
    from reviewer.core.provenance import set_provenance

    start = time.perf_counter()
    set_provenance(case, ids, {"source_url": f"https://example.org/{round_}",
                               "acquired_from": f"channel {round_}",
                               "verification": ("in-review", "verified")[round_ % 2]})
    return time.perf_counter() - start


def bulk_baseline(case, round_: int) -> float:
    start = time.perf_counter()
    with case.conn:
        case.conn.execute("BEGIN")
        case.conn.execute("UPDATE evidence SET source_url = ?, acquired_from = ?,"
                          " verification = ?", (f"https://example.org/b{round_}",
                                                f"baseline {round_}", "disputed"))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        case = build(Path(folder), args.items)
        ids = [row[0] for row in case.conn.execute("SELECT id FROM evidence")]
        times: dict[str, list[float]] = {k: [] for k in ("doc", "doc0", "bulk", "bulk0")}
        for round_ in range(args.repeat):
            pairs = [("doc", lambda: document(case)), ("doc0", lambda: document_baseline(case))]
            edits = [("bulk", lambda r=round_: bulk(case, ids, r)),
                     ("bulk0", lambda r=round_: bulk_baseline(case, r))]
            for name, run in (pairs if round_ % 2 == 0 else pairs[::-1]) + \
                    (edits if round_ % 2 == 0 else edits[::-1]):
                times[name].append(run())
        case.close()
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.items} items with a tag each, {args.repeat} rounds (medians)")
    print(f"provenance.jsonld {median['doc']:.2f} s; rows as JSON {median['doc0']:.2f} s;"
          f" ratio {median['doc'] / median['doc0']:.1f}x")
    print(f"bulk edit {median['bulk']:.2f} s; plain UPDATE {median['bulk0']:.3f} s;"
          f" ratio {median['bulk'] / median['bulk0']:.0f}x"
          f" ({median['bulk'] / args.items * 1000:.2f} ms an item)")


if __name__ == "__main__":
    main()
