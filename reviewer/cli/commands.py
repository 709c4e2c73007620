"""One handler per command: parse arguments into a core call, print its result.

Handlers return the exit code (support.py has them: 0 all done, 1 done with per-item
failures, 2 usage error or unreadable case, raised as ReviewerError, 3 verification
failed, 130 cancelled).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reviewer.cli.commands_share import cmd_verify_package
from reviewer.cli.support import (
    MISMATCH,
    OK,
    PARTIAL,
    USAGE_ERROR,
    cancel_on_interrupt,
    cancelled,
    error_line,
    opened_case,
)
from reviewer.cli.terminal import Column, ProgressBar, print_json, table
from reviewer.core.bidi import escape_controls
from reviewer.core.case import create_case, open_case
from reviewer.core.credentials import credentials_of
from reviewer.core.credentials import describe as describe_credentials
from reviewer.core.derived import derivation, describe_recipe, made_from
from reviewer.core.errors import ImportStoppedError
from reviewer.core.evidence import (
    Evidence,
    EvidenceFilter,
    camera_name,
    evidence_exif,
    get_evidence,
    list_evidence,
)
from reviewer.core.importer import ImportReport, import_paths
from reviewer.core.incidents import (
    EDITABLE,
    add_incident,
    get_incident,
    link_to_incident,
    list_incidents,
    resolve_incident_id,
    update_incident,
)
from reviewer.core.keys import signed_by_line
from reviewer.core.labels import (
    add_label,
    check_shortcut,
    find_label,
    label_with_shortcut,
    list_labels,
)
from reviewer.core.package_data import COORDINATE_DIGITS, tidy_number
from reviewer.core.package_verify import verify_target
from reviewer.core.regions import SOFT_METHOD_WARNING, add_region, list_regions
from reviewer.core.search import check_time, parse_bbox
from reviewer.core.shape import Point, Polygon, Rect, parse_box, parse_point, parse_polygon
from reviewer.core.verify import verify_case


def cmd_new(args: argparse.Namespace) -> int:
    case = create_case(args.case, title=args.title, actor=args.actor)
    info = case.info()
    case.close()
    if args.json:
        print_json(info)
    else:
        print(f"Created case {info['title']!r} in {info['path']} (id {info['id']})")
    return OK


def cmd_import(args: argparse.Namespace) -> int:
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Importing")
        try:
            report = import_paths(case, args.paths, recursive=args.recursive, link=args.link,
                                  frames_every=args.frames_every,
                                  frames_scenes=args.frames == "scenes",
                                  progress=bar, cancel=cancel)
        except ImportStoppedError as stopped:
            bar.close()
            _print_stopped_import(stopped, args.json)
            raise   # then the one error line
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        for path in report.interrupted:
            error_line(path, "unfinished copy left by an interrupted import (never in the"
                             " case): removed", level="note")
        for item in report.errors:
            error_line(item["path"], item["error"])
        for item in report.warnings:
            error_line(item["path"], item["warning"], level="warning")
        for item in report.duplicates:
            print(f"duplicate: {escape_controls(item['path'])} is already in the case as"
                  f" {item['id']}")
        frames = sum(1 for item in report.imported if item["kind"] == "frame")
        parts = [f"Imported {len(report.imported) - frames}"
                 + (f" and {frames} video frame(s)" if frames else ""),
                 f"{len(report.duplicates)} already in the case",
                 f"{len(report.errors)} failed", _count(len(report.warnings), "warning")]
        damaged = sum(1 for item in report.imported if item.get("damaged"))
        if damaged:
            parts.insert(1, f"{damaged} of them damaged (kept, flagged)")
        for path in report.skipped:
            error_line(path, "not a photo or video: skipped", level="skipped")
        if report.skipped:
            parts.append(_count(len(report.skipped), "non-media file") + " skipped")
        for path in report.hidden:
            error_line(path, "hidden file (its name starts with a dot): skipped; name it to"
                       " import it", level="skipped")
        if report.hidden:
            parts.append(_count(len(report.hidden), "hidden file") + " skipped")
        print(", ".join(parts) + (" (cancelled: run again to finish)" if report.cancelled
                                  else "") + ".")
    if report.cancelled:
        return cancelled("the import stopped; every item listed as imported is complete in"
                         " the case; run the same import again to finish")
    return OK if report.ok else PARTIAL


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _print_stopped_import(stopped: ImportStoppedError, as_json: bool) -> None:
    """What a stopped import did and did not do, so the user knows what to import again."""
    committed = stopped.report.imported if isinstance(stopped.report, ImportReport) else []
    if as_json:
        print_json({"imported": committed, "not_imported": stopped.not_imported,
                    "error": str(stopped)})
        return
    for item in committed:
        print(f"imported: {escape_controls(item['path'])} as {item['id']}")
    for path in stopped.not_imported:
        print(f"not imported: {escape_controls(path)}")


def _matching_column(label_name: str | None, incident: str | None) -> tuple[str, str]:
    """With --incident or --label: the header of the column that counts the tags in that
    incident / of that label (TAGS still counts all of an item's tags), and what it means."""
    label = f"labelled {label_name!r}" if label_name else ""
    attached = f"attached to incident {incident[:8]}" if incident else ""
    header = ("MATCHING" if label and attached else "IN INCIDENT" if attached
              else "WITH LABEL" if label else "")
    return header, " and ".join(filter(None, [label, attached]))


# The widest CAMERA gets: every camera name of the sample corpus shows whole
# ("OLYMPUS IMAGING CORP. u1020,S1020"); a longer one is elided in the middle.
CAMERA_WIDTH = 34


def _list_cells(item: Evidence, matching: bool) -> list[str]:
    gps = (f"{item.gps_lat:.5f},{item.gps_lon:.5f}" if item.gps_lat is not None
           else "-")
    size = f"{item.width}x{item.height}" if item.width is not None else "-"
    damaged = " [damaged]" if item.damaged else ""
    return [item.id[:8], item.kind, size,
            (item.taken_at or "-")[:19], camera_name(item.make, item.model) or "-", gps,
            *([str(item.matching_regions)] if matching else []), str(item.regions),
            item.original_name + damaged]


def _search_filters(args: argparse.Namespace) -> dict[str, Any]:
    """--search, --from/--to, --bbox, --camera, --damaged as EvidenceFilter fields
    (ValueError naming the bad option's value)."""
    return {"search": args.search, "camera": args.camera, "damaged": args.damaged,
            "time_from": check_time(args.time_from) if args.time_from else None,
            "time_to": check_time(args.time_to) if args.time_to else None,
            "bbox": parse_bbox(args.bbox) if args.bbox else None}


def cmd_list(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        incident = resolve_incident_id(case, args.incident) if args.incident else None
        # A label the case lacks is an error (naming the labels), not an empty listing.
        label = find_label(case, args.label) if args.label else None
        try:
            narrowing = _search_filters(args)
        except ValueError as error:
            error_line("list", str(error))
            return USAGE_ERROR
        where = EvidenceFilter(kind=args.kind, label=label.id if label else None,
                               incident=incident, text=args.text, untagged=args.untagged,
                               has_gps=args.has_gps, verification=args.verification,
                               credentials=args.credentials,
                               **narrowing)
        rows = list_evidence(case, where)
    if args.json:
        print_json({"evidence": [row.to_json() for row in rows]})
    else:
        matching, meaning = _matching_column(label.name if label else None, incident)
        columns = [Column("ID"), Column("KIND"), Column("SIZE"), Column("TAKEN"),
                   Column("CAMERA", cap=CAMERA_WIDTH), Column("GPS"),
                   *([Column(matching, right=True)] if matching else []),
                   Column("TAGS", right=True), Column("NAME")]
        for line in table(columns, (_list_cells(row, bool(matching)) for row in rows)):
            print(line)
        damaged = sum(1 for row in rows if row.get("damaged"))
        print(f"{len(rows)} item(s)"
              + (f", {damaged} damaged as received (reviewer show ID says how)" if damaged
                 else "")
              + (f"; {matching}: each item's tags {meaning}; TAGS: all"
                                         " its tags" if matching else ""))
    return OK


def _region_lines(region: dict[str, Any], width: int = 100) -> str:
    """A tag as `show` prints it: id, label, shape and geometry, then its confidence and
    its note (wrapped under its first word) on lines of their own, within `width` columns."""
    label = escape_controls(region["label"])
    lines = [textwrap.fill(f"{region['id'][:8]} {label} {region['shape']} {region['geometry']}",
                           width, initial_indent=" " * 18, subsequent_indent=" " * 27)]
    if region["confidence"] is not None:
        lines.append(f"{'':>27}confidence: {region['confidence']:g}")
    if region.get("redact"):
        lines.append(f"{'':>27}redacted in public exports ({region['redact_method']})")
    paragraphs = [escape_controls(line) for line in region["note"].splitlines() if line.strip()]
    for number, paragraph in enumerate(paragraphs):
        # Not broken inside a word: a URL in a note stays one piece to copy.
        lines.append(textwrap.fill(paragraph, width, break_long_words=False,
                                   break_on_hyphens=False, subsequent_indent=" " * 33,
                                   initial_indent=" " * 27 + ("note: " if number == 0
                                                               else " " * 6)))
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        item = get_evidence(case, args.evidence_id)
        row = item.to_json()
        document = {**row, "exif": evidence_exif(case, item.id),
                    "regions": [r.to_dict() for r in list_regions(case, item.id)],
                    "credentials": credentials_of(case, item.id),
                    # What a derived item was made from, and what was made from an item
                    # (a publication's redacted copies): the private case's history of both.
                    "derivation": derivation(case, item.id),
                    "derived_items": made_from(case, item.id)}
    if args.json:
        print_json(document)
    else:
        for key, value in row.items():
            if key == "damaged":
                value = "yes: kept as received, see damage_reason" if value else None
            if key.startswith("gps_"):
                value = tidy_number(value, COORDINATE_DIGITS)
            if value not in (None, ""):
                print(f"{key:>16}: {escape_controls(str(value))}")
        for found in document["credentials"]:
            print(f"{'credentials':>16}: {escape_controls(describe_credentials(found))}")
        print(f"{'regions':>16}: {len(document['regions'])}")
        for region in document["regions"]:
            print(_region_lines(region))
        _print_lineage(document["derivation"], document["derived_items"])
        print(f"{'EXIF tags':>16}: {len(document['exif'])}")
        for tag, value in document["exif"].items():
            print(f"{'':>18}{tag} = {escape_controls(value[:100])}")
    return OK


def _print_lineage(made: dict[str, Any] | None, copies: list[dict[str, Any]]) -> None:
    if made is not None:
        for source in made["sources"]:
            print(f"{'derived from':>16}: {source['id']} ({source['role']},"
                  f" SHA-256 {source['sha256']})")
        print(f"{'':>18}{describe_recipe(made['recipe'])}; app {made['app_version']}")
    for copy in copies:
        print(f"{'derived item':>16}: {copy['id'][:8]} {escape_controls(copy['name'] or '')}:"
              f" {describe_recipe(copy['recipe'])}")


def cmd_tag(args: argparse.Namespace) -> int:
    if args.box:
        shape, geom = Rect.kind, parse_box(args.box)
    elif args.polygon:
        shape, geom = Polygon.kind, parse_polygon(args.polygon)
    else:
        shape, geom = Point.kind, parse_point(args.point)
    with opened_case(args) as case:
        incident = resolve_incident_id(case, args.incident) if args.incident else None
        region = add_region(case, get_evidence(case, args.evidence_id).id, args.label, shape,
                            geom, confidence=args.confidence, note=args.note,
                            incident_id=incident, redact=args.redact,
                            redact_method=args.redact_method)
    if region.redact and region.redact_method != "fill":
        error_line(region.id, SOFT_METHOD_WARNING, level="warning")
    if args.json:
        print_json(region.to_dict())
    else:
        print(f"Tagged region {region.id} ({escape_controls(region.label)}, {region.shape}) on"
              f" {region.evidence_id}" + (f", linked to incident {args.incident}"
                                          if args.incident else "")
              + (f"; redacted ({region.redact_method}) in public exports" if region.redact
                 else ""))
    return OK


def cmd_rotate(args: argparse.Namespace) -> int:
    from reviewer.core.rotation import rotate_display

    with opened_case(args) as case:
        item = rotate_display(case, get_evidence(case, args.evidence_id).id, args.by)
    if args.json:
        print_json(item.to_json())
    else:
        print(f"Turned the display of {item.id} ({escape_controls(item.original_name)}) to"
              f" {item.display_rotation}° clockwise, now {item.width}×{item.height};"
              " the original file is unchanged")
    return OK


def cmd_incident(args: argparse.Namespace) -> int:
    return {"add": _incident_add, "edit": _incident_edit, "list": _incident_list,
            "link": _incident_link}[args.incident_command](args)


# `--clear NAME` -> the incident fields it empties.
_CLEARS = {"category": ("category",), "from": ("time_from",), "to": ("time_to",),
           "place": ("place_name",), "position": ("lat", "lon", "radius_m"),
           "radius": ("radius_m",), "description": ("description",), "sources": ("sources",),
           "violation": ("violation",), "munitions": ("munitions",)}


def _incident_edit(args: argparse.Namespace) -> int:
    values = {k: getattr(args, k) for k in EDITABLE if getattr(args, k, None) is not None}
    for name in args.clear:
        for field in _CLEARS[name]:
            if field in values:
                error_line("incident edit", f"--clear {name} and a new {field} contradict"
                                            " each other: give one")
                return USAGE_ERROR
            values[field] = None
    if not values:
        error_line("incident edit", "nothing to change: give a field (--title, --from, --to,"
                                    " --lat/--lon, --radius, --place, --category, --status,"
                                    " --description, --sources) or --clear FIELD")
        return USAGE_ERROR
    with opened_case(args) as case:
        incident_id = resolve_incident_id(case, args.incident_id)
        before = get_incident(case, incident_id)
        incident = update_incident(case, incident_id, **values)
    changed = [k for k in EDITABLE if getattr(before, k) != getattr(incident, k)]
    if args.json:
        print_json({**incident.to_dict(), "changed": changed})
    elif changed:
        print(f"Changed {', '.join(changed)} of incident {incident.id}:"
              f" {escape_controls(incident.title)}")
    else:
        print(f"Incident {incident.id} already had those values: nothing changed")
    return OK


def _incident_add(args: argparse.Namespace) -> int:
    values = {k: getattr(args, k) for k in EDITABLE
              if k != "title" and getattr(args, k, None) is not None}
    with opened_case(args) as case:
        incident = add_incident(case, args.title, **values)
    if args.json:
        print_json(incident.to_dict())
    else:
        print(f"Added incident {incident.id}: {escape_controls(incident.title)}")
    return OK


def _incident_list(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        rows = list_incidents(case)
    if args.json:
        print_json({"incidents": [row.to_json() for row in rows]})
    else:
        for row in rows:
            when = " .. ".join(filter(None, [row.time_from, row.time_to])) or "time unknown"
            where = row.place_name or (f"{row.lat},{row.lon}" if row.lat is not None
                                       else "place unknown")
            print(f"{row.id[:8]}  [{row.status}] {escape_controls(row.title)} — {when}"
                  f" — {escape_controls(where)}"
                  f" — {row.regions} tag(s), {row.evidence} item(s)")
        print(f"{len(rows)} incident(s)")
    return OK


def _incident_link(args: argparse.Namespace) -> int:
    if not args.region and not args.evidence:
        error_line("incident link", "give --region or --evidence (or several)")
        return USAGE_ERROR
    with opened_case(args) as case:
        incident_id = resolve_incident_id(case, args.incident_id)
        linked = link_to_incident(case, incident_id, args.region, args.evidence)
    if args.json:
        print_json({"incident_id": incident_id, "links": linked})
    else:
        for item in linked:
            what = item.get("region_id") or item.get("evidence_id")
            print(f"{'Linked' if item['linked'] else 'Already linked'}: {what}")
    return OK


def cmd_label(args: argparse.Namespace) -> int:
    if args.label_command == "graphic":
        from reviewer.cli.commands_provenance import label_graphic

        return label_graphic(args)
    with opened_case(args) as case:
        if args.label_command == "add":
            check_shortcut(args.shortcut)
            holder = label_with_shortcut(case, args.shortcut) if args.shortcut else None
            label = add_label(case, args.name, args.colour, args.shortcut, args.description,
                              redact_default=args.redact_default)
            document: Any = {**label.to_dict(),
                             "shortcut_taken_from": holder.to_dict() if holder else None}
            text = f"Added label {label.name!r} ({label.colour}) id {label.id}"
            if holder:
                text += (f"\nShortcut {label.shortcut} now picks {label.name!r}; it was"
                         f" {holder.name!r}'s, which has no shortcut now")
        else:
            labels = [label.to_dict() for label in list_labels(case)]
            document = {"labels": labels}
            text = "\n".join(f"{item['shortcut'] or ' '}  {item['colour']}  {item['name']}"
                             for item in labels)
    if args.json:
        print_json(document)
    else:
        print(text)
    return OK


def cmd_verify(args: argparse.Namespace) -> int:
    if verify_target(args.case) == "package":
        return cmd_verify_package(args)
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Verifying")
        try:
            report = verify_case(case, progress=bar, cancel=cancel, thorough=args.thorough)
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        for problem in report.problems:
            error_line(problem.get("path") or problem.get("id"),
                       f"{problem['kind']}: {problem['detail']}")
        for note in report.notes:
            error_line(note.get("path"), note["detail"], level="note")
        verdict = "INTACT" if report.ok else ("CANCELLED" if report.cancelled
                                              else f"{len(report.problems)} PROBLEM(S)")
        print(f"{verdict}: {report.files_checked} file(s), {report.bytes_checked:,} bytes"
              " re-hashed; audit chain and database checked.")
        print(signed_by_line(report.signer))
        if report.history_line():
            print(report.history_line())
    if report.cancelled:
        return cancelled("verification stopped before the end; nothing was changed")
    return OK if report.ok else MISMATCH


def _demo_info(path: Path, actor: str | None, existing: bool) -> dict[str, Any]:
    with open_case(path, actor=actor) as case:
        info = case.info()
        info["evidence"] = len(list_evidence(case))
        info["incidents"] = len(list_incidents(case))
    return {**info, "existing": existing}


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the demo case in DIR; where it is already built, reopen it: never rebuild."""
    from reviewer.demo import DEMO_CASE, build_demo_case

    path = Path(args.directory) / DEMO_CASE
    existing = (path / "case.sqlite").exists()
    if not existing:
        bar = ProgressBar("Building demo")
        try:
            path = build_demo_case(Path(args.directory), actor=args.actor, progress=bar)
        finally:
            bar.close()
    info = _demo_info(path, args.actor, existing)
    then = " Opening it." if args.open else f" Open it with: reviewer {path}"
    if args.json:
        print_json(info)
    elif existing:
        print(f"The demo case {path} is already there ({info['evidence']} items,"
              f" {info['incidents']} incidents; left as it is).{then}")
    else:
        print(f"Demo case ready: {path} ({info['evidence']} items,"
              f" {info['incidents']} incidents).{then}")
    if args.open:
        from reviewer.cli.desktop import open_app

        return open_app(str(path))
    return OK


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "new": cmd_new, "import": cmd_import, "list": cmd_list, "show": cmd_show, "tag": cmd_tag,
    "rotate": cmd_rotate,
    "incident": cmd_incident, "label": cmd_label, "verify": cmd_verify, "demo": cmd_demo,
}
