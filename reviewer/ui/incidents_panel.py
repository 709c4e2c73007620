"""The incidents panel: list, create/edit, and attach tags or items (button or drop)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.conflicts import Conflict, conflicts_by_object
from reviewer.core.incidents import Incident, get_incident, list_incidents
from reviewer.core.vocabulary import incident_vocabulary
from reviewer.ui import conflicts as conflict_marks
from reviewer.ui import mime
from reviewer.ui.edits import AddIncident, DeleteIncident, EditIncident, LinkToIncident
from reviewer.ui.incident_form import IncidentForm
from reviewer.ui.incident_rows import DETAIL_COLUMNS, IncidentRowDelegate
from reviewer.ui.list_table_model import ListTableModel
from reviewer.ui.session import CaseSession

COLUMNS = ("Title", "When", "Place", "Tags", "Status")


def _when(row: Incident) -> str:
    """The interval, short enough for a column: the full times are in the form and page."""
    start, end = _short_time(row.time_from), _short_time(row.time_to)
    if start and end:
        if start[:10] == end[:10]:
            return f"{start}–{end[11:]}" if len(end) > 10 else start
        return f"{start[:10]} – {end[:10]}"
    return start or end or "unknown"


def _interval(row: Incident) -> str:
    """The interval in full, as recorded (for the tooltip)."""
    start, end = row.time_from or "", row.time_to or ""
    return f"{start} – {end}" if start and end else start or end


def _short_time(value: str | None) -> str:
    """'2018-04-07T19:00:00+03:00' as '2018-04-07 19:00' (local time as recorded)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M")


