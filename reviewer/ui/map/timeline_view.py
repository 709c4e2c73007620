"""The timeline pane: items by capture time in UTC, lane by lane.

Photos and frames are dots (stamped as one image, raster.py), videos are spans of
their duration, incidents their intervals; items without a trustworthy time (no
zone, or no time at all) sit in a lane of their own, in case order, off the axis.
A ring marks an item whose clocks disagree by more than a minute. The wheel zooms at
the cursor (decades down to seconds); dragging across the lanes brushes a span (the
browser shows only what was captured in it); dragging the axis strip pans; a click
picks the nearest item; a double-click clears the span.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QToolTip, QWidget

from reviewer.core.geotime import GeoTime, incident_span
from reviewer.ui.map import time_axis
from reviewer.ui.map.map_layers import INCIDENT, KIND_COLOURS, SELECTED
from reviewer.ui.map.raster import argb, draw_canvas, padded_canvas, stamp_padded

AXIS_PX = 26
INCIDENT_ROW_PX = 14           # one row of incident bars in their lane
LANES = ("Photos", "Frames", "Videos", "Incidents", "No trustworthy time")
LANE_KINDS = {0: (0, 3), 1: (1,)}       # lane -> kind codes drawn as dots
PICK_PX = 6
DISAGREE = QColor(220, 0, 0)


class TimelineView(QWidget):
    selectionChanged = Signal(list)          # evidence ids picked on the timeline
    spanBrushed = Signal(float, float)       # start, end: seconds since 1970 UTC
    spanCleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(40)     # a laptop screen: the window must fit in 700 px
        self.setMouseTracking(False)
        self.data: GeoTime | None = None
        self.start, self.end = 0.0, 1.0
        self.selected = np.zeros(0, dtype=np.int64)
        self.brush: tuple[float, float] | None = None
        self._press: QPointF | None = None
        self._drag: str = ""
        self._jitter = np.zeros(0)
        self._untimed = np.zeros(0, dtype=np.int64)

    # -- contents ---------------------------------------------------------------
    def set_data(self, data: GeoTime, fit: bool = True) -> None:
        self.data = data
        # A fixed spread within the lane per item, so that piles show as density.
        self._jitter = (np.arange(len(data)) * 0.6180339887) % 1.0
        self._untimed = np.flatnonzero(np.isnan(data.time))
        if fit:
            self.fit_all()
        self.update()

    def fit_all(self) -> None:
        if self.data is None:
            return
        times = self.data.time[~np.isnan(self.data.time)]
        ends = [float(times.min()), float(times.max())] if len(times) else []
        for incident in self.data.incidents:
            span = incident_span(incident)
            if span:
                ends += list(span)
        if not ends:
            ends = [0.0, 365 * time_axis.DAY]
        low, high = min(ends), max(ends)
        pad = max((high - low) * 0.05, 60.0)
        self.set_range(low - pad, high + pad)

    def set_range(self, start: float, end: float) -> None:
        span = min(max(end - start, time_axis.MIN_SPAN_S), time_axis.MAX_SPAN_S)
        middle = (start + end) / 2
        self.start, self.end = middle - span / 2, middle + span / 2
        self.update()

    def set_selected(self, evidence_ids: list[str]) -> None:
        if self.data is not None:
            self.selected = self.data.indices(evidence_ids)
            self.update()

    # -- geometry ---------------------------------------------------------------
    def x_of(self, seconds):
        return (np.asarray(seconds) - self.start) * self.width() / (self.end - self.start)

    def time_at(self, x: float) -> float:
        return self.start + x * (self.end - self.start) / max(self.width(), 1)

    def lane_rect(self, lane: int) -> QRectF:
        height = (self.height() - AXIS_PX) / len(LANES)
        return QRectF(0, AXIS_PX + lane * height, self.width(), height)

    def _positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Every item's (x, y) in pixels; untimed items spread along their own lane."""
        data = self.data
        xs = self.x_of(data.time).astype(np.float64)
        lane = np.full(len(data), 2, dtype=np.int64)          # videos
        for number, kinds in LANE_KINDS.items():
            lane[np.isin(data.kind, kinds)] = number
        if len(self._untimed):
            lane[self._untimed] = len(LANES) - 1
            xs[self._untimed] = (np.arange(len(self._untimed)) + 0.5) * self.width() / len(
                self._untimed)
        height = (self.height() - AXIS_PX) / len(LANES)
        ys = AXIS_PX + lane * height + 6 + self._jitter * max(height - 12, 1)
        return xs, ys

    def item_at(self, x: float, y: float) -> int | None:
        if self.data is None or not len(self.data):
            return None
        xs, ys = self._positions()
        d2 = (xs - x) ** 2 + (ys - y) ** 2
        best = int(np.nanargmin(d2))
        return best if d2[best] <= PICK_PX * PICK_PX else None

    # -- painting ---------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#fbfbfb"))
        for lane in range(len(LANES)):
            painter.fillRect(self.lane_rect(lane),
                             QColor("#f1f3f6") if lane % 2 else QColor("#fbfbfb"))
        self._paint_axis(painter)
        if self.data is not None:
            self._paint_spans(painter)
            self._paint_items(painter)
        if self.brush is not None:
            x0, x1 = self.x_of(list(self.brush)).tolist()
            painter.fillRect(QRectF(x0, AXIS_PX, x1 - x0, self.height() - AXIS_PX),
                             QColor(30, 120, 230, 50))
        self._paint_lane_names(painter)
        if self.data is not None:       # over the lane's name: a bar at the start is data
            self._paint_incidents(painter)
        painter.end()

    def _paint_lane_names(self, painter: QPainter) -> None:
        """Names over the dots, on their lane's colour: untimed items are spread along the
        whole last lane, and drawn over its name they made it unreadable."""
        metrics = painter.fontMetrics()
        for lane, name in enumerate(LANES):
            rect = self.lane_rect(lane)
            box = QRectF(rect.left(), rect.top(), metrics.horizontalAdvance(name) + 8,
                         metrics.height() + 2)
            painter.fillRect(box, QColor("#f1f3f6") if lane % 2 else QColor("#fbfbfb"))
            painter.setPen(QColor(110, 110, 110))
            painter.drawText(rect.adjusted(4, 2, 0, 0), name)

    def _paint_axis(self, painter: QPainter) -> None:
        painter.fillRect(QRectF(0, 0, self.width(), AXIS_PX), QColor("#e4e7eb"))
        painter.setPen(QColor(150, 150, 150))
        for seconds, label in time_axis.ticks(self.start, self.end, self.width()):
            x = float(self.x_of(seconds))
            painter.drawLine(QPointF(x, AXIS_PX - 6), QPointF(x, self.height()))
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(QPointF(x + 3, AXIS_PX - 9), label)
            painter.setPen(QColor(200, 200, 200))
        painter.setPen(QColor(90, 90, 90))
        painter.drawText(QRectF(0, 0, self.width() - 6, AXIS_PX - 4),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "UTC")

    def _paint_spans(self, painter: QPainter) -> None:
        data = self.data
        videos = np.flatnonzero((data.kind == 2) & ~np.isnan(data.time))
        rect = self.lane_rect(2)
        starts = data.time[videos]
        ends = starts + np.nan_to_num(data.duration[videos])
        show = (ends >= self.start) & (starts <= self.end)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(KIND_COLOURS[2]))
        chosen = set(self.selected.tolist())
        for index, x0, x1 in zip(videos[show].tolist(), self.x_of(starts[show]).tolist(),
                                 self.x_of(ends[show]).tolist(), strict=True):
            y = rect.top() + 6 + self._jitter[index] * max(rect.height() - 18, 1)
            if index in chosen:
                painter.setBrush(QColor(SELECTED))
            painter.drawRect(QRectF(x0, y, max(x1 - x0, 2.0), 6))
            painter.setBrush(QColor(KIND_COLOURS[2]))

    def _paint_incidents(self, painter: QPainter) -> None:
        fill = QColor(INCIDENT)
        fill.setAlpha(90)
        painter.setPen(QPen(INCIDENT, 1))
        painter.setBrush(fill)
        for bar, at, title in self.incident_bars():
            painter.drawRect(bar)
            painter.drawText(at, title)

    def incident_bars(self) -> list[tuple[QRectF, QPointF, str]]:
        """Each incident's bar, where its title is written (text baseline) and the title:
        the bars in as many rows as the Incidents lane holds (a laptop's dock has room for
        two; three drew the last below the lane), each title kept inside the pane."""
        rect = self.lane_rect(3)
        rows = int(max(1, min(3, (rect.height() - 4) // INCIDENT_ROW_PX)))
        metrics = self.fontMetrics()
        after_name = metrics.horizontalAdvance(LANES[3]) + 12    # the first row's titles
        bars = []
        for number, incident in enumerate(self.data.incidents):
            span = incident_span(incident)
            if span is None:
                continue
            x0, x1 = self.x_of(list(span)).tolist()
            y = rect.top() + 4 + (number % rows) * INCIDENT_ROW_PX
            width = metrics.horizontalAdvance(incident.title)
            title_x = max(x0, 0) + 4
            if number % rows == 0:          # the lane's name takes the first row's start
                title_x = max(title_x, after_name)
            if title_x + width > self.width() - 4:      # before the bar, not off the pane
                title_x = min(x0 - 4, self.width() - 4) - width
            bars.append((QRectF(x0, y, max(x1 - x0, 3.0), 10),
                         QPointF(max(title_x, 0), y + 9), incident.title))
        return bars

    def _paint_items(self, painter: QPainter) -> None:
        data = self.data
        xs, ys = self._positions()
        px, py = np.rint(xs).astype(np.int64), np.rint(ys).astype(np.int64)
        dots = data.kind != 2
        dots[self._untimed] = True
        canvas = padded_canvas(self.width(), self.height())
        visible = (px >= 0) & (px < self.width()) & (py >= 0) & (py < self.height())
        for code, colour in enumerate(KIND_COLOURS):
            chosen = visible & dots & (data.kind == code)
            stamp_padded(canvas, px[chosen], py[chosen], argb(colour))
        draw_canvas(painter, canvas)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(DISAGREE, 1.5))
        for x, y in zip(*(a[visible & (data.disagree > 0)][:3000].tolist() for a in (px, py)),
                        strict=True):
            painter.drawEllipse(QPointF(x, y), 4.5, 4.5)
        painter.setPen(QPen(QColor("black"), 1.2))
        painter.setBrush(QColor(SELECTED))
        chosen = self.selected[visible[self.selected]][:2000]
        for x, y in zip(px[chosen].tolist(), py[chosen].tolist(), strict=True):
            painter.drawEllipse(QPointF(x, y), 4.5, 4.5)

    # -- mouse ------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 0.8 ** (event.angleDelta().y() / 120)
        at = self.time_at(event.position().x())
        self.set_range(at - (at - self.start) * factor, at + (self.end - at) * factor)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._press = event.position()
        self._drag = "pan" if self._press.y() < AXIS_PX else "brush"
        self._pan_from = (self.start, self.end)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        x0, x1 = self._press.x(), event.position().x()
        if self._drag == "pan":
            shift = (x0 - x1) * (self.end - self.start) / max(self.width(), 1)
            self.set_range(self._pan_from[0] + shift, self._pan_from[1] + shift)
        elif abs(x1 - x0) > 3:
            low, high = sorted((self.time_at(x0), self.time_at(x1)))
            self.brush = (low, high)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        moved = abs(event.position().x() - self._press.x()) > 3
        press, self._press = self._press, None
        if self._drag == "brush" and moved and self.brush is not None:
            self.spanBrushed.emit(*self.brush)
        elif not moved:
            found = self.item_at(press.x(), press.y())
            ids = [self.data.ids[found]] if found is not None and self.data else []
            self.selected = np.asarray([found] if found is not None else [], dtype=np.int64)
            self.update()
            self.selectionChanged.emit(ids)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.clear_brush()

    def clear_brush(self) -> None:
        if self.brush is not None:
            self.brush = None
            self.update()
            self.spanCleared.emit()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            found = self.item_at(event.pos().x(), event.pos().y())
            if found is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(found), self)
            return True
        return super().event(event)

    def describe(self, index: int) -> str:
        """A tooltip: the moment in UTC and local time with its offset, and any doubt."""
        data = self.data
        seconds = data.time[index]
        if math.isnan(seconds):
            return "No trustworthy capture time (no time zone, or no time at all)"
        text = time_axis.moment_text(float(seconds), data.offsets[index])
        if data.disagree[index] > 0:
            text += (f"\n⚠ its clocks disagree by {data.disagree[index] / 60:.0f} min"
                     " (camera vs GPS, or telemetry vs video)")
        return text
