"""Many points painted at once: numpy stamps dots into an image the painter draws once.

100,000 QGraphicsItems (or 100,000 drawEllipse calls) take seconds to pan; stamping the
visible points into a screen-sized array and drawing it as one image takes milliseconds,
and the level of detail is free: points on the same pixel land on the same pixel.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter

# A 3 x 3 dot with a plus-shaped halo, offsets from the centre pixel.
DOT = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
HALO = [(-2, 0), (2, 0), (0, -2), (0, 2)]


def argb(colour: str | QColor) -> np.uint32:
    return np.uint32(QColor(colour).rgba())


PAD = 2     # the canvas's margin: a dot's pixels never fall outside it, so no clipping


def padded_canvas(width: int, height: int) -> np.ndarray:
    return np.zeros((height + 2 * PAD, width + 2 * PAD), dtype=np.uint32)


def stamp_padded(canvas: np.ndarray, xs: np.ndarray, ys: np.ndarray, colour: np.uint32,
                 shape=DOT) -> None:
    """`stamp` on a padded canvas, for points already within it (faster: one flat index
    per point, and each of the dot's pixels a shifted assignment without a mask)."""
    stride = canvas.shape[1]
    flat = canvas.reshape(-1)
    at = (ys + PAD) * stride + (xs + PAD)
    for dx, dy in shape:
        flat[at + (dy * stride + dx)] = colour


def draw_canvas(painter: QPainter, canvas: np.ndarray) -> None:
    """Draw a padded canvas (its margin left out) over the painter's device at (0, 0)."""
    height, stride = canvas.shape[0] - 2 * PAD, canvas.shape[1]
    inside = canvas.reshape(-1)[PAD * stride + PAD:]      # a view: nothing copied
    image = QImage(inside, stride - 2 * PAD, height, stride * 4,
                   QImage.Format.Format_ARGB32_Premultiplied)
    painter.save()
    painter.resetTransform()
    painter.drawImage(0, 0, image)
    painter.restore()
