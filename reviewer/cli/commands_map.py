"""`reviewer export-map`: the case's positions and times as KML or GeoJSON.

Exit codes: 0 written (a warning line when nothing had a position); 2 usage error
(a suffix other than .kml/.geojson, an unknown incident, an unreadable case).
"""

from __future__ import annotations

import argparse

from reviewer.cli.support import OK, USAGE_ERROR, error_line, opened_case
from reviewer.cli.terminal import print_json
from reviewer.core.map_export import export_map


def cmd_export_map(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        try:
            report = export_map(case, args.out, args.incident)
        except ValueError as error:
            error_line("export-map", str(error))
            return USAGE_ERROR
        except OSError as error:     # no such folder, no permission, disk full
            error_line(str(args.out), f"cannot be written: {error.strerror or error}")
            return USAGE_ERROR
    for warning in report.warnings:
        error_line(None, warning, level="warning")
    if args.json:
        print_json({"path": str(report.path), "items": report.items,
                    "tracks": report.tracks, "incidents": report.incidents,
                    "warnings": report.warnings})
    else:
        print(f"Wrote {report.path}: {report.items} item(s), {report.tracks} flight"
              f" track(s), {report.incidents} incident(s).")
    return OK


HANDLERS = {"export-map": cmd_export_map}
