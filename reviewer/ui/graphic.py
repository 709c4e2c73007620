"""Graphic content shown blurred until revealed (issues 15 and 17).

An item flagged graphic, or carrying a tag whose label is flagged graphic, is blurred in
the browser's thumbnails and in the viewer until the investigator reveals it (for this
session only: it is blurred again when the case is reopened). A setting turns blurring
off. What is graphic is read from the case (`evidence_summaries`' `graphic`); what was
revealed is only the app's state, never written to the case.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGraphicsBlurEffect,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

BLUR_RADIUS = 60
_COARSE = 12   # a thumbnail is shrunk to this many pixels across, then enlarged smoothly


def blurred(pixmap: QPixmap) -> QPixmap:
    """A thumbnail too coarse to make out, the same size (cheap: no filter pass)."""
    small = pixmap.scaled(_COARSE, _COARSE, Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    return small.scaled(pixmap.size(), Qt.AspectRatioMode.IgnoreAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


class GraphicGuard(QObject):
    """Which items are hidden: graphic ones, while blurring is on, until revealed."""

    changed = Signal(str)      # the item revealed ("" when blurring was turned on or off)

    def __init__(self, blur: bool = True) -> None:
        super().__init__()
        self.blur = blur
        self.revealed: set[str] = set()

    def hides(self, evidence_id: str, graphic: object) -> bool:
        return bool(self.blur and graphic and evidence_id not in self.revealed)

    def reveal(self, evidence_id: str) -> None:
        if evidence_id and evidence_id not in self.revealed:
            self.revealed.add(evidence_id)
            self.changed.emit(evidence_id)

    def set_blur(self, blur: bool) -> None:
        if blur != self.blur:
            self.blur = blur
            self.changed.emit("")


class GraphicBar(QWidget):
    """Above the viewer while a graphic item is hidden: what it is and a Reveal button;
    the viewer itself is blurred meanwhile."""

    def __init__(self, guard: GraphicGuard, covered: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guard, self.covered = guard, covered
        self.setObjectName("graphicBar")
        self.setStyleSheet("#graphicBar { background: #2b2b2b; } QLabel { color: #f0f0f0; }")
        self.text = QLabel("Graphic content: blurred until you reveal it")
        self.reveal_button = QPushButton("Reveal")
        self.reveal_button.clicked.connect(self._reveal)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.reveal_button)
        self.evidence_id = ""
        self._effect: QGraphicsBlurEffect | None = None
        self.hide()

    def show_item(self, evidence_id: str, graphic: object) -> None:
        self.evidence_id = evidence_id
        hidden = self.guard.hides(evidence_id, graphic)
        self.setVisible(hidden)
        if hidden:
            if not isinstance(self.covered.graphicsEffect(), QGraphicsBlurEffect):
                # Held here as well: Qt owns it, but PySide would delete an unreferenced one.
                self._effect = QGraphicsBlurEffect(blurRadius=BLUR_RADIUS)
                self.covered.setGraphicsEffect(self._effect)
        elif self.covered.graphicsEffect() is not None:
            self.covered.setGraphicsEffect(None)   # type: ignore[arg-type]   # Qt deletes it
            self._effect = None

    def _reveal(self) -> None:
        self.guard.reveal(self.evidence_id)
        self.show_item(self.evidence_id, False)
