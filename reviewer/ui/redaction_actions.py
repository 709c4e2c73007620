"""The window's redaction actions (Edit menu) and File ▸ Export for publication: kept
apart from main_window.py, which only places them. Each reaches the open case through
the window's workspace at the moment it is triggered (none open: it does nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from reviewer.ui.share.public_dialog import ask_redaction_method, publish

if TYPE_CHECKING:
    from reviewer.ui.main_window import MainWindow


def _say(window: MainWindow, message: str) -> None:
    if message:
        window.statusBar().showMessage(message, 8000)


def _toggle(window: MainWindow) -> None:
    if window.workspace is not None:
        _say(window, window.workspace.toggle_redaction())


def _reviewed(window: MainWindow) -> None:
    if window.workspace is not None:
        _say(window, window.workspace.mark_reviewed())


def _method(window: MainWindow) -> None:
    if window.workspace is not None:
        method = ask_redaction_method(window)
        if method:
            _say(window, window.workspace.set_redaction_method(method))


def _publish(window: MainWindow) -> None:
    """The selected items or every image: the dialog asks which."""
    if window.workspace is not None:
        publish(window, window.share, window.workspace.session,
                window.workspace.browser.selected_ids())


def edit_actions(window: MainWindow) -> list[QAction]:
    """Redact/unredact the selected regions (Shift+X), mark items reviewed, pick a method."""
    toggle = QAction("Re&dact selected regions (or unredact)", window)
    toggle.setShortcut("Shift+X")
    toggle.triggered.connect(lambda: _toggle(window))
    reviewed = QAction("Mark selected items re&viewed: nothing to redact", window)
    reviewed.triggered.connect(lambda: _reviewed(window))
    method = QAction("Redaction &method of selected regions…", window)
    method.triggered.connect(lambda: _method(window))
    return [toggle, reviewed, method]


def publish_action(window: MainWindow) -> QAction:
    action = QAction("Export for p&ublication…", window)
    action.triggered.connect(lambda: _publish(window))
    return action
