"""Choose how a comparison is exported: the view, the width, and an optional file copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from reviewer.core.compare_export import DEFAULT_WIDTH
from reviewer.core.compare_render import MAX_WIDTH, MIN_WIDTH

VIEWS = {"side": "Side by side", "swipe": "Swipe (at the divider)",
         "difference": "Difference (changed areas)"}


@dataclass(frozen=True)
class ExportChoice:
    mode: str
    width: int
    path: Path | None


class ExportComparisonDialog(QDialog):
    def __init__(self, parent: QWidget | None, aligned: bool, mode: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export comparison as an image")
        self.view = QComboBox()
        for key, text in VIEWS.items():
            self.view.addItem(text, key)
            if key != "side" and not aligned:   # those views need the alignment
                self.view.model().item(self.view.count() - 1).setEnabled(False)
        self.view.setCurrentIndex(max(0, self.view.findData(mode if aligned else "side")))
        self.width_box = QSpinBox()
        self.width_box.setRange(MIN_WIDTH, MAX_WIDTH)
        self.width_box.setSingleStep(100)
        self.width_box.setValue(DEFAULT_WIDTH)
        self.width_box.setSuffix(" px")
        self.copy = QCheckBox("Also save a copy as")
        self.path = QLineEdit()
        self.path.setEnabled(False)
        browse = QPushButton("Browse…")
        browse.setEnabled(False)
        browse.clicked.connect(self._browse)
        self.copy.toggled.connect(self.path.setEnabled)
        self.copy.toggled.connect(browse.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.copy)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("View", self.view)
        form.addRow("Width", self.width_box)
        form.addRow(row)
        form.addRow(QLabel("The image is kept in the case as derived evidence, with the"
                           " names, times and SHA-256 of both sources in its caption and"
                           " its record."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save a copy as", self.path.text()
                                                or "comparison.png", "PNG image (*.png)")
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".png") else chosen + ".png")

    def choice(self) -> ExportChoice:
        text = self.path.text().strip()
        path = Path(text) if self.copy.isChecked() and text else None
        return ExportChoice(self.view.currentData(), self.width_box.value(), path)
