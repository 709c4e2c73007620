"""How far to zoom: limits, fitting, focusing on a region, wheel steps. No Qt.

Zoom is screen pixels per image pixel.
"""

from __future__ import annotations

from reviewer.core.shape import Shape
from reviewer.ui.viewer.tools import clamp

MIN_ZOOM, MAX_ZOOM = 1 / 50, 50.0
KEY_STEP = 1.25                  # one + or - key press
FOCUS_MAX_ZOOM = 8.0             # focusing on a tiny region still shows what is around it
FOCUS_FILL = 0.5                 # a focused region fills about half the view
FOCUS_LEAST_SIDE = 24.0          # image pixels: slivers count as at least this wide
FOCUS_POINT_SIDE = 200.0         # image pixels around a point region


def limit(zoom: float) -> float:
    return clamp(zoom, MIN_ZOOM, MAX_ZOOM)


def fit(view_width: float, view_height: float, width: float, height: float) -> float:
    """The zoom that shows the whole image, as large as the view allows."""
    return limit(min(view_width / width, view_height / height))


def wheel_factor(angle_delta: int) -> float:
    """Zoom factor for a wheel turn: a notch (120) is x1.19, four notches double."""
    return 2 ** (angle_delta / 480)


def focus(shape: Shape, view_width: float, view_height: float,
          current: float) -> tuple[float, tuple[float, float]]:
    """(zoom, scene centre) that shows a region at about half the view."""
    x, y, w, h = shape.bounds()
    centre = (x + w / 2, y + h / 2)
    if shape.is_marker:
        w = h = FOCUS_POINT_SIDE
    else:
        w, h = max(w, FOCUS_LEAST_SIDE), max(h, FOCUS_LEAST_SIDE)
    zoom = FOCUS_FILL * min(view_width / w, view_height / h)
    # Never zoom in past FOCUS_MAX_ZOOM for a small region, unless the user is already there.
    return limit(min(zoom, max(FOCUS_MAX_ZOOM, current))), centre
