"""The colonnade photos: Palmyra's great colonnade before and after three columns fell.

The scene is drawn on a canvas with a margin (see `colonnade_plan`): the "before" photo
is cut from it, the "after" one warped from it by `BEFORE_TO_AFTER`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from reviewer.demo.colonnade_plan import (
    _CAM,
    _CANVAS,
    _COL_H,
    _COL_R,
    _ENT_D,
    _ENT_H,
    _FRONT,
    _STYLO,
    BEFORE_TO_AFTER,
    COLONNADE_SIZE,
    MARGIN,
    N_COLUMNS,
    TOPPLED,
    _column_foot,
    _Fallen,
    _plan,
)
from reviewer.demo.painting import (
    RGB,
    Image,
    _blend,
    _contact_shadow,
    _darken,
    _finish,
    _grain,
    _ground_grit,
    _lying,
    _noise,
    _paste_quad,
    _poly_mask,
    _rocks,
    _sky,
    _solid,
    _strew,
    _texture,
    _unit,
)

_STONE: RGB = (0.80, 0.67, 0.50)
_SUN = {False: _unit((-0.62, 0.72, -0.32)),   # 10:20, from the left and high
        True: _unit((-0.74, 0.46, -0.40))}    # 15:40, lower: longer shadows


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
    _strew(img, _CAM, rng, x[keep], z[keep], (0.004, 0.03), (0.72, 0.62, 0.49), (3, 2))


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
    w, h = _CANVAS
    hills_top, hills = _hills(rng, w, _CAM.horizon)
    _, _, first, grit = _ground_grit(_CAM, h, w, rng, ((800, 0.6), (200, 0.5), (40, 0.5)),
                                     grain=(1200, 0.9))
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
    w, h = _CANVAS
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
                _contact_shadow(img, drum.p0, drum.p1, drum.r, drop=0.8, width=0.6,
                                amount=0.5, blur=0.3)
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
