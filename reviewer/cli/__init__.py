"""`reviewer`: the command line, a thin layer over reviewer.core.

With no command (or a case folder as the only argument) it opens the desktop app.
"""

from __future__ import annotations

import os
import sys
import traceback

from reviewer.cli.desktop import open_app
from reviewer.cli.parser import COMMANDS, USAGE_ERROR, build_parser
from reviewer.cli.terminal import error_line
from reviewer.core.errors import ReviewerError


def _wants_app(argv: list[str]) -> bool:
    return not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if _wants_app(argv):
        return _run_app(argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return USAGE_ERROR
    from reviewer.cli.commands import HANDLERS
    from reviewer.cli.commands_keys import unlock_for

    try:
        unlock_for(args)
        return HANDLERS[args.command](args)
    except ReviewerError as error:
        error_line(error.subject, error.reason)
        return USAGE_ERROR
    except BrokenPipeError:
        # The reader (`| head`) has gone: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        error_line(None, "interrupted")
        return 130
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
    return open_app(argv[0] if argv else None)
