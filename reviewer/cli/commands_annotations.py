"""`reviewer export-annotations`: the case's tags as training data (COCO, YOLO, Pascal
VOC, CVAT) or as XMP sidecars photo tools show. Exit codes: 0 done; 1 done, but some
images' originals were missing or did not decode (one line each); 2 an unknown label,
incident or format, OUT exists without --force, or --public (not available yet); 130
cancelled (nothing written)."""

from __future__ import annotations

import argparse

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


def cmd_export_annotations(args: argparse.Namespace) -> int:
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Exporting tags")
        try:
            report = export_annotations(case, args.out, args.format, labels=args.label,
                                        incidents=args.incident, public=args.public,
                                        overwrite=args.force, progress=bar, cancel=cancel)
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        for item in report.missing:
            error_line(item["path"], item["detail"], level="warning")
        for warning in report.warnings:
            error_line(None, warning, level="warning")
        if not report.cancelled:
            print(f"Exported {report.tags} tag(s) on {report.images} image(s) as"
                  f" {report.format.upper()} ({len(report.labels)} label(s)) to {report.path}")
    if report.cancelled:
        return cancelled("the annotation export stopped; nothing was written")
    return OK if report.ok else PARTIAL


HANDLERS = {"export-annotations": cmd_export_annotations}
