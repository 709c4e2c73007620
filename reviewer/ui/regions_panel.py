"""The side panel listing the current image's regions, with their properties."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.conflicts import Conflict, conflicts_by_object
from reviewer.core.incidents import incident_titles_by_region
from reviewer.core.labels import list_labels
from reviewer.core.regions import Region, list_regions
from reviewer.core.shape import shape_noun
from reviewer.ui import conflicts as conflict_marks
from reviewer.ui import mime
from reviewer.ui.edits import EditRegion, region_values
from reviewer.ui.list_table_model import ListTableModel
from reviewer.ui.session import CaseSession

COLUMNS = ("Label", "Shape", "Confidence", "Incidents", "Note")


class RegionsModel(ListTableModel):
    COLUMNS = COLUMNS
    """The regions of one image (a few, or a thousand): reloaded when they change."""

    def __init__(self, session: CaseSession) -> None:
        super().__init__()
        self.session = session
        self.evidence_id = ""
        self.colours: dict[str, str] = {}
        self.conflicts: dict[str, Conflict] = {}
        self.incidents: dict[str, list[str]] = {}     # region id -> incident titles
        session.regionsChanged.connect(self._on_changed)
        session.incidentsChanged.connect(self._on_incidents_changed)
        session.labelsChanged.connect(lambda: self.show(self.evidence_id))

    def show(self, evidence_id: str) -> None:
        self.beginResetModel()
        self.evidence_id = evidence_id
        self.colours = {label.id: label.colour for label in list_labels(self.session.case)}
        self.rows = list_regions(self.session.case, evidence_id) if evidence_id else []
        self.conflicts = {object_id: conflict for object_id, conflict
                          in conflicts_by_object(self.session.case).items()
                          if conflict.kind == "region"} if self.rows else {}
        self.incidents = (incident_titles_by_region(self.session.case, evidence_id)
                          if self.rows else {})
        self.endResetModel()

    def conflict_of(self, region_id: str) -> Conflict | None:
        """The open merge conflict this region is one side of, if any."""
        return self.conflicts.get(region_id)

    def _on_incidents_changed(self) -> None:
        # Only the Incidents column reads incidents. A region edit is announced both as a
        # region and an incident change (incident rows show their tags): reading a
        # thousand regions twice per edit was most of drawing one on a busy image.
        if not self.rows:
            return
        self.incidents = incident_titles_by_region(self.session.case, self.evidence_id)
        column = COLUMNS.index("Incidents")
        self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def _on_changed(self, evidence_id: str) -> None:
        if evidence_id in ("", self.evidence_id):     # "" means regions of many items
            self.show(self.evidence_id)

    @property
    def regions(self) -> list[Region]:
        return self.rows

    def row_of(self, region_id: str) -> int | None:
        for row, region in enumerate(self.rows):
            if region.id == region_id:
                return row
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        region = self.rows[index.row()]
        column = index.column()
        conflict = self.conflicts.get(region.id)
        if conflict is not None and role in (Qt.ItemDataRole.BackgroundRole,
                                             Qt.ItemDataRole.ForegroundRole,
                                             Qt.ItemDataRole.ToolTipRole):
            return conflict_marks.role_data(conflict, region.id, role)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return conflict_marks.marked(region.label, conflict, region.id)
            if column == 1:
                return shape_noun(region.shape)   # "box", as the toolbar and CLI say
            if column == 2:
                return "" if region.confidence is None else f"{region.confidence:.0%}"
            if column == 3:
                return "; ".join(self.incidents.get(region.id, []))
            return region.note
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            titles = self.incidents.get(region.id, [])
            return ("Evidence of: " + "; ".join(titles)) if titles else \
                "Not attached to any incident"

        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return QColor(self.colours.get(region.label_id, "#888888"))
        if role == Qt.ItemDataRole.UserRole:
            return region.id
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [mime.REGIONS]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        ids = list(dict.fromkeys(self.rows[index.row()].id for index in indexes))
        return mime.pack(mime.REGIONS, ids)


class RegionsPanel(QWidget):
    selectionChanged = Signal(list)    # region ids chosen in the list

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = RegionsModel(session)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        # Measure a sample of rows, not all: an image with 1,000 regions stays quick.
        header.setResizeContentsPrecision(30)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setDragEnabled(True)
        self.label = QComboBox()
        self.confidence = QDoubleSpinBox(minimum=-0.01, maximum=1.0, singleStep=0.05,
                                         decimals=2, specialValueText="not set")
        self.note = QLineEdit(placeholderText="What is seen, why it matters…")
        form = QFormLayout()
        form.addRow("Label", self.label)
        form.addRow("Confidence", self.confidence)
        form.addRow("Note", self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        self.settle_button = QPushButton(f"{conflict_marks.MARK} Settle merge conflict…")
        self.settle_button.setToolTip("Both sides edited this region: keep your version, the"
                                      " package's, or both")
        self.settle_button.clicked.connect(lambda: self.settle_conflict())
        self.conflict_dialog: conflict_marks.SettleConflictDialog | None = None
        layout.addWidget(self.settle_button)
        layout.addLayout(form)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelReset.connect(self._on_reset)
        self.label.activated.connect(lambda _: self._edit("label", self.label.currentData()))
        self.confidence.editingFinished.connect(self._confidence_edited)
        self.note.editingFinished.connect(lambda: self._edit("note", self.note.text()))
        session.labelsChanged.connect(self.refresh_labels)
        self._selected: list[str] = []
        self.refresh_labels()
        self._show_properties()

    def refresh_labels(self) -> None:
        self.label.clear()
        for label in list_labels(self.session.case):
            self.label.addItem(label.name, label.id)
            self.label.setItemData(self.label.count() - 1, QColor(label.colour),
                                   Qt.ItemDataRole.DecorationRole)

    def show_evidence(self, evidence_id: str) -> None:
        self._selected = []
        self.model.show(evidence_id)

    def select(self, region_ids: list[str]) -> None:
        """Mirror a selection made in the viewer, without echoing it back."""
        self._selected = list(region_ids)
        selection = QItemSelection()
        for region_id in region_ids:
            row = self.model.row_of(region_id)
            if row is not None:
                selection.select(self.model.index(row, 0),
                                 self.model.index(row, len(COLUMNS) - 1))
        model = self.table.selectionModel()
        model.blockSignals(True)
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        model.blockSignals(False)
        self.table.viewport().update()
        if region_ids and (row := self.model.row_of(region_ids[0])) is not None:
            self.table.scrollTo(self.model.index(row, 0))
        self._show_properties()

    def selected_ids(self) -> list[str]:
        return list(self._selected)

    def _on_reset(self) -> None:
        still = [r for r in self._selected if self.model.row_of(r) is not None]
        self.select(still)

    def _on_selection(self, *_: Any) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        self._selected = [self.model.regions[row].id for row in rows]
        self._show_properties()
        self.selectionChanged.emit(self._selected)

    def _current(self) -> Region | None:
        if len(self._selected) != 1:
            return None
        row = self.model.row_of(self._selected[0])
        return self.model.regions[row] if row is not None else None

    def _show_properties(self) -> None:
        region = self._current()
        self.settle_button.setVisible(
            region is not None and self.model.conflict_of(region.id) is not None)
        for widget in (self.label, self.confidence, self.note):
            widget.setEnabled(region is not None)
        if region is None:
            self.note.clear()
            return
        self.label.setCurrentIndex(self.label.findData(region.label_id))
        self.confidence.setValue(-0.01 if region.confidence is None else region.confidence)
        self.note.setText(region.note)

    def _confidence_edited(self) -> None:
        value = self.confidence.value()
        self._edit("confidence", None if value < 0 else round(value, 2))

    def _edit(self, key: str, value: Any) -> None:
        region = self._current()
        if region is None or region_values(region, [key])[key] == value:
            return
        self.session.push(EditRegion(self.session, region.id, region_values(region, [key]),
                                     {key: value}, f"Change {key}"))

    def settle_conflict(self, region_id: str = "") -> conflict_marks.SettleConflictDialog | None:
        """Open the dialog that settles this (or the selected) region's merge conflict."""
        region = self._current()
        conflict = self.model.conflict_of(region_id or (region.id if region else ""))
        if conflict is None:
            return None
        self.conflict_dialog = conflict_marks.SettleConflictDialog(self.session, conflict.id,
                                                                   self)
        self.conflict_dialog.open()
        return self.conflict_dialog