class IncidentsModel(ListTableModel):
    COLUMNS = COLUMNS
    def __init__(self, session: CaseSession) -> None:
        super().__init__()
        self.session = session
        self.conflicts: dict[str, Conflict] = {}
        session.incidentsChanged.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = list_incidents(self.session.case)
        self.conflicts = {object_id: conflict for object_id, conflict
                          in conflicts_by_object(self.session.case).items()
                          if conflict.kind == "incident"}
        self.endResetModel()

    def conflict_of(self, incident_id: str) -> Conflict | None:
        """The open merge conflict this incident is one side of, if any."""
        return self.conflicts.get(incident_id)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        conflict = self.conflicts.get(row.id)
        if conflict is not None and role in (Qt.ItemDataRole.BackgroundRole,
                                             Qt.ItemDataRole.ForegroundRole,
                                             Qt.ItemDataRole.ToolTipRole):
            return conflict_marks.role_data(conflict, row.id, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(part for part in (
                row.title, _interval(row), self._place(row), row.description) if part)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        tags = _count(row.regions, "tag") + (f" + {_count(row.evidence, 'item')}"
                                             if row.evidence else "")
        title = conflict_marks.marked(row.title, conflict, row.id)
        return (title, _when(row), self._place(row), tags, row.status)[index.column()]

    @staticmethod
    def _place(row: Incident) -> str:
        place = row.place_name or (f"{row.lat:.4f}, {row.lon:.4f}"
                                   if row.lat is not None else "")
        if row.radius_m and place:
            place += f" ±{row.radius_m:g} m"
        return place


class IncidentTable(QTableView):
    """Accepts regions or items dropped on an incident row."""

    dropped = Signal(str, list, list)   # incident id, region ids, evidence ids

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        data = event.mimeData()
        if data.hasFormat(mime.REGIONS) or data.hasFormat(mime.EVIDENCE):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if self.indexAt(event.position().toPoint()).isValid():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if not index.isValid():
            event.ignore()
            return
        data = event.mimeData()
        self.dropped.emit(index.data(Qt.ItemDataRole.UserRole),
                          mime.unpack(data, mime.REGIONS), mime.unpack(data, mime.EVIDENCE))
        event.acceptProposedAction()


def _holds(region_ids: list[str], evidence_ids: list[str]) -> str:
    if region_ids:
        return _count(len(region_ids), "selected tag")
    if evidence_ids:
        return _count(len(evidence_ids), "selected item")
    return "Nothing yet: select tags or items and Attach them later."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


class IncidentsPanel(QWidget):
    openIncident = Signal(str)

    def __init__(self, session: CaseSession, selection_source, parent: QWidget | None = None
                 ) -> None:
        """`selection_source()` returns (region ids, evidence ids) the user has selected."""
        super().__init__(parent)
        self.session = session
        self.selection_source = selection_source
        self.model = IncidentsModel(session)
        self.table = IncidentTable()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setItemDelegateForColumn(0, IncidentRowDelegate(self.table))
        self.table.verticalHeader().setDefaultSectionSize(
            2 * self.table.fontMetrics().height() + 2 + 8)
        self.table.horizontalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in DETAIL_COLUMNS:         # shown on each row's second line instead
            self.table.setColumnHidden(column, True)
        self.table.setShowGrid(False)
        self.new_button = QPushButton("New…")
        self.edit_button = QPushButton("Edit…")
        self.attach_button = QPushButton("Attach selected")
        self.attach_button.setToolTip("Attach the selected regions (or, with none, the current"
                                      " item) to this incident")
        self.open_button = QPushButton("Open")
        self.delete_button = QPushButton("Delete")
        self.settle_button = QPushButton(f"{conflict_marks.MARK} Settle…")
        self.settle_button.setToolTip("Settle the merge conflict of this incident: keep your"
                                      " version, the package's, or both")
        # Two rows, so the panel (and the window) fits beside the viewer on a laptop.
        buttons = QGridLayout()
        for column, button in enumerate((self.new_button, self.edit_button, self.delete_button)):
            buttons.addWidget(button, 0, column)
        for column, button in enumerate((self.attach_button, self.open_button,
                                         self.settle_button)):
            buttons.addWidget(button, 1, column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.new_button.clicked.connect(lambda: self.new_incident())
        self.edit_button.clicked.connect(self.edit_incident)
        self.attach_button.clicked.connect(self.attach_selection)
        self.open_button.clicked.connect(lambda: self._open(self.current_id()))
        self.delete_button.clicked.connect(self.delete_incident)
        self.settle_button.clicked.connect(lambda: self.settle_conflict())
        self.conflict_dialog: conflict_marks.SettleConflictDialog | None = None
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().currentRowChanged.connect(self._update_settle)
        self.table.doubleClicked.connect(lambda index: self._open(index.data(
            Qt.ItemDataRole.UserRole)))
        self.table.dropped.connect(self.attach)
        self._kept = ""
        self.model.modelAboutToBeReset.connect(lambda: setattr(self, "_kept", self.current_id()))
        self.model.modelReset.connect(lambda: self.select(self._kept))
        self.model.modelReset.connect(self._update_settle)
        self._update_settle()

    def current_id(self) -> str:
        index = self.table.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else ""

    def select(self, incident_id: str) -> None:
        for row, values in enumerate(self.model.rows):
            if values.id == incident_id:
                self.table.selectRow(row)
                self.table.setCurrentIndex(self.model.index(row, 0))

    def _open(self, incident_id: str) -> None:
        if incident_id:
            self.openIncident.emit(incident_id)

    def new_incident(self, region_ids: list[str] | None = None,
                     evidence_ids: list[str] | None = None) -> str:
        """Create an incident from the form, holding the given (or selected) tags or items.

        Unlike Attach, a new incident takes only what the user selected, never the item
        merely on screen; the form says what it will hold.
        """
        if region_ids is None and evidence_ids is None:
            regions, evidence = self.selection_source(explicit_only=True)
        else:
            regions, evidence = region_ids or [], evidence_ids or []
        evidence = [] if regions else evidence
        form = IncidentForm(parent=self, holds=_holds(regions, evidence),
                            vocabulary=incident_vocabulary(self.session.case))
        if form.exec() != IncidentForm.DialogCode.Accepted:
            return ""
        command = AddIncident(self.session, form.values(), regions, evidence)
        if self.session.push(command) and command.incident:
            self.select(command.incident.id)
            return command.incident.id
        return ""

    def edit_incident(self) -> None:
        incident_id = self.current_id()
        if not incident_id:
            return
        incident = get_incident(self.session.case, incident_id)
        form = IncidentForm(incident, parent=self,
                            vocabulary=incident_vocabulary(self.session.case))
        if form.exec() != IncidentForm.DialogCode.Accepted:
            return
        after = form.changed_values()
        changed = {k: v for k, v in after.items() if getattr(incident, k) != v}
        if changed:
            self.session.push(EditIncident(self.session, incident_id,
                                           {k: getattr(incident, k) for k in changed},
                                           changed))

    def attach_selection(self) -> None:
        incident_id = self.current_id()
        if incident_id:
            regions, evidence = self.selection_source()
            self.attach(incident_id, regions, [] if regions else evidence)

    def attach(self, incident_id: str, region_ids: list[str], evidence_ids: list[str]) -> None:
        if (region_ids or evidence_ids) and self.session.push(
                LinkToIncident(self.session, incident_id, region_ids, evidence_ids)):
            what = (_count(len(region_ids), "tag") if region_ids
                    else _count(len(evidence_ids), "item"))
            self._say(f"Attached {what} to {get_incident(self.session.case, incident_id).title}")

    def _say(self, message: str) -> None:
        """On the main window's status bar: the panel is docked in it."""
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 8000)

    def delete_incident(self) -> None:
        """Delete the current incident after saying what goes (its tags and items stay)."""
        incident_id = self.current_id()
        row = next((r for r in self.model.rows if r.id == incident_id), None)
        if row is None:
            return
        held = " and ".join(part for part in (
            _count(row.regions, "tag") if row.regions else "",
            _count(row.evidence, "item") if row.evidence else "") if part)
        stay = f" The {held} it holds stay in the case." if held else ""
        answer = QMessageBox.question(
            self, "Delete incident",
            f"Delete the incident “{row.title}”, with its description and sources?{stay}"
            " Edit ▸ Undo (Ctrl+Z) brings it back.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes and self.session.push(
                DeleteIncident(self.session, incident_id)):
            self.session.notice.emit(f"Deleted the incident “{row.title}” (Ctrl+Z undoes)")

    # -- merge conflicts ------------------------------------------------------------
    def _update_settle(self, *_: object) -> None:
        """The Settle button shows while the case has incident conflicts, usable on one."""
        self.settle_button.setVisible(bool(self.model.conflicts))
        self.settle_button.setEnabled(self.model.conflict_of(self.current_id()) is not None)

    def context_menu(self, incident_id: str) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Open", lambda: self._open(incident_id))
        menu.addAction("Edit…", self.edit_incident)
        if self.model.conflict_of(incident_id) is not None:
            menu.addSeparator()
            menu.addAction(f"{conflict_marks.MARK} Settle merge conflict…",
                           lambda: self.settle_conflict(incident_id))
        return menu

    def _context_menu(self, at: QPoint) -> None:
        index = self.table.indexAt(at)
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.context_menu(index.data(Qt.ItemDataRole.UserRole)).popup(
                self.table.viewport().mapToGlobal(at))

    def settle_conflict(self, incident_id: str = "") -> conflict_marks.SettleConflictDialog | None:
        """Open the dialog that settles this (or the current) incident's merge conflict."""
        conflict = self.model.conflict_of(incident_id or self.current_id())
        if conflict is None:
            return None
        self.conflict_dialog = conflict_marks.SettleConflictDialog(self.session, conflict.id,
                                                                   self)
        self.conflict_dialog.open()
        return self.conflict_dialog
