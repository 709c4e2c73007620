"""`reviewer`: the command line, a thin layer over reviewer.core.

With no command (or a case folder as the only argument) it opens the desktop app.
"""

from __future__ import annotations

import os
import sys
import traceback

# Only the standard library and support.py here: what `main` needs loads inside its
# guard, so a Ctrl+C while it loads (seconds on a busy machine) ends as any cancel does.
from reviewer.cli.support import OK, USAGE_ERROR, cancelled, error_line

INTERRUPTED = "interrupted; a change not yet saved was not made"


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:   # before a command's cancel flag, or in a command without one
        return cancelled(INTERRUPTED)


def _wants_app(argv: list[str]) -> bool:
    from reviewer.cli.parser import COMMANDS

    return not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-"))


def _search_text_attached(argv: list[str]) -> list[str]:
    """`list … --search -smoke` as `--search=-smoke`: argparse takes a value that begins
    with "-" for an option, and a search leaves a word out with exactly that. Only for
    `list`, before any `--`, and not when an option (`--json`) follows instead of text."""
    if not argv or argv[0] != "list":
        return argv
    joined: list[str] = []
    at = 0
    while at < len(argv):
        word = argv[at]
        if word == "--":
            return joined + argv[at:]
        following = argv[at + 1] if at + 1 < len(argv) else None
        if (word == "--search" and following is not None and following.startswith("-")
                and not following.startswith("--")):
            joined.append(f"--search={following}")
            at += 2
            continue
        joined.append(word)
        at += 1
    return joined


def _main(argv: list[str]) -> int:
    from reviewer.cli.parser import build_parser
    from reviewer.core.errors import Cancelled, ReviewerError

    if _wants_app(argv):
        return _run_app(argv)
    args = build_parser().parse_args(_search_text_attached(argv))
    if args.command is None:
        build_parser().print_help()
        return USAGE_ERROR
    try:
        from reviewer.cli.commands_keys import unlock_for
        from reviewer.cli.handlers import HANDLERS  # here: `reviewer --help` stays quick

        unlock_for(args)
        return HANDLERS[args.command](args)
    except Cancelled as error:
        return cancelled(str(error))
    except ReviewerError as error:
        error_line(error.subject, error.reason)
        return USAGE_ERROR
    except BrokenPipeError:
        # The reader (`| head`) has gone: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except KeyboardInterrupt:   # a command with no cancel flag: its writes are transactions
        return cancelled(INTERRUPTED)
    except Exception as error:  # the contract: one line, never a traceback
        if os.environ.get("REVIEWER_DEBUG"):
            traceback.print_exc()
        error_line(None, f"internal error ({type(error).__name__}: {error}); set"
                         " REVIEWER_DEBUG=1 to see the details and please report it")
        return USAGE_ERROR


def _run_app(argv: list[str]) -> int:
    if len(argv) > 1:
        error_line(None, f"unknown command {argv[0]!r} (see reviewer --help)")
        return USAGE_ERROR
    from reviewer.cli.desktop import open_app

    return open_app(argv[0] if argv else None)
