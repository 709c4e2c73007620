"""Start the desktop app: `reviewer [CASE]`."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from reviewer import __version__
from reviewer.ui.main_window import MainWindow


def run(case: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Evidence Reviewer")
    app.setOrganizationName("Evidence Reviewer")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    window.show()
    if case:
        window.open_case(case)
    return app.exec()
