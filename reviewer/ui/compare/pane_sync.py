"""Zoom and pan of two image views locked together.

With an alignment the views follow each other through the homography, so the
same spot of the scene stays mid-view in both; without one, through the images'
relative positions (the same fraction of width and height).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QPointF

from reviewer.ui.viewer import ImageView


def map_point(matrix: np.ndarray, x: float, y: float) -> tuple[float, float]:
    u, v, w = matrix @ np.array([x, y, 1.0])
    if abs(w) < 1e-12:
        return x, y
    return float(u / w), float(v / w)


def local_scale(matrix: np.ndarray, x: float, y: float) -> float:
    """How many target pixels one source pixel spans around (x, y) (area ratio, rooted)."""
    origin = np.array(map_point(matrix, x, y))
    right = np.array(map_point(matrix, x + 1.0, y)) - origin
    down = np.array(map_point(matrix, x, y + 1.0)) - origin
    area = abs(right[0] * down[1] - right[1] * down[0])
    return math.sqrt(area) if area > 1e-12 and math.isfinite(area) else 1.0


class PaneSync(QObject):
    def __init__(self, before: ImageView, after: ImageView) -> None:
        super().__init__(before)
        self.before, self.after = before, after
        self.enabled = True
        self.to_after: np.ndarray = np.eye(3)    # before pixel -> after pixel
        self.to_before: np.ndarray = np.eye(3)
        self._following = False
        before.viewChanged.connect(lambda: self._follow(before, after, self.to_after))
        after.viewChanged.connect(lambda: self._follow(after, before, self.to_before))

    def set_mapping(self, before_size: tuple[int, int], after_size: tuple[int, int],
                    after_to_before: np.ndarray | None) -> None:
        """`after_to_before`: the comparison's 3x3 transform, or None to lock by position."""
        if after_to_before is None:
            (bw, bh), (aw, ah) = before_size, after_size
            scale = np.diag([aw / max(bw, 1), ah / max(bh, 1), 1.0])
            self.to_after, self.to_before = scale, np.linalg.inv(scale)
        else:
            self.to_before = np.asarray(after_to_before, dtype=float)
            self.to_after = np.linalg.inv(self.to_before)
        self._follow(self.before, self.after, self.to_after)

    def _follow(self, source: ImageView, target: ImageView, matrix: np.ndarray) -> None:
        if self._following or not self.enabled or not target.isVisible():
            return
        self._following = True
        try:
            centre = source.visible_centre()
            x, y = map_point(matrix, centre.x(), centre.y())
            zoom = source.zoom() / local_scale(matrix, centre.x(), centre.y())
            target.show_at(QPointF(x, y), zoom)
        finally:
            self._following = False
