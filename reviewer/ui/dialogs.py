"""Small dialogs: the label vocabulary, settings, and the list of per-file problems."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.errors import ReviewerError
from reviewer.core.labels import list_labels
from reviewer.ui.edits import AddLabel, EditLabel, MergeLabels
from reviewer.ui.label_picker import swatch
from reviewer.ui.session import CaseSession, EditCommand


class LabelsDialog(QDialog):
    """Add, rename, recolour and merge labels. Each change is saved (and audited) at once."""

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label vocabulary")
        self.session = session
        session.labelsChanged.connect(self.refresh)     # undo and redo show here too
        # A modal dialog takes the keys from the main window: Ctrl+Z here undoes there too.
        QShortcut(QKeySequence.StandardKey.Undo, self, session.undo_stack.undo)
        QShortcut(QKeySequence("Ctrl+Shift+Z"), self, session.undo_stack.redo)
        self.list = QListWidget()
        buttons = QVBoxLayout()
        actions = (("Add…", self.add), ("Rename…", self.rename), ("Colour…", self.recolour),
                   ("Shortcut…", self.set_shortcut), ("Redact by default", self.toggle_redact),
                   ("Merge into…", self.merge))
        for text, slot in actions:
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch()
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.resize(440, 420)
        self.refresh()

    def refresh(self) -> None:
        current = self._current_id()
        self.list.clear()
        for label in list_labels(self.session.case):
            key = f"[{label.shortcut}] " if label.shortcut else ""
            redact = " · redact" if label.redact_default else ""
            item = QListWidgetItem(swatch(label.colour), f"{key}{label.name}{redact}")
            item.setData(Qt.ItemDataRole.UserRole, label.id)
            item.setToolTip(label.description)
            self.list.addItem(item)
            if label.id == current:
                self.list.setCurrentItem(item)

    def _current_id(self) -> str:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ""

    def _apply(self, command: EditCommand) -> None:
        try:
            self.session.push_or_raise(command)
        except ReviewerError as error:
            QMessageBox.warning(self, "Label not changed", str(error))
            return
        self.refresh()

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, "New label", "Name:")
        if ok and name.strip():
            self._apply(AddLabel(self.session, name.strip()))

    def rename(self) -> None:
        label_id = self._current_id()
        if not label_id:
            return
        name, ok = QInputDialog.getText(self, "Rename label", "New name:",
                                        text=self.list.currentItem().text().split("] ")[-1]
                                        .removesuffix(" · redact"))
        if ok and name.strip():
            self._apply(EditLabel(self.session, label_id, "Rename label", name=name.strip()))

    def recolour(self) -> None:
        label_id = self._current_id()
        if not label_id:
            return
        colour = QColorDialog.getColor(parent=self)
        if colour.isValid():
            self._apply(EditLabel(self.session, label_id, "Recolour label",
                                  colour=colour.name()))

    def set_shortcut(self) -> None:
        label_id = self._current_id()
        if not label_id:
            return
        key, ok = QInputDialog.getText(
            self, "Shortcut", "Key (1 to 9; a key another label has moves to this one):")
        if ok and key.strip():
            self._apply(EditLabel(self.session, label_id, "Label shortcut",
                                  shortcut=key.strip()))

    def toggle_redact(self) -> None:
        """New regions with this label are covered in public exports (or no longer)."""
        label_id = self._current_id()
        if not label_id:
            return
        now = next(lb for lb in list_labels(self.session.case) if lb.id == label_id)
        self._apply(EditLabel(self.session, label_id,
                              "Label: no redaction by default" if now.redact_default
                              else "Label: redact by default",
                              redact_default=not now.redact_default))

    def merge(self) -> None:
        source = self._current_id()
        if not source:
            return
        labels = [lb for lb in list_labels(self.session.case) if lb.id != source]
        name, ok = QInputDialog.getItem(self, "Merge labels",
                                        "Retag every region of this label as:",
                                        [lb.name for lb in labels], editable=False)
        if ok:
            target = next(lb.id for lb in labels if lb.name == name)
            command = MergeLabels(self.session, source, target)
            source_name = next(lb.name for lb in list_labels(self.session.case)
                               if lb.id == source)
            command.setText(f"Merge labels {source_name} into {name}")   # what undo says
            self._apply(command)


class SettingsDialog(QDialog):
    def __init__(self, investigator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.name = QLineEdit(investigator)
        self.name.setPlaceholderText("Your name, as recorded in the audit log")
        form = QFormLayout(self)
        form.addRow("Investigator", self.name)
        form.addRow(QLabel("Every change you make is recorded under this name."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ProblemsDialog(QDialog):
    """Per-file errors and warnings of a job, in text the user can select and copy."""

    def __init__(self, title: str, lines: list[str], parent: QWidget | None = None,
                 heading: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QPlainTextEdit("\n".join(lines))
        self.text.setReadOnly(True)
        # A path and its reason run long; wrapped, the reason stays in sight.
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        copy = QPushButton("Copy all")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(copy)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        label = QLabel(heading if heading is not None
                       else f"{len(lines)} file(s) need attention:")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        layout.addWidget(self.text)
        layout.addLayout(row)
        self.resize(900, 400)


def colour_of(name: str) -> QColor:
    return QColor(name)
