"""Progress and cancellation for long jobs, without any front end in mind.

A job takes `progress` (called with a `Progress` after each item) and `cancel`
(anything with `is_set()`, e.g. `threading.Event`). The CLI draws a bar from it;
the app binds it to a progress bar and a Cancel button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    item: str = ""
    failed: int = 0


ProgressCallback = Callable[[Progress], None]


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


class NeverCancel:
    def is_set(self) -> bool:
        return False


def no_progress(_: Progress) -> None:
    pass
