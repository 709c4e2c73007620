"""The picture under the regions: preview and full-resolution pixmaps, or a placeholder.

Both pixmaps are scaled to fill the same scene rectangle (displayed-image pixels),
so regions never move when the full resolution arrives. Zoomed out, the preview is
drawn even once the full image is in: smoothly scaling a 24-megapixel pixmap on every
repaint would make panning crawl, and on screen the two look the same.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsTextItem,
)

IMAGE_Z = -1e15           # below every region, whose z is minus its area
MESSAGE_WIDTH = 420.0     # screen pixels

_SMOOTH = Qt.TransformationMode.SmoothTransformation
_FAST = Qt.TransformationMode.FastTransformation


class ImageLayer:
    def __init__(self, scene: QGraphicsScene) -> None:
        self.width = 0
        self.height = 0
        self.error: str | None = None
        self._preview_scale = 0.0          # preview pixels per image pixel; 0: none shown
        self._has_full = False
        self.preview = self._pixmap_item(scene)
        self.full = self._pixmap_item(scene)
        self.backdrop = QGraphicsRectItem()
        self.backdrop.setPen(Qt.PenStyle.NoPen)
        self.backdrop.setZValue(IMAGE_Z - 1)
        scene.addItem(self.backdrop)
        self.message = QGraphicsTextItem()
        self.message.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.message.setDefaultTextColor(QColor("#f2f2f2"))
        font = QFont()
        font.setPointSizeF(11)
        self.message.setFont(font)
        self.message.setTextWidth(MESSAGE_WIDTH)
        self.message.setZValue(IMAGE_Z + 1)
        scene.addItem(self.message)
        self.reset(0, 0)

    @staticmethod
    def _pixmap_item(scene: QGraphicsScene) -> QGraphicsPixmapItem:
        item = QGraphicsPixmapItem()
        item.setZValue(IMAGE_Z)
        item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        scene.addItem(item)
        return item

    def rect(self) -> QRectF:
        return QRectF(0, 0, self.width, self.height)

    def resolution(self) -> float:
        """Pixels shown per image pixel: 0 before any, below 1 for a preview, 1 in full."""
        return 1.0 if self._has_full else self._preview_scale

    def reset(self, width: int, height: int) -> None:
        """A new image of this displayed size: a dark frame until its pixels arrive."""
        self.width, self.height = max(0, width), max(0, height)
        self.error = None
        self._preview_scale = 0.0
        self._has_full = False
        for item in (self.preview, self.full):
            item.setPixmap(QPixmap())
            item.setVisible(False)
        self.backdrop.setRect(self.rect())
        self.backdrop.setPen(Qt.PenStyle.NoPen)
        self.backdrop.setBrush(QColor("#2b2b2b"))
        self.backdrop.setVisible(self.width > 0 and self.height > 0)
        self.message.setVisible(False)

    def show_image(self, image: QImage, full: bool) -> None:
        item = self.full if full else self.preview
        pixmap = QPixmap.fromImage(image)
        if pixmap.isNull() or self.width <= 0 or self.height <= 0:
            return
        item.setPixmap(pixmap)
        item.setTransform(QTransform.fromScale(self.width / pixmap.width(),
                                               self.height / pixmap.height()))
        if full:
            self._has_full = True
        else:
            self._preview_scale = min(1.0, pixmap.width() / self.width)

    def show_error(self, reason: str) -> None:
        """A grey frame of the image's size with the reason written across it."""
        self.error = reason
        for item in (self.preview, self.full):
            item.setVisible(False)
        self.backdrop.setBrush(QColor("#6b6b6b"))
        self.backdrop.setPen(QPen(QColor("#8a8a8a"), 0))
        self.backdrop.setVisible(self.width > 0 and self.height > 0)
        # With no image at all (nothing selected) the reason is the whole message.
        heading = ("<b>This image cannot be shown</b><br>" if self.width and self.height
                   else "")
        self.message.setHtml(f"<div align='center'>{heading}{escape(reason)}</div>")
        self.message.setVisible(True)
        self.place_message(1.0)

    def place_message(self, zoom: float) -> None:
        """Keep the (unscaled) message centred on the image at this zoom."""
        if not self.message.isVisible():
            return
        box = self.message.boundingRect()
        self.message.setPos(self.width / 2 - box.width() / 2 / zoom,
                            self.height / 2 - box.height() / 2 / zoom)

    def set_zoom(self, screen_scale: float) -> None:
        """Pick the pixmap for this many device pixels per image pixel."""
        use_full = self._has_full and (screen_scale > self._preview_scale
                                       or self._preview_scale == 0.0)
        self.full.setVisible(use_full)
        self.preview.setVisible(not use_full and self._preview_scale > 0)
        # Magnified, show the real pixels: smoothing would invent detail in evidence.
        self.full.setTransformationMode(_SMOOTH if screen_scale < 1 else _FAST)
        self.preview.setTransformationMode(_SMOOTH)
