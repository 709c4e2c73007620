"""Choose what to export: the whole case or some incidents, with media or without, where."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
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

from reviewer.core.incidents import Incident
from reviewer.core.package_identity import checked_title, default_package_title
from reviewer.ui.file_choice import choose_to_save, may_replace, with_suffix


def default_package_name(title: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in title).strip("_") or "case"
    return f"{safe}-{date.today().isoformat()}.zip"


def package_contents(incidents: int, chosen: int, whole: bool, media: bool) -> str:
    """What a package of this choice holds and what it does not, in words for the sender."""
    files = "with the media files" if media else "without media files (records and hashes only)"
    if whole:
        return (f"In the package: the whole case, {files}, and its whole history, including"
                " the folders files were imported from. Share it only with someone who may"
                " see all of it.")
    others = incidents - chosen
    return (f"In the package: {chosen} incident(s), their tags and the items they tag or link,"
            f" {files}, only their history, each record with its proof, and the package"
            f" title below. Not in it:"
            f" the other {others} incident(s) and whatever only they use (their tags, items,"
            " labels of your own, their history), the case's title and id (the package has"
            " an id of its own), the packages you merged, your folders"
            " (items keep their file names only). The recipient sees counts of what was"
            " left out, never names.")


class ExportDialog(QDialog):
    def __init__(self, incidents: list[Incident], title: str, folder: Path,
                 selected: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export a package")
        self.whole = QRadioButton("The whole case")
        self.some = QRadioButton("Only these incidents (their tags and items):")
        self.list = QListWidget()
        for row in incidents:
            item = QListWidgetItem(row.title)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if selected and row.id in selected
                               else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        (self.some if selected else self.whole).setChecked(True)
        self.some.setEnabled(bool(incidents))
        self.list.setEnabled(self.some.isChecked())
        self.some.toggled.connect(self.list.setEnabled)
        self.media = QCheckBox("Include the media (originals, frames, made images), byte for"
                               " byte")
        self.media.setChecked(True)
        # A partial package's title: the case's could name what is not shared.
        self.title = QLineEdit()
        self.title.setPlaceholderText("the titles of the chosen incidents")
        self._title_edited = False
        self.title.textEdited.connect(self._title_typed)
        self._case_title = title
        self._folder = folder
        self.path = QLineEdit(str(folder / default_package_name(title)))
        self._path_edited = False
        self.path.textEdited.connect(self._path_typed)
        self._asked: Path | None = None
        self.replace = False
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        title_row = QHBoxLayout()
        self.title_label = QLabel("Package title")
        title_row.addWidget(self.title_label)
        title_row.addWidget(self.title, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Save as"))
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.contents = QLabel()
        self.contents.setWordWrap(True)
        self.contents.setTextFormat(Qt.TextFormat.PlainText)
        for signal in (self.whole.toggled, self.some.toggled, self.media.toggled,
                       self.list.itemChanged):
            signal.connect(self._describe)
        self._describe()
        note = QLabel("The package holds a snapshot of the case file, a manifest with the"
                      " SHA-256 of every file, an offline report (report/index.html) and"
                      " the incidents and tags as CSV and GeoJSON. A recipient checks it"
                      " with File ▸ Verify package or <code>reviewer verify</code>.")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.whole, self.some, self.list, self.media):
            layout.addWidget(widget)
        layout.addLayout(title_row)
        layout.addLayout(row)
        layout.addWidget(self.contents)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(620, 460)

    def _describe(self, *_: object) -> None:
        self.contents.setText(package_contents(self.list.count(), len(self.incidents()),
                                               self.whole.isChecked(), self.media.isChecked()))
        partial = not self.whole.isChecked()
        self.title.setEnabled(partial)
        self.title_label.setEnabled(partial)
        if not self._title_edited:
            self.title.setText(default_package_title(self._chosen_titles()) if partial
                               else "")
        if not self._path_edited and self._asked is None:
            # The file's name travels too: a partial package's follows its own title.
            name = self.package_title() if partial else self._case_title
            self.path.setText(str(self._folder / default_package_name(name)))

    def _chosen_titles(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _title_typed(self, _text: str) -> None:
        self._title_edited = True

    def _path_typed(self, _text: str) -> None:
        self._path_edited = True

    def package_title(self) -> str | None:
        """The partial package's title as typed (None for a whole-case package)."""
        if self.whole.isChecked():
            return None
        return self.title.text()

    def _browse(self) -> None:
        chosen = choose_to_save(self, "Save the package as", self.path.text(),
                                "Evidence package (*.zip)", ".zip")
        if chosen is not None:
            self.path.setText(str(chosen))
            self._asked = chosen            # the save dialog asked before replacing it

    def incidents(self) -> list[str]:
        if self.whole.isChecked():
            return []
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def out_path(self) -> Path:
        return with_suffix(self.path.text(), ".zip") or Path("package.zip")

    def accept(self) -> None:
        if self.some.isChecked() and not self.incidents():
            self.some.setText("Only these incidents (tick at least one):")
            return
        if self.some.isChecked() and checked_title(self.title.text()) is None:
            self.title_label.setText("Package title (1 to 200 characters):")
            return
        if not may_replace(self, self.out_path(), self._asked):
            return
        self.replace = self.out_path().exists()     # the user agreed to replace it
        super().accept()
