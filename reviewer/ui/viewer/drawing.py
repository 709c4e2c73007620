"""The rect, polygon and point tools: mouse and keys in, finished shapes out.

Positions arrive in scene units (image pixels) with the zoom, so screen-pixel rules
(a 3 px slip is no rectangle, a click within 10 px of the first vertex closes the
polygon) stay the same at any zoom. The geometry itself is the Shape's (core/shape.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPolygonF
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsScene

from reviewer.core.shape import Point, Polygon, Rect, Shape
from reviewer.ui.viewer import tools
from reviewer.ui.viewer.region_items import (
    DRAFT_Z,
    HANDLE_SIZE,
    SKETCH_COLOUR,
    sketch_item,
    sketch_pen,
)


class DrawingController:
    def __init__(self, scene: QGraphicsScene, finished: Callable[[Shape], None]) -> None:
        self.scene = scene
        self.finished = finished
        self.tool = Rect.kind        # a name in DRAWING_TOOLS (any other draws nothing)
        self.width = 0.0
        self.height = 0.0
        self._start: tuple[float, float] | None = None      # rect: the pressed corner
        self._polygon: tools.PolygonDraft | None = None
        self._cursor: tuple[float, float] | None = None
        self._outline = None
        self._markers: list[QGraphicsEllipseItem] = []

    def active(self) -> bool:
        return self._start is not None or self._polygon is not None

    def set_bounds(self, width: float, height: float) -> None:
        self.cancel()
        self.width, self.height = width, height

    def cancel(self) -> None:
        self._start = None
        self._polygon = None
        self._cursor = None
        if self._outline is not None:
            self.scene.removeItem(self._outline)
            self._outline = None
        for marker in self._markers:
            self.scene.removeItem(marker)
        self._markers = []

    # -- mouse ---------------------------------------------------------------------------

    def press(self, x: float, y: float, zoom: float) -> None:
        tool = DRAWING_TOOLS.get(self.tool)
        if tool is not None and self.width > 0 and self.height > 0:
            tool.press(self, x, y, zoom)

    def move(self, x: float, y: float, zoom: float) -> None:
        if self.active():
            self._cursor = tools.clamp_point(x, y, self.width, self.height)
            self._refresh(zoom)

    def release(self, x: float, y: float, zoom: float) -> None:
        tool = DRAWING_TOOLS.get(self.tool)
        if tool is not None:
            tool.release(self, x, y, zoom)

    def double_click(self, x: float, y: float, zoom: float) -> bool:
        """True if the tool took the double click; False: it counts as another press."""
        tool = DRAWING_TOOLS.get(self.tool)
        return tool is not None and tool.double_click(self, x, y, zoom)

    # -- keys ----------------------------------------------------------------------------

    def key(self, key: int, zoom: float) -> bool:
        """Handle Enter, Backspace and Escape while drawing; True if the key was used."""
        if not self.active():
            return False
        if key == Qt.Key.Key_Escape:
            self.cancel()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._polygon is not None:
            self.finish_polygon()
        elif key == Qt.Key.Key_Backspace and self._polygon is not None:
            self._polygon.remove_last()
            if not self._polygon.points:
                self.cancel()
            else:
                self._refresh(zoom)
        else:
            return False
        return True

    def finish_polygon(self) -> None:
        draft = self._polygon
        if draft is None or not draft.can_close():
            return                        # fewer than 3 distinct vertices: keep clicking
        shape = draft.shape()
        self.cancel()
        self.finished(shape)

    # -- the outline of the shape in progress ------------------------------------------

    def _show_outline(self) -> None:
        self._outline = sketch_item()
        self.scene.addItem(self._outline)

    def _refresh(self, zoom: float) -> None:
        if self._outline is None:
            return
        path = QPainterPath()
        if self._start is not None and self._cursor is not None:
            path.addRect(*Rect.from_corners(*self._start, *self._cursor).bounds())
        elif self._polygon is not None:
            points = [QPointF(px, py) for px, py in self._polygon.points]
            closing = (self._cursor is not None and self._polygon.near_first(
                *self._cursor, tools.CLOSE_SNAP_PX / zoom))
            if self._cursor is not None and not closing:
                points.append(QPointF(*self._cursor))     # the rubber band to the cursor
            path.addPolygon(QPolygonF(points))
            if closing:
                path.closeSubpath()
            self._refresh_markers(closing)
        self._outline.setPath(path)

    def _refresh_markers(self, closing: bool) -> None:
        """A dot on every vertex; the first grows when a click there would close."""
        points = self._polygon.points if self._polygon is not None else []
        while len(self._markers) > len(points):
            self.scene.removeItem(self._markers.pop())
        while len(self._markers) < len(points):
            marker = QGraphicsEllipseItem()
            marker.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            marker.setPen(sketch_pen())
            marker.setZValue(DRAFT_Z + 1)
            self.scene.addItem(marker)
            self._markers.append(marker)
        for index, (marker, (px, py)) in enumerate(zip(self._markers, points, strict=True)):
            size = HANDLE_SIZE * (1.8 if index == 0 and closing else 0.8)
            marker.setRect(-size / 2, -size / 2, size, size)
            marker.setBrush(QColor(SKETCH_COLOUR) if index == 0 else QColor("#ffffff"))
            marker.setPos(px, py)


# -- the tools: what a press, a release and a double click mean to each -------------------

class _PointTool:
    def press(self, drawing: DrawingController, x: float, y: float, zoom: float) -> None:
        if 0 <= x <= drawing.width and 0 <= y <= drawing.height:   # outside: not meant
            drawing.finished(Point(x, y).rounded())

    def release(self, drawing: DrawingController, x: float, y: float, zoom: float) -> None:
        pass

    def double_click(self, drawing: DrawingController, x: float, y: float,
                     zoom: float) -> bool:
        return True                  # two quick clicks would make two points


class _RectTool:
    def press(self, drawing: DrawingController, x: float, y: float, zoom: float) -> None:
        drawing.cancel()
        drawing._start = tools.clamp_point(x, y, drawing.width, drawing.height)
        drawing._show_outline()

    def release(self, drawing: DrawingController, x: float, y: float, zoom: float) -> None:
        if drawing._start is None:
            return
        shape = Rect.from_corners(*drawing._start, x, y).clamped(
            drawing.width, drawing.height).rounded()
        drawing.cancel()
        if not tools.is_tiny_drag(shape.w * zoom, shape.h * zoom) and not shape.is_empty():
            drawing.finished(shape)

    def double_click(self, drawing: DrawingController, x: float, y: float,
                     zoom: float) -> bool:
        return False


class _PolygonTool:
    def press(self, drawing: DrawingController, x: float, y: float, zoom: float) -> None:
        if drawing._polygon is None:
            drawing._polygon = tools.PolygonDraft(drawing.width, drawing.height)
            drawing._show_outline()
        if drawing._polygon.click(x, y, tools.CLOSE_SNAP_PX / zoom):
            drawing.finish_polygon()
        else:
            drawing._cursor = (x, y)
            drawing._refresh(zoom)

    def release(self, drawing: DrawingController, x: float, y: float, zoom: float) -> None:
        pass

    def double_click(self, drawing: DrawingController, x: float, y: float,
                     zoom: float) -> bool:
        if drawing._polygon is not None:
            # Usually the first click of the pair added this vertex; click() skips a repeat.
            drawing._polygon.click(x, y, tools.CLOSE_SNAP_PX / zoom)
            drawing.finish_polygon()
        return True


# Tools are named after the kind of shape they draw; "redact" draws a box that the window
# marks for redaction (covered in public exports).
REDACT_TOOL = "redact"
DRAWING_TOOLS = {Rect.kind: _RectTool(), Polygon.kind: _PolygonTool(), Point.kind: _PointTool(),
                 REDACT_TOOL: _RectTool()}
