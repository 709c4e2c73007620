"""The case's long jobs (import, frames, export, merge, verify, unpack) run through
workers.Jobs and shown as a progress bar with Cancel in the status bar; one at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from reviewer.core.case import open_case
from reviewer.core.frames import FrameReport, extract_frames
from reviewer.core.importer import ImportReport, import_paths
from reviewer.core.progress import CancelFlag, ProgressCallback
from reviewer.ui.workers import Job, JobFailure, Jobs


def _import_job(case_path: Path, actor: str, paths: list[str], *, progress: ProgressCallback,
                cancel: CancelFlag) -> ImportReport:
    # The worker thread opens its own connection: SQLite connections stay in their thread.
    with open_case(case_path, actor=actor) as case:
        return import_paths(case, paths, recursive=True, progress=progress, cancel=cancel)


def _extract_job(case_path: Path, actor: str, video_id: str, every_s: float | None,
                 scenes: bool, *, progress: ProgressCallback, cancel: CancelFlag) -> FrameReport:
    with open_case(case_path, actor=actor) as case:
        return extract_frames(case, video_id, every_s=every_s, scenes=scenes,
                              progress=progress, cancel=cancel)


class JobBar(QWidget):
    """A progress bar, a line of text and a Cancel button, for the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(240)
        self.cancel = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()


class JobRunner(QObject):
    finished = Signal(object)      # ImportReport or FrameReport
    failed = Signal(str)

    def __init__(self, bar: JobBar) -> None:
        super().__init__()
        self.bar = bar
        self.jobs = Jobs()
        self.job: Job | None = None
        self.title = ""
        self._on_finished: Callable[[Any], None] | None = None
        self._on_failed: Callable[[JobFailure], None] | None = None
        bar.cancel.clicked.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def import_files(self, case_path: Path, actor: str, paths: list[str]) -> bool:
        """Import files and folders (with sub-folders)."""
        return self._run("Importing", Job(_import_job, case_path, actor, paths))

    def extract(self, case_path: Path, actor: str, video_id: str, every_s: float | None,
                scenes: bool) -> bool:
        """Keep frames of a video already in the case (every N seconds or at cuts)."""
        return self._run("Extracting frames",
                         Job(_extract_job, case_path, actor, video_id, every_s, scenes))

    def run(self, title: str, job: Job, finished: Callable[[Any], None],
            failed: Callable[[JobFailure], None]) -> bool:
        """Any other long job, its result going to `finished` (not the finished signal) and
        its failure, with the error itself for a caller that decides by its type, to
        `failed`."""
        if not self._run(title, job):
            return False
        self._on_finished, self._on_failed = finished, failed
        return True

    def _run(self, title: str, job: Job) -> bool:
        if self.job is not None:
            return False
        self._on_finished = self._on_failed = None
        self.title = title
        self.job = job
        job.signals.progress.connect(self._progress)
        self.bar.text.setText(f"{self.title}…")
        self.bar.bar.setRange(0, 0)
        self.bar.cancel.setEnabled(True)
        self.bar.show()
        self.jobs.run(job, self._finished, failure=self._failed)
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.bar.text.setText("Cancelling… (finishing the files in hand)")
            self.bar.cancel.setEnabled(False)

    def wait(self, seconds: float = 60) -> None:
        if self.job is not None:
            self.job.done.wait(seconds)

    def _progress(self, done: int, total: int, item: str) -> None:
        self.bar.bar.setRange(0, max(total, 1))
        self.bar.bar.setValue(done)
        if self.bar.cancel.isEnabled():
            self.bar.text.setText(f"{self.title} {done}/{total}: {Path(item).name}")

    def _finished(self, report: Any) -> None:
        self.job = None
        self.bar.hide()
        if self._on_finished is not None:
            self._on_finished(report)
        else:
            self.finished.emit(report)

    def _failed(self, failure: JobFailure) -> None:
        self.job = None
        self.bar.hide()
        if self._on_failed is not None:
            self._on_failed(failure)
        else:
            self.failed.emit(failure.message)
