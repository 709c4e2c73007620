"""Start the desktop app: `reviewer [CASE]`."""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from reviewer import __version__
from reviewer.core.resources import resource
from reviewer.ui.main_window import MainWindow


def run(case: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Evidence Reviewer")
    app.setOrganizationName("Evidence Reviewer")
    app.setApplicationVersion(__version__)
    _set_icon(app)
    window = MainWindow()
    window.show()
    if case:
        window.open_case(case)
    return app.exec()


def _set_icon(app: QApplication) -> None:
    """The window icon from the shipped PNGs (no QtSvg needed, in or out of the bundle).

    Wayland ignores window icons: there the desktop file (matched by its name) gives it.
    """
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addFile(str(resource(f"icons/app-{size}.png")))
    app.setWindowIcon(icon)
    app.setDesktopFileName("org.evidencereviewer.Reviewer")
