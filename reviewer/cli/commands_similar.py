"""`reviewer similar`: near-duplicates of one item, or every group of them in a case.

Exit codes: 0 done; 1 the item has no picture hash, or some items could not be hashed
by --rebuild (one line each on stderr); 2 usage error, unknown id or unreadable case.
"""

from __future__ import annotations

import argparse
from typing import Any

from reviewer.cli.support import (
    OK,
    PARTIAL,
    cancel_on_interrupt,
    cancelled,
    error_line,
    opened_case,
)
from reviewer.cli.terminal import ProgressBar, print_json
from reviewer.core import similar
from reviewer.core.case import Case
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import evidence_summaries, get_evidence

_LEAD = ("Similarity is a lead, not proof: each item's identity is its SHA-256;"
         " distance is in bits of 64 (0: the same picture to the hash).")


def _describe(case: Case, items: list[similar.SimilarItem]) -> list[dict[str, Any]]:
    ids = [item.id for item in items]
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):   # a page at a time: SQLite's parameter limit
        rows.update(evidence_summaries(case, ids[start:start + 500]))
    return [{**item.to_dict(), "kind": rows[item.id]["kind"],
             "original_name": rows[item.id]["original_name"],
             "sha256": rows[item.id]["sha256"]} for item in items]


def _names(case: Case, ids: list[str]) -> dict[str, str]:
    """id -> "ID (FILE NAME)", the subject of a line about an item."""
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        rows.update(evidence_summaries(case, ids[start:start + 500]))
    return {i: f"{i} ({rows[i]['original_name']})" if i in rows else i for i in ids}


def cmd_similar(args: argparse.Namespace) -> int:
    if args.mark_best and not args.evidence_id:
        raise ValidationError("--mark-best", "needs the ID of the item to mark")
    code = OK
    document: dict[str, Any] = {"threshold": args.max_distance}
    with opened_case(args) as case:
        if args.rebuild:
            with cancel_on_interrupt() as cancel:
                bar = ProgressBar("Hashing")
                try:
                    rebuilt = similar.rebuild_hashes(case, progress=bar, cancel=cancel)
                finally:
                    bar.close()
            # Each item left without a hash is named, with its file name, and why: a new
            # user was told "8 item(s) have no picture hash (see --rebuild)" right after
            # running --rebuild, with two lines naming ids only.
            names = _names(case, [f["id"] for f in rebuilt.errors] + rebuilt.too_plain)
            for failure in rebuilt.errors:
                error_line(names[failure["id"]], f"no picture hash: {failure['error']}")
            for evidence_id in rebuilt.too_plain:
                error_line(names[evidence_id], "no picture hash: too small or too plain to"
                           " compare", level="note")
            document["rebuild"] = {"hashed": len(rebuilt.hashed), "errors": rebuilt.errors,
                                   "too_plain": rebuilt.too_plain}
            code = PARTIAL if rebuilt.errors else OK
            if rebuilt.cancelled:
                if args.json:
                    print_json(document)
                return cancelled(f"hashing stopped; {len(rebuilt.hashed)} item(s) hashed"
                                 " are kept")
        if args.evidence_id:
            item = get_evidence(case, args.evidence_id)
            if args.mark_best:
                similar.mark_best_source(case, item["id"], args.max_distance)
            found = similar.similar_to(case, item["id"], args.max_distance)
            document.update({"id": item["id"], "original_name": item["original_name"],
                             "hashed": similar.has_hash(case, item["id"]),
                             "similar": _describe(case, found)})
        else:
            document["groups"] = [{"items": _describe(case, group)}
                                  for group in similar.groups(case, args.max_distance)]
        document["unhashed"] = similar.unhashed_count(case)
    if args.evidence_id and not document["hashed"]:
        error_line(document["id"], "has no picture hash (not a picture, too small or plain to"
                   " compare, it does not decode, or it was imported before hashing: try"
                   " --rebuild)")
        code = PARTIAL
    if args.json:
        print_json(document)
        return code
    if "rebuild" in document:
        print(f"Hashed {document['rebuild']['hashed']} item(s).")
    if args.evidence_id:
        _print_similar(document, args.mark_best)
    else:
        _print_groups(document)
    if document["unhashed"]:
        why = "each named above" if "rebuild" in document else "see --rebuild"
        print(f"{document['unhashed']} item(s) have no picture hash ({why}).")
    print(_LEAD)
    return code


def _line(item: dict[str, Any], first: bool = False) -> str:
    mark = "  [best source]" if item["best_source"] else ""
    distance = "" if first else f"  distance {item['distance']}"
    return f"  {item['id'][:8]}  {item['original_name']}{distance}{mark}"


def _print_similar(document: dict[str, Any], marked: bool) -> None:
    if marked:
        print(f"Marked {document['original_name']} ({document['id'][:8]}) as the best source"
              " among its near-duplicates.")
    found = document["similar"]
    print(f"{len(found)} item(s) like {document['original_name']} ({document['id'][:8]}),"
          f" at most {document['threshold']} bits apart:")
    for item in found:
        print(_line(item))


def _print_groups(document: dict[str, Any]) -> None:
    for number, group in enumerate(document["groups"], 1):
        items = group["items"]
        print(f"Group {number} ({len(items)} items; distances from the first):")
        print(_line(items[0], first=True))
        for item in items[1:]:
            print(_line(item))
    print(f"{len(document['groups'])} group(s) of near-duplicates, at most"
          f" {document['threshold']} bits apart.")


HANDLERS = {"similar": cmd_similar}
