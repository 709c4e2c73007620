"""Drawing helpers shared by the demo's scenes: noise, masks, solids, cameras, skies.

Everything is numpy and OpenCV on float32 RGB images in 0..1 (no Qt). Scenes are small
3D worlds (camera at the origin looking down +Z, Y up) projected to pixels by `_Camera`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

RGB = tuple[float, float, float]
Image = np.ndarray   # float32 (h, w, 3), 0..1


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


def _contact_shadow(img: Image, p0: np.ndarray, p1: np.ndarray, r: float, *, drop: float,
                    width: float, amount: float, blur: float) -> None:
    """The soft shadow under something lying on the ground from p0 to p1, `r` pixels thick.

    `drop`, `width` and `blur` are in radii: how far below the axis, how wide, how soft.
    """
    shadow = np.zeros(img.shape[:2], np.float32)
    below = np.array([0, r * drop])
    cv2.line(shadow, tuple(map(int, p0 + below)), tuple(map(int, p1 + below)), 1.0,
             max(int(r * width), 1))
    _darken(img, shadow, amount, blur=r * blur)


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


def _sky(h: int, w: int, top: RGB, bottom: RGB, horizon: float) -> Image:
    t = np.clip(np.arange(h, dtype=np.float32) / horizon, 0, 1)[:, None, None] ** 1.3
    sky = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return np.repeat(sky, w, axis=1)


def _ground_grit(cam: _Camera, h: int, w: int, rng: np.random.Generator,
                 scales: tuple[tuple[float, float], ...], grain: tuple[float, float] | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """A ground's (X, Z) and first row, as `_Camera.ground`, and a grit texture around 0.

    The grit is fractal noise at `scales` (density, amplitude), plus fine grain at `grain`.
    """
    gx, gz, first = cam.ground(h, w)
    tile = _noise(256, 256, rng, (32, 16, 8, 4), tile=True)
    grit = _ground_texture(gx, gz, cam, tile, scales)
    if grain is not None:
        fine = _grain(256, 256, rng, tile=True)
        grit = _ground_texture(gx, gz, cam, fine, (grain,)) + grit
    return gx, gz, first, grit


def _strew(img: Image, cam: _Camera, rng: np.random.Generator, x: np.ndarray, z: np.ndarray,
           size: tuple[float, float], colour: RGB, shadow: tuple[float, float]) -> None:
    """Stones lying on the ground at (x, z) in metres, far ones first.

    A stone's size in metres is size[0] + size[1] * u**3 with u uniform in 0..1: mostly small.
    """
    order = np.argsort(-z)
    x, z = x[order], z[order]
    centres = np.array([cam.proj(a, 0.0, b) for a, b in zip(x, z, strict=True)])
    sizes = cam.f * (size[0] + size[1] * rng.random(len(x)) ** 3) / z
    _rocks(img, rng, centres, sizes, colour, shadow)
