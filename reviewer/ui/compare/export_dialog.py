"""Choose how a comparison is exported: the view, the width, and an optional file copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from reviewer.core.compare_export import DEFAULT_WIDTH, check_export
from reviewer.core.compare_render import MAX_WIDTH, MIN_WIDTH
from reviewer.core.errors import ReviewerError
from reviewer.ui.file_choice import choose_to_save, may_replace, with_suffix

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
        self.error = QLabel(styleSheet="color: #b00020", wordWrap=True)
        form.addRow(self.error)
        form.addRow(buttons)
        self._asked: Path | None = None

    def _browse(self) -> None:
        chosen = choose_to_save(self, "Save a copy as", self.path.text() or "comparison.png",
                                "PNG image (*.png)", ".png")
        if chosen is not None:
            self.path.setText(str(chosen))
            self._asked = chosen            # the save dialog asked before replacing it

    def accept(self) -> None:
        """Refuse here, with the reason, what the export would refuse after drawing."""
        choice = self.choice()
        try:
            check_export(choice.mode, choice.width, choice.path)
        except ReviewerError as error:
            self.error.setText(str(error))
            return
        if choice.path is not None and not may_replace(self, choice.path, self._asked):
            return
        super().accept()

    def choice(self) -> ExportChoice:
        path = with_suffix(self.path.text(), ".png") if self.copy.isChecked() else None
        return ExportChoice(self.view.currentData(), self.width_box.value(), path)
