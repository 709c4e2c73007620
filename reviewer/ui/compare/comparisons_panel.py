"""The comparisons of the case: which pair, how well aligned, the note; open or delete."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.comparisons import Comparison, list_comparisons
from reviewer.core.evidence import get_evidence
from reviewer.ui.compare.edits import DeleteComparison
from reviewer.ui.list_table_model import ListTableModel
from reviewer.ui.session import CaseSession


def alignment_summary(comparison: Comparison) -> str:
    alignment = comparison.get_alignment()
    if alignment is None:
        return "not aligned"
    if alignment.method == "none":
        return "taken as aligned"
    how = "by points" if alignment.method == "manual" else "auto"
    verdict = "" if alignment.good else ", POOR"
    return f"{how}, {alignment.reprojection_error_px:.1f} px{verdict}"


class ComparisonsModel(ListTableModel):
    COLUMNS = ("Before", "After", "Alignment", "Note")

    def __init__(self, session: CaseSession) -> None:
        super().__init__()
        self.session = session
        self.names: dict[str, str] = {}
        session.comparisonsChanged.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = list_comparisons(self.session.case)
        ids = {c.before_id for c in self.rows} | {c.after_id for c in self.rows}
        self.names = {i: get_evidence(self.session.case, i)["original_name"] for i in ids}
        self.endResetModel()

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        comparison: Comparison = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.UserRole:
            return comparison.id
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            alignment = comparison.get_alignment()
            return QColor("#c62828") if alignment is not None and not alignment.good else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return (self.names.get(comparison.before_id, comparison.before_id),
                self.names.get(comparison.after_id, comparison.after_id),
                alignment_summary(comparison), comparison.note)[column]


class ComparisonsPanel(QWidget):
    openComparison = Signal(str)

    def __init__(self, session: CaseSession) -> None:
        super().__init__()
        self.session = session
        self.model = ComparisonsModel(session)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda index: self.openComparison.emit(
            self.model.data(index, Qt.ItemDataRole.UserRole)))
        self.hint = QLabel("Select two images in Evidence and choose Compare (right-click,"
                           " or Ctrl+Shift+C).")
        self.hint.setWordWrap(True)
        open_button = QPushButton("Open")
        open_button.clicked.connect(self._open_selected)
        delete_button = QPushButton("Delete")
        delete_button.clicked.connect(self._delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addWidget(delete_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.model.modelReset.connect(self._update_hint)
        self._update_hint()

    def _update_hint(self) -> None:
        self.hint.setVisible(self.model.rowCount() == 0)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], Qt.ItemDataRole.UserRole) if rows else None

    def _open_selected(self) -> None:
        comparison_id = self.selected_id()
        if comparison_id:
            self.openComparison.emit(comparison_id)

    def _delete_selected(self) -> None:
        comparison_id = self.selected_id()
        if comparison_id:
            self.session.push(DeleteComparison(self.session, comparison_id))
