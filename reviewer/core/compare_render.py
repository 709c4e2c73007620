"""A comparison drawn as one picture for a report: side by side, swipe or difference,
at a chosen width, with a caption under it. Pure: pixels and text in, a Pillow image out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reviewer.core.difference import (
    DEFAULT_THRESHOLD,
    changed_mask,
    difference_heat,
    display_pair,
    heat_overlay,
)
from reviewer.core.errors import ValidationError

MODES = ("side", "swipe", "difference")
MIN_WIDTH, MAX_WIDTH = 320, 8000
_GAP = 0.01                      # between the two images, as a share of the width
_BACKDROP = (255, 255, 255)
_OUTSIDE = (64, 64, 64)          # where the warped after image has no pixels


def _fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    shrinking = width < image.shape[1]
    return cv2.resize(image, (width, height),
                      interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _side_by_side(before: np.ndarray, after: np.ndarray, width: int) -> tuple[np.ndarray, int]:
    """Both images at one height, `width` wide in all; and where the after image starts."""
    gap = max(4, round(width * _GAP))
    aspect_sum = before.shape[1] / before.shape[0] + after.shape[1] / after.shape[0]
    height = max(1, round((width - gap) / aspect_sum))
    before_w = round(height * before.shape[1] / before.shape[0])
    after_w = width - gap - before_w
    canvas = np.full((height, width, 3), _BACKDROP, np.uint8)
    canvas[:, :before_w] = _fit(before, before_w, height)
    canvas[:, before_w + gap:] = _fit(after, after_w, height)
    return canvas, before_w + gap


def _aligned(before: np.ndarray, after: np.ndarray, transform: np.ndarray, width: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Before, the after warped onto it, and where it has pixels, `width` wide."""
    side = round(width * max(before.shape[:2]) / before.shape[1])
    pair = display_pair(before, after, transform, side=side)
    if pair.before.shape[1] == width:
        return pair.before, pair.after, pair.valid
    height = round(width * before.shape[0] / before.shape[1])
    valid = cv2.resize(pair.valid.astype(np.uint8), (width, height),
                       interpolation=cv2.INTER_NEAREST) > 0
    return (_fit(pair.before, width, height), _fit(pair.after, width, height), valid)


def _swipe(before: np.ndarray, after: np.ndarray, transform: np.ndarray, width: int,
           position: float) -> np.ndarray:
    base, warped, valid = _aligned(before, after, transform, width)
    divider = round(width * min(max(position, 0.0), 1.0))
    out = base.copy()
    right = out[:, divider:]
    right[:] = np.where(valid[:, divider:, None], warped[:, divider:], _OUTSIDE)
    line = max(2, width // 400)
    cv2.rectangle(out, (divider - line // 2, 0), (divider + (line - 1) // 2, out.shape[0]),
                  (255, 255, 255), -1)
    return out


def _difference(before: np.ndarray, after: np.ndarray, transform: np.ndarray, width: int,
                threshold: float) -> np.ndarray:
    base, warped, valid = _aligned(before, after, transform, width)
    heat = difference_heat(base, warped, valid)
    painted = heat_overlay(warped, heat, changed_mask(heat, threshold))
    return np.where(valid[:, :, None], painted, (base * 0.35).astype(np.uint8))


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """DejaVu Sans where the system has it (it covers Arabic, Cyrillic, Greek... in names),
    else Pillow's own scalable font."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _label(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int) -> None:
    font = _font(size)
    left, top, right, bottom = draw.textbbox(xy, text, font=font)
    pad = size // 3
    draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), fill=(0, 0, 0))
    draw.text(xy, text, font=font, fill=(255, 255, 255))


def _with_caption(picture: np.ndarray, lines: Sequence[str], pane_labels: list[tuple[int, str]]
                  ) -> Image.Image:
    width = picture.shape[1]
    size = max(12, min(28, width // 90))
    font = _font(size)
    # Wrap by the measured width of an average character of this font.
    per_char = max(1.0, font.getlength("abcdefghijklmnopqrstuvwxyz0123456789") / 36)
    columns = max(20, int((width - 2 * size) / per_char))
    wrapped = [part for line in lines for part in (textwrap.wrap(line, columns) or [""])]
    line_height = round(size * 1.35)
    band = 2 * size + line_height * len(wrapped)
    image = Image.new("RGB", (width, picture.shape[0] + band), _BACKDROP)
    image.paste(Image.fromarray(picture), (0, 0))
    draw = ImageDraw.Draw(image)
    for x, text in pane_labels:
        _label(draw, (x + size, size), text, size)
    y = picture.shape[0] + size
    for line in wrapped:
        draw.text((size, y), line, font=font, fill=(0, 0, 0))
        y += line_height
    return image


def render_comparison(before: np.ndarray, after: np.ndarray, transform: np.ndarray | None,
                      mode: str, width: int, *, caption: Sequence[str] = (),
                      swipe_at: float = 0.5, threshold: float = DEFAULT_THRESHOLD
                      ) -> Image.Image:
    """The comparison as a picture `width` pixels wide with `caption` lines under it.

    `before`/`after` are full-scale RGB arrays; `transform` maps after pixels to before
    pixels. Swipe and difference need one: without it they are refused, not guessed.
    """
    if mode not in MODES:
        raise ValidationError(mode, f"unknown view: choose one of {', '.join(MODES)}")
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValidationError(str(width), f"the width must be {MIN_WIDTH} to {MAX_WIDTH} pixels")
    if mode == "side":
        picture, after_x = _side_by_side(before, after, width)
        labels = [(0, "BEFORE"), (after_x, "AFTER")]
    elif transform is None:
        raise ValidationError(mode, "this comparison is not aligned: align it first, or"
                              " export it side by side")
    elif mode == "swipe":
        picture = _swipe(before, after, np.asarray(transform, np.float64), width, swipe_at)
        divider = round(width * min(max(swipe_at, 0.0), 1.0))
        labels = [(0, "BEFORE"), (min(divider, width - width // 8), "AFTER")]
    else:
        picture = _difference(before, after, np.asarray(transform, np.float64), width,
                              threshold)
        labels = [(0, f"CHANGES (threshold {threshold:.2f})")]
    return _with_caption(picture, caption, labels)
