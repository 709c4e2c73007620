"""`reviewer suggest-faces`: where the face detector proposes redaction regions.

Suggestions are listed; only `--accept` (a person's decision, given on the command
line) adds them to the case, as redaction regions in one edit.
Exit codes: 0 done; 1 some items could not be looked at (one line each on stderr:
no such id, a video, a file that does not decode); 2 usage error or unreadable case;
130 cancelled (Ctrl+C: nothing is accepted).
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
from reviewer.core.bidi import escape_controls
from reviewer.core.evidence import get_evidence


def cmd_suggest_faces(args: argparse.Namespace) -> int:
    from reviewer.core.faces import suggest_faces  # loads OpenCV: only for this command
    from reviewer.core.faces_accept import accept_faces_in

    with opened_case(args) as case:
        with cancel_on_interrupt() as cancel:
            bar = ProgressBar("Looking for faces")
            try:
                report = suggest_faces(case, args.evidence_ids, threshold=args.threshold,
                                       progress=bar, cancel=cancel)
            finally:
                bar.close()
        names = {item_id: get_evidence(case, item_id).original_name
                 for item_id in report.suggestions}
        accepted: list[dict[str, Any]] = []
        if args.accept and not report.cancelled and report.all:
            with case.write() as tx:
                changes = accept_faces_in(tx, report.all, label=args.label)
            accepted = [dict(change.row) for change in changes.of("region", "added")]
    for subject, reason in report.errors:
        error_line(subject, reason)
    document = {
        "threshold": args.threshold,
        "items": [{"id": item_id, "original_name": names[item_id],
                   "suggestions": [s.to_json() for s in found]}
                  for item_id, found in report.suggestions.items()],
        "errors": [{"id": subject, "error": reason} for subject, reason in report.errors],
        "accepted": accepted,
        "covered": report.covered,
    }
    if args.json:
        print_json(document)
    else:
        _print(document, args.accept)
    if report.cancelled:
        return cancelled(f"stopped after {len(report.suggestions)} item(s); nothing was"
                         " accepted")
    return PARTIAL if report.errors else OK


def _print(document: dict[str, Any], accept: bool) -> None:
    for item in document["items"]:
        found = item["suggestions"]
        print(f"{item['id'][:8]}  {escape_controls(item['original_name'])}:"
              f" {len(found)} face(s) suggested")
        for s in found:
            print(f"  box {s['x']:g},{s['y']:g},{s['w']:g},{s['h']:g}  score {s['score']:.2f}")
    total = sum(len(item["suggestions"]) for item in document["items"])
    if document["covered"]:
        print(f"{document['covered']} face(s) already covered by redaction regions are not"
              " listed.")
    if accept:
        print(f"Accepted {len(document['accepted'])} suggestion(s) as redaction regions.")
    elif total:
        print("Nothing is redacted until a person accepts: review them in the app, or"
              " run again with --accept.")
    from reviewer.core.faces import DETECTOR, DETECTOR_VERSION

    print(f"Detector: {DETECTOR} ({DETECTOR_VERSION}); threshold {document['threshold']:g}.")


HANDLERS = {"suggest-faces": cmd_suggest_faces}
