"""House fronts for the street photos: rows of plastered houses, shops, windows, blast damage."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from reviewer.demo.painting import RGB, Image, _Camera, _darken, _noise, _paste_quad

_PLASTER: list[RGB] = [(0.80, 0.74, 0.63), (0.68, 0.67, 0.64), (0.82, 0.69, 0.52),
                       (0.86, 0.84, 0.79), (0.60, 0.58, 0.55), (0.74, 0.62, 0.52)]


@dataclass
class _Facade:
    rgb: Image
    alpha: np.ndarray
    ppm: float                                   # texture pixels per metre

    @property
    def height(self) -> float:
        """The texture's height in metres."""
        return self.rgb.shape[0] / self.ppm


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


def _street_sides(img: Image, cam: _Camera, rng: np.random.Generator, left: float,
                  right: float, z0: float, z1: float, lit: float) -> None:
    """Houses on both sides of a street running away from the camera, and one closing it."""
    for side, x in (("left", left), ("right", right)):
        facade = _facade(rng, z1 - z0, lit=lit, damage=0.6)
        top = facade.height
        near = [cam.proj(x, top, z0), cam.proj(x, 0, z0)]
        far = [cam.proj(x, top, z1), cam.proj(x, 0, z1)]
        quad = ([near[0], far[0], far[1], near[1]] if side == "left"
                else [far[0], near[0], near[1], far[1]])
        shade = 0.95 if side == "left" else 0.75
        _paste_quad(img, facade.rgb * shade, quad, facade.alpha)
    end = _facade(rng, right - left, lit=lit, damage=0.2)
    top = end.height
    _paste_quad(img, end.rgb * 0.85, [cam.proj(left, top, z1), cam.proj(right, top, z1),
                                      cam.proj(right, 0, z1), cam.proj(left, 0, z1)], end.alpha)
