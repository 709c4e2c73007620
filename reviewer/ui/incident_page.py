"""An incident's page: its facts and its tags as crops; a crop opens the image there.

A merge conflict on the incident (or on one of its tags) is said on the page too, with
a button to settle it: an investigator reading the page must not take one version for
the whole story.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QImageReader,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.conflicts import Conflict, conflicts_by_object
from reviewer.core.evidence import get_evidence, media_path
from reviewer.core.incidents import get_incident, incident_evidence_ids, incident_region_ids
from reviewer.core.labels import list_labels
from reviewer.core.regions import get_region
from reviewer.core.shape import shape_from
from reviewer.core.vocabulary import munitions_of
from reviewer.ui import conflicts as conflict_marks
from reviewer.ui.session import CaseSession
from reviewer.ui.viewer.region_items import region_path

CROP = 200
CROP_HEIGHT = 150    # crops are letterboxed to one shape so the grid stays tidy


class _CropSignals(QObject):
    done = Signal(str, QImage)   # region id, crop


class _MakeCrop(QRunnable):
    """Decode just around the region (with margin) and draw its outline and label."""

    def __init__(self, key: str, path: Path, box: tuple[float, float, float, float],
                 colour: str, label: str, signals: _CropSignals,
                 outline: QPainterPath | None = None) -> None:
        """`outline`: the region's shape in image pixels (a point's is its bare centre);
        None draws the box (a whole item)."""
        super().__init__()
        self.key, self.path, self.box = key, path, box
        self.colour, self.label, self.signals = colour, label, signals
        self.outline = outline

    def run(self) -> None:
        reader = QImageReader(str(self.path))
        reader.setAutoTransform(True)
        image = reader.read()
        if image.isNull():
            self.signals.done.emit(self.key, QImage())
            return
        x, y, w, h = self.box
        margin = max(w, h) * 0.25 + 8
        left, top = max(int(x - margin), 0), max(int(y - margin), 0)
        right = min(int(x + w + margin), image.width())
        bottom = min(int(y + h + margin), image.height())
        crop = image.copy(left, top, max(right - left, 1), max(bottom - top, 1))
        canvas = QImage(CROP * 2, CROP_HEIGHT * 2, QImage.Format.Format_RGB32)
        canvas.fill(QColor("#202020"))
        crop = crop.scaled(canvas.size(), Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
        scale = crop.width() / max(right - left, 1)
        dx, dy = (canvas.width() - crop.width()) // 2, (canvas.height() - crop.height()) // 2
        painter = QPainter(canvas)
        painter.drawImage(dx, dy, crop)
        pen = QPen(QColor(self.colour), 4)
        pen.setCosmetic(True)
        painter.setPen(pen)
        if self.outline is None:
            painter.drawRect(dx + int((x - left) * scale), dy + int((y - top) * scale),
                             int(max(w, 2) * scale), int(max(h, 2) * scale))
        elif self.outline.elementCount() == 1:          # a point: a ring round it
            centre = self.outline.elementAt(0)
            painter.drawEllipse(QPointF(dx + (centre.x - left) * scale,
                                        dy + (centre.y - top) * scale), 12, 12)
        else:                                          # the shape as drawn, not its box
            painter.save()
            painter.translate(dx, dy)
            painter.scale(scale, scale)
            painter.translate(-left, -top)
            painter.drawPath(self.outline)
            painter.restore()
        painter.fillRect(0, 0, canvas.width(), 34, QColor(0, 0, 0, 170))
        font = painter.font()
        font.setPixelSize(22)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(10, 25, self.label)
        painter.end()
        self.signals.done.emit(self.key, canvas)


def _outline(kind: str, geometry: dict) -> QPainterPath:
    shape = shape_from(kind, geometry)
    if shape.is_marker:
        path = QPainterPath()
        path.moveTo(*shape.vertices()[0])
        return path
    return region_path(shape)


class IncidentPage(QWidget):
    openRegion = Signal(str, str)      # evidence id, region id ("" for a whole item)
    settleRequested = Signal(str)      # the incident whose merge conflict is to be settled

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.incident_id = ""
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(150)
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.conflict_text = QLabel(wordWrap=True)
        self.settle_button = QPushButton(f"{conflict_marks.MARK} Settle…")
        self.settle_button.clicked.connect(lambda: self.settleRequested.emit(self.incident_id))
        self.conflict_bar = QFrame()
        self.conflict_bar.setStyleSheet("QFrame { background: #fff3c4; }"
                                        " QLabel { color: #5a4300; }")
        bar = QVBoxLayout(self.conflict_bar)
        bar.setContentsMargins(8, 6, 8, 6)
        bar.addWidget(self.conflict_text)
        bar.addWidget(self.settle_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.conflict_bar.hide()
        self.crops = QListWidget()
        self.crops.setViewMode(QListWidget.ViewMode.IconMode)
        self.crops.setIconSize(QSize(CROP, CROP_HEIGHT))
        self.crops.setGridSize(QSize(CROP + 16, CROP_HEIGHT + 40))
        self.crops.setWordWrap(True)
        self.crops.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.crops.setMovement(QListWidget.Movement.Static)
        self.crops.setSpacing(6)
        self.crops.itemActivated.connect(self._activated)
        self.crops.itemClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.conflict_bar)
        layout.addWidget(self.details)
        layout.addWidget(self.crops, 1)
        self._signals = _CropSignals()
        self._signals.done.connect(self._crop_ready)
        self._items: dict[str, QListWidgetItem] = {}
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        session.incidentsChanged.connect(self.refresh)
        # A tag moved, resized or settled on an item this page shows changes its crop or
        # its mark; edits on other items leave the page as it is.
        session.regionsChanged.connect(
            lambda evidence_id: self.refresh() if self._shows(evidence_id) else None)

    def show_incident(self, incident_id: str) -> None:
        self.incident_id = incident_id
        self.refresh()

    def refresh(self) -> None:
        self.crops.clear()
        self._items.clear()
        if not self.incident_id:
            self._show_conflicts(None, [])
            return
        case = self.session.case
        try:
            incident = get_incident(case, self.incident_id)
        except Exception:      # deleted (or undone) while shown
            self.heading.setText("(incident removed)")
            self.details.clear()
            self._show_conflicts(None, [])
            return
        conflicts = conflicts_by_object(case)
        conflict = conflicts.get(self.incident_id)
        self.heading.setText(conflict_marks.marked(incident.title, conflict, self.incident_id))
        when = " – ".join(filter(None, [incident.time_from, incident.time_to])) or "time unknown"
        where = incident.place_name or ""
        if incident.lat is not None:
            where += f" ({incident.lat:.5f}, {incident.lon:.5f}"
            where += f" ±{incident.radius_m:g} m)" if incident.radius_m else ")"
        self.details.setPlainText("\n".join(filter(None, [
            f"{incident.status.upper()} · {incident.category or 'no category'}",
            f"When: {when}", f"Where: {where or 'unknown'}",
            f"Violation: {incident.violation}" if incident.violation else "",
            f"Weapons/munitions: {', '.join(munitions_of(incident.munitions))}"
            if munitions_of(incident.munitions) else "", incident.description,
            f"Sources: {incident.sources}" if incident.sources else ""])))
        colours = {label.id: label.colour for label in list_labels(case)}
        region_ids = incident_region_ids(case, self.incident_id)
        self._show_conflicts(conflict, [conflicts[r] for r in region_ids if r in conflicts])
        for region_id in region_ids:
            region = get_region(case, region_id)
            row = get_evidence(case, region.evidence_id)
            self._add(region_id, row.id, conflict_marks.marked(
                f"{region.label} · {row.original_name}", conflicts.get(region_id), region_id))
            self.pool.start(_MakeCrop(region_id, media_path(case, row), region.bbox,
                                      colours.get(region.label_id, "#ff0000"), region.label,
                                      self._signals, _outline(region.shape, region.geometry)))
        for evidence_id in incident_evidence_ids(case, self.incident_id):
            row = get_evidence(case, evidence_id)
            key = f"item:{evidence_id}"
            self._add(key, evidence_id, f"whole item · {row.original_name}")
            self.pool.start(_MakeCrop(key, media_path(case, row),
                                      (0, 0, row.width or 1, row.height or 1),
                                      "#ffffff", "whole item", self._signals))

    def _show_conflicts(self, conflict: Conflict | None, on_tags: list[Conflict]) -> None:
        lines = []
        if conflict is not None:     # what it is, which side this is, when merged by whom
            lines.append(" ".join(conflict_marks.tooltip(conflict, self.incident_id)
                                  .splitlines()[:3]))
        if on_tags:
            lines.append(f"{conflict_marks.MARK} {len(on_tags)} of its tags were edited on both"
                         " sides; both versions are kept (marked below): settle each from"
                         " the Regions panel.")
        self.conflict_text.setText("\n".join(lines))
        self.settle_button.setVisible(conflict is not None)
        self.conflict_bar.setVisible(bool(lines))

    def _shows(self, evidence_id: str) -> bool:
        """Whether the page shows a tag on (or the whole of) this item; "" means any."""
        shown = {item.data(Qt.ItemDataRole.UserRole)[0] for item in self._items.values()}
        return bool(shown) and (not evidence_id or evidence_id in shown)

    def _add(self, key: str, evidence_id: str, text: str) -> None:
        placeholder = QPixmap(CROP, CROP_HEIGHT)
        placeholder.fill(QColor("#d8d8d8"))
        item = QListWidgetItem(QIcon(placeholder), text)
        item.setData(Qt.ItemDataRole.UserRole, (evidence_id,
                                                "" if key.startswith("item:") else key))
        self.crops.addItem(item)
        self._items[key] = item

    def _crop_ready(self, key: str, image: QImage) -> None:
        item = self._items.get(key)
        if item is not None and not image.isNull():
            item.setIcon(QIcon(QPixmap.fromImage(image)))

    def _activated(self, item: QListWidgetItem) -> None:
        evidence_id, region_id = item.data(Qt.ItemDataRole.UserRole)
        self.openRegion.emit(evidence_id, region_id)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()
