"""The app's one way to run work off the UI thread, with progress and a cancel flag.

A `Job` wraps a core function that takes `progress` and `cancel` keyword
arguments (the shape every long core job has). Its signals arrive on the UI
thread; the function itself must open its own `Case` (SQLite connections
belong to the thread that made them). `Jobs.run` starts one with where its result
goes and keeps it until it ends: import, frame extraction, export, merge, verify and
unpack (through job_runner.JobRunner, the status bar's progress and Cancel), keeping a
frame, and the comparison window's loading, alignment and export all run this way.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from reviewer.core.errors import ReviewerError
from reviewer.core.progress import Progress


@dataclass(frozen=True)
class JobFailure:
    """Why a job stopped: the line the user reads and the error itself, so that a caller
    deciding what to offer next (merge anyway?) checks the error's type, not its words."""

    message: str
    error: ReviewerError | None = None     # None: an unexpected exception (on stderr)


class JobSignals(QObject):
    progress = Signal(int, int, str)      # done, total, current item
    finished = Signal(object)             # the function's result
    failed = Signal(object)               # a JobFailure


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
            self.signals.failed.emit(JobFailure(str(error), error))
        except Exception as error:  # shown to the user as one line, details on stderr
            traceback.print_exc()
            self.signals.failed.emit(JobFailure(f"unexpected {type(error).__name__}: {error}"))
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()


def start(job: Job, pool: QThreadPool | None = None) -> Job:
    (pool or QThreadPool.globalInstance()).start(job)
    return job


class Jobs:
    """The jobs one part of the app has running, each kept until it ends (a QRunnable
    that nothing holds would be collected under its thread)."""

    def __init__(self) -> None:
        self.running: list[Job] = []

    def run(self, job: Job, finished: Callable[[Any], None],
            failed: Callable[[str], None] | None = None, *,
            failure: Callable[[JobFailure], None] | None = None) -> Job:
        """Start `job`; its result goes to `finished`, its one-line failure to `failed`
        (or the whole JobFailure, with the error to check by type, to `failure`)."""
        self.running.append(job)

        def done(result: Any) -> None:
            self._forget(job)
            finished(result)

        def fail(stopped: JobFailure) -> None:
            self._forget(job)
            if failure is not None:
                failure(stopped)
            elif failed is not None:
                failed(stopped.message)

        job.signals.finished.connect(done)
        job.signals.failed.connect(fail)
        return start(job)

    def cancel_all(self) -> None:
        for job in list(self.running):
            job.cancel()

    def wait_all(self, seconds: float = 60) -> None:
        for job in list(self.running):
            job.done.wait(seconds)

    def _forget(self, job: Job) -> None:
        if job in self.running:
            self.running.remove(job)
