"""What the map draws over its background: all points as one item, tracks, incidents.

Scene coordinates are Web Mercator metres with y to the south (core/mercator.py), so
an incident's uncertainty circle is a true circle of radius / cos(latitude) there.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from reviewer.core import mercator
from reviewer.core.geotime import GeoTime
from reviewer.ui.map.raster import (
    HALO,
    argb,
    draw_canvas,
    padded_canvas,
    stamp_padded,
)

WORLD = QRectF(-mercator.HALF_WORLD, -mercator.HALF_WORLD, 2 * mercator.HALF_WORLD,
               2 * mercator.HALF_WORLD)
KIND_COLOURS = ("#1f6fd1", "#e07b00", "#8a2be2", "#666666")   # photo, frame, video, derived
SELECTED = "#ffd400"
TRACK = QColor(224, 123, 0, 200)
INCIDENT = QColor(200, 30, 30)
MAX_SELECTED_RINGS = 2000
MANY_TRACKS = 100
ARROW_TRACK_PX = 40


class PointsLayer(QGraphicsItem):
    """Every positioned item, painted in one go from the arrays (see raster.py)."""

    def __init__(self, data: GeoTime, xs: np.ndarray, ys: np.ndarray) -> None:
        super().__init__()
        self.data = data
        placed = np.flatnonzero(~np.isnan(xs))
        self.xs, self.ys, self.kinds = xs[placed], ys[placed], data.kind[placed]
        self.all_xs, self.all_ys = xs, ys
        self.selected = np.zeros(0, dtype=np.int64)     # indices into data's arrays
        self.setZValue(10)

    def boundingRect(self) -> QRectF:
        return WORLD

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        device = painter.device()
        transform = painter.worldTransform()
        width, height = device.width(), device.height()
        canvas = padded_canvas(width, height)
        px = np.rint(self.xs * transform.m11() + transform.dx()).astype(np.int64)
        py = np.rint(self.ys * transform.m22() + transform.dy()).astype(np.int64)
        # Dots whose centre is on screen (their halo stays inside the canvas's margin).
        visible = np.flatnonzero((px >= 0) & (px < width) & (py >= 0) & (py < height))
        px, py, kinds = px[visible], py[visible], self.kinds[visible]
        stamp_padded(canvas, px, py, argb("white"), HALO)
        for code, colour in enumerate(KIND_COLOURS):
            chosen = kinds == code
            stamp_padded(canvas, px[chosen], py[chosen], argb(colour))
        draw_canvas(painter, canvas)
        chosen = self.selected[~np.isnan(self.all_xs[self.selected])][:MAX_SELECTED_RINGS]
        if len(chosen):
            sx = self.all_xs[chosen] * transform.m11() + transform.dx()
            sy = self.all_ys[chosen] * transform.m22() + transform.dy()
            painter.save()
            painter.resetTransform()
            painter.setPen(QPen(QColor("black"), 1.5))
            painter.setBrush(QColor(SELECTED))
            for x, y in zip(sx.tolist(), sy.tolist(), strict=True):
                if -10 < x < width + 10 and -10 < y < height + 10:
                    painter.drawEllipse(QPointF(x, y), 5.5, 5.5)
            painter.restore()


class TracksLayer(QGraphicsItem):
    """Each video's frames joined in time order as its flight track, with an arrow at
    its end for the direction of travel (the telemetry kept gives no camera heading)."""

    def __init__(self, data: GeoTime, xs: np.ndarray, ys: np.ndarray) -> None:
        super().__init__()
        self.tracks: list[tuple[QRectF, QPolygonF]] = []
        for members in data.tracks.values():
            tx, ty = xs[members], ys[members]
            polygon = QPolygonF([QPointF(x, y) for x, y in zip(tx.tolist(), ty.tolist(),
                                                               strict=True)])
            box = QRectF(float(tx.min()), float(ty.min()), float(np.ptp(tx)),
                         float(np.ptp(ty)))
            self.tracks.append((box, polygon))
        # So that option.exposedRect is the part on screen, not the whole world.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setZValue(5)

    def boundingRect(self) -> QRectF:
        return WORLD

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        scale = painter.worldTransform().m11()
        exposed = option.exposedRect
        shown = [(box, polygon) for box, polygon in self.tracks
                 if box.adjusted(-1, -1, 1, 1).intersects(exposed)
                 and max(box.width(), box.height()) * scale >= 3]
        # A track smaller than 3 px is hidden by its dots. Many tracks at once are drawn
        # without antialiasing (a fifth of the cost) and without arrows (too small to read).
        many = len(shown) > MANY_TRACKS
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not many)
        pen = QPen(TRACK, 2.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for box, polygon in shown:
            painter.drawPolyline(polygon)
            if not many or max(box.width(), box.height()) * scale >= ARROW_TRACK_PX:
                self._arrow(painter, polygon, scale)

    @staticmethod
    def _arrow(painter: QPainter, polygon: QPolygonF, scale: float) -> None:
        end, before = polygon[polygon.size() - 1], polygon[polygon.size() - 2]
        angle = math.atan2(end.y() - before.y(), end.x() - before.x())
        size = 10 / scale
        wing = [QPointF(end.x() - size * math.cos(angle + turn),
                        end.y() - size * math.sin(angle + turn)) for turn in (0.45, -0.45)]
        painter.save()
        painter.setBrush(TRACK)
        painter.drawPolygon(QPolygonF([end, wing[0], wing[1]]))
        painter.restore()


class IncidentCircle(QGraphicsItem):
    """An incident's uncertainty circle (ground metres, stretched as Mercator does)."""

    def __init__(self, title: str, x: float, y: float, radius: float) -> None:
        super().__init__()
        self.title, self.centre, self.radius = title, QPointF(x, y), radius
        self.setZValue(2)
        self.setToolTip(title)

    def boundingRect(self) -> QRectF:
        r = self.radius
        return QRectF(self.centre.x() - r, self.centre.y() - r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pen = QPen(INCIDENT, 2.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        fill = QColor(INCIDENT)
        fill.setAlpha(40)
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(self.centre, self.radius, self.radius)
        device = painter.worldTransform().map(self.centre)
        painter.save()
        painter.resetTransform()
        painter.setPen(INCIDENT)
        painter.drawText(device + QPointF(6, -6), self.title)
        painter.restore()
