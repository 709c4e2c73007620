"""Merge conflicts in the app: how a row that is one side of one looks, and the dialog to settle.

A merge that finds a region or incident edited on both sides keeps yours and adds the
package's version as a copy (core/merge.py). Until an investigator settles it, both rows
carry a "⚠", say which side they are ("yours" / "from PACKAGE"), explain in a tooltip
and have a distinct background. Settling is an undoable edit (edits.SettleConflict).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.conflicts import Conflict, conflict_versions, get_conflict
from reviewer.ui.edits import SettleConflict
from reviewer.ui.session import CaseSession

MARK = "⚠"
BACKGROUND = QColor("#ffe7a0")     # rows in conflict
DIFFERS = QColor("#ffc98a")        # fields that differ, in the dialog
TEXT = QColor("#000000")           # readable on those backgrounds in a dark theme too

_FIELD_NAMES = {"item": "Item", "label": "Label", "shape": "Shape", "geometry": "Geometry",
                "confidence": "Confidence", "note": "Note", "title": "Title",
                "category": "Category", "time_from": "From", "time_to": "To",
                "place_name": "Place", "lat": "Latitude", "lon": "Longitude",
                "radius_m": "Radius (m)", "description": "Description", "sources": "Sources",
                "status": "Status"}


def side_name(conflict: Conflict, object_id: str) -> str:
    return "yours" if conflict.side(object_id) == "mine" else f"from {conflict.package_name}"


def marked(text: str, conflict: Conflict | None, object_id: str) -> str:
    """`text` as a conflicting row shows it: '⚠ [yours] text' / '⚠ [from x.zip] text'.

    The side comes first so that a narrow column, which elides the end, still shows it.
    """
    if conflict is None:
        return text
    return f"{MARK} [{side_name(conflict, object_id)}] {text}"


def tooltip(conflict: Conflict, object_id: str) -> str:
    if conflict.side(object_id) == "mine":
        which = (f"This is yours: this case's version. The package {conflict.package_name}"
                 f" brought another version, kept beside it as a copy.")
    else:
        which = (f"This is the version from {conflict.package_name}, kept as a copy beside"
                 f" yours (nothing was overwritten).")
    return (f"{MARK} Merge conflict. {which}\n{conflict.detail[:1].upper()}{conflict.detail[1:]}."
            f"\nMerged {conflict.merged_at} by {conflict.merged_by}."
            "\nRight-click ▸ Settle merge conflict… to keep one or both.")


def role_data(conflict: Conflict | None, object_id: str, role: int) -> Any:
    """The background, text colour and tooltip of a row in conflict (None otherwise)."""
    if conflict is None:
        return None
    if role == Qt.ItemDataRole.BackgroundRole:
        return QBrush(BACKGROUND)
    if role == Qt.ItemDataRole.ForegroundRole:
        return QBrush(TEXT)
    if role == Qt.ItemDataRole.ToolTipRole:
        return tooltip(conflict, object_id)
    return None


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if key == "confidence" and isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


class SettleConflictDialog(QDialog):
    """Both versions side by side, the differing fields highlighted; keep mine/theirs/both."""

    def __init__(self, session: CaseSession, conflict_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.conflict = get_conflict(session.case, conflict_id)
        self.kept = ""
        conflict = self.conflict
        versions = conflict_versions(session.case, conflict)
        self.setWindowTitle("Settle merge conflict")
        name = _escape(conflict.title) or "untitled"
        heading = QLabel(
            f"<b>Two versions of this {conflict.kind}</b> ({name}): yours, in this case, and"
            f" theirs, from <b>{_escape(conflict.package_name)}</b> (merged"
            f" {conflict.merged_at} by {_escape(conflict.merged_by)}). Nothing has been"
            " overwritten. The fields that differ are highlighted.")
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(len(versions.fields), 2)
        self.table.setHorizontalHeaderLabels(
            ["Yours (this case)", f"Theirs (from {conflict.package_name})"])
        self.table.setVerticalHeaderLabels([_FIELD_NAMES.get(k, k) for k in versions.fields])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row, key in enumerate(versions.fields):
            for column, values in enumerate((versions.mine, versions.theirs)):
                text = "(deleted since the merge)" if values is None else _shown(key, values[key])
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if key in versions.differ:
                    item.setBackground(DIFFERS)
                    item.setForeground(TEXT)
                    item.setFont(bold)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.differ = versions.differ
        explain = QLabel(
            f"<b>Keep mine</b>: their copy is removed. <b>Keep theirs</b>: your {conflict.kind}"
            f" takes their content, their copy is removed. <b>Keep both</b>: two separate"
            f" {conflict.kind}s stay. The copy's incident links are kept either way."
            " Edit ▸ Undo reverses the choice.")
        explain.setWordWrap(True)
        self.keep_mine = QPushButton("Keep mine")
        self.keep_theirs = QPushButton("Keep theirs")
        self.keep_both = QPushButton("Keep both")
        self.cancel = QPushButton("Cancel")
        self.keep_mine.setEnabled(versions.mine is not None)
        self.keep_theirs.setEnabled(versions.mine is not None and versions.theirs is not None)
        buttons = QHBoxLayout()
        for button, keep in ((self.keep_mine, "mine"), (self.keep_theirs, "theirs"),
                             (self.keep_both, "both")):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, k=keep: self.settle(k))
            buttons.addWidget(button)
        buttons.addStretch()
        buttons.addWidget(self.cancel)
        self.cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(explain)
        layout.addLayout(buttons)
        self.resize(760, 460)

    def settle(self, keep: str) -> bool:
        """Save the choice as an undoable edit; the dialog closes only if it was saved."""
        if self.session.push(SettleConflict(self.session, self.conflict.id, keep)):
            self.kept = keep
            self.accept()
            return True
        return False


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
