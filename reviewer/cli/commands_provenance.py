"""`reviewer item set|show` (provenance and verification) and `reviewer vocabulary`.

`item set` writes the fields given to every item named, in one transaction: all the
items change or none does (an unknown id or a wrong value is one line, exit 2). A
source that is not a URL or a platform id is kept as written and flagged on stderr.
"""

from __future__ import annotations

import argparse
from typing import Any

from reviewer.cli.support import OK, USAGE_ERROR, error_line, opened_case
from reviewer.cli.terminal import print_json
from reviewer.core.bidi import escape_controls
from reviewer.core.evidence import get_evidence
from reviewer.core.labels import find_label
from reviewer.core.provenance import (
    ANALYSES,
    FIELD_TITLES,
    PROVENANCE_FIELDS,
    provenance_of,
    set_label_graphic_in,
    set_provenance,
    source_problem,
    verification_history,
    warnings_of,
)
from reviewer.core.vocabulary import VOCABULARY_KINDS, add_term, list_terms, vocabulary_sources


def _item_set(args: argparse.Namespace) -> int:
    values = {name: getattr(args, name, None) for name in PROVENANCE_FIELDS}
    values = {k: v for k, v in values.items() if v is not None}
    analysis = {k: getattr(args, k) for k in ANALYSES if getattr(args, k, None) is not None}
    if not values and not analysis:
        error_line("item set", "nothing to set: give a field (--source-url, --acquired-from,"
                               " --collected-by, --collected-at, --tool, --generation,"
                               " --original-location, --restriction, --graphic, --language,"
                               " --verification) or an analysis note")
        return USAGE_ERROR
    with opened_case(args) as case:
        ids = [get_evidence(case, text).id for text in args.evidence_ids]
        changes = set_provenance(case, ids, values, analysis)
        items = [get_evidence(case, evidence_id) for evidence_id in ids]
    problem = source_problem(values.get("source_url") or "")
    if problem:
        error_line(values["source_url"], problem, level="warning")
    changed = sorted({str(c.key) for c in changes.of("evidence")})
    if args.json:
        print_json({"items": [{"id": item.id, **provenance_of(item),
                               "warnings": warnings_of(item)} for item in items],
                    "changed": changed,
                    "verifications": [dict(c.row) for c in changes.of("verification")]})
    else:
        print(f"Set provenance of {len(changed)} of {len(items)} item(s)"
              + (f"; {len(changes.of('verification'))} verification step(s) recorded"
                 if changes.of("verification") else ""))
    return OK


def _item_show(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        item = get_evidence(case, args.evidence_id)
        history = verification_history(case, item.id)
    fields = provenance_of(item)
    if args.json:
        print_json({"id": item.id, "original_name": item.original_name, **fields,
                    "warnings": warnings_of(item),
                    "verifications": [step.to_json() for step in history]})
        return OK
    print(f"{'item':>26}: {item.id} {escape_controls(item.original_name)}")
    for name, value in fields.items():
        shown = ("yes" if value else "no") if name == "graphic" else value
        flag = source_problem(str(value)) if name == "source_url" else None
        print(f"{FIELD_TITLES[name]:>26}: {escape_controls(str(shown or ''))}"
              + (f"  [flagged: {flag}]" if flag else ""))
    print(f"{'verification history':>26}: {len(history)} step(s)")
    for step in history:
        print(f"{'':>28}{step.recorded_at} {escape_controls(step.recorded_by)}:"
              f" {step.previous} -> {step.status}")
        for name in ANALYSES:
            text = getattr(step, name)
            if text:
                print(f"{'':>30}{name.replace('_', ' ')}: {escape_controls(text)}")
    return OK


def label_graphic(args: argparse.Namespace) -> int:
    """`reviewer label graphic CASE NAME [--off]`."""
    with opened_case(args) as case:
        label = find_label(case, args.name)
        with case.write() as tx:
            changes = set_label_graphic_in(tx, label.id, not args.off)
    if args.json:
        print_json({"id": label.id, "name": label.name, "graphic": not args.off,
                    "changed": bool(changes)})
    else:
        print(f"Label {escape_controls(label.name)} is {'not ' if args.off else ''}graphic"
              + ("" if changes else " (it already was)"))
    return OK


def cmd_item(args: argparse.Namespace) -> int:
    return {"set": _item_set, "show": _item_show}[args.item_command](args)


def cmd_vocabulary(args: argparse.Namespace) -> int:
    if args.vocabulary_command == "add":
        with opened_case(args) as case:
            term = add_term(case, args.kind, args.term, args.description)
        if args.json:
            print_json(term.to_json())
        else:
            print(f"Added {term.kind} term {escape_controls(term.term)}")
        return OK
    kinds = [args.kind] if args.kind else list(VOCABULARY_KINDS)
    with opened_case(args) as case:
        terms: dict[str, list[dict[str, Any]]] = {
            kind: [t.to_json() for t in list_terms(case, kind)] for kind in kinds}
    if args.json:
        print_json({"vocabulary": terms, "sources": vocabulary_sources()})
        return OK
    for kind, rows in terms.items():
        print(f"{kind} ({len(rows)}):")
        for row in rows:
            print(f"  {escape_controls(row['term'])}"
                  + (f" - {escape_controls(row['description'])}" if row["description"] else ""))
    return OK


HANDLERS = {"item": cmd_item, "vocabulary": cmd_vocabulary}
