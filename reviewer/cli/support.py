"""What every command shares: the exit codes, one-line errors, opening a case, Ctrl+C.

Exit codes (README, "Exit codes"): 0 all done; 1 done, with per-item problems listed;
2 usage error, or a case or file that cannot be used; 3 verification found a mismatch;
130 cancelled (Ctrl+C), whatever the command: what was complete is kept and one
`cancelled:` line on stderr says what.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from reviewer.core.bidi import escape_controls

if TYPE_CHECKING:   # the case module loads later, inside main's Ctrl+C guard (cli/__init__)
    from reviewer.core.case import Case

OK, PARTIAL, USAGE_ERROR, MISMATCH = 0, 1, 2, 3
CANCELLED = 130   # 128 + SIGINT: what a shell reports for a program stopped by Ctrl+C


def error_line(subject: str | None, reason: str, *, level: str = "error") -> None:
    """`level: subject: reason` on stderr, always one line."""
    text = f"{level}: {subject}: {reason}" if subject else f"{level}: {reason}"
    # Names and titles are the user's text: a bidi override must not reorder the line.
    print(escape_controls(text.replace("\n", " ")), file=sys.stderr)


def cancelled(what_happened: str) -> int:
    """Report a cancelled command the one way every command does; its exit code."""
    error_line(None, what_happened, level="cancelled")
    return CANCELLED


@contextmanager
def opened_case(args: argparse.Namespace) -> Iterator[Case]:
    """The case named by the command's CASE argument, opened as `--actor`, closed after."""
    from reviewer.core.case import open_case

    case = open_case(args.case, actor=args.actor)
    try:
        yield case
    finally:
        case.close()


@contextmanager
def cancel_on_interrupt() -> Iterator[threading.Event]:
    """Ctrl+C asks a long job to stop cleanly (it keeps what is complete)."""
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)
