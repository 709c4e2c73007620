"""The map pane: items where they were captured, flight tracks, incidents' circles.

No web engine and no network: the background is a graticule with labels and a scale
bar, or tiles of an MBTiles file the user opened (File ▸ Open basemap…). Drag pans,
the wheel zooms at the cursor, a click picks the nearest item, Shift+drag draws a
lasso round items (Ctrl adds to the selection).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QToolTip, QWidget

from reviewer.core import mercator
from reviewer.core.geotime import GeoTime, in_polygon, nearest
from reviewer.core.mbtiles import Basemap
from reviewer.ui.map.map_layers import WORLD, IncidentCircle, PointsLayer, TracksLayer

PICK_PX = 8
MIN_SCALE = 1 / 20_000          # pixels per scene metre: the whole world in 2,000 px
MAX_SCALE = 20.0                # 5 cm a pixel
SCALE_BAR_BAND = 32             # px at the viewport's foot that hold the scale bar
TILES_KEPT = 256
GRID = QColor(120, 120, 120, 110)
PAPER = QColor("#eef1f4")


class MapView(QGraphicsView):
    selectionChanged = Signal(list)                     # evidence ids picked on the map
    areaSelected = Signal(float, float, float, float)   # south, west, north, east of a lasso

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(WORLD, self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(120, 40)     # a laptop screen: the window must fit in 700 px
        self.data: GeoTime | None = None
        self.xs = self.ys = np.zeros(0)
        self.points: PointsLayer | None = None
        self.basemap: Basemap | None = None
        self._tiles: OrderedDict[tuple[int, int, int], QImage | None] = OrderedDict()
        self._press: QPoint | None = None
        self._last: QPoint | None = None
        self._lasso: list[QPointF] | None = None
        self._moved = False
        # Names an item for the hover tooltip (the panes look it up in the case).
        self.describe: Callable[[str], str] | None = None
        self.scale(1 / 2000, 1 / 2000)

    # -- contents -----------------------------------------------------------
    def set_data(self, data: GeoTime, fit: bool = True) -> None:
        scene = self.scene()
        scene.clear()
        self.data = data
        self.xs, self.ys = mercator.project(data.lat, data.lon)
        self.xs[np.isnan(data.lat)] = np.nan
        self.ys[np.isnan(data.lat)] = np.nan
        self.points = PointsLayer(data, self.xs, self.ys)
        scene.addItem(self.points)
        scene.addItem(TracksLayer(data, self.xs, self.ys))
        for incident in data.incidents:
            if incident.lat is None or incident.lon is None:
                continue
            x, y = mercator.project(incident.lat, incident.lon)
            radius = mercator.circle_radius(incident.lat, incident.radius_m or 0.0)
            scene.addItem(IncidentCircle(incident.title, float(x), float(y), radius))
        if fit:
            self.fit_all()

    def fit_all(self) -> None:
        """Show every item and incident circle, with a margin."""
        boxes = []
        if self.data is not None and len(self.data.positioned()):
            xs, ys = self.xs[~np.isnan(self.xs)], self.ys[~np.isnan(self.ys)]
            boxes.append(QRectF(float(xs.min()), float(ys.min()), float(np.ptp(xs)),
                                float(np.ptp(ys))))
        boxes += [item.boundingRect() for item in self.scene().items()
                  if isinstance(item, IncidentCircle)]
        rect = WORLD
        if boxes:
            rect = boxes[0]
            for box in boxes[1:]:
                rect = QRectF(QPointF(min(rect.left(), box.left()), min(rect.top(), box.top())),
                              QPointF(max(rect.right(), box.right()),
                                      max(rect.bottom(), box.bottom())))
        margin = max(rect.width(), rect.height()) * 0.08 + 300.0     # one photo: 300 m round
        self.fitInView(rect.adjusted(-margin, -margin, margin, margin),
                       Qt.AspectRatioMode.KeepAspectRatio)
        self._clamp_scale()

    def set_selected(self, evidence_ids: list[str]) -> None:
        if self.points is None or self.data is None:
            return
        self.points.selected = self.data.indices(evidence_ids)
        self.viewport().update()

    def set_basemap(self, basemap: Basemap | None) -> None:
        self.basemap = basemap
        self._tiles.clear()
        self.viewport().update()

    def selected_positions(self) -> list[tuple[float, float]]:
        if self.points is None or self.data is None:
            return []
        return [(float(self.data.lat[i]), float(self.data.lon[i])) for i in self.points.selected]

    # -- geometry -------------------------------------------------------------
    def scene_per_pixel(self) -> float:
        return 1.0 / self.transform().m11()

    def min_scale(self) -> float:
        """As far out as the world fits the pane: a fixed 1/20,000 left items on other
        continents outside a laptop's short, wide dock, even after Show all."""
        port = self.viewport()
        fits = min(port.width() / WORLD.width(), port.height() / WORLD.height())
        return min(MIN_SCALE, fits) if fits > 0 else MIN_SCALE

    def _clamp_scale(self) -> None:
        scale, least = self.transform().m11(), self.min_scale()
        if scale < least or scale > MAX_SCALE:
            target = min(max(scale, least), MAX_SCALE)
            self.scale(target / scale, target / scale)

    def zoom_by(self, factor: float) -> None:
        scale = self.transform().m11() * factor
        if self.min_scale() <= scale <= MAX_SCALE:
            self.scale(factor, factor)

    def pan_by(self, dx: int, dy: int) -> None:
        """Move the map by device pixels (as a drag would)."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - dx)
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - dy)

    def point_of(self, evidence_id: str) -> QPoint | None:
        """Where an item is drawn, in viewport pixels (None without a position)."""
        if self.data is None or evidence_id not in self.data.index_of:
            return None
        i = self.data.index_of[evidence_id]
        if math.isnan(self.xs[i]):
            return None
        return self.mapFromScene(QPointF(float(self.xs[i]), float(self.ys[i])))

    def tooltip_at(self, at: QPoint) -> str:
        """What a hover over `at` (viewport pixels) names: the nearest item, if close."""
        if self.data is None or self.describe is None:
            return ""
        spot = self.mapToScene(at)
        found = nearest(self.xs, self.ys, spot.x(), spot.y(), PICK_PX * self.scene_per_pixel())
        if found is None:
            return ""
        lat, lon = self.data.lat[found], self.data.lon[found]
        return f"{self.describe(self.data.ids[found])}\n{lat:.5f}, {lon:.5f}"

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # -- mouse ------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom_by(1.25 ** (event.angleDelta().y() / 120))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._press = self._last = event.position().toPoint()
        self._moved = False
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._lasso = [self.mapToScene(self._press)]
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return super().mouseMoveEvent(event)
        at = event.position().toPoint()
        self._moved = self._moved or (at - self._press).manhattanLength() > 3
        if self._lasso is not None:
            self._lasso.append(self.mapToScene(at))
            self.viewport().update()
        else:
            self.pan_by(at.x() - self._last.x(), at.y() - self._last.y())
        self._last = at

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return super().mouseReleaseEvent(event)
        at = event.position().toPoint()
        add = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        moved = self._moved or (at - self._press).manhattanLength() > 3
        lasso, self._lasso, self._press = self._lasso, None, None
        if lasso is not None and moved:
            lasso.append(self.mapToScene(at))
            self._choose_inside(lasso, add)
        elif not moved:
            self._choose_at(at, add)
        self.viewport().update()

    def _choose_at(self, at: QPoint, add: bool) -> None:
        if self.points is None or self.data is None:
            return
        spot = self.mapToScene(at)
        found = nearest(self.xs, self.ys, spot.x(), spot.y(), PICK_PX * self.scene_per_pixel())
        chosen = [self.data.ids[found]] if found is not None else []
        current = [self.data.ids[i] for i in self.points.selected] if add else []
        self._emit(current + [c for c in chosen if c not in current])

    def _choose_inside(self, lasso: list[QPointF], add: bool) -> None:
        if self.points is None or self.data is None:
            return
        polygon = [(p.x(), p.y()) for p in lasso]
        inside = np.flatnonzero(in_polygon(self.xs, self.ys, polygon))
        if add:
            inside = np.union1d(self.points.selected, inside)
        self._emit([self.data.ids[i] for i in inside.tolist()])
        xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
        lats, lons = mercator.unproject([min(xs), max(xs)], [max(ys), min(ys)])
        self.areaSelected.emit(float(lats[0]), float(lons[0]), float(lats[1]), float(lons[1]))

    def _emit(self, evidence_ids: list[str]) -> None:
        if self.points is not None and self.data is not None:
            self.points.selected = self.data.indices(evidence_ids)
        self.selectionChanged.emit(evidence_ids)

    # -- background and overlays ------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, PAPER)
        if self.basemap is not None:
            self._draw_tiles(painter, rect)
        self._draw_graticule(painter, rect)

    def _draw_tiles(self, painter: QPainter, rect: QRectF) -> None:
        basemap = self.basemap
        zoom = min(max(mercator.zoom_for(self.scene_per_pixel()), basemap.min_zoom),
                   basemap.max_zoom)
        tiles = mercator.tiles_covering(zoom, rect.left(), rect.top(), rect.right(),
                                        rect.bottom())
        if len(tiles) > 400:
            return          # zoomed far out of the file's levels: the graticule stands in
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for column, row in tiles:
            image = self._tile(zoom, column, row)
            if image is not None:
                x, y, w, h = mercator.tile_rect(zoom, column, row)
                painter.drawImage(QRectF(x, y, w, h), image)
        painter.restore()

    def _tile(self, zoom: int, column: int, row: int) -> QImage | None:
        key = (zoom, column, row)
        if key in self._tiles:
            self._tiles.move_to_end(key)
            return self._tiles[key]
        data = self.basemap.tile(zoom, column, row) if self.basemap else None
        image = QImage.fromData(data) if data else None
        self._tiles[key] = image if image is not None and not image.isNull() else None
        while len(self._tiles) > TILES_KEPT:
            self._tiles.popitem(last=False)
        return self._tiles[key]

    def _graticule(self, rect: QRectF) -> tuple[float, list[float], list[float]]:
        """The step in degrees and the latitudes and longitudes of lines in `rect`."""
        north, south = mercator.unproject([0, 0], [rect.top(), rect.bottom()])[0]
        west, east = mercator.unproject([rect.left(), rect.right()], [0, 0])[1]
        span = max(east - west, north - south, 1e-9)
        step = mercator.nice_step(span / 6, mercator.GRATICULE_DEG)

        def lines(low: float, high: float, limit: float) -> list[float]:
            first = math.ceil(max(low, -limit) / step)
            last = math.floor(min(high, limit) / step)
            return [k * step for k in range(first, last + 1)][:200]

        return step, lines(float(south), float(north), mercator.MAX_LAT), \
            lines(float(west), float(east), 180.0)

    def _draw_graticule(self, painter: QPainter, rect: QRectF) -> None:
        _step, lats, lons = self._graticule(rect)
        pen = QPen(GRID, 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for lat in lats:
            y = float(mercator.project(lat, 0.0)[1])
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        for lon in lons:
            x = float(mercator.project(0.0, lon)[0])
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        step, lats, lons = self._graticule(visible)
        painter.save()
        painter.resetTransform()
        painter.setPen(QColor(60, 60, 60))
        for at, text in self._parallel_labels(visible, step, lats):
            painter.drawText(at, text)
        for lon in lons:
            x = self.mapFromScene(QPointF(float(mercator.project(0.0, lon)[0]),
                                          visible.center().y())).x()
            painter.drawText(QPointF(x + 3, 14), mercator.degrees_text(lon, step, "E", "W"))
        self._draw_scale_bar(painter, visible)
        if self.basemap is not None and self.basemap.attribution:
            height = self.viewport().height()
            painter.drawText(QPointF(self.viewport().width() - 8 - painter.fontMetrics()
                                     .horizontalAdvance(self.basemap.attribution), height - 6),
                             self.basemap.attribution)
        if self._lasso:
            pen = QPen(QColor(20, 20, 20), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            path = QPainterPath()
            path.addPolygon(QPolygonF([self.mapFromScene(p).toPointF() for p in self._lasso]))
            painter.drawPath(path)
        painter.restore()

    def parallel_labels(self) -> list[tuple[QPointF, str]]:
        """Where each parallel's label is drawn (viewport px, text baseline) and its text;
        none in the scale bar's band at the foot, where it would be half hidden."""
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        step, lats, _lons = self._graticule(visible)
        return self._parallel_labels(visible, step, lats)

    def _parallel_labels(self, visible: QRectF, step: float, lats: list[float]
                         ) -> list[tuple[QPointF, str]]:
        below = self.viewport().height() - SCALE_BAR_BAND
        labels = []
        for lat in lats:
            y = self.mapFromScene(QPointF(visible.center().x(),
                                          float(mercator.project(lat, 0.0)[1]))).y() - 3
            if y + self.fontMetrics().descent() < below:
                labels.append((QPointF(4, y), mercator.degrees_text(lat, step, "N", "S")))
        return labels

    def _draw_scale_bar(self, painter: QPainter, visible: QRectF) -> None:
        lat = float(mercator.unproject(0.0, visible.center().y())[0])
        metres_per_px = self.scene_per_pixel() / mercator.scale_at(lat)
        metres = mercator.nice_step(120 * metres_per_px, mercator.SCALE_BAR_M)
        width = metres / metres_per_px
        left, base = 12.0, self.viewport().height() - SCALE_BAR_BAND + 18.0
        painter.fillRect(QRectF(left - 4, base - 18, width + 8, 24), QColor(255, 255, 255, 200))
        painter.setPen(QPen(QColor("black"), 2))
        painter.drawLine(QPointF(left, base), QPointF(left + width, base))
        for x in (left, left + width):
            painter.drawLine(QPointF(x, base - 5), QPointF(x, base))
        painter.drawText(QPointF(left, base - 6), mercator.distance_text(metres))
