"""The after image laid over the before image, in the before view's scene.

Swipe shows the after image right of a divider the user drags; blend shows it
at an opacity; difference shows it with the changed areas as a heat map on top.
The after image arrives already warped into the before image's frame (by the
comparison's alignment) at display resolution; it is stretched over the before
image's full-resolution rectangle.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QMouseEvent, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
)

from reviewer.ui.viewer import ImageView

# Above the before image (-1e15), below every region (z = minus its area, > -1e15).
AFTER_Z = -9e14
HEAT_Z = -8e14
DIVIDER_Z = 10.0
GRAB_PX = 10          # how near the divider (screen pixels) a press takes it


class AfterOverlay(QObject):
    """What the before view shows on top of its image in the swipe, blend, difference modes."""

    dividerDragged = Signal(float)       # the user moved the divider: fraction of the width

    def __init__(self, view: ImageView) -> None:
        super().__init__(view)
        self.view = view
        scene = view.scene()
        # The clip parent holds the after image; its rectangle is what of it shows.
        self._clip = QGraphicsRectItem()
        self._clip.setPen(Qt.PenStyle.NoPen)
        self._clip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self._clip.setZValue(AFTER_Z)
        self._after = QGraphicsPixmapItem(self._clip)
        self._after.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._heat = QGraphicsPixmapItem()
        self._heat.setZValue(HEAT_Z)
        self._line = QGraphicsLineItem()
        pen = QPen(QColor("#ffffff"), 2)
        pen.setCosmetic(True)
        self._line.setPen(pen)
        self._line.setZValue(DIVIDER_Z)
        self._knob = QGraphicsEllipseItem(-9, -9, 18, 18)
        self._knob.setBrush(QBrush(QColor("#ffffff")))
        self._knob.setPen(QPen(QColor("#303030"), 1.5))
        self._knob.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._knob.setZValue(DIVIDER_Z + 1)
        for item in (self._clip, self._heat, self._line, self._knob):
            scene.addItem(item)
        self.mode = "side"
        self.divider = 0.5          # swipe: fraction of the width from the left
        self.opacity = 0.5          # blend
        self._size = (0, 0)
        self._dragging = False
        view.viewport().installEventFilter(self)
        self._show()

    def set_images(self, after: QImage | None, heat: QImage | None, width: int,
                   height: int) -> None:
        """The warped after image and the heat map (RGBA) for a before image of this size."""
        self._size = (width, height)
        for item, image in ((self._after, after), (self._heat, heat)):
            if image is None or image.isNull():
                item.setPixmap(QPixmap())
                continue
            item.setPixmap(QPixmap.fromImage(image))
            item.setTransform(QTransform.fromScale(width / image.width(),
                                                   height / image.height()))
        self._show()

    def set_heat(self, heat: QImage | None) -> None:
        """A new heat map (the threshold moved), the after image kept."""
        width, height = self._size
        if heat is None or heat.isNull() or not width:
            self._heat.setPixmap(QPixmap())
        else:
            self._heat.setPixmap(QPixmap.fromImage(heat))
            self._heat.setTransform(QTransform.fromScale(width / heat.width(),
                                                         height / heat.height()))

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._show()

    def set_divider(self, fraction: float) -> None:
        self.divider = min(1.0, max(0.0, fraction))
        self._show()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = min(1.0, max(0.0, opacity))
        self._show()

    def _show(self) -> None:
        width, height = self._size
        overlaid = self.mode in ("swipe", "blend", "difference") and width > 0
        swipe = overlaid and self.mode == "swipe"
        self._clip.setVisible(overlaid)
        self._heat.setVisible(overlaid and self.mode == "difference")
        self._line.setVisible(swipe)
        self._knob.setVisible(swipe)
        left = self.divider * width if swipe else 0.0
        self._clip.setRect(QRectF(left, 0, width - left, height))
        self._clip.setOpacity(self.opacity if self.mode == "blend" else 1.0)
        self._line.setLine(QLineF(left, 0, left, height))
        self._knob.setPos(left, height / 2)

    # -- dragging the divider -----------------------------------------------------------

    def divider_x_on_screen(self) -> float:
        return self.view.mapFromScene(QPointF(self.divider * self._size[0], 0)).x()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.mode != "swipe" or not self._size[0]:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent) \
                and event.button() == Qt.MouseButton.LeftButton \
                and abs(event.position().x() - self.divider_x_on_screen()) <= GRAB_PX:
            self._dragging = True
            return True
        if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            if self._dragging:
                x = self.view.mapToScene(event.position().toPoint()).x()
                self.set_divider(x / self._size[0])
                self.dividerDragged.emit(self.divider)
                return True
            near = abs(event.position().x() - self.divider_x_on_screen()) <= GRAB_PX
            self.view.viewport().setCursor(Qt.CursorShape.SplitHCursor if near
                                           else Qt.CursorShape.ArrowCursor)
            return False
        if kind == QEvent.Type.MouseButtonRelease and self._dragging:
            self._dragging = False
            return True
        return False
