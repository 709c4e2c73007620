"""`reviewer export-annotations`: the case's tags as training data (COCO, YOLO, Pascal
VOC, CVAT) or as XMP sidecars photo tools show. Exit codes: 0 done; 1 done, but some
images' originals were missing or did not decode (one line each); 2 an unknown label,
incident or format, OUT exists without --force, --format xmp with --public, or (with
--public) items with no redaction decided or marked confidential, one line each; 130
cancelled (nothing written)."""

from __future__ import annotations

import argparse

from reviewer.cli.commands_publish import refused, screening
from reviewer.cli.support import (
    OK,
    PARTIAL,
    cancel_on_interrupt,
    cancelled,
    error_line,
    opened_case,
)
from reviewer.cli.terminal import ProgressBar, print_json
from reviewer.core.annotations.export import export_annotations
from reviewer.core.public_export import ConfidentialItemsError, UndecidedItemsError


def cmd_export_annotations(args: argparse.Namespace) -> int:
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Exporting tags")
        try:
            report = export_annotations(case, args.out, args.format, labels=args.label,
                                        incidents=args.incident, public=args.public,
                                        **screening(args), overwrite=args.force,
                                        progress=bar, cancel=cancel)
        except (UndecidedItemsError, ConfidentialItemsError) as error:
            bar.close()
            return refused(error, args.out)
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        for item in report.missing:
            error_line(item["path"], item["detail"], level="warning")
        for skipped in report.skipped:
            error_line(f"{skipped['id']} {skipped['name']}", skipped["reason"], level="note")
        for warning in report.warnings:
            error_line(None, warning, level="warning")
        if not report.cancelled:
            print(f"Exported {report.tags} tag(s) on {report.images}"
                  f" {'redacted ' if report.public else ''}image(s) as"
                  f" {report.format.upper()} ({len(report.labels)} label(s)) to {report.path}")
    if report.cancelled:
        return cancelled("the annotation export stopped; nothing was written")
    return OK if report.ok else PARTIAL


HANDLERS = {"export-annotations": cmd_export_annotations}
