"""Starting the desktop app from the command line: `reviewer [CASE]`, `demo --open`."""

from __future__ import annotations

from reviewer.cli.support import USAGE_ERROR, error_line


def open_app(case: str | None) -> int:
    """Open the main window (on `case`); one line and exit 2 when it cannot start here."""
    try:
        from reviewer.ui.app import run
        from reviewer.ui.display_check import display_problem
    except ImportError as error:
        error_line(None, f"the desktop app cannot start: {error}")
        return USAGE_ERROR
    problem = display_problem()
    if problem:
        error_line(None, f"the desktop app cannot start: {problem}")
        return USAGE_ERROR
    return run(case)
