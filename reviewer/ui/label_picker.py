"""Choosing the label new regions get: keys 1-9, or a searchable list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QWidget

from reviewer.core.labels import Label, list_labels
from reviewer.ui.session import CaseSession


def swatch(colour: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class LabelPicker(QWidget):
    """The current label; a combo box whose text field searches the vocabulary."""

    changed = Signal(str)   # label id

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.labels: list[Label] = []
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMinimumContentsLength(18)
        self.combo.setToolTip("Label for new regions: keys 1–9, or type to search")
        completer = QCompleter(self.combo.model(), self.combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.combo.setCompleter(completer)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Label:"))
        layout.addWidget(self.combo)
        self.combo.currentIndexChanged.connect(self._on_index)
        session.labelsChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        chosen = self.current_id()
        self.labels = list_labels(self.session.case)
        self.combo.blockSignals(True)
        self.combo.clear()
        for label in self.labels:
            key = f"{label.shortcut}  " if label.shortcut else "    "
            self.combo.addItem(swatch(label.colour), f"{key}{label.name}", label.id)
        index = self.combo.findData(chosen)
        self.combo.setCurrentIndex(index if index >= 0 else 0)
        self.combo.blockSignals(False)

    def current_id(self) -> str:
        return self.combo.currentData() or ""

    def current(self) -> Label | None:
        return next((lb for lb in self.labels if lb.id == self.current_id()), None)

    def choose_shortcut(self, key: str) -> bool:
        for label in self.labels:
            if label.shortcut == key:
                self.choose(label.id)
                return True
        return False

    def choose(self, label_id: str) -> None:
        index = self.combo.findData(label_id)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def _on_index(self, _index: int) -> None:
        self.changed.emit(self.current_id())
