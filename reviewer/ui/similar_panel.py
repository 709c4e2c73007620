"""Near-duplicates in the app: the current item's similar items, and every group of them.

The "Similar items" dock lists the current item's copies (thumbnail, name, distance);
a click selects one in the browser. The "Duplicates" tab lists every group; "Mark as
best source" is an undoable edit. Both read through core/similar.py: SHA-256 stays
the identity, so each row says how far apart the pictures are, never "the same".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.core import similar
from reviewer.core.case import Transaction, open_case
from reviewer.core.changes import Changes
from reviewer.core.errors import NotFoundError
from reviewer.core.evidence import evidence_summaries, stored_file
from reviewer.core.progress import CancelFlag, ProgressCallback
from reviewer.ui.session import CaseSession, EditCommand
from reviewer.ui.thumbnails import ThumbnailCache
from reviewer.ui.workers import Job, Jobs

IdRole = Qt.ItemDataRole.UserRole
ICON = QSize(64, 64)
LEAD = ("A lead, not proof: distance is in bits of 64 (0: the same picture to the hash);"
        " each item's identity stays its SHA-256.")


def _groups_job(case_path: Path, actor: str, *, progress: ProgressCallback,
                cancel: CancelFlag) -> tuple[list[list[similar.SimilarItem]], int] | None:
    with open_case(case_path, actor=actor) as case:
        groups = similar.groups(case, cancel=cancel)
        return None if cancel.is_set() else (groups, similar.unhashed_count(case))


class MarkBestSource(EditCommand):
    """Mark an item as its group's earliest/best source; undo puts the earlier mark back."""

    def __init__(self, session: CaseSession, evidence_id: str, name: str) -> None:
        super().__init__(session, f"Mark {name} as best source")
        self.evidence_id = evidence_id
        self.group: list[str] = []
        self.before: list[dict[str, Any]] = []
        self.after: list[dict[str, Any]] = []

    def apply(self, tx: Transaction) -> Changes:
        case = self.session.case
        if not self.group:
            if not similar.has_hash(case, self.evidence_id):
                raise NotFoundError(self.evidence_id, "has no picture hash, so no"
                                                      " near-duplicates to be the best source of")
            self.group = similar.group_of(case, self.evidence_id)
            self.before = similar.best_sources_of(tx, self.group)
            self.after = [{"evidence_id": self.evidence_id, "marked_at": tx.at,
                           "marked_by": tx.actor}]
        if [m["evidence_id"] for m in self.before] == [self.evidence_id]:
            return Changes()        # already the marked one: nothing to undo
        return similar.set_best_sources_in(tx, self.group, self.after)

    def revert(self, tx: Transaction) -> Changes:
        return similar.set_best_sources_in(tx, self.group, self.before)

    def unchanged(self) -> str:
        if [m["evidence_id"] for m in self.before] == [self.evidence_id]:
            return "That item is already marked as the best source"
        return ""


class _Thumbnailed:
    """Rows that show a thumbnail once the cache has it."""

    def __init__(self, session: CaseSession, thumbnails: ThumbnailCache) -> None:
        self.session = session
        self.thumbnails = thumbnails
        self.waiting: dict[str, list[Any]] = {}    # sha256 -> rows to give the icon

    def describe(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            rows.update(evidence_summaries(self.session.case, ids[start:start + 500]))
        return rows

    def icon_for(self, row: dict[str, Any], item: QListWidgetItem | QTreeWidgetItem) -> QIcon:
        original = stored_file(self.session.case, row["stored_path"], row["linked_path"],
                               row["linked_path_hex"])
        pixmap = self.thumbnails.get(row["sha256"], original)
        if pixmap is None:
            self.waiting.setdefault(row["sha256"], []).append((item, original))
            return QIcon()
        return QIcon(pixmap)

    def arrived(self, sha256: str) -> None:
        for item, original in self.waiting.pop(sha256, []):
            pixmap = self.thumbnails.get(sha256, original)
            if pixmap is None:
                continue
            if isinstance(item, QTreeWidgetItem):
                item.setIcon(0, QIcon(pixmap))
            else:
                item.setIcon(QIcon(pixmap))


class SimilarPanel(QWidget):
    """The current item's near-duplicates, nearest first; a click opens one."""

    openItem = Signal(str)

    def __init__(self, session: CaseSession, thumbnails: ThumbnailCache) -> None:
        super().__init__()
        self.session = session
        self.rows = _Thumbnailed(session, thumbnails)
        self.evidence_id = ""
        self._ready = False
        self._closed = False
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.list = QListWidget()
        self.list.setIconSize(ICON)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.itemClicked.connect(lambda item: self.openItem.emit(item.data(IdRole)))
        self.list.itemActivated.connect(lambda item: self.openItem.emit(item.data(IdRole)))
        self.best_button = QPushButton("Mark this item as best source")
        self.best_button.setToolTip("The earliest or best copy among its near-duplicates")
        self.best_button.clicked.connect(self.mark_current)
        lead = QLabel(LEAD)
        lead.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.best_button)
        layout.addWidget(lead)
        thumbnails.ready.connect(self.rows.arrived)
        session.bestSourcesChanged.connect(lambda: self.show_evidence(self.evidence_id))
        session.evidenceChanged.connect(lambda: self.show_evidence(self.evidence_id))

    def show_evidence(self, evidence_id: str) -> None:
        self.evidence_id = evidence_id
        self.list.clear()
        self.rows.waiting.clear()
        if not evidence_id:
            self.heading.setText("No item is shown.")
            self.best_button.setEnabled(False)
            return
        if not similar.is_loaded(self.session.case) and not self._ready:
            self.heading.setText("Reading the case's picture hashes…")
            self.best_button.setEnabled(False)
            return
        found = similar.similar_to(self.session.case, evidence_id)
        hashed = bool(found) or similar.has_hash(self.session.case, evidence_id)
        self.best_button.setEnabled(bool(found))
        if not hashed:
            self.heading.setText("This item has no picture hash (not a picture, too small or"
                                 " plain to compare, or it does not decode), so no similar"
                                 " items can be found.")
            return
        self.heading.setText(f"{len(found)} similar item(s)" if found
                             else "No similar items in this case.")
        rows = self.rows.describe([item.id for item in found])
        for item in found:
            row = rows[item.id]
            best = "  · best source" if item.best_source else ""
            entry = QListWidgetItem(f"{row['original_name']}\ndistance {item.distance}{best}")
            entry.setData(IdRole, item.id)
            entry.setToolTip(f"{row['original_name']}\nSHA-256 {row['sha256']}\n"
                             f"{item.distance} bits of 64 apart")
            entry.setIcon(self.rows.icon_for(row, entry))
            self.list.addItem(entry)

    def hashes_ready(self, _result: object = None) -> None:
        """The case's hashes are in memory (or could not be read ahead: query directly)."""
        self._ready = True
        if not self._closed:
            self.show_evidence(self.evidence_id)

    def shutdown(self) -> None:
        self._closed = True     # the case is closing: a late warm-up changes nothing

    def names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def mark_current(self) -> None:
        if self.evidence_id:
            name = self.rows.describe([self.evidence_id])[self.evidence_id]["original_name"]
            self.session.push(MarkBestSource(self.session, self.evidence_id, name))


