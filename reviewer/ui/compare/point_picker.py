"""Manual alignment: the user clicks the same feature in the before and the after image.

Points are taken in turn, before then after, and numbered alike in both views so a
pair can be checked by eye. A click that pans (the mouse travelled) is not a point;
Backspace takes the last point back.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QMouseEvent, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsSimpleTextItem

from reviewer.ui.viewer import ImageView

CLICK_TRAVEL_PX = 4
MARKER_Z = 20.0
MARKER_COLOUR = "#00e5ff"


class _Marker(QGraphicsEllipseItem):
    def __init__(self, number: int, at: QPointF) -> None:
        super().__init__(-7, -7, 14, 14)
        self.setPos(at)
        self.setPen(QPen(QColor("#000000"), 1.5))
        self.setBrush(QBrush(QColor(MARKER_COLOUR)))
        # The same size on screen at any zoom: a marker must never hide the feature.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(MARKER_Z)
        label = QGraphicsSimpleTextItem(str(number), self)
        font = QFont()
        font.setBold(True)
        label.setFont(font)
        label.setBrush(QBrush(QColor(MARKER_COLOUR)))
        label.setPen(QPen(QColor("#000000"), 0.6))
        label.setPos(9, -22)


class PointPicker(QObject):
    pairsChanged = Signal(int)      # complete pairs so far

    def __init__(self, before: ImageView, after: ImageView) -> None:
        super().__init__(before)
        self.views = (before, after)
        self.points: tuple[list[QPointF], list[QPointF]] = ([], [])
        self._markers: tuple[list[_Marker], list[_Marker]] = ([], [])
        self._pressed: tuple[int, QPointF] | None = None
        self.active = False

    def start(self) -> None:
        self.active = True
        for view in self.views:
            view.viewport().installEventFilter(self)
            view.installEventFilter(self)
            view.viewport().setCursor(Qt.CursorShape.CrossCursor)

    def stop(self) -> None:
        self.active = False
        for view in self.views:
            view.viewport().removeEventFilter(self)
            view.removeEventFilter(self)
            view.viewport().unsetCursor()

    def clear(self) -> None:
        for side in (0, 1):
            for marker in self._markers[side]:
                self.views[side].scene().removeItem(marker)
            self._markers[side].clear()
            self.points[side].clear()
        self.pairsChanged.emit(0)

    def pairs(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """(before x, y), (after x, y) for each complete pair, in image pixels."""
        return [((b.x(), b.y()), (a.x(), a.y())) for b, a in zip(*self.points, strict=False)]

    def expected_side(self) -> int:
        """0: the next click belongs in the before image; 1: in the after image."""
        return 0 if len(self.points[0]) == len(self.points[1]) else 1

    def add(self, side: int, at: QPointF) -> bool:
        if side != self.expected_side():
            return False
        self.points[side].append(QPointF(at))
        marker = _Marker(len(self.points[side]), at)
        self.views[side].scene().addItem(marker)
        self._markers[side].append(marker)
        self.pairsChanged.emit(len(self.pairs()))
        return True

    def undo(self) -> None:
        side = 1 - self.expected_side() if self.points[0] else None
        if side is None:
            return
        self.points[side].pop()
        self.views[side].scene().removeItem(self._markers[side].pop())
        self.pairsChanged.emit(len(self.pairs()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.active:
            return False
        side = next((i for i, view in enumerate(self.views)
                     if watched in (view, view.viewport())), None)
        if side is None:
            return False
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Backspace:
            self.undo()
            return True
        if not isinstance(event, QMouseEvent) or event.button() != Qt.MouseButton.LeftButton:
            return False
        if kind == QEvent.Type.MouseButtonPress:
            self._pressed = (side, event.position())
        elif kind == QEvent.Type.MouseButtonRelease and self._pressed is not None:
            pressed_side, where = self._pressed
            self._pressed = None
            travel = event.position() - where
            if pressed_side == side and abs(travel.x()) + abs(travel.y()) <= CLICK_TRAVEL_PX:
                view = self.views[side]
                point = view.mapToScene(event.position().toPoint())
                if view.image_rect().contains(point):
                    self.add(side, point)
        return False          # the view still pans on a drag
