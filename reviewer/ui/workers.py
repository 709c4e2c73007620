"""Run core jobs off the UI thread, with progress and a cancel flag.

A `Job` wraps a core function that takes `progress` and `cancel` keyword
arguments (the shape every long core job has). Its signals arrive on the UI
thread; the function itself must open its own `Case` (SQLite connections
belong to the thread that made them).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from reviewer.core.errors import ReviewerError
from reviewer.core.progress import Progress


class JobSignals(QObject):
    progress = Signal(int, int, str)      # done, total, current item
    finished = Signal(object)             # the function's result
    failed = Signal(str)                  # one line for the user


class Job(QRunnable):
    def __init__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.cancel_flag = threading.Event()
        self.signals = JobSignals()
        self.done = threading.Event()
        self.setAutoDelete(False)

    def cancel(self) -> None:
        self.cancel_flag.set()

    def _report(self, progress: Progress) -> None:
        self.signals.progress.emit(progress.done, progress.total, progress.item)

    def run(self) -> None:
        try:
            result = self.function(*self.args, progress=self._report, cancel=self.cancel_flag,
                                   **self.kwargs)
        except ReviewerError as error:
            self.signals.failed.emit(str(error))
        except Exception as error:  # shown to the user as one line, details on stderr
            traceback.print_exc()
            self.signals.failed.emit(f"unexpected {type(error).__name__}: {error}")
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()


def start(job: Job, pool: QThreadPool | None = None) -> Job:
    (pool or QThreadPool.globalInstance()).start(job)
    return job
