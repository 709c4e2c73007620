"""File ▸ Export annotations…: the format, the labels (the classes), the incidents, and
the new folder to write the tags and image copies into; "For publication" for redacted
copies (core/annotations/public.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
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
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.ui.file_choice import may_replace

# (format, what the user reads); the core's WRITERS has the same keys.
FORMATS = (("coco", "COCO JSON (boxes and polygons)"),
           ("yolo", "YOLO (normalised boxes, classes.txt)"),
           ("voc", "Pascal VOC XML (boxes)"),
           ("cvat", "CVAT for images XML (boxes, polygons, points)"),
           ("xmp", "Image copies with XMP sidecars (digiKam, Lightroom)"))


def _checkable(text: str, key: str, checked: bool) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, key)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    return item


def _ticked(widget: QListWidget) -> list[str]:
    return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


class AnnotationsDialog(QDialog):
    def __init__(self, labels: list[str], incidents: list[dict], folder: Path,
                 selected_incidents: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export annotations")
        self.folder = folder
        self.format = QComboBox()
        for key, text in FORMATS:
            self.format.addItem(text, key)
        self.labels = QListWidget()
        for name in labels:
            self.labels.addItem(_checkable(name, name, True))
        self.every = QRadioButton("Every tagged image")
        self.some = QRadioButton("Only tags linked to these incidents:")
        self.incidents = QListWidget()
        for row in incidents:
            self.incidents.addItem(_checkable(row["title"], row["id"],
                                              row["id"] in (selected_incidents or [])))
        (self.some if selected_incidents else self.every).setChecked(True)
        self.some.setEnabled(bool(incidents))
        self.incidents.setEnabled(self.some.isChecked())
        self.some.toggled.connect(self.incidents.setEnabled)
        self.path = QLineEdit(str(folder / "annotations-coco"))
        self.format.currentIndexChanged.connect(self._follow_format)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b00")
        note = QLabel("Copies of the images, upright as you see them, and the tags in their"
                      " pixels; the originals are only read. Points have no place in COCO,"
                      " YOLO or VOC and are left out there.")
        note.setWordWrap(True)
        self.public = QCheckBox("For publication (redacted copies)")
        self.public.setToolTip("The copies as File ▸ Export for publication makes them: areas"
                               " marked redact covered, no metadata, named image-001.jpg…;"
                               " no ids, and the tags of covered areas left out")
        self.replace = False
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Labels", self.labels)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for widget in (self.every, self.some, self.incidents):
            layout.addWidget(widget)
        layout.addWidget(QLabel("New folder"))
        layout.addLayout(where)
        layout.addWidget(self.public)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(620, 560)

    def _follow_format(self) -> None:
        """A folder name still as proposed follows the format chosen."""
        current = Path(self.path.text())
        if current.parent == self.folder and current.name.startswith("annotations-"):
            self.path.setText(str(self.folder / f"annotations-{self.chosen_format()}"))

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export the annotations into the folder",
                                                self.path.text())
        if chosen:
            self.path.setText(chosen)

    def chosen_format(self) -> str:
        return self.format.currentData()

    def chosen_labels(self) -> list[str]:
        return _ticked(self.labels)

    def chosen_incidents(self) -> list[str]:
        return _ticked(self.incidents) if self.some.isChecked() else []

    def chosen_public(self) -> bool:
        return self.public.isChecked()

    def out_path(self) -> Path:
        return Path(self.path.text().strip() or "annotations").expanduser()

    def accept(self) -> None:
        if not self.chosen_labels():
            self.problem.setText("Tick at least one label.")
            return
        if self.some.isChecked() and not self.chosen_incidents():
            self.problem.setText("Tick at least one incident, or export every tagged image.")
            return
        if self.chosen_public() and self.chosen_format() == "xmp":
            # Its sidecars carry the incidents' places and keywords (docs/guide.md).
            self.problem.setText("XMP sidecars cannot be published: choose COCO, YOLO, VOC"
                                 " or CVAT for redacted copies.")
            return
        if not may_replace(self, self.out_path(), None):
            return
        self.replace = self.out_path().exists()     # the user agreed to replace it
        super().accept()
