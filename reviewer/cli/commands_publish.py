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
from reviewer.core.public_export import (
    ConfidentialItemsError,
    UndecidedItemsError,
    export_public,
)


def screening(args: argparse.Namespace) -> dict[str, object]:
    """The options every public export passes on to screen_for_publication."""
    return {"undecided": ("include" if args.allow_undecided else
                          "skip" if args.skip_undecided else "refuse"),
            "include_confidential": args.include_confidential}


def refused(error: UndecidedItemsError | ConfidentialItemsError, out: str) -> int:
    """One line per item a public export refused, then one saying nothing was written."""
    if isinstance(error, ConfidentialItemsError):
        for item in error.items:
            error_line(f"{item.id} {item.original_name}", "marked confidential")
        error_line(out, f"not written: {len(error.items)} item(s) are marked confidential;"
                        " leave them out, or publish them on purpose (--include-confidential)")
        return USAGE_ERROR
    for item in error.items:
        error_line(f"{item.id} {item.original_name}",
                   "no redaction decided (no region marked redact, not reviewed)")
    error_line(out, f"not written: {len(error.items)} item(s) have no redaction"
                    " decided; mark regions redact, or publish them as they are"
                    " (--allow-undecided) or leave them out (--skip-undecided)")
    return USAGE_ERROR


def cmd_export_public(args: argparse.Namespace) -> int:
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Publishing")
        try:
            report = export_public(case, args.out, item_ids=args.item,
                                   incident_ids=args.incident, precision=args.precision,
                                   actors=args.actors, **screening(args),
                                   overwrite=args.force, progress=bar, cancel=cancel)
        except (UndecidedItemsError, ConfidentialItemsError) as error:
            bar.close()
            return refused(error, args.out)
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
