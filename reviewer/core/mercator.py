"""Web Mercator (EPSG:3857) as the map pane draws it, in metres, and the tile grid.

Plain functions on floats or numpy arrays, so the map's geometry is tested without Qt.
The map's scene uses x east and y *south* (scene y = -northing), so that north is up
on a screen whose y axis points down.
"""

from __future__ import annotations

import math

import numpy as np

RADIUS = 6_378_137.0                     # WGS 84 semi-major axis, as EPSG:3857 uses
HALF_WORLD = math.pi * RADIUS            # metres from the antimeridian to 0° longitude
MAX_LAT = 85.05112878                    # where the square world ends


def project(lat, lon):
    """(x, y) in scene metres: easting, and southing (north up on screen)."""
    lat = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT)
    x = np.radians(np.asarray(lon, dtype=np.float64)) * RADIUS
    y = -RADIUS * np.log(np.tan(math.pi / 4 + np.radians(lat) / 2))
    return x, y


def unproject(x, y):
    """(lat, lon) of scene metres (the inverse of `project`)."""
    lon = np.degrees(np.asarray(x, dtype=np.float64) / RADIUS)
    lat = np.degrees(2 * np.arctan(np.exp(-np.asarray(y, dtype=np.float64) / RADIUS))
                     - math.pi / 2)
    return lat, lon


def scale_at(lat: float) -> float:
    """Scene metres per ground metre at `lat`: Mercator stretches by 1/cos(lat)."""
    return 1.0 / max(math.cos(math.radians(min(abs(lat), MAX_LAT))), 1e-9)


def circle_radius(lat: float, radius_m: float) -> float:
    """The radius in scene metres of a circle of `radius_m` on the ground at `lat`
    (an incident's uncertainty): right for the small circles incidents have."""
    return radius_m * scale_at(lat)


def tile_size(zoom: int) -> float:
    """Scene metres covered by one tile's side at `zoom`."""
    return 2 * HALF_WORLD / (1 << zoom)


def tile_rect(zoom: int, column: int, row_xyz: int) -> tuple[float, float, float, float]:
    """(x, y, width, height) in scene metres of tile (column, row) counted from the north
    (XYZ); MBTiles counts rows from the south (TMS): see `tms_row`."""
    size = tile_size(zoom)
    return -HALF_WORLD + column * size, -HALF_WORLD + row_xyz * size, size, size


def tms_row(zoom: int, row_xyz: int) -> int:
    """The MBTiles (TMS) row of an XYZ row: TMS counts from the south."""
    return (1 << zoom) - 1 - row_xyz


def tiles_covering(zoom: int, x0: float, y0: float, x1: float, y1: float
                   ) -> list[tuple[int, int]]:
    """(column, XYZ row) of the tiles a scene rectangle touches at `zoom`."""
    size = tile_size(zoom)
    last = (1 << zoom) - 1

    def index(value: float) -> int:
        return min(max(math.floor((value + HALF_WORLD) / size), 0), last)

    return [(c, r) for r in range(index(y0), index(y1) + 1)
            for c in range(index(x0), index(x1) + 1)]


def zoom_for(scene_per_pixel: float) -> int:
    """The tile zoom whose 256-pixel tiles are drawn closest to their own size."""
    if scene_per_pixel <= 0:
        return 0
    return max(0, round(math.log2(2 * HALF_WORLD / 256 / scene_per_pixel)))


def nice_step(span: float, steps: tuple[float, ...]) -> float:
    """The first of `steps` (ascending) at least `span`, else the last."""
    for step in steps:
        if step >= span:
            return step
    return steps[-1]


# Graticule spacings in degrees, from 1° / 3600 (about 30 m) up to 90° (the whole world).
GRATICULE_DEG = (1 / 3600, 2 / 3600, 5 / 3600, 10 / 3600, 30 / 3600, 1 / 60, 2 / 60,
                 5 / 60, 10 / 60, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 90.0)
SCALE_BAR_M = tuple(m * f for f in (1, 10, 100, 1000, 10_000, 100_000, 1_000_000)
                    for m in (1, 2, 5))


def degrees_text(value: float, step: float, positive: str, negative: str) -> str:
    """A graticule label: 43°30′N, with seconds only when the step needs them."""
    hemisphere = positive if value >= 0 else negative
    total = round(abs(value) * 3600)
    d, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if step >= 1:
        return f"{d}°{hemisphere}"
    if step >= 1 / 60:
        return f"{d}°{m:02d}′{hemisphere}"
    return f"{d}°{m:02d}′{s:02d}″{hemisphere}"


def distance_text(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