class DuplicatesView(QWidget):
    """Every group of near-duplicates; the best source (or earliest) first in each."""

    openItem = Signal(str)

    def __init__(self, session: CaseSession, thumbnails: ThumbnailCache, jobs: Jobs) -> None:
        super().__init__()
        self.session = session
        self.rows = _Thumbnailed(session, thumbnails)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Item", "Distance", "Best source"])
        self.tree.setIconSize(QSize(40, 40))
        # A video's frames share the video's name up to "_frame000359": cut in the middle,
        # or a laptop's pane showed eight identical "gopro_karma_d..." rows.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # The name takes what is left, so "best source" stays readable in a narrow pane.
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        self.best_button = QPushButton("Mark as best source")
        self.best_button.clicked.connect(self.mark_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.best_button)
        buttons.addWidget(refresh)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        lead = QLabel(LEAD)
        lead.setWordWrap(True)
        layout.addWidget(lead)
        thumbnails.ready.connect(self.rows.arrived)
        session.bestSourcesChanged.connect(self.reload)
        session.evidenceChanged.connect(self.reload)
        self._jobs = jobs
        self._job: Job | None = None
        self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Group the case again, off the UI thread (every pair of pictures is compared)."""
        self._stale = True
        if not self.isVisible():
            return            # done when the tab is next shown
        if self._job is not None:
            self._job.cancel()
        self._stale = False
        self.summary.setText("Finding near-duplicates…")
        self._job = self._jobs.run(Job(_groups_job, self.session.path, self.session.actor),
                                   self._show_groups, self._failed)

    def _failed(self, message: str) -> None:
        self._job = None
        self.summary.setText(f"Near-duplicates could not be listed: {message}")

    def _show_groups(self, result: tuple[list[list[similar.SimilarItem]], int] | None) -> None:
        self._job = None
        if result is None:    # cancelled by a newer reload
            return
        groups, unhashed = result
        self.tree.clear()
        self.rows.waiting.clear()
        rows = self.rows.describe([item.id for group in groups for item in group])
        for number, group in enumerate(groups, 1):
            top = QTreeWidgetItem([f"Group {number} ({len(group)} items)", "", ""])
            self.tree.addTopLevelItem(top)
            for position, item in enumerate(group):
                row = rows[item.id]
                distance = "—" if position == 0 else str(item.distance)
                child = QTreeWidgetItem([row["original_name"], distance,
                                         "best source" if item.best_source else ""])
                child.setData(0, IdRole, item.id)
                child.setToolTip(0, f"{row['original_name']}\nSHA-256 {row['sha256']}")
                child.setIcon(0, self.rows.icon_for(row, child))
                top.addChild(child)
            top.setExpanded(True)
        self.summary.setText(
            f"{len(groups)} group(s) of near-duplicates; distances are from each group's"
            " first item (its best source, else the earliest imported)."
            + (f" {unhashed} item(s) have no picture hash." if unhashed else ""))

    def group_names(self) -> list[list[str]]:
        tops = [self.tree.topLevelItem(n) for n in range(self.tree.topLevelItemCount())]
        return [[top.child(i).text(0) for i in range(top.childCount())] for top in tops]

    def shutdown(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job.done.wait(30)

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        evidence_id = item.data(0, IdRole)
        if evidence_id:
            self.openItem.emit(evidence_id)

    def mark_selected(self) -> None:
        item = self.tree.currentItem()
        evidence_id = item.data(0, IdRole) if item is not None else None
        if evidence_id:
            self.session.push(MarkBestSource(self.session, evidence_id, item.text(0)))
