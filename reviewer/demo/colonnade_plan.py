"""Where things stand in the colonnade photos: the scene's geometry and the truth its tags record.

The "after" colonnade is the same scene with three columns toppled, rendered in "before"
pixels on a canvas with a margin and warped by `BEFORE_TO_AFTER`: a known homography
that image alignment must recover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from reviewer.demo.painting import _Camera, _unit

COLONNADE_SIZE = (2400, 1600)
MARGIN = 120                  # canvas margin in pixels, so that the warped view has no holes
_CANVAS = (COLONNADE_SIZE[0] + 2 * MARGIN, COLONNADE_SIZE[1] + 2 * MARGIN)   # w, h drawn
N_COLUMNS = 8
TOPPLED = (2, 3, 4)           # the columns that fall between the two photos
_CAM = _Camera(f=900.0, cx=1200.0 + MARGIN, horizon=820.0 + MARGIN, height=0.45)
_STYLO, _COL_H, _COL_R = 0.06, 0.95, 0.062   # platform height, column height and radius
_ENT_H, _ENT_D = 0.15, 0.22                   # entablature height and depth
_FRONT = _unit((0.22, -0.98))                 # the colonnade's side facing the camera


def _homography() -> np.ndarray:
    """Before pixels -> after pixels: the drone is nearer, turned, a little to one side."""
    w, h = COLONNADE_SIZE
    centre = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]])
    angle, scale = math.radians(-3.0), 1.05
    turn = np.array([[scale * math.cos(angle), -scale * math.sin(angle), 0],
                     [scale * math.sin(angle), scale * math.cos(angle), 0], [0, 0, 1]])
    tilt = np.array([[1, 0, 0], [0, 1, 0], [1.6e-5, -1.2e-5, 1]])
    back = np.array([[1, 0, w / 2 - 36], [0, 1, h / 2 + 22], [0, 0, 1]])
    matrix = back @ tilt @ turn @ centre
    return matrix / matrix[2, 2]


BEFORE_TO_AFTER: np.ndarray = _homography()
AFTER_TO_BEFORE: np.ndarray = np.linalg.inv(BEFORE_TO_AFTER)
AFTER_TO_BEFORE /= AFTER_TO_BEFORE[2, 2]


def map_points(matrix: np.ndarray, points: Any) -> np.ndarray:
    """Apply a 3x3 homography to points given as (N, 2)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    mapped = np.c_[pts, np.ones(len(pts))] @ np.asarray(matrix, np.float64).T
    return mapped[:, :2] / mapped[:, 2:]


def _column_foot(i: float) -> tuple[float, float]:
    """(X, Z) of column i's axis: a row receding to the right."""
    return -0.95 + 0.40 * i, 1.0 + 0.09 * i


@dataclass
class _Drum:
    p0: np.ndarray      # canvas pixels; p0 is the end facing the camera
    p1: np.ndarray
    r: float
    depth: float
    face: float


@dataclass
class _Fallen:
    drums: list[_Drum] = field(default_factory=list)
    rubble: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stump: float = 0.2  # broken shaft height above the platform


