"""`reviewer export CASE OUT.zip --public`: redacted copies for publication (public_export)."""

from __future__ import annotations

import argparse

from reviewer.cli.support import (
    OK,
    PARTIAL,
    USAGE_ERROR,
    cancel_on_interrupt,
    cancelled,
    error_line,
    opened_case,
)
from reviewer.cli.terminal import ProgressBar, print_json
from reviewer.core.public_export import UndecidedItemsError, export_public


def cmd_export_public(args: argparse.Namespace) -> int:
    undecided = ("include" if args.allow_undecided else
                 "skip" if args.skip_undecided else "refuse")
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Publishing")
        try:
            report = export_public(case, args.out, item_ids=args.item,
                                   incident_ids=args.incident, precision=args.precision,
                                   actors=args.actors, undecided=undecided,
                                   overwrite=args.force,
                                   include_confidential=args.include_confidential,
                                   progress=bar, cancel=cancel)
        except UndecidedItemsError as error:
            bar.close()
            for item in error.items:
                error_line(f"{item.id} {item.original_name}",
                           "no redaction decided (no region marked redact, not reviewed)")
            error_line(args.out, f"not written: {len(error.items)} item(s) have no redaction"
                                 " decided; mark regions redact, or publish them as they are"
                                 " (--allow-undecided) or leave them out (--skip-undecided)")
            return USAGE_ERROR
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        for skipped in report.skipped:
            error_line(f"{skipped['id']} {skipped['name']}", skipped["reason"],
                       level="note")
        for failed in report.failed:
            error_line(f"{failed['id']} {failed['name']}", failed["reason"])
        if not report.cancelled:
            covered = sum(image["covered"] for image in report.images)
            print(f"Published {len(report.images)} redacted image(s), {covered} area(s)"
                  f" covered, positions at {report.precision}, in {report.path}.")
            print("Removed: " + "; ".join(report.removed) + ".")
            print("The case keeps each published image as a derived item linked to its"
                  " original, and a record of this publication.")
    if report.cancelled:
        return cancelled("the export stopped; no package was written, nothing recorded")
    return OK if report.ok else PARTIAL
