"""`reviewer compare` and `reviewer comparisons`: before/after pairs from the command line.

Exit codes: 0 done; 1 the comparison was saved but alignment was refused, or an image
does not decode, or writing the picture failed (one line each on stderr); 2 usage error
(a --width or --export file the export cannot use is refused before anything is
saved), unknown id or unreadable case.
"""

from __future__ import annotations

import argparse
from typing import Any

from reviewer.cli.support import OK, PARTIAL, error_line, opened_case
from reviewer.cli.terminal import print_json
from reviewer.core.bidi import escape_controls
from reviewer.core.compare_export import check_export, describe_alignment, export_comparison
from reviewer.core.comparisons import Comparison, compare, find_comparison, list_comparisons
from reviewer.core.errors import MediaError, ReviewerError
from reviewer.core.evidence import get_evidence


def comparison_document(comparison: Comparison) -> dict[str, Any]:
    """The comparison's columns with the alignment figures at the top level (DESIGN.md)."""
    document = comparison.to_dict()
    figures = document.pop("alignment")
    return {**document, **{k: v for k, v in figures.items() if k not in document}}


def cmd_compare(args: argparse.Namespace) -> int:
    code = OK
    if args.export:   # a bad width or file is refused before the comparison is saved
        check_export(args.mode, args.width, args.export)
    with opened_case(args) as case:
        before, after = (get_evidence(case, args.before_id), get_evidence(case, args.after_id))
        saved = find_comparison(case, before.id, after.id)
        try:
            if saved is not None:   # as the app does: the pair's comparison, not a duplicate
                comparison, refusal = saved, None
                if not args.json:
                    print(f"These two were compared before: comparison {saved.id} reopened"
                          " (its alignment and note kept)")
            else:
                comparison, refusal = compare(case, args.before_id, args.after_id,
                                              align=args.align, note=args.note)
        except MediaError as error:
            error_line(error.subject, f"{error.reason}; nothing was saved")
            return PARTIAL
        document = comparison_document(comparison)
        if refusal is not None:
            error_line(refusal.subject, f"alignment refused: {refusal.reason}; comparison"
                       f" {comparison.id} saved without alignment")
            document["error"] = str(refusal)
            code = PARTIAL
        if args.export:
            try:
                exported = export_comparison(case, comparison.id, args.mode, args.width,
                                             out_path=args.export)
            except ReviewerError as error:
                error_line(error.subject, f"not exported: {error.reason}")
                document["export_error"] = str(error)
                code = PARTIAL
            else:
                item = exported.evidence
                document["export"] = {"path": str(exported.path),
                                      "evidence_id": item.id if item else None,
                                      "sha256": item.sha256 if item else None,
                                      "mode": args.mode,
                                      "width": exported.image.width,
                                      "height": exported.image.height}
        before = escape_controls(get_evidence(case, comparison.before_id).original_name)
        after = escape_controls(get_evidence(case, comparison.after_id).original_name)
    if args.json:
        print_json(document)
        return code
    print(f"Comparison {comparison.id} saved: {before} (before) / {after} (after)")
    print(describe_alignment(comparison))
    if "export" in document:
        export = document["export"]
        print(f"Exported the {args.mode} view to {export['path']} ({export['width']}x"
              f"{export['height']}) with Content Credentials signed by your key (this"
              f" installation's, on no C2PA trust list), kept in the case as item"
              f" {export['evidence_id']} (its pixels, without the credentials)")
    return code


def cmd_comparisons(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        comparisons = list_comparisons(case)
        names = {}
        for comparison in comparisons:
            for evidence_id in (comparison.before_id, comparison.after_id):
                if evidence_id not in names:
                    names[evidence_id] = escape_controls(
                        get_evidence(case, evidence_id).original_name)
    if args.json:
        print_json({"comparisons": [comparison_document(c) for c in comparisons]})
        return OK
    for comparison in comparisons:
        note = f" — {escape_controls(comparison.note)}" if comparison.note else ""
        print(f"{comparison.id[:8]}  {names[comparison.before_id]} -> "
              f"{names[comparison.after_id]}  {describe_alignment(comparison)}{note}")
    print(f"{len(comparisons)} comparison(s)")
    return OK


HANDLERS = {"compare": cmd_compare, "comparisons": cmd_comparisons}
