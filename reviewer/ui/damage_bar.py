"""How an item kept damaged (a truncated photo, a cut-off video) says so in the app."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

DAMAGED_COLOUR = QColor(170, 30, 30, 230)


def damage_text(row: dict[str, Any]) -> str:
    """One line for a damaged item ('' for a sound one): what the viewer bar, the
    metadata panel and the thumbnail's tooltip say."""
    if not row.get("damaged"):
        return ""
    return f"Damaged, kept as received: {row.get('damage_reason') or 'no reason recorded'}"


class DamageBar(QLabel):
    """A bar above the image or video, shown only for an item flagged damaged."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("damageBar")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet("#damageBar { background: #fbe3e1; color: #7a1010;"
                           " border-bottom: 2px solid #aa1e1e; padding: 4px 8px; }")
        self.hide()

    def show_item(self, row: dict[str, Any] | None) -> None:
        text = damage_text(row or {})
        self.setText(text)
        self.setToolTip(text)
        self.setVisible(bool(text))