def _fallen(i: int, rng: np.random.Generator) -> _Fallen:
    """Where column i's drums, capital and rubble lie once it has fallen."""
    x, z = _column_foot(i)
    heading = math.radians(-150 + 12 * rng.standard_normal() + 10 * (i - 3))
    direction = np.array([math.cos(heading), math.sin(heading)])
    side = np.array([-direction[1], direction[0]])
    out = _Fallen(stump=0.12 + 0.14 * rng.random())
    for k in range(6):
        along = 0.08 + 0.09 * k + 0.03 * rng.standard_normal()
        centre = np.array([x, z]) + along * direction + 0.07 * rng.standard_normal() * side
        turn = heading + 0.45 * rng.standard_normal()
        axis = np.array([math.cos(turn), math.sin(turn)])
        capital = k == 5
        radius = _COL_R * (1.3 if capital else 0.93 - 0.015 * k)
        half = 0.045 if capital else 0.06 + 0.015 * rng.random()
        lift = _STYLO if float((centre - (x, z)) @ _FRONT) < 0.16 else 0.0
        ends = [centre - half * axis, centre + half * axis]
        ends.sort(key=lambda e: e[1])   # the nearer end shows its face
        (ax, az), (bx, bz) = ends
        p0 = np.array(_CAM.proj(ax, lift + radius, az))
        p1 = np.array(_CAM.proj(bx, lift + radius, bz))
        r_px = _CAM.f * radius / centre[1]
        view = _unit((centre[0], centre[1]))
        face = max(0.2, abs(float(axis @ view)))
        out.drums.append(_Drum(p0, p1, r_px, float(centre[1]), face))
    n = 70
    along = rng.random(n) * 0.65
    spots = (np.array([x, z])[None, :] + along[:, None] * direction[None, :]
             + 0.09 * rng.standard_normal((n, 1)) * side[None, :])
    out.rubble = np.array([_CAM.proj(px, 0.01, pz) for px, pz in spots])
    out.sizes = _CAM.f * (0.006 + 0.016 * rng.random(n) ** 2) / spots[:, 1]
    out.drums.sort(key=lambda d: -d.depth)
    return out


@dataclass(frozen=True)
class ColonnadeLayout:
    """What was drawn where, in displayed pixels of each photo: the truth the tags record."""

    columns_before: tuple[tuple[float, float, float, float], ...]   # x, y, w, h per column
    columns_after: tuple[tuple[tuple[float, float], ...], ...]     # column outlines, after
    toppled: tuple[int, ...]
    toppled_after: tuple[tuple[tuple[float, float], ...], ...]     # what lies of each one


def _column_box(i: int) -> tuple[float, float, float, float]:
    """Column i's outline (abacus to plinth) in canvas pixels."""
    x, z = _column_foot(i)
    xc, y_bot = _CAM.proj(x, _STYLO, z)
    _, y_top = _CAM.proj(x, _STYLO + _COL_H, z)
    hw = 1.5 * _CAM.f * _COL_R / z
    return xc - hw, y_top, 2 * hw, y_bot - y_top


def _plan() -> dict[int, _Fallen]:
    rng = np.random.default_rng(2015)
    return {i: _fallen(i, rng) for i in TOPPLED}


def colonnade_layout() -> ColonnadeLayout:
    plan = _plan()
    boxes = []
    outlines = []
    for i in range(N_COLUMNS):
        x, y, w, h = _column_box(i)
        boxes.append((x - MARGIN, y - MARGIN, w, h))
        corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]) - MARGIN
        outlines.append(tuple(map(tuple, map_points(BEFORE_TO_AFTER, corners).tolist())))
    toppled = []
    for i in TOPPLED:
        fallen = plan[i]
        x, y, w, h = _column_box(i)
        stump_top = _CAM.proj(_column_foot(i)[0], _STYLO + fallen.stump + 0.03,
                              _column_foot(i)[1])[1]
        pts = [[x, stump_top], [x + w, stump_top], [x + w, y + h], [x, y + h]]
        for drum in fallen.drums:
            for p in (drum.p0, drum.p1):
                pts += [[p[0] - drum.r, p[1] - drum.r], [p[0] + drum.r, p[1] + drum.r],
                        [p[0] - drum.r, p[1] + drum.r], [p[0] + drum.r, p[1] - drum.r]]
        pts += fallen.rubble.tolist()
        hull = cv2.convexHull(np.asarray(pts, np.float32))[:, 0, :].astype(np.float64)
        after = map_points(BEFORE_TO_AFTER, hull - MARGIN)
        w_img, h_img = COLONNADE_SIZE
        after = np.clip(after, 0, [w_img, h_img])
        toppled.append(tuple(tuple(round(v, 1) for v in p) for p in after.tolist()))
    return ColonnadeLayout(tuple(tuple(round(v, 1) for v in b) for b in boxes),
                           tuple(outlines), TOPPLED, tuple(toppled))
