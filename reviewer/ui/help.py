"""Help: the sheet of keyboard shortcuts, and the user guide shown in the app."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

# Keys that are not menu actions (the viewer's, the video's, the compare window's):
# written here, beside the menus read from the window itself, so the sheet is whole.
OTHER_KEYS = (
    ("Tagging", "1 – 9", "Label for the next shape; with shapes clicked (Select tool),"
                         " relabel them"),
    ("Tagging", "Space + drag, middle drag", "Pan the image"),
    ("Tagging", "Wheel", "Zoom at the pointer"),
    ("Tagging", "Arrows (Shift: 10 px)", "Nudge the selected regions"),
    ("Tagging", "Ctrl+click, Shift+drag", "Add to the selection"),
    ("Tagging", "Enter / Backspace", "Finish the polygon / remove its last point"),
    ("Tagging", "Escape", "Cancel the drawing, or clear the selection"),
    ("Face suggestions", "Enter, double click", "Accept the highlighted suggestion (a"
                                                " redaction region)"),
    ("Face suggestions", "Delete / Backspace", "Reject it (nothing is written)"),
    ("Face suggestions", "Drag it, drag its corner", "Move it, resize it before accepting"),
    ("Video", "Left / Right", "One frame back / forward"),
    ("Video", "Shift+Left / Shift+Right", "One second back / forward"),
    ("Video", "Space", "Play / pause"),
    ("Compare window", "1 – 4", "Side by side, swipe, blend, difference"),
    ("Compare window", "A / P", "Align automatically / by points"),
    ("Compare window", "Escape, Ctrl+W", "Close the window (Escape first ends point"
                                        " picking)"),
)


SHEET_TEXT = "sheet_text"   # an action's fixed wording in the sheet, where its text varies


def menu_shortcuts(menus: list[QMenu], extra: list[QAction]) -> list[tuple[str, str, str]]:
    """(where, keys, what) for every action with a shortcut in these menus and `extra`."""
    rows: list[tuple[str, str, str]] = []

    def add(where: str, action: QAction) -> None:
        keys = ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText)
                         for key in action.shortcuts() if not key.isEmpty())
        if keys:
            # Undo and redo carry the step they would undo ("Undo Merge labels"): the sheet
            # says what the key does whatever comes next.
            rows.append((where, keys, action.property(SHEET_TEXT)
                         or action.text().replace("&", "")))

    for menu in menus:
        for action in menu.actions():
            if action.menu() is None:
                add(menu.title().replace("&", ""), action)
    for action in extra:
        add("Tools", action)
    return rows


class ShortcutSheet(QDialog):
    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 600)

    def keys_for(self, what: str) -> str:
        """The keys listed for an entry (for the sheet's readers and tests)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 2).text() == what:
                return self.table.item(row, 1).text()
        return ""


def guide_path() -> Path | None:
    """docs/guide.md of this copy (a checkout, or the bundle that ships docs/)."""
    for root in Path(__file__).resolve().parents[2:4]:
        candidate = root / "docs" / "guide.md"
        if candidate.is_file():
            return candidate
    return None


class GuideWindow(QDialog):
    """The user guide with its pictures, as the Markdown in docs/ says it."""

    def __init__(self, path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evidence Reviewer — user guide")
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        if path is None:
            self.text.setPlainText(
                "The user guide is not installed with this copy of the app. It is"
                " docs/guide.md in the source of Evidence Reviewer.")
        else:
            self.text.setSearchPaths([str(path.parent)])
            self.text.setSource(QUrl.fromLocalFile(str(path)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(900, 700)
