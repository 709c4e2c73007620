"""The street photos: chlorine cylinders, a crater and damaged houses in Douma at dusk."""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from reviewer.demo.houses import _facade, _street_sides
from reviewer.demo.painting import (
    RGB,
    Image,
    _Camera,
    _contact_shadow,
    _finish,
    _ground_grit,
    _lying,
    _noise,
    _paste_quad,
    _sky,
    _solid,
    _strew,
    _unit,
)
from reviewer.demo.tags import Region, _box

STREET_SIZE = (1600, 1200)
_YELLOW: RGB = (0.86, 0.70, 0.12)
_GREEN: RGB = (0.24, 0.46, 0.22)
_CYL_R, _CYL_L = 0.19, 1.40     # a chlorine cylinder's radius and length in metres


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
    _contact_shadow(img, p0, p1, r, drop=0.9, width=1.2, amount=0.6, blur=0.35)
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
    gx, gz, first, grit = _ground_grit(cam, h, w, rng, ((40, 0.6), (9, 0.6), (2, 0.5)),
                                       grain=(160, 0.8))
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


def _rubble(img: Image, cam: _Camera, rng: np.random.Generator, px: np.ndarray,
            pz: np.ndarray, colour: RGB = (0.62, 0.60, 0.56)) -> None:
    """Broken concrete and asphalt lying on the ground at (px, pz), in metres."""
    _strew(img, cam, rng, px, pz, (0.02, 0.1), colour, (2, 2))


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


_LIGHT = math.atan2(-1.0, -0.6)   # street light from the upper left


def _street_photo(seed: int, cam: _Camera, sky_top: RGB, sky_bottom: RGB,
                  ground: Callable[[np.ndarray, np.ndarray, np.ndarray], Image] | None = None,
                  ) -> tuple[np.random.Generator, Image]:
    """A street photo's own random generator and its canvas: the sky, and the ground if given.

    `ground` paints the ground from its (X, Z) and grit, as in `_street_ground`.
    """
    w, h = STREET_SIZE
    rng = np.random.default_rng(seed)
    img = _sky(h, w, sky_top, sky_bottom, cam.horizon)
    if ground is not None:
        _street_ground(img, cam, rng, ground)
    return rng, img


def _street_01() -> tuple[np.ndarray, list[Region]]:
    """Looking down the street: two cylinders, one in the road, one on the pavement."""
    cam = _Camera(f=1150, cx=800, horizon=600, height=1.6)
    rng, img = _street_photo(401, cam, (0.22, 0.29, 0.50), (0.93, 0.64, 0.44),
                             lambda x, z, g: _road(x + 0.3, z, g, 3.7))
    _street_sides(img, cam, rng, -5.6, 5.0, 4.0, 60.0, lit=0.1)
    _rubble(img, cam, rng, rng.uniform(-5.0, -2.5, 140), rng.uniform(4.0, 20.0, 140))
    far = _cylinder(img, cam, (3.8, _CYL_R, 12.0), math.radians(25), _YELLOW, _LIGHT)
    near = _cylinder(img, cam, (-1.3, _CYL_R, 6.4), math.radians(200), _YELLOW, _LIGHT)
    _dusk(img, 0.9)
    return _finish(img, rng), [_box("gas cylinder", near, "in the road"),
                               _box("gas cylinder", far, "on the pavement, further down")]


def _street_02() -> tuple[np.ndarray, list[Region]]:
    """From a window across the street: a cylinder on a balcony, another on the pavement."""
    cam = _Camera(f=1150, cx=820, horizon=330, height=5.0)
    depth = 10.0

    def paint(x: np.ndarray, z: np.ndarray, grit: np.ndarray) -> Image:
        return _road(x, z, grit, 0, side=(z > depth - 2.4) | (z < 3.0))

    rng, img = _street_photo(402, cam, (0.17, 0.23, 0.44), (0.86, 0.58, 0.42), paint)
    facade = _facade(rng, 30, lit=0.3, damage=0.8)
    top = facade.height
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
    cam = _Camera(f=1150, cx=600, horizon=590, height=1.55)
    rng, img = _street_photo(403, cam, (0.12, 0.16, 0.34), (0.72, 0.47, 0.38),
                             lambda x, z, g: _road(x - 0.4, z, g, 3.4))
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
    cam = _Camera(f=1150, cx=800, horizon=470, height=3.0)
    edge = 12.0
    rng, img = _street_photo(404, cam, (0.06, 0.08, 0.18), (0.42, 0.30, 0.30))
    town = _facade(rng, 60, lit=0.35, damage=0.3, height=18)
    top = town.height - 7
    _paste_quad(img, town.rgb * 0.55, [cam.proj(-30, top, 34), cam.proj(30, top, 34),
                                        cam.proj(30, -7, 34), cam.proj(-30, -7, 34)], town.alpha)
    h, w = img.shape[:2]
    gx, gz, first, grit = _ground_grit(cam, h, w, rng, ((60, 0.7), (12, 0.6), (3, 0.5)))
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
