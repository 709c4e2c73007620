"""Sharing a case: export, verify a package, merge, unpack. Handlers return the exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewer.cli.support import (
    MISMATCH,
    OK,
    PARTIAL,
    cancel_on_interrupt,
    cancelled,
    error_line,
    opened_case,
)
from reviewer.cli.terminal import ProgressBar, print_json
from reviewer.core.errors import PackageMismatchError
from reviewer.core.export import export_case
from reviewer.core.keys import signed_by_line
from reviewer.core.merge import merge_package
from reviewer.core.package_verify import verify_package
from reviewer.core.unpack import left_out_on_unpack, unpack_package
from reviewer.wording import describe_counts, kind_word, near_duplicate_line


def is_package(path: str) -> bool:
    return Path(path).suffix.lower() == ".zip"


def cmd_export(args: argparse.Namespace) -> int:
    if getattr(args, "public", False):
        from reviewer.cli.commands_publish import cmd_export_public

        return cmd_export_public(args)
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Exporting")
        try:
            report = export_case(case, args.out, incidents=args.incident,
                                 media=not args.no_media, progress=bar, cancel=cancel,
                                 overwrite=args.force, raw_csv=args.raw_csv,
                                 title=args.title)
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        for item in report.missing:
            error_line(item["path"], item["detail"], level="warning")
        if not report.cancelled:
            counts = report.counts
            print(f"Exported {counts['evidence']} item(s), {counts['regions']} tag(s),"
                  f" {counts['incidents']} incident(s): {report.files} file(s),"
                  f" {report.bytes:,} bytes in {report.path}"
                  f" (manifest SHA-256 {report.manifest_sha256}).")
            if args.incident:
                left = report.left_out
                print(f"History: {report.history['records']} of {report.history['of']} audit"
                      " record(s), only those about what the package holds, each with its"
                      f" proof. Left out: {left['incidents']} incident(s),"
                      f" {left['evidence']} item(s), {left['regions']} tag(s),"
                      f" {left['comparisons']} comparison(s), {left['labels']} label(s);"
                      " original paths reduced to file names.")
                print(f"Package title: {report.title}; package id {report.case_id} (the"
                      " case's own title and id are not in it).")
    if report.cancelled:
        return cancelled("the export stopped; no package was written")
    return OK if report.ok else PARTIAL


def cmd_verify_package(args: argparse.Namespace) -> int:
    with cancel_on_interrupt() as cancel:
        bar = ProgressBar("Verifying")
        try:
            if args.against:
                with opened_case(argparse.Namespace(case=args.against, actor=args.actor)) as case:
                    report = verify_package(args.case, progress=bar, cancel=cancel,
                                            against=case.conn)
            else:
                report = verify_package(args.case, progress=bar, cancel=cancel)
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        for problem in report.problems:
            error_line(_in_package(args.case, problem), f"{problem['kind']}: {problem['detail']}")
        for note in report.notes:
            error_line(_in_package(args.case, note), note["detail"], level="note")
        verdict = "INTACT" if report.ok else ("CANCELLED" if report.cancelled
                                              else f"{len(report.problems)} PROBLEM(S)")
        checked = (f"{report.files_checked} file(s), {report.bytes_checked:,} bytes re-hashed"
                   " against the manifest")
        if report.manifest_sha256:
            print(f"Manifest SHA-256: {report.manifest_sha256}")
        if report.signer is not None:
            print(signed_by_line(report.signer))
        if report.database_checked:
            print(f"{verdict}: {checked}; database and audit chain checked.")
            if report.history_line():
                print(report.history_line())
        elif report.files_checked or report.cancelled:
            print(f"{verdict}: {checked}; database and audit chain NOT checked.")
        else:
            print(f"{verdict}: the package could not be read; nothing in it was checked.")
    if report.cancelled:
        return cancelled("verification stopped before the end; nothing was changed")
    return OK if report.ok else MISMATCH


def _in_package(package: str, finding: dict) -> str:
    """`PACKAGE:entry` for what a package holds; the package alone for the package itself."""
    where = str(finding.get("path") or finding.get("id") or "")
    return package if where in ("", package) else f"{package}:{where}"


def cmd_merge(args: argparse.Namespace) -> int:
    with opened_case(args) as case, cancel_on_interrupt() as cancel:
        bar = ProgressBar("Merging")
        try:
            report = merge_package(case, args.package, progress=bar, cancel=cancel,
                                   accept_untrusted=args.accept_untrusted)
        except PackageMismatchError as error:
            bar.close()
            error_line(error.subject, error.reason)
            return MISMATCH
        finally:
            bar.close()
    if args.json:
        print_json(report.to_dict())
    elif report.already_merged:
        print(f"Already merged (merge {report.merge_id}): nothing changed.")
    elif not report.cancelled:
        for item in report.skipped:
            error_line(f"{kind_word(item['kind'])} {item['id']}", item["reason"],
                       level="skipped")
        for conflict in report.conflicts:
            print(f"conflict: {kind_word(conflict['kind'])} {conflict['local_id']} was edited"
                  f" on both sides; the package's version is kept as {conflict['incoming_id']}"
                  f" ({conflict['detail']})")
        for near in report.near_duplicates:
            print(near_duplicate_line(near))
        added = describe_counts(report.added) or "nothing"
        print(f"Merged {Path(args.package).name}: added {added};"
              f" {len(report.conflicts)} conflict(s), {len(report.skipped)} skipped.")
    if report.cancelled:
        return cancelled("the merge stopped; nothing was changed")
    return OK if report.ok else PARTIAL


def cmd_unpack(args: argparse.Namespace) -> int:
    with cancel_on_interrupt() as cancel:
        bar = ProgressBar("Unpacking")
        try:
            case = unpack_package(args.package, args.target, actor=args.actor, progress=bar,
                                  cancel=cancel)
        except PackageMismatchError as error:
            bar.close()
            error_line(error.subject, error.reason)
            return MISMATCH
        finally:
            bar.close()
    with case:
        info = case.info()
        left_out = left_out_on_unpack(case)
    if args.json:
        print_json({**info, "skipped": left_out})
    else:
        # As merge says it: a package of some incidents sent without its media (--no-media)
        # gives a case without those items, which a new user otherwise learns only later.
        for item in left_out:
            error_line(f"{kind_word(item.get('kind', ''))} {item.get('id')}",
                       str(item.get("reason")), level="skipped")
        print(f"Unpacked {args.package} as the case {info['path']} ({info['title']!r})"
              + (f"; {len(left_out)} skipped." if left_out else "."))
    return PARTIAL if left_out else OK


HANDLERS = {"export": cmd_export, "merge": cmd_merge, "unpack": cmd_unpack}
