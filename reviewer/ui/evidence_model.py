"""The browser's item model: holds only ids, fetches rows a page at a time.

A case of 10,000 photos costs 10,000 short strings here; the rows a view
actually paints are read from SQLite in pages of PAGE and kept in a small cache.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QTransform

from reviewer.core.evidence import (
    EvidenceFilter,
    camera_name,
    evidence_summaries,
    items_stamp,
    list_evidence_ids,
    matching_evidence_ids,
    stored_file,
)
from reviewer.ui import mime
from reviewer.ui.damage_bar import damage_text
from reviewer.ui.graphic import GraphicGuard, blurred
from reviewer.ui.session import CaseSession
from reviewer.ui.thumbnails import ThumbnailCache

PAGE = 200
PAGES_KEPT = 20

IdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2          # the evidence row as a dict
ThumbnailRole = Qt.ItemDataRole.UserRole + 3    # QPixmap, or None while loading
LabelsRole = Qt.ItemDataRole.UserRole + 4       # {label name: (count, colour)}

class EvidenceModel(QAbstractListModel):
    def __init__(self, session: CaseSession, thumbnails: ThumbnailCache) -> None:
        super().__init__()
        self.session = session
        self.thumbnails = thumbnails
        self.filter = EvidenceFilter()
        self._ids: list[str] = []
        self._order: list[str] | None = None      # every item in display order, kept
        self._order_stamp = (0, 0)                # evidence.items_stamp when it was read
        self._row_of: dict[str, int] = {}
        self._pages: OrderedDict[int, dict[str, dict[str, Any]]] = OrderedDict()
        thumbnails.ready.connect(self._on_thumbnail)
        session.regionsChanged.connect(self._on_regions_changed)
        session.evidenceChanged.connect(self.reload)
        # A label renamed, recoloured or flagged graphic: tiles show it (no reset needed).
        session.labelsChanged.connect(self._refetch)
        # Graphic items' thumbnails are blurred until revealed (ui/graphic.py).
        self.graphic = GraphicGuard()
        self.graphic.changed.connect(self._on_revealed)
        # Incident and label text is searched: an edit there can move items in or out.
        session.incidentsChanged.connect(self._reload_if_searching)
        session.labelsChanged.connect(self._reload_if_searching)
        self.reload()

    # -- contents ----------------------------------------------------------
    def set_filter(self, where: EvidenceFilter) -> None:
        self.filter = where
        self._refilter()

    def reload(self) -> None:
        """Items were added, removed or changed: their order is read again."""
        self._order = None
        self._refilter()

    def _refilter(self) -> None:
        # The order is the case's, not the filter's: kept once, a filter only picks from it.
        # Read again when items came in unannounced (an import still running, or one that
        # stopped on a full disk after committing some).
        stamp = items_stamp(self.session.case)
        if self._order is None or stamp != self._order_stamp:
            self._order = list_evidence_ids(self.session.case)
            self._order_stamp = stamp
        if self.filter.where()[0]:
            matching = matching_evidence_ids(self.session.case, self.filter)
            ids = [evidence_id for evidence_id in self._order if evidence_id in matching]
        else:
            ids = list(self._order)
        self.beginResetModel()
        self._ids = ids
        self._row_of = {evidence_id: row for row, evidence_id in enumerate(ids)}
        self._pages.clear()
        self.endResetModel()

    def ids(self) -> list[str]:
        return list(self._ids)

    def row_of(self, evidence_id: str) -> int | None:
        return self._row_of.get(evidence_id)

    def evidence_row(self, row: int) -> dict[str, Any]:
        page = row // PAGE
        rows = self._pages.get(page)
        if rows is None:
            rows = self._fetch(page)
        else:
            self._pages.move_to_end(page)
        return rows[self._ids[row]]

    def _fetch(self, page: int) -> dict[str, dict[str, Any]]:
        rows = evidence_summaries(self.session.case, self._ids[page * PAGE:(page + 1) * PAGE])
        self._pages[page] = rows
        while len(self._pages) > PAGES_KEPT:
            self._pages.popitem(last=False)
        return rows

    # -- Qt model ----------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        if role == IdRole:
            return self._ids[index.row()]
        row = self.evidence_row(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return row["original_name"]
        if role == RowRole:
            return row
        if role == LabelsRole:
            return row["labels"]
        if role == ThumbnailRole:
            path = stored_file(self.session.case, row["stored_path"], row["linked_path"],
                               row["linked_path_hex"])
            pixmap = self.thumbnails.get(row["sha256"], path)
            turn = row["display_rotation"] or 0
            pixmap = pixmap.transformed(QTransform().rotate(turn)) if pixmap and turn else pixmap
            if pixmap is not None and self.graphic.hides(row["id"], row.get("graphic")):
                return blurred(pixmap)
            return pixmap
        if role == Qt.ItemDataRole.ToolTipRole:
            camera = camera_name(row["make"], row["model"])
            size = f"{row['width']}×{row['height']} " if row["width"] is not None else ""
            parts = [damage_text(row), row["original_name"], f"{size}{row['kind']}",
                     row["taken_at"] or "", camera,
                     f"GPS {row['gps_lat']:.5f}, {row['gps_lon']:.5f}"
                     if row["gps_lat"] is not None else "no GPS"]
            parts += [f"{count} × {name}" for name, (count, _colour)
                      in sorted(row["labels"].items(), key=lambda kv: -kv[1][0])]
            return "\n".join(p for p in parts if p)
        return None

    def _refetch(self) -> None:
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    def _on_revealed(self, evidence_id: str) -> None:
        if evidence_id:
            first = last = self._row_of.get(evidence_id, -1)
        else:
            first, last = 0, len(self._ids) - 1
        if 0 <= first <= last:
            self.dataChanged.emit(self.index(first), self.index(last), [ThumbnailRole])

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [mime.EVIDENCE]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        return mime.pack(mime.EVIDENCE, [index.data(IdRole) for index in indexes])

    # -- updates -----------------------------------------------------------
    def _on_thumbnail(self, sha256: str) -> None:
        for rows in self._pages.values():
            for evidence_id, row in rows.items():
                at = self._row_of.get(evidence_id)
                if row["sha256"] == sha256 and at is not None:
                    index = self.index(at)
                    self.dataChanged.emit(index, index, [ThumbnailRole])

    def _reload_if_searching(self) -> None:
        if self.filter.search:
            self._refilter()

    def _on_regions_changed(self, evidence_id: str) -> None:
        if not evidence_id or self.filter.label or self.filter.untagged or self.filter.incident \
                or self.filter.search:
            self._refilter()    # the item may now enter or leave the filtered set
            return
        at = self._row_of.get(evidence_id)
        if at is None:
            return
        # That tile's row read again, not its page of 200 (20 ms of every region edit).
        page = self._pages.get(at // PAGE)
        fresh = evidence_summaries(self.session.case, [evidence_id]) if page else {}
        if page is not None and evidence_id in fresh:
            page[evidence_id] = fresh[evidence_id]
        else:
            self._pages.pop(at // PAGE, None)
        index = self.index(at)
        self.dataChanged.emit(index, index)
