"""What the command line prints: JSON documents, text tables, a progress bar (one-line
errors are support.error_line)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from reviewer.core.bidi import escape_controls
from reviewer.core.progress import Progress


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def elide_middle(text: str, width: int) -> str:
    """`text` shortened to `width` characters by an ellipsis in the middle: both ends stay
    ("OLYMPUS IMAG…C7070WZ"), and a cut name is seen to be cut."""
    if len(text) <= width:
        return text
    if width < 3:
        return text[:width]
    tail = (width - 1) // 2
    return f"{text[:width - 1 - tail]}…{text[len(text) - tail:]}"


@dataclass(frozen=True)
class Column:
    header: str
    cap: int | None = None    # the widest the column grows; a longer cell is elided
    right: bool = False       # numbers are aligned right


def table(columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a text table, header first: each column as wide as its widest cell
    (up to its cap), two spaces apart; the last column is not padded. Control characters
    in a cell (a right-to-left override, a tab) are shown escaped: they would scramble
    the row or the ones after it."""
    cells = [[elide_middle(escape_controls(cell), column.cap) if column.cap
              else escape_controls(cell)
              for column, cell in zip(columns, row, strict=True)] for row in rows]
    widths = [max([len(column.header), *(len(row[index]) for row in cells)])
              for index, column in enumerate(columns)]
    lines = []
    for row in [[column.header for column in columns], *cells]:
        padded = [cell.rjust(width) if column.right else cell.ljust(width)
                  for column, width, cell in zip(columns, widths, row, strict=True)]
        lines.append("  ".join(padded).rstrip())
    return lines


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """`[####......] 120/200  35.1/s  left 0:00:02  name` on a terminal; silent elsewhere."""

    def __init__(self, what: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.width = width
        self.started = time.monotonic()
        self._last_draw = 0.0

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.1 and progress.done < progress.total:
            return
        self._last_draw = now
        elapsed = max(now - self.started, 1e-6)
        rate = progress.done / elapsed
        left = (progress.total - progress.done) / rate if rate > 0 else 0
        filled = int(self.width * progress.done / progress.total) if progress.total else 0
        bar = "#" * filled + "." * (self.width - filled)
        name = progress.item.rsplit("/", 1)[-1][:30]
        failed = f"  {progress.failed} failed" if progress.failed else ""
        self.stream.write(
            f"\r{self.what} [{bar}] {progress.done}/{progress.total}  {rate:.1f}/s"
            f"  left {_clock(left)}{failed}  {name:<30}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * (self.width + 100) + "\r")
            self.stream.flush()
