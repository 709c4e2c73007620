"""`reviewer conflicts`: list the merge conflicts of a case, and settle one.

    reviewer conflicts CASE [--all] [--json]
    reviewer conflicts CASE --settle ID --keep mine|theirs|both [--json]

Exit codes: 0 done; 2 usage error, unknown conflict id, a conflict already settled or
one that cannot be settled that way (one line on stderr), or an unreadable case.
"""

from __future__ import annotations

import argparse
from typing import Any

from reviewer.cli.support import OK, USAGE_ERROR, error_line, opened_case
from reviewer.cli.terminal import print_json
from reviewer.core.conflicts import (
    Conflict,
    Settlement,
    conflict_versions,
    list_conflicts,
    settle_conflict,
)

_WHAT = {"mine": "your version stays; the package's copy was removed",
         "theirs": "your {kind} now has the package's content; the copy was removed",
         "both": "both versions stay, as two {kind}s"}


def _listed(case, conflict: Conflict) -> dict[str, Any]:
    document = conflict.to_dict()
    if conflict.is_open:
        versions = conflict_versions(case, conflict)
        document["versions"] = {"mine": versions.mine, "theirs": versions.theirs,
                                "differ": versions.differ}
    return document


def _settled(settlement: Settlement) -> dict[str, Any]:
    removed = (settlement.removed_region or settlement.removed_incident or (None,))[0]
    return {**settlement.conflict.to_dict(), "removed_id": removed.id if removed else None,
            "moved_links": [{"incident_id": incident_id, f"{what}_id": other}
                            for what, incident_id, other in settlement.moved]}


def cmd_conflicts(args: argparse.Namespace) -> int:
    if (args.settle is None) != (args.keep is None):
        error_line("reviewer conflicts", "--settle ID and --keep mine|theirs|both go together"
                                         " (see reviewer conflicts --help)")
        return USAGE_ERROR
    if args.settle is not None:
        return _settle(args)
    with opened_case(args) as case:
        conflicts = list_conflicts(case, open_only=not args.all)
        documents = [_listed(case, conflict) for conflict in conflicts]
    if args.json:
        print_json({"conflicts": documents})
        return OK
    for conflict in conflicts:
        state = "open" if conflict.is_open else (
            f"settled ({conflict.kept or '?'}) {conflict.resolved_at} by {conflict.resolved_by}")
        print(f"{conflict.id[:8]}  {conflict.kind} {conflict.title!r}  [{state}]"
              f"  from {conflict.package_name}, merged {conflict.merged_at} by"
              f" {conflict.merged_by}")
        print(f"          {conflict.detail}")
        print(f"          yours: {conflict.local_id}  theirs: {conflict.incoming_id}")
    opened = sum(1 for conflict in conflicts if conflict.is_open)
    print(f"{opened} open conflict(s)" + (f", {len(conflicts) - opened} settled"
                                          if args.all else ""))
    if opened:
        print(f"Settle one with: reviewer conflicts {args.case} --settle ID"
              " --keep mine|theirs|both")
    return OK


def _settle(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        settlement = settle_conflict(case, args.settle, args.keep)
    if args.json:
        print_json(_settled(settlement))
        return OK
    conflict = settlement.conflict
    print(f"Settled conflict {conflict.id[:8]} ({conflict.kind} {conflict.title!r}, from"
          f" {conflict.package_name}): kept {args.keep}; "
          + _WHAT[args.keep].format(kind=conflict.kind) + ".")
    if settlement.moved:
        print(f"Moved {len(settlement.moved)} incident link(s) from the copy to your"
              f" {conflict.kind}.")
    return OK


HANDLERS = {"conflicts": cmd_conflicts}
