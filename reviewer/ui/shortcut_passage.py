"""Let a window's own shortcuts through a text field that would swallow them.

On X11, Qt's line edit claims some Ctrl+letter keys (Ctrl+E moves to the end of the
line), so a window's Ctrl+E does nothing while the user is in a note field: exactly
when, having written the note, they reach for it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QWidget


class ShortcutPassage(QObject):
    def __init__(self, field: QWidget, actions: list[QAction]) -> None:
        super().__init__(field)
        self._actions = actions
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if any(action.isEnabled() and action.shortcut() == pressed
                   for action in self._actions):
                return True          # not taken by the field: the shortcut fires
        return False
