"""A demo case from generated photos: a Roman colonnade before and after, and a street.

Every image is drawn here with numpy and OpenCV (no downloaded data, no Qt) and saved
by Pillow as a JPEG with real EXIF (camera, capture time with offset, GPS). The case
is then built through the ordinary core API, so every change is in the audit log.
The pictures are made up: the case says so in its incidents' sources.

Scenes are small 3D worlds (camera at the origin looking down +Z, Y up) projected to
pixels. The "after" colonnade is the same scene with three columns toppled, rendered
in "before" pixels on a canvas with a margin and warped by `BEFORE_TO_AFTER`: a known
homography that image alignment must recover.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from reviewer.core.errors import CaseError
from reviewer.core.progress import Progress, ProgressCallback, no_progress

RGB = tuple[float, float, float]
Image = np.ndarray   # float32 (h, w, 3), 0..1


# -- drawing primitives -----------------------------------------------------------------
def _unit(v: tuple[float, ...]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    return a / np.linalg.norm(a)


def _noise(h: int, w: int, rng: np.random.Generator, cells: tuple[int, ...],
           tile: bool = False) -> np.ndarray:
    """Smooth fractal noise in about -0.5..0.5 (tileable when `tile`, for square images)."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for cell in cells:
        gh, gw = -(-h // cell), -(-w // cell)
        grid = rng.random((gh, gw), dtype=np.float32)
        grid = np.pad(grid, 2, mode="wrap" if tile else "reflect")
        up = cv2.resize(grid, ((gw + 4) * cell, (gh + 4) * cell), interpolation=cv2.INTER_CUBIC)
        out += amp * up[2 * cell:2 * cell + h, 2 * cell:2 * cell + w]
        total += amp
        amp *= 0.6
    return out / total - 0.5


def _extent(mask: np.ndarray, pad: int = 0) -> tuple[slice, slice] | None:
    """The rows and columns where a mask is not zero, widened by `pad`."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if not len(rows):
        return None
    h, w = mask.shape
    return (slice(max(rows[0] - pad, 0), min(rows[-1] + pad + 1, h)),
            slice(max(cols[0] - pad, 0), min(cols[-1] + pad + 1, w)))


def _grain(h: int, w: int, rng: np.random.Generator, tile: bool = False) -> np.ndarray:
    """Fine grain (sand, weathered stone) in about -0.5..0.5."""
    white = rng.random((h, w), dtype=np.float32) - 0.5
    if not tile:
        return cv2.GaussianBlur(white, (0, 0), 0.8) * 2.5
    wrapped = np.pad(white, 4, mode="wrap")
    return cv2.GaussianBlur(wrapped, (0, 0), 0.8)[4:-4, 4:-4] * 2.5


def _blend(img: Image, alpha: np.ndarray, colour: Any, x0: int = 0, y0: int = 0) -> None:
    """Paint `colour` (an RGB or an image the size of alpha) over img at (x0, y0)."""
    if alpha.shape == img.shape[:2] and np.ndim(colour) == 1:
        box = _extent(alpha)
        if box is None:
            return
        alpha, y0, x0 = alpha[box], box[0].start, box[1].start
    h, w = alpha.shape
    region = img[y0:y0 + h, x0:x0 + w]
    a = alpha[..., None]
    region *= 1 - a
    region += a * colour


def _poly_mask(shape: tuple[int, int], polys: list[Any]) -> np.ndarray:
    """Anti-aliased 0..1 mask of filled polygons (float pixel coordinates)."""
    mask = np.zeros(shape, np.uint8)
    pts = [np.round(np.asarray(p, np.float64) * 16).astype(np.int32) for p in polys]
    cv2.fillPoly(mask, pts, 255, cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255


def _paste_quad(img: Image, texture: np.ndarray, quad: Any, alpha: np.ndarray | None = None,
                ) -> None:
    """Warp a flat texture (a facade, a slab) onto a quadrilateral of the image."""
    quad = np.asarray(quad, np.float32)
    h, w = img.shape[:2]
    x0, y0 = np.floor(quad.min(0)).astype(int)
    x1, y1 = np.ceil(quad.max(0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    th, tw = texture.shape[:2]
    src = np.float32([[0, 0], [tw, 0], [tw, th], [0, th]])
    matrix = cv2.getPerspectiveTransform(src, quad - np.float32([x0, y0]))
    size = (x1 - x0, y1 - y0)
    warped = cv2.warpPerspective(texture, matrix, size, flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REPLICATE)
    cover = np.ones((th, tw), np.float32) if alpha is None else alpha
    cover = cv2.warpPerspective(cover, matrix, size, flags=cv2.INTER_LINEAR)
    _blend(img, cover, warped, x0, y0)


def _window(img: Image, x0: float, y0: float, x1: float, y1: float
            ) -> tuple[int, int, np.ndarray, np.ndarray] | None:
    """The integer window of img covering a float box, with pixel-centre grids."""
    h, w = img.shape[:2]
    a, b = max(math.floor(x0), 0), max(math.floor(y0), 0)
    c, d = min(math.ceil(x1) + 1, w), min(math.ceil(y1) + 1, h)
    if c <= a or d <= b:
        return None
    yy, xx = np.mgrid[b:d, a:c].astype(np.float32) + 0.5
    return a, b, xx, yy


def _solid(img: Image, tex: np.ndarray, xc: float, y_top: float, y_bot: float,
           hw_top: float, hw_bot: float, colour: RGB, sun: np.ndarray, *, flutes: int = 0,
           joints: tuple[float, ...] = (), cut: Callable[[np.ndarray], np.ndarray] | None = None,
           ) -> None:
    """A vertical solid of revolution (shaft, torus, capital), lit as a cylinder."""
    grid = _window(img, xc - max(hw_top, hw_bot) - 1, y_top - 1, xc + max(hw_top, hw_bot) + 1,
                   y_bot + 1)
    if grid is None:
        return
    x0, y0, xx, yy = grid
    t = np.clip((yy - y_top) / max(y_bot - y_top, 1e-3), 0, 1)
    hw = hw_top + (hw_bot - hw_top) * t
    u = (xx - xc) / hw
    alpha = (np.clip((1 - np.abs(u)) * hw + 0.5, 0, 1) * np.clip(yy - y_top + 0.5, 0, 1)
             * np.clip(y_bot - yy + 0.5, 0, 1))
    if cut is not None:
        alpha *= np.clip(yy - cut(xx), 0, 1)
    uc = np.clip(u, -1, 1)
    lam = np.maximum(0, uc * sun[0] - np.sqrt(1 - uc * uc) * sun[2])
    shade = 0.30 + 0.80 * lam
    if flutes:
        shade *= 1 - 0.28 * (0.5 - 0.5 * np.cos(np.arcsin(uc) * flutes)) ** 2
    for j in joints:
        shade *= 1 - 0.5 * np.exp(-(((yy - j) / 1.3) ** 2))
    shade *= tex[y0:y0 + yy.shape[0], x0:x0 + yy.shape[1]]
    _blend(img, alpha, np.asarray(colour, np.float32) * shade[..., None], x0, y0)


def _lying(img: Image, p0: Any, p1: Any, r: float, colour: RGB, light: float,
           tex: np.ndarray | None = None, *, face: float = 0.0, bands: tuple[float, ...] = (),
           rounded: bool = False, gloss: float = 0.0) -> None:
    """A cylinder seen from the side, its axis from p0 to p1 in pixels.

    `face` > 0 draws the flat end at p0 as an ellipse of that many radii along the axis
    (a drum's cut face); `rounded` gives both ends round shoulders (a gas cylinder).
    `light` is the direction the light comes from, in radians in the image plane.
    """
    p0, p1 = np.asarray(p0, np.float32), np.asarray(p1, np.float32)
    grid = _window(img, min(p0[0], p1[0]) - r - 2, min(p0[1], p1[1]) - r - 2,
                   max(p0[0], p1[0]) + r + 2, max(p0[1], p1[1]) + r + 2)
    if grid is None:
        return
    x0, y0, xx, yy = grid
    axis = p1 - p0
    length = float(np.linalg.norm(axis))
    d = axis / length
    across = np.float32([-d[1], d[0]])
    if across[1] > 0:          # v = +1 on the upper side of the cylinder, -1 underneath
        across = -across
    u = (xx - p0[0]) * d[0] + (yy - p0[1]) * d[1]
    v = ((xx - p0[0]) * across[0] + (yy - p0[1]) * across[1]) / r
    if rounded:
        shoulder = np.clip(np.maximum(-u, u - length) / r, 0, None)
        dist = np.sqrt(v * v + shoulder * shoulder)
    else:
        dist = np.maximum(np.abs(v), np.maximum(-u, u - length) / r)
        end = face if face else 0.35
        dist = np.where((u < 0) | (u > length),
                        np.sqrt(v * v + (np.maximum(-u, u - length) / (end * r)) ** 2), dist)
    alpha = np.clip((1 - dist) * r + 0.5, 0, 1)
    vc = np.clip(v, -1, 1)
    up = math.atan2(across[1], across[0])
    # the surface faces the camera along the axis (v = 0) and turns up or down to the sides
    lam = np.maximum(0, np.sqrt(1 - vc * vc) * 0.55 + vc * math.cos(light - up) * 0.75)
    shade = 0.28 + 0.85 * lam
    if gloss:
        shade += gloss * np.exp(-(((vc - 0.45) / 0.15) ** 2))
    for b in bands:
        shade *= 1 - 0.45 * (np.abs(u - b * length) < 0.15 * r)
    if tex is not None:
        shade *= tex[y0:y0 + xx.shape[0], x0:x0 + xx.shape[1]]
    col = np.asarray(colour, np.float32) * shade[..., None]
    if face:
        in_face = np.sqrt(v * v + (u / (face * r)) ** 2)
        face_alpha = np.clip((1 - in_face) * r * face + 0.5, 0, 1)[..., None]
        hole = np.exp(-((in_face / 0.18) ** 2))[..., None]
        face_col = np.asarray(colour, np.float32) * (1.02 - 0.5 * hole)
        if tex is not None:
            face_col = face_col * tex[y0:y0 + xx.shape[0], x0:x0 + xx.shape[1], None]
        col = col * (1 - face_alpha) + face_col * face_alpha
    _blend(img, alpha, col, x0, y0)


def _darken(img: Image, mask: np.ndarray, amount: float, blur: float = 0) -> None:
    """Darken img where a full-size mask is set, with a soft edge of `blur` pixels."""
    box = _extent(mask, int(3 * blur) + 1)
    if box is None:
        return
    local = mask[box]
    if blur:
        local = cv2.GaussianBlur(local, (0, 0), blur)
    img[box] *= (1 - amount * local)[..., None]


def _texture(img: Image, tex: np.ndarray, mask: np.ndarray) -> None:
    """Multiply a texture into img where a full-size mask is set."""
    box = _extent(mask)
    if box is not None:
        img[box] *= (1 + (tex[box] - 1) * mask[box])[..., None]


def _rocks(img: Image, rng: np.random.Generator, centres: np.ndarray, sizes: np.ndarray,
           colour: RGB, shadow: tuple[float, float]) -> None:
    """Irregular stones: a soft shadow, then each stone with its own tone."""
    polys = []
    for (x, y), s in zip(centres, sizes, strict=True):
        n = int(rng.integers(5, 8))
        angles = np.sort(rng.random(n)) * 2 * math.pi
        radii = s * (0.6 + 0.5 * rng.random(n))
        polys.append(np.c_[x + radii * np.cos(angles), y + 0.7 * radii * np.sin(angles)])
    shade = _poly_mask(img.shape[:2], [p + np.asarray(shadow) for p in polys])
    _darken(img, shade, 0.55, blur=2)
    for poly in polys:
        tone = 0.65 + 0.5 * rng.random()
        lit = np.asarray(colour, np.float64) * tone
        cv2.fillPoly(img, [np.round(poly).astype(np.int32)], lit.tolist())
        top = poly[poly[:, 1] < poly[:, 1].mean()]
        if len(top) >= 3:
            cv2.fillPoly(img, [np.round(top).astype(np.int32)], (lit * 1.15).tolist())


def _finish(img: Image, rng: np.random.Generator, noise: float = 0.012,
            vignette: float = 0.18) -> np.ndarray:
    h, w = img.shape[:2]
    yy = ((np.arange(h, dtype=np.float32) - h / 2) / (h / 2))[:, None] ** 2
    xx = ((np.arange(w, dtype=np.float32) - w / 2) / (w / 2))[None, :] ** 2
    img = img * (1 - vignette / 2 * np.clip(xx + yy, 0, 2))[..., None]
    img += (rng.random(img.shape, dtype=np.float32) - 0.5) * (noise * 3.46)
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class _Camera:
    f: float
    cx: float
    horizon: float
    height: float

    def proj(self, x: float, y: float, z: float) -> tuple[float, float]:
        return self.cx + self.f * x / z, self.horizon + self.f * (self.height - y) / z

    def ground(self, h: int, w: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Ground coordinates (X, Z) of the image rows below the horizon, and the first row."""
        first = math.floor(self.horizon) + 1
        ys = np.arange(first, h, dtype=np.float32) + 0.5
        xs = np.arange(w, dtype=np.float32) + 0.5
        z = (self.f * self.height / (ys - self.horizon))[:, None]
        x = (xs[None, :] - self.cx) * (z / self.f)
        return x, np.broadcast_to(z, x.shape), first


def _ground_texture(x: np.ndarray, z: np.ndarray, cam: _Camera, tile: np.ndarray,
                    scales: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Perspective-correct fractal texture on a ground plane, fading where it would alias."""
    row_z = z[:, :1]                                          # z is the same along a row
    foot = row_z / cam.f * np.maximum(1, row_z / cam.height)  # ground units per pixel
    size = tile.shape[0]
    out = np.zeros(x.shape, np.float32)
    for density, amp in scales:
        fade = np.clip(3 - foot * density, 0, 1) * amp
        rows = int(np.count_nonzero(fade))      # far rows, where it would alias, are skipped
        if not rows:
            continue
        first = len(fade) - rows
        mx = np.mod(x[first:] * np.float32(density), size)
        my = np.ascontiguousarray(np.broadcast_to(np.mod(row_z[first:] * np.float32(density),
                                                         size), mx.shape))
        sample = cv2.remap(tile, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        sample *= fade[first:]
        out[first:] += sample
    return out


# -- the colonnade ----------------------------------------------------------------------
COLONNADE_SIZE = (2400, 1600)
MARGIN = 120                  # canvas margin in pixels, so that the warped view has no holes
N_COLUMNS = 8
TOPPLED = (2, 3, 4)           # the columns that fall between the two photos
_CAM = _Camera(f=900.0, cx=1200.0 + MARGIN, horizon=820.0 + MARGIN, height=0.45)
_STYLO, _COL_H, _COL_R = 0.06, 0.95, 0.062   # platform height, column height and radius
_ENT_H, _ENT_D = 0.15, 0.22                   # entablature height and depth
_FRONT = _unit((0.22, -0.98))                 # the colonnade's side facing the camera
_STONE: RGB = (0.80, 0.67, 0.50)
_SUN = {False: _unit((-0.62, 0.72, -0.32)),   # 10:20, from the left and high
        True: _unit((-0.74, 0.46, -0.40))}    # 15:40, lower: longer shadows


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


def _sky(h: int, w: int, top: RGB, bottom: RGB, horizon: float) -> Image:
    t = np.clip(np.arange(h, dtype=np.float32) / horizon, 0, 1)[:, None, None] ** 1.3
    sky = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return np.repeat(sky, w, axis=1)


def _ridge(w: int, rng: np.random.Generator, base: float, height: float, cells: tuple[int, ...]
           ) -> np.ndarray:
    return base - height * (_noise(1, w, rng, cells)[0] + 0.5)


def _hills(rng: np.random.Generator, w: int, horizon: float
           ) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Two ranges of hills down to the horizon, the far one hazy with a castle on it.

    Returns the first row of the band they occupy and (coverage, colour) per range.
    """
    top, bottom = int(horizon) - 260, int(horizon) + 2
    tex = _noise(bottom - top, w, rng, (64, 16, 4))
    rows = np.arange(top, bottom, dtype=np.float32)[:, None]
    layers = []
    ranges = [(horizon - 40, 190, (0.70, 0.71, 0.76), 0.10),
              (horizon - 5, 90, (0.63, 0.54, 0.44), 0.30)]
    for n, (base, height, colour, contrast) in enumerate(ranges):
        ridge = _ridge(w, rng, base, height, (500, 200, 70, 20))
        if n == 0:   # a castle, as on the hill above Palmyra
            x0 = int(w * 0.18)
            ridge[x0:x0 + 120] = np.minimum(ridge[x0:x0 + 120], ridge[x0 + 60] - 45)
            ridge[x0 + 18:x0 + 48] -= 26
            ridge[x0 + 80:x0 + 104] -= 18
        alpha = np.clip(rows - ridge[None, :] + 0.5, 0, 1)
        shade = 1 + contrast * tex * 2 - 0.12 * np.clip((rows - ridge) / height, 0, 1)
        layers.append((alpha, np.asarray(colour, np.float32) * shade[..., None]))
    return top, layers


def _ground_stones(img: Image, rng: np.random.Generator, n: int) -> None:
    """Stones and fallen ashlars strewn over the site (the same in both photos)."""
    x = rng.uniform(-4.0, 5.0, n)
    z = 0.45 + 6 * rng.random(n) ** 1.6
    xa, za = _column_foot(0)
    # keep the platform clear: distance from the colonnade's line
    across = (x - xa) * _FRONT[0] + (z - za) * _FRONT[1]
    keep = (np.abs(across) > 0.3) & (np.abs(x) < 1.6 * z + 0.3)
    x, z = x[keep], z[keep]
    order = np.argsort(-z)
    x, z = x[order], z[order]
    size = 0.004 + 0.03 * rng.random(len(x)) ** 3
    centres = np.array([_CAM.proj(a, 0.0, b) for a, b in zip(x, z, strict=True)])
    _rocks(img, rng, centres, _CAM.f * size / z, (0.72, 0.62, 0.49), (3, 2))


def _slab_texture(w: int, h: int, cols: int, rows: int, rng: np.random.Generator,
                  tone: float) -> np.ndarray:
    """A face of dressed stone blocks: per-block tone, dark joints."""
    block = 0.88 + 0.18 * rng.random((rows, cols), dtype=np.float32)
    tex = cv2.resize(block, (w, h), interpolation=cv2.INTER_NEAREST) * tone
    tex[:, ::max(w // cols, 1)] *= 0.55
    tex[::max(h // rows, 1), :] *= 0.6
    return np.repeat(tex[..., None], 3, axis=2) * np.asarray(_STONE, np.float32)


def _platform(img: Image, tex: np.ndarray, rng: np.random.Generator, sun: np.ndarray) -> None:
    """The stylobate: a low stone platform under the row of columns."""
    def corner(s: float, out: float, y: float) -> tuple[float, float]:
        x, z = _column_foot(s)
        return _CAM.proj(x + out * _FRONT[0], y, z + out * _FRONT[1])

    a, b = -0.9, N_COLUMNS - 1 + 0.9
    front_lit = 0.35 + 0.8 * max(0.0, sun[0] * _FRONT[0] + sun[2] * _FRONT[1])
    top_lit = 0.35 + 0.8 * sun[1]
    top = [corner(a, -0.2, _STYLO), corner(b, -0.2, _STYLO), corner(b, 0.2, _STYLO),
           corner(a, 0.2, _STYLO)]
    _paste_quad(img, _slab_texture(1600, 100, 36, 3, rng, top_lit), [top[3], top[2], top[1],
                                                                      top[0]])
    front = [corner(a, 0.2, _STYLO), corner(b, 0.2, _STYLO), corner(b, 0.2, 0),
             corner(a, 0.2, 0)]
    _paste_quad(img, _slab_texture(1600, 60, 24, 1, rng, min(front_lit, 0.9)), front)
    _texture(img, tex, _poly_mask(img.shape[:2], [top, front]))


def _shadows(img: Image, sun: np.ndarray, standing: list[int], fallen: dict[int, _Fallen]
             ) -> None:
    """Cast shadows of columns and entablature on the platform and ground."""
    dx, dz = -sun[0] / sun[1], -sun[2] / sun[1]

    def shadow(x: float, y: float, z: float) -> tuple[float, float]:
        return _CAM.proj(x + (y - _STYLO) * dx, _STYLO, z + (y - _STYLO) * dz)

    polys = []
    for i in range(N_COLUMNS):
        x, z = _column_foot(i)
        height = _COL_H if i in standing else fallen[i].stump
        pts = [shadow(x + sx * _COL_R * 1.2, y, z + sz * _COL_R * 1.2)
               for sx in (-1, 1) for sz in (-1, 1) for y in (_STYLO, _STYLO + height)]
        polys.append(cv2.convexHull(np.float32(pts))[:, 0, :])
    for a, b in _blocks(standing):
        pts = []
        for s in (a, b):
            x, z = _column_foot(s)
            for y in (_STYLO + _COL_H, _STYLO + _COL_H + _ENT_H):
                for depth in (-_COL_R * 1.3, _ENT_D - _COL_R * 1.3):
                    pts.append(shadow(x, y, z + depth))
        polys.append(cv2.convexHull(np.float32(pts))[:, 0, :])
    mask = _poly_mask(img.shape[:2], polys)
    rows = np.arange(img.shape[0])[:, None] > _CAM.horizon
    _darken(img, mask * rows, 0.5, blur=3)


def _blocks(standing: list[int]) -> list[tuple[float, float]]:
    """Entablature blocks (from, to column) that still rest on two standing columns."""
    spans = [(-0.45, 0.0)] + [(i, i + 1) for i in range(N_COLUMNS - 1)]
    spans.append((N_COLUMNS - 1, N_COLUMNS - 0.55))
    alive = set(standing)
    return [(a, b) for a, b in spans
            if all(c in alive for c in (math.floor(a), math.ceil(b)) if 0 <= c < N_COLUMNS)]


def _entablature(img: Image, tex: np.ndarray, sun: np.ndarray, standing: list[int], *,
                 underside: bool) -> None:
    """The beams on the columns: the underside (drawn behind them) or the front face."""
    y0, y1 = _STYLO + _COL_H, _STYLO + _COL_H + _ENT_H
    front = 0.35 + 0.8 * max(0.0, -sun[2])
    band = np.ones((120, 400), np.float32)
    band[:22] *= 0.92
    band[22:44] *= 1.0
    band[44:48] *= 0.55
    band[48:80] *= 1.04
    band[80:84] *= 0.5
    band[84:96] *= np.where(np.arange(400) % 14 < 8, 1.1, 0.6)[None, :]  # dentils
    band[96:100] *= 0.55
    band[100:] *= 1.12
    for a, b in _blocks(standing):
        (xa, za), (xb, zb) = _column_foot(a), _column_foot(b)
        za, zb = za - _COL_R * 1.3, zb - _COL_R * 1.3
        if underside:
            soffit = [_CAM.proj(xa, y0, za), _CAM.proj(xb, y0, zb),
                      _CAM.proj(xb, y0, zb + _ENT_D), _CAM.proj(xa, y0, za + _ENT_D)]
            _blend(img, _poly_mask(img.shape[:2], [soffit]), np.float32(_STONE) * 0.33)
            continue
        quad = [_CAM.proj(xa, y1, za), _CAM.proj(xb, y1, zb), _CAM.proj(xb, y0, zb),
                _CAM.proj(xa, y0, za)]
        face = band.copy()
        face[:, :3] *= 0.5
        colour = np.float32(_STONE) * front * face[..., None]
        _paste_quad(img, colour, quad)
        _texture(img, tex, _poly_mask(img.shape[:2], [quad]))


def _column(img: Image, tex: np.ndarray, sun: np.ndarray, i: int, rng: np.random.Generator,
            stump: float | None) -> None:
    x, z = _column_foot(i)
    px = _CAM.f * _COL_R / z

    def y(height: float) -> float:
        return _CAM.proj(x, _STYLO + height, z)[1]

    xc = _CAM.proj(x, 0, z)[0]
    joints = tuple(y(hh) for hh in np.sort(0.1 + 0.7 * rng.random(4)))
    _solid(img, tex, xc, y(0.03), y(0), px * 1.5, px * 1.5, _STONE, sun)
    _solid(img, tex, xc, y(0.055), y(0.03), px * 1.28, px * 1.34, _STONE, sun)
    if stump is not None:
        top = y(stump)
        phases = rng.random(3) * 6
        jag = px * 0.6

        def cut(xx: np.ndarray) -> np.ndarray:
            s = (xx - xc) / px
            return top + jag * (np.sin(2.1 * s + phases[0]) + 0.6 * np.sin(5.3 * s + phases[1])
                                + 0.3 * np.sin(11.0 * s + phases[2]))

        _solid(img, tex, xc, top - 2 * jag, y(0.055), px * 0.97, px, _STONE, sun, flutes=22,
               cut=cut)
        return
    _solid(img, tex, xc, y(0.84), y(0.055), px * 0.88, px, _STONE, sun, flutes=22,
           joints=joints)
    # a console half way up, as on the columns of Palmyra's great colonnade
    _solid(img, tex, xc - px * 0.05, y(0.60), y(0.56), px * 0.5, px * 0.42, _STONE, sun)
    shadow = np.zeros(img.shape[:2], np.float32)
    shadow[int(y(0.56)):int(y(0.56) + px * 0.5), int(xc - px * 0.8):int(xc + px * 0.7)] = 1
    _darken(img, shadow, 0.35, blur=3)
    _solid(img, tex, xc, y(0.925), y(0.84), px * 1.38, px * 0.9, _STONE, sun, flutes=9,
           joints=(y(0.87), y(0.895)))
    _solid(img, tex, xc, y(0.95), y(0.925), px * 1.55, px * 1.55, _STONE, sun)


@dataclass
class _Site:
    """What both colonnade photos share: hills, the ground with its stones, stone texture."""

    hills_top: int
    hills: list[tuple[np.ndarray, np.ndarray]]
    ground_top: int
    ground: Image
    tex: np.ndarray


def _site() -> _Site:
    rng = np.random.default_rng(1905)
    w, h = COLONNADE_SIZE[0] + 2 * MARGIN, COLONNADE_SIZE[1] + 2 * MARGIN
    hills_top, hills = _hills(rng, w, _CAM.horizon)
    gx, gz, first = _CAM.ground(h, w)
    tile = _noise(256, 256, rng, (32, 16, 8, 4), tile=True)
    sand_grain = _grain(256, 256, rng, tile=True)
    grit = (_ground_texture(gx, gz, _CAM, sand_grain, ((1200, 0.9),))
            + _ground_texture(gx, gz, _CAM, tile, ((800, 0.6), (200, 0.5), (40, 0.5))))
    patches = _noise(h - first, w, rng, (300, 120))
    ground = (np.float32([0.80, 0.67, 0.50]) * ((1 + 0.15 * patches) * (1 + 0.45 * grit))
              [..., None])
    canvas = np.zeros((h, w, 3), np.float32)
    canvas[first:] = ground
    _ground_stones(canvas, rng, 900)
    tex = 1 + 0.4 * _noise(h, w, rng, (48, 12, 3)) + 0.16 * _grain(h, w, rng)
    return _Site(hills_top, hills, first, canvas[first:], tex)


def _render_colonnade(site: _Site, after: bool) -> Image:
    """The scene on the canvas (before pixels + MARGIN), without or with the destruction."""
    w, h = COLONNADE_SIZE[0] + 2 * MARGIN, COLONNADE_SIZE[1] + 2 * MARGIN
    sun = _SUN[after]
    img = (_sky(h, w, (0.62, 0.61, 0.58), (0.86, 0.79, 0.68), _CAM.horizon) if after
           else _sky(h, w, (0.33, 0.52, 0.80), (0.80, 0.86, 0.91), _CAM.horizon))
    for alpha, colour in site.hills:
        _blend(img[site.hills_top:site.hills_top + len(alpha)], alpha, colour)
    img[site.ground_top:] = site.ground
    tex = site.tex
    fallen = _plan()
    standing = [i for i in range(N_COLUMNS) if not (after and i in TOPPLED)]
    _platform(img, tex, np.random.default_rng(7), sun)
    _shadows(img, sun, standing, fallen)
    _entablature(img, tex, sun, standing, underside=True)
    for i in reversed(range(N_COLUMNS)):
        stump = fallen[i].stump if i not in standing else None
        _column(img, tex, sun, i, np.random.default_rng(100 + i), stump)
    _entablature(img, tex, sun, standing, underside=False)
    if after:
        debris = np.random.default_rng(2016)
        light = math.atan2(-sun[1], sun[0])   # in the image, y grows downwards
        for i in TOPPLED:
            _rocks(img, debris, fallen[i].rubble, fallen[i].sizes, _STONE, (4, 3))
            for drum in fallen[i].drums:
                contact = np.zeros(img.shape[:2], np.float32)
                below = np.array([0, drum.r * 0.8])
                cv2.line(contact, tuple(map(int, drum.p0 + below)),
                         tuple(map(int, drum.p1 + below)), 1.0, max(int(drum.r * 0.6), 1))
                _darken(img, contact, 0.5, blur=drum.r * 0.3)
                _lying(img, drum.p0, drum.p1, drum.r, _STONE, light, tex, face=drum.face)
        img *= np.float32([1.03, 0.97, 0.87]) * 0.92
        img += np.float32([0.07, 0.06, 0.04])
    return img


def render_colonnade() -> tuple[np.ndarray, np.ndarray]:
    """The before and after photos as uint8 RGB arrays."""
    w, h = COLONNADE_SIZE
    site = _site()
    before = _render_colonnade(site, False)[MARGIN:MARGIN + h, MARGIN:MARGIN + w]
    shift = np.array([[1, 0, -MARGIN], [0, 1, -MARGIN], [0, 0, 1]], np.float64)
    after = cv2.warpPerspective(_render_colonnade(site, True), BEFORE_TO_AFTER @ shift, (w, h),
                                flags=cv2.INTER_LINEAR)
    return (_finish(before, np.random.default_rng(1)),
            _finish(after, np.random.default_rng(2), noise=0.016))


# -- the street -------------------------------------------------------------------------
STREET_SIZE = (1600, 1200)
_PLASTER: list[RGB] = [(0.80, 0.74, 0.63), (0.68, 0.67, 0.64), (0.82, 0.69, 0.52),
                       (0.86, 0.84, 0.79), (0.60, 0.58, 0.55), (0.74, 0.62, 0.52)]
_YELLOW: RGB = (0.86, 0.70, 0.12)
_GREEN: RGB = (0.24, 0.46, 0.22)
_CYL_R, _CYL_L = 0.19, 1.40     # a chlorine cylinder's radius and length in metres


@dataclass
class _Facade:
    rgb: Image
    alpha: np.ndarray
    ppm: float                                   # texture pixels per metre


def _facade(rng: np.random.Generator, length: float, *, ppm: float = 60, damage: float = 0.5,
            lit: float = 0.0, height: float = 16.0) -> _Facade:
    """A row of 2-4 storey buildings as a flat texture with transparent sky above."""
    w, h = int(length * ppm), int(height * ppm)
    rgb = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    grime = _noise(h, w, rng, (48, 12, 3))
    streaks = cv2.resize(rng.random((3, w // 4), dtype=np.float32), (w, h),
                         interpolation=cv2.INTER_LINEAR) - 0.5

    def box(x: float, y: float, bw: float, bh: float) -> tuple[int, int, int, int]:
        """metres (left, height above ground of the bottom) -> pixel rows/cols."""
        return int(x * ppm), int(h - (y + bh) * ppm), int((x + bw) * ppm), int(h - y * ppm)

    def fill(x: float, y: float, bw: float, bh: float, colour: Any, scale: float = 1.0) -> None:
        c0, r0, c1, r1 = box(x, y, bw, bh)
        if scale != 1.0:
            rgb[max(r0, 0):r1, max(c0, 0):c1] *= scale
        else:
            rgb[max(r0, 0):r1, max(c0, 0):c1] = colour

    x = 0.0
    while x < length:
        bw = float(rng.uniform(7, 12))
        floors = int(rng.integers(2, 5))
        top = floors * 3.1 + 0.9
        c0, r0, c1, _ = box(x, 0, bw, top)
        colour = np.asarray(_PLASTER[int(rng.integers(len(_PLASTER)))], np.float32)
        rgb[r0:, c0:c1] = colour * (1 + 0.16 * grime[r0:, c0:c1] + 0.1 * streaks[r0:, c0:c1]
                                    )[..., None]
        alpha[r0:, c0:c1] = 1
        fill(x, top - 0.3, bw, 0.3, None, 0.8)                   # parapet
        rgb[r0:, c0:c0 + 2] *= 0.6                               # the joint to the next house
        bays = max(int(bw // 2.7), 2)
        step = bw / bays
        for floor in range(floors):
            base = floor * 3.1
            if floor:
                fill(x, base - 0.1, bw, 0.22, None, 0.88)         # floor slab line
            balcony = floor > 0 and rng.random() < 0.35
            for bay in range(bays):
                cx = x + (bay + 0.5) * step
                if floor == 0:
                    shop = rng.random() < 0.7
                    sw = 2.3 if shop else 1.1
                    fill(cx - sw / 2 - 0.08, 0, sw + 0.16, 2.7, colour * 0.7)
                    c_0, r_0, c_1, r_1 = box(cx - sw / 2, 0, sw, 2.6)
                    if shop:
                        metal = np.float32([0.52, 0.54, 0.55]) * (0.75 + 0.3 * rng.random())
                        ribs = 0.85 + 0.15 * np.cos(np.arange(r_1 - r_0) * 1.3)[:, None, None]
                        rgb[r_0:r_1, c_0:c_1] = metal * ribs
                        if rng.random() < 0.3:   # a shutter blown in
                            fill(cx - sw / 2 + 0.2, 0, sw * 0.6, 1.6, (0.05, 0.05, 0.05))
                    else:
                        rgb[r_0:r_1, c_0:c_1] = np.float32([0.30, 0.22, 0.16])
                    continue
                kind = rng.random()
                door = balcony and bay == bays // 2
                ww, wh, sill = (1.0, 2.2, 0.05) if door else (1.1, 1.4, 0.9)
                fill(cx - ww / 2 - 0.1, base + sill - 0.12, ww + 0.2, wh + 0.24,
                     colour * 0.78)
                glass: Any = np.float32([0.10, 0.12, 0.14])
                if kind < lit:
                    glass = np.float32([0.98, 0.78, 0.45])
                elif kind > 0.85:
                    glass = np.float32([0.03, 0.03, 0.03])      # empty, blown out
                fill(cx - ww / 2, base + sill, ww, wh, glass)
                if 0.55 < kind <= 0.85:                         # closed shutters
                    c_0, r_0, c_1, r_1 = box(cx - ww / 2, base + sill, ww, wh)
                    slats = 0.8 + 0.2 * (np.arange(r_1 - r_0) % 6 < 3)[:, None, None]
                    rgb[r_0:r_1, c_0:c_1] = np.float32([0.52, 0.42, 0.30]) * slats
                fill(cx - 0.03, base + sill, 0.06, wh, colour * 0.5)   # the mullion
                if door:
                    bw_m = 2.4
                    fill(cx - bw_m / 2, base - 0.05, bw_m, 0.2, colour * 1.1)
                    for bar in np.arange(cx - bw_m / 2, cx + bw_m / 2, 0.14):
                        fill(bar, base + 0.15, 0.035, 0.95, (0.16, 0.16, 0.17))
                    fill(cx - bw_m / 2, base + 1.05, bw_m, 0.06, (0.16, 0.16, 0.17))
        for _ in range(int(rng.poisson(damage * 1.2))):
            _blast(rgb, rng, int(rng.uniform(c0 + 20, c1 - 20)),
                   int(rng.uniform(r0 + 40, h - 0.6 * ppm)), ppm)
        x += bw
    return _Facade(rgb, alpha, ppm)


def _blast(rgb: Image, rng: np.random.Generator, cx: int, cy: int, ppm: float) -> None:
    """Blast damage on a facade: soot above, chipped plaster, a hole, cracks."""
    h, w = rgb.shape[:2]
    soot = np.zeros((h, w), np.float32)
    for k in range(3):
        cv2.ellipse(soot, (cx + int(rng.normal(0, 0.3 * ppm)), cy - int((0.6 + k) * ppm)),
                    (int(ppm * (0.9 + 0.4 * k)), int(ppm * (1.6 + 0.5 * k))), 0, 0, 360,
                    1.0 - 0.25 * k, -1)
    _darken(rgb, soot, 0.7, blur=ppm * 0.4)
    n = 11
    angles = np.sort(rng.random(n)) * 2 * math.pi
    radius = ppm * rng.uniform(0.3, 0.6) * (0.6 + 0.6 * rng.random(n))
    hole = np.c_[cx + radius * np.cos(angles), cy + radius * np.sin(angles)]
    rim = np.c_[cx + 1.6 * radius * np.cos(angles), cy + 1.4 * radius * np.sin(angles)]
    plaster = rgb[min(max(cy, 0), h - 1), min(max(cx, 0), w - 1)]
    cv2.fillPoly(rgb, [np.round(rim).astype(np.int32)], (plaster * 0.75 + 0.12).tolist())
    cv2.fillPoly(rgb, [np.round(hole).astype(np.int32)], (0.04, 0.035, 0.03))
    for _ in range(4):
        p = np.array([cx, cy], np.float64)
        heading = rng.random() * 2 * math.pi
        pts = [p.copy()]
        for _ in range(8):
            heading += rng.normal(0, 0.5)
            p = p + ppm * 0.25 * np.array([math.cos(heading), math.sin(heading)])
            pts.append(p.copy())
        cv2.polylines(rgb, [np.round(pts).astype(np.int32)], False, (0.15, 0.14, 0.13), 1,
                      cv2.LINE_AA)


def _cylinder(img: Image, cam: _Camera, centre: tuple[float, float, float], heading: float,
              colour: RGB, light: float, *, tilt: float = 0.0) -> tuple[float, ...]:
    """A gas cylinder lying at `centre` (metres), axis at `heading` in the ground plane.

    Returns its box (x, y, w, h) in pixels, valve included: the region to tag.
    """
    cx, cy, cz = centre
    half = _CYL_L / 2 - _CYL_R
    dx, dz = math.cos(heading) * half, math.sin(heading) * half
    dy = math.sin(tilt) * half
    p0 = np.array(cam.proj(cx + dx, cy + dy, cz + dz))   # the valve end
    p1 = np.array(cam.proj(cx - dx, cy - dy, cz - dz))
    r = cam.f * _CYL_R / cz
    axis = (p0 - p1) / np.linalg.norm(p0 - p1)
    shadow = np.zeros(img.shape[:2], np.float32)
    foot = np.array([0, r * 0.9])
    cv2.line(shadow, tuple(map(int, p0 + foot)), tuple(map(int, p1 + foot)), 1.0,
             max(int(r * 1.2), 1))
    _darken(img, shadow, 0.6, blur=r * 0.35)
    _lying(img, p0, p1, r, colour, light, _dirt(img, p0, p1, r), rounded=True,
           bands=(0.25, 0.75), gloss=0.25)
    neck = p0 + axis * r * 0.85
    valve = p0 + axis * r * 1.45
    _lying(img, neck, valve, r * 0.26, (0.55, 0.52, 0.45), light)
    wheel = np.array([-axis[1], axis[0]]) * r * 0.45
    cv2.line(img, tuple(map(int, valve - wheel)), tuple(map(int, valve + wheel)),
             (0.18, 0.17, 0.15), max(int(r * 0.14), 2))
    ends = np.array([p0, p1, valve])
    pad = np.array([r, r, r * 0.5])[:, None]
    lo = (ends - pad).min(0)
    hi = (ends + pad).max(0)
    height, width = img.shape[:2]
    lo = np.clip(lo, 0, [width, height])
    hi = np.clip(hi, 0, [width, height])
    return (round(float(lo[0]), 1), round(float(lo[1]), 1), round(float(hi[0] - lo[0]), 1),
            round(float(hi[1] - lo[1]), 1))


def _dirt(img: Image, p0: np.ndarray, p1: np.ndarray, r: float) -> np.ndarray:
    """Scuffs and dust on a cylinder's paint: a texture the size of the image."""
    tex = np.ones(img.shape[:2], np.float32)
    x0 = max(int(min(p0[0], p1[0]) - 2 * r), 0)
    y0 = max(int(min(p0[1], p1[1]) - 2 * r), 0)
    x1 = min(int(max(p0[0], p1[0]) + 2 * r), img.shape[1])
    y1 = min(int(max(p0[1], p1[1]) + 2 * r), img.shape[0])
    if x1 > x0 and y1 > y0:
        rng = np.random.default_rng(x0 * 7919 + y0)   # its own, so drawing is reproducible
        tex[y0:y1, x0:x1] += 0.18 * _noise(y1 - y0, x1 - x0, rng, (24, 8))
    return tex


def _street_ground(img: Image, cam: _Camera, rng: np.random.Generator,
                   paint: Callable[[np.ndarray, np.ndarray, np.ndarray], Image]) -> None:
    h, w = img.shape[:2]
    gx, gz, first = cam.ground(h, w)
    tile = _noise(256, 256, rng, (32, 16, 8, 4), tile=True)
    grain = _grain(256, 256, rng, tile=True)
    grit = (_ground_texture(gx, gz, cam, grain, ((160, 0.8),))
            + _ground_texture(gx, gz, cam, tile, ((40, 0.6), (9, 0.6), (2, 0.5))))
    img[first:] = paint(gx, gz, grit)


def _pavement(x: np.ndarray, z: np.ndarray, size: float) -> np.ndarray:
    """1 on the joints of square paving slabs of `size` metres."""
    fx, fz = np.mod(x / size, 1), np.mod(z / size, 1)
    return ((np.minimum(fx, 1 - fx) < 0.03) | (np.minimum(fz, 1 - fz) < 0.03)).astype(
        np.float32)


def _road(x: np.ndarray, z: np.ndarray, grit: np.ndarray, kerb: float,
          side: np.ndarray | None = None) -> Image:
    """Asphalt, with pavements beyond |x| > kerb (or where `side` says)."""
    asphalt = np.float32([0.34, 0.34, 0.35])[None, None, :] * (1 + 0.6 * grit)[..., None]
    if side is None:
        side = np.abs(x) > kerb
    slabs = np.float32([0.60, 0.57, 0.52]) * ((1 + 0.35 * grit) * (1 - 0.35 * _pavement(
        x, z, 0.45)))[..., None]
    out = np.where(side[..., None], slabs, asphalt)
    edge = side & ~cv2.erode(side.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    out[edge] = np.float32([0.72, 0.70, 0.66]) * (1 + 0.3 * grit[edge])[:, None]
    return out


def _street_sides(img: Image, cam: _Camera, rng: np.random.Generator, left: float,
                  right: float, z0: float, z1: float, lit: float) -> None:
    """Houses on both sides of a street running away from the camera, and one closing it."""
    for side, x in (("left", left), ("right", right)):
        facade = _facade(rng, z1 - z0, lit=lit, damage=0.6)
        top = facade.rgb.shape[0] / facade.ppm
        near = [cam.proj(x, top, z0), cam.proj(x, 0, z0)]
        far = [cam.proj(x, top, z1), cam.proj(x, 0, z1)]
        quad = ([near[0], far[0], far[1], near[1]] if side == "left"
                else [far[0], near[0], near[1], far[1]])
        shade = 0.95 if side == "left" else 0.75
        _paste_quad(img, facade.rgb * shade, quad, facade.alpha)
    end = _facade(rng, right - left, lit=lit, damage=0.2)
    top = end.rgb.shape[0] / end.ppm
    _paste_quad(img, end.rgb * 0.85, [cam.proj(left, top, z1), cam.proj(right, top, z1),
                                      cam.proj(right, 0, z1), cam.proj(left, 0, z1)], end.alpha)


def _rubble(img: Image, cam: _Camera, rng: np.random.Generator, px: np.ndarray,
            pz: np.ndarray, colour: RGB = (0.62, 0.60, 0.56)) -> None:
    """Broken concrete and asphalt lying on the ground at (px, pz), in metres."""
    order = np.argsort(-pz)
    px, pz = px[order], pz[order]
    centres = np.array([cam.proj(a, 0.0, b) for a, b in zip(px, pz, strict=True)])
    sizes = cam.f * (0.02 + 0.1 * rng.random(len(px)) ** 3) / pz
    _rocks(img, rng, centres, sizes, colour, (2, 2))


def _crater(img: Image, cam: _Camera, rng: np.random.Generator, cx: float, cz: float,
            radius: float) -> tuple[float, ...]:
    """An impact crater in the road, ragged and scorched; returns its box in pixels."""
    h, w = img.shape[:2]
    gx, gz, first = cam.ground(h, w)
    angle = np.arctan2(gz - cz, gx - cx)
    phase = rng.random(3) * 6
    ragged = (1 + 0.16 * np.sin(3 * angle + phase[0]) + 0.09 * np.sin(7 * angle + phase[1])
              + 0.05 * np.sin(13 * angle + phase[2]))
    d = np.hypot(gx - cx, gz - cz) / (radius * ragged)
    rays = 0.5 + 0.5 * np.cos(angle * 9 + 2 * np.sin(angle * 4))
    ground = img[first:]
    scorch = np.clip((2.8 - d) / 1.8, 0, 1) * (0.35 + 0.65 * rays)
    ground *= (1 - 0.8 * scorch)[..., None]
    bowl = d < 1
    wall = np.clip((gz - cz) / radius, -1, 1)     # the far wall faces the camera: lit
    rough = _noise(*d.shape, rng, (16, 4))
    inside = (0.16 + 0.26 * (wall + 1) / 2) * (1 + 0.8 * rough) * (1 - 0.35 * d ** 3)
    ground[bowl] = np.float32([0.50, 0.44, 0.37]) * inside[bowl][:, None]
    rim = (d >= 0.97) & (d < 1.18)
    ground[rim] = np.float32([0.30, 0.28, 0.25]) * (1 + 1.2 * rough[rim])[:, None]
    n = 110
    a = rng.random(n) * 2 * math.pi
    rr = radius * (1.0 + 0.9 * rng.random(n) ** 2)
    _rubble(img, cam, rng, cx + rr * np.cos(a), cz + rr * np.sin(a), (0.45, 0.42, 0.38))
    rows, cols = np.nonzero(d < 1.3)
    return (float(cols.min()), float(rows.min() + first), float(cols.max() - cols.min() + 1),
            float(rows.max() - rows.min() + 1))


def _dusk(img: Image, level: float, flash: float = 0.0) -> None:
    """Evening light: darker and bluer; a phone's flash lights the foreground."""
    h, w = img.shape[:2]
    img *= np.float32([0.96, 0.90, 1.0]) * level
    if flash:
        yy = (np.arange(h, dtype=np.float32) / h)[:, None]
        xx = ((np.arange(w, dtype=np.float32) - w / 2) / w)[None, :]
        light = flash * np.clip(yy - 0.35, 0, 1) * np.exp(-(xx * xx) * 3)
        img *= (1 + light)[..., None]


Region = tuple[str, str, dict[str, Any], str]   # label, shape, geometry, note


def _box(label: str, box: tuple[float, ...], note: str) -> Region:
    return label, "rect", {"x": box[0], "y": box[1], "w": box[2], "h": box[3]}, note


_LIGHT = math.atan2(-1.0, -0.6)   # street light from the upper left


def _street_01() -> tuple[np.ndarray, list[Region]]:
    """Looking down the street: two cylinders, one in the road, one on the pavement."""
    w, h = STREET_SIZE
    rng = np.random.default_rng(401)
    cam = _Camera(f=1150, cx=800, horizon=600, height=1.6)
    img = _sky(h, w, (0.22, 0.29, 0.50), (0.93, 0.64, 0.44), cam.horizon)
    _street_ground(img, cam, rng, lambda x, z, g: _road(x + 0.3, z, g, 3.7))
    _street_sides(img, cam, rng, -5.6, 5.0, 4.0, 60.0, lit=0.1)
    _rubble(img, cam, rng, rng.uniform(-5.0, -2.5, 140), rng.uniform(4.0, 20.0, 140))
    far = _cylinder(img, cam, (3.8, _CYL_R, 12.0), math.radians(25), _YELLOW, _LIGHT)
    near = _cylinder(img, cam, (-1.3, _CYL_R, 6.4), math.radians(200), _YELLOW, _LIGHT)
    _dusk(img, 0.9)
    return _finish(img, rng), [_box("gas cylinder", near, "in the road"),
                               _box("gas cylinder", far, "on the pavement, further down")]


def _street_02() -> tuple[np.ndarray, list[Region]]:
    """From a window across the street: a cylinder on a balcony, another on the pavement."""
    w, h = STREET_SIZE
    rng = np.random.default_rng(402)
    cam = _Camera(f=1150, cx=820, horizon=330, height=5.0)
    img = _sky(h, w, (0.17, 0.23, 0.44), (0.86, 0.58, 0.42), cam.horizon)
    depth = 10.0

    def paint(x: np.ndarray, z: np.ndarray, grit: np.ndarray) -> Image:
        return _road(x, z, grit, 0, side=(z > depth - 2.4) | (z < 3.0))

    _street_ground(img, cam, rng, paint)
    facade = _facade(rng, 30, lit=0.3, damage=0.8)
    top = facade.rgb.shape[0] / facade.ppm
    quad = [cam.proj(-15, top, depth), cam.proj(15, top, depth), cam.proj(15, 0, depth),
            cam.proj(-15, 0, depth)]
    _paste_quad(img, facade.rgb * 0.9, quad, facade.alpha)
    # the balcony the cylinder came to rest on, drawn in depth
    bx, floor, front = -2.6, 3.1, depth - 1.2

    def poly(points: list[tuple[float, float, float]], colour: RGB) -> None:
        pts = np.round([cam.proj(*p) for p in points]).astype(np.int32)
        cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)

    poly([(bx - 1.4, floor, depth), (bx + 1.4, floor, depth), (bx + 1.4, floor, front),
          (bx - 1.4, floor, front)], (0.42, 0.40, 0.37))
    balcony = _cylinder(img, cam, (bx + 0.1, floor + _CYL_R, depth - 0.6), math.radians(-18),
                        _YELLOW, _LIGHT)
    poly([(bx - 1.4, floor, front), (bx + 1.4, floor, front), (bx + 1.4, floor - 0.2, front),
          (bx - 1.4, floor - 0.2, front)], (0.62, 0.60, 0.56))
    rail = (0.13, 0.13, 0.14)
    for bar in np.arange(bx - 1.35, bx + 1.4, 0.15):
        cv2.line(img, tuple(map(int, cam.proj(bar, floor, front))),
                 tuple(map(int, cam.proj(bar, floor + 1.0, front))), rail, 3, cv2.LINE_AA)
    for side in (-1.4, 1.4):
        cv2.line(img, tuple(map(int, cam.proj(bx + side, floor + 1.0, front))),
                 tuple(map(int, cam.proj(bx + side, floor + 1.0, depth))), rail, 4, cv2.LINE_AA)
    cv2.line(img, tuple(map(int, cam.proj(bx - 1.4, floor + 1.0, front))),
             tuple(map(int, cam.proj(bx + 1.4, floor + 1.0, front))), rail, 5, cv2.LINE_AA)
    _rubble(img, cam, rng, rng.uniform(-6.0, 6.0, 90), rng.uniform(depth - 2.3, depth - 0.2, 90))
    pavement = _cylinder(img, cam, (1.9, _CYL_R, depth - 1.3), math.radians(160), _YELLOW,
                         _LIGHT)
    _dusk(img, 0.8)
    return _finish(img, rng), [_box("gas cylinder", balcony, "on a first-floor balcony"),
                               _box("gas cylinder", pavement, "on the pavement below")]


def _street_03() -> tuple[np.ndarray, list[Region]]:
    """A crater in the road, a green cylinder beside it, blast-damaged houses."""
    w, h = STREET_SIZE
    rng = np.random.default_rng(403)
    cam = _Camera(f=1150, cx=600, horizon=590, height=1.55)
    img = _sky(h, w, (0.12, 0.16, 0.34), (0.72, 0.47, 0.38), cam.horizon)
    _street_ground(img, cam, rng, lambda x, z, g: _road(x - 0.4, z, g, 3.4))
    crater = _crater(img, cam, rng, 0.8, 7.8, 1.5)
    _street_sides(img, cam, rng, -4.6, 6.0, 3.0, 55.0, lit=0.2)
    _rubble(img, cam, rng, rng.uniform(-4.4, 4.0, 120), rng.uniform(5.0, 25.0, 120))
    cylinder = _cylinder(img, cam, (-2.3, _CYL_R, 6.4), math.radians(-35), _GREEN, _LIGHT)
    _dusk(img, 0.72, flash=0.5)
    return _finish(img, rng, noise=0.02), [
        _box("crater", crater, "in the road, with scorch marks"),
        _box("gas cylinder", cylinder, "green; by the kerb, near the crater")]


def _street_04() -> tuple[np.ndarray, list[Region]]:
    """On a roof after dark, by flash: a cylinder beside the hole it made."""
    w, h = STREET_SIZE
    rng = np.random.default_rng(404)
    cam = _Camera(f=1150, cx=800, horizon=470, height=3.0)
    edge = 12.0
    img = _sky(h, w, (0.06, 0.08, 0.18), (0.42, 0.30, 0.30), cam.horizon)
    town = _facade(rng, 60, lit=0.35, damage=0.3, height=18)
    top = town.rgb.shape[0] / town.ppm - 7
    _paste_quad(img, town.rgb * 0.55, [cam.proj(-30, top, 34), cam.proj(30, top, 34),
                                        cam.proj(30, -7, 34), cam.proj(-30, -7, 34)], town.alpha)
    gx, gz, first = cam.ground(h, w)
    tile = _noise(256, 256, rng, (32, 16, 8, 4), tile=True)
    grit = _ground_texture(gx, gz, cam, tile, ((60, 0.7), (12, 0.6), (3, 0.5)))
    seams = np.mod(gz / 3.0, 1) < 0.012
    roof = np.float32([0.60, 0.58, 0.54]) * ((1 + 0.5 * grit) * (1 - 0.3 * seams))[..., None]
    below = np.float32([0.30, 0.29, 0.28]) * (1 + 0.4 * grit)[..., None]
    roof = np.where((gx < -4.0)[..., None], below, roof)
    mine = gz < edge
    img[first:][mine] = roof[mine]
    parapet = [cam.proj(-4.0, 0.9, edge), cam.proj(9.0, 0.9, edge), cam.proj(9.0, 0, edge),
               cam.proj(-4.0, 0, edge)]
    wall = np.float32([0.55, 0.53, 0.50]) * (1 + 0.2 * _noise(60, 600, rng, (20, 5)))[..., None]
    _paste_quad(img, wall, parapet)
    side = [cam.proj(-4.0, 0.9, 1.0), cam.proj(-4.0, 0.9, edge), cam.proj(-4.0, 0, edge),
            cam.proj(-4.0, 0, 1.0)]
    _paste_quad(img, wall * 0.8, side)
    ones = np.ones(img.shape[:2], np.float32)
    for x, z, radius, colour in ((3.6, 10.2, 0.55, (0.14, 0.14, 0.15)),
                                 (2.3, 9.4, 0.5, (0.80, 0.80, 0.77))):
        xc, y_bot = cam.proj(x, 0, z)
        y_top = cam.proj(x, 1.3, z)[1]
        hw = cam.f * radius / z
        _solid(img, ones, xc, y_top, y_bot, hw, hw, colour, _unit((-0.5, 0.4, -0.8)))
        lid = cam.proj(x, 1.3, z + radius)[1] - y_top
        cv2.ellipse(img, (int(xc), int(y_top)), (int(hw), max(int(abs(lid)), 2)), 0, 0, 360,
                    tuple(c * 1.15 for c in colour), -1, cv2.LINE_AA)
    angles = np.sort(rng.random(12)) * 2 * math.pi
    radii = 0.45 * (0.7 + 0.5 * rng.random(12))
    hole = np.array([cam.proj(-0.3 + r * math.cos(a), 0, 5.6 + r * math.sin(a))
                     for a, r in zip(angles, radii, strict=True)])
    rim = np.array([cam.proj(-0.3 + 1.5 * r * math.cos(a), 0, 5.6 + 1.4 * r * math.sin(a))
                    for a, r in zip(angles, radii, strict=True)])
    cv2.fillPoly(img, [np.round(rim).astype(np.int32)], (0.44, 0.42, 0.39))
    cv2.fillPoly(img, [np.round(hole).astype(np.int32)], (0.03, 0.03, 0.03))
    for k in range(4):
        a, b = hole[k * 3 % 12], hole[(k * 3 + 6) % 12]
        cv2.line(img, tuple(map(int, a)), tuple(map(int, b)), (0.25, 0.17, 0.12), 3)
    _rubble(img, cam, rng, rng.uniform(-1.6, 1.2, 50), rng.uniform(4.6, 7.0, 50),
            (0.45, 0.42, 0.38))
    cylinder = _cylinder(img, cam, (1.0, _CYL_R, 5.8), math.radians(140), _YELLOW, _LIGHT)
    _dusk(img, 0.55, flash=1.6)
    return _finish(img, rng, noise=0.025), [
        _box("gas cylinder", cylinder, "on a roof, beside the hole in it")]


# -- the photos and the case ------------------------------------------------------------
DEMO_CASE = "demo.case"
_STREET_REGIONS = 7   # six cylinders and a crater: only for the progress bar's total
TITLE = "Demo: Palmyra colonnade and Douma street"
_NOTICE = ("Demonstration data: every photo in this case was drawn by Evidence Reviewer's"
           " demo generator (reviewer demo). Nothing here is evidence of anything.")


@dataclass(frozen=True)
class Shot:
    """A demo photo's file name and the EXIF its camera 'wrote'."""

    name: str
    make: str
    model: str
    taken: datetime
    offset: str
    gps: tuple[float, float, float]   # latitude, longitude (degrees), altitude (metres)


SHOTS = (
    Shot("colonnade_before.jpg", "Canon", "EOS 5D Mark III", datetime(2010, 5, 14, 10, 20),
         "+03:00", (34.5510, 38.2690, 410.0)),
    Shot("colonnade_after.jpg", "DJI", "FC6310", datetime(2016, 4, 2, 15, 40), "+03:00",
         (34.55103, 38.26894, 430.0)),
    Shot("street_01.jpg", "samsung", "SM-G960F", datetime(2018, 4, 7, 19, 32, 10), "+03:00",
         (33.57182, 36.40348, 688.0)),
    Shot("street_02.jpg", "Apple", "iPhone 8", datetime(2018, 4, 7, 19, 51, 44), "+03:00",
         (33.57151, 36.40391, 690.0)),
    Shot("street_03.jpg", "samsung", "SM-A520F", datetime(2018, 4, 7, 20, 8, 3), "+03:00",
         (33.57203, 36.40322, 687.0)),
    Shot("street_04.jpg", "Apple", "iPhone 8 Plus", datetime(2018, 4, 7, 20, 24, 37), "+03:00",
         (33.57160, 36.40405, 699.0)),
)


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return degrees, minutes, round((value - degrees - minutes / 60) * 3600, 4)


def save_jpeg(path: Path, pixels: np.ndarray, shot: Shot) -> Path:
    """Write RGB pixels as a JPEG with the shot's camera, time, offset and GPS in EXIF."""
    from PIL import ExifTags
    from PIL import Image as PILImage

    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = shot.make
    exif[ExifTags.Base.Model] = shot.model
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.DateTime] = shot.taken.strftime("%Y:%m:%d %H:%M:%S")
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    ifd[ExifTags.Base.DateTimeOriginal] = shot.taken.strftime("%Y:%m:%d %H:%M:%S")
    ifd[ExifTags.Base.OffsetTimeOriginal] = shot.offset
    lat, lon, alt = shot.gps
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
    gps[ExifTags.GPS.GPSLatitude] = _dms(lat)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
    gps[ExifTags.GPS.GPSLongitude] = _dms(lon)
    gps[ExifTags.GPS.GPSAltitudeRef] = 0 if alt >= 0 else 1
    gps[ExifTags.GPS.GPSAltitude] = abs(alt)
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.fromarray(pixels, "RGB").save(path, "JPEG", quality=92, exif=exif)
    return path


def _colonnade_regions() -> tuple[list[Region], list[Region]]:
    layout = colonnade_layout()
    standing = [_box("standing column", box, f"column {i + 1} from the left")
                for i, box in enumerate(layout.columns_before)]
    toppled = [("toppled column", "polygon", {"points": [list(p) for p in outline]},
                f"column {i + 1} from the left: stump, drums and capital on the ground")
               for i, outline in zip(layout.toppled, layout.toppled_after, strict=True)]
    return standing, toppled


def _draw_colonnade(folder: Path) -> dict[str, tuple[Path, list[Region]]]:
    before, after = render_colonnade()
    standing, toppled = _colonnade_regions()
    return {SHOTS[0].name: (save_jpeg(folder / SHOTS[0].name, before, SHOTS[0]), standing),
            SHOTS[1].name: (save_jpeg(folder / SHOTS[1].name, after, SHOTS[1]), toppled)}


def _draw_street(folder: Path, n: int) -> dict[str, tuple[Path, list[Region]]]:
    shot = SHOTS[1 + n]
    pixels, regions = (_street_01, _street_02, _street_03, _street_04)[n - 1]()
    return {shot.name: (save_jpeg(folder / shot.name, pixels, shot), regions)}


def draw_demo_photos(folder: Path, progress: ProgressCallback = no_progress, *,
                     total: int | None = None) -> dict[str, tuple[Path, list[Region]]]:
    """Draw and save the six photos (two threads); returns name -> (path, its regions)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    folder.mkdir(parents=True, exist_ok=True)
    drawn: dict[str, tuple[Path, list[Region]]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_draw_colonnade, folder)]
        jobs += [pool.submit(_draw_street, folder, n) for n in range(1, 5)]
        for job in as_completed(jobs):
            for name, result in job.result().items():
                drawn[name] = result
                progress(Progress(len(drawn), total or len(SHOTS), f"drew {name}"))
    return {shot.name: drawn[shot.name] for shot in SHOTS}


def build_demo_case(directory: str | Path, actor: str | None = None,
                    progress: ProgressCallback = no_progress) -> Path:
    """Make DIRECTORY/photos/*.jpg and the case DIRECTORY/demo.case from them; return the case.

    Everything is written through the core API, so the case's audit log tells how it
    was built. A case left half-built by a failure is removed again.
    """
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths
    from reviewer.core.incidents import add_incident, link_evidence
    from reviewer.core.regions import add_region

    directory = Path(directory)
    target = directory / DEMO_CASE
    if target.exists():
        raise CaseError(target, "already exists; remove it or choose another folder for the demo")
    directory.mkdir(parents=True, exist_ok=True)
    standing, toppled = _colonnade_regions()
    total = 2 * len(SHOTS) + len(standing) + len(toppled) + _STREET_REGIONS + 4
    photos = draw_demo_photos(directory / "photos", progress, total=total)
    done = len(SHOTS)
    case = create_case(target, title=TITLE, actor=actor)
    try:
        def imported(step: Progress) -> None:
            progress(Progress(done + step.done, total, f"imported {Path(step.item).name}",
                              step.failed))

        report = import_paths(case, [path for path, _ in photos.values()], progress=imported)
        ids = {Path(item["path"]).name: item["id"] for item in report.imported}
        missing = [name for name in photos if name not in ids]
        if missing or report.errors:
            problems = "; ".join([f"{e['path']}: {e['error']}" for e in report.errors]
                                 + [f"{name}: not imported" for name in missing])
            raise CaseError(target, f"the demo photos could not be imported: {problems}")
        done += len(SHOTS)
        palmyra = add_incident(
            case, "Destruction of the colonnade", category="heritage destruction",
            time_from="2015-05-21", time_to="2016-03-27", place_name="Palmyra, great colonnade",
            lat=34.5510, lon=38.2690, radius_m=200, status="confirmed",
            description="(Demonstration case.) Three columns of the great colonnade, standing"
                        " in the 2010 photo, lie toppled in the 2016 drone photo: stumps, drums"
                        " and capitals on the ground, the entablature above them gone.",
            sources="colonnade_before.jpg (2010, ground level) and colonnade_after.jpg (2016,"
                    " drone), compared side by side. " + _NOTICE)
        douma = add_incident(
            case, "Chlorine cylinders on residential street", category="chemical attack",
            time_from="2018-04-07T19:00:00+03:00", time_to="2018-04-07T19:45:00+03:00",
            place_name="Douma", lat=33.5717, lon=36.4036, radius_m=300, status="open",
            description="(Demonstration case.) Industrial gas cylinders in a residential street"
                        " after an air strike: in the road, on the pavement, on a balcony and on"
                        " a roof beside the hole it made; a crater in the road.",
            sources="street_01.jpg to street_04.jpg, four phones, 19:32 to 20:24 local time. "
                    + _NOTICE)
        done += 2
        progress(Progress(done, total, "added the incidents"))
        for name in (SHOTS[0].name, SHOTS[1].name):
            link_evidence(case, palmyra.id, ids[name])
        done += 2
        progress(Progress(done, total, "linked the colonnade photos"))
        for name, (_, regions) in photos.items():
            incident = None if name == SHOTS[0].name else (
                palmyra.id if name == SHOTS[1].name else douma.id)
            for label, shape, geometry, note in regions:
                add_region(case, ids[name], label, shape, geometry, note=note,
                           incident_id=incident)
                done += 1
                progress(Progress(done, total, f"tagged {label} on {name}"))
    except BaseException:
        case.close()
        shutil.rmtree(target, ignore_errors=True)
        raise
    case.close()
    return target
