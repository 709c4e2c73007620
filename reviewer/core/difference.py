"""The views of a comparison as pure functions on pixels: warp, difference, changed areas.

All of it works on display-sized copies (`display_pair`), so a threshold slider can
call `changed_mask` at every step; nothing here knows about cases or Qt.
Transforms map AFTER pixels to BEFORE pixels, as everywhere in the comparison code.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

DISPLAY_SIDE = 1600          # long side of the copies the views work on
HEAT_FULL = 3.0              # a difference of this many standard deviations is heat 1.0
DEFAULT_THRESHOLD = 0.4      # heat above which a pixel counts as changed (1.2 deviations)
MIN_AREA = 0.0005            # changed areas smaller than this share of the image are noise


@dataclass(frozen=True)
class DisplayPair:
    """The before image and the after image warped onto it, both at display size."""

    before: np.ndarray          # (h, w, 3) uint8
    after: np.ndarray           # (h, w, 3) uint8: the after image in before's pixels
    valid: np.ndarray           # (h, w) bool: where the warped after image has pixels
    scale: float                # display pixels per before pixel


def shrink(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """A copy at most `side` pixels on its long side, and the factor applied."""
    height, width = image.shape[:2]
    factor = min(1.0, side / max(width, height))
    if factor == 1.0:
        return image, 1.0
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def rescale_transform(transform: np.ndarray, after_factor: float,
                      before_factor: float) -> np.ndarray:
    """The same homography between copies scaled by the given factors."""
    matrix = (np.diag([before_factor, before_factor, 1.0]) @ np.asarray(transform, np.float64)
              @ np.diag([1 / after_factor, 1 / after_factor, 1.0]))
    return matrix / matrix[2, 2]


def warp_to_before(after: np.ndarray, transform: np.ndarray,
                   before_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The after image in before's pixels, and the mask of where it has pixels."""
    matrix = np.asarray(transform, np.float64)
    height, width = before_shape[:2]
    # Sampling a much larger after image pixel by pixel would alias: shrink it first.
    jacobian = np.linalg.det(matrix[:2, :2]) / matrix[2, 2] ** 2
    if jacobian < 0.25:
        after, factor = shrink(after, max(1, round(max(after.shape[:2]) * jacobian ** 0.5 * 1.5)))
        matrix = rescale_transform(matrix, factor, 1.0)
    warped = cv2.warpPerspective(after, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT)
    inside = cv2.warpPerspective(np.full(after.shape[:2], 255, np.uint8), matrix,
                                 (width, height), flags=cv2.INTER_NEAREST)
    # The edge pixels blend with the black border: leave them out of the valid area.
    valid = cv2.erode(inside, np.ones((3, 3), np.uint8)) > 0
    return warped, valid


def display_pair(before: np.ndarray, after: np.ndarray, transform: np.ndarray,
                 side: int = DISPLAY_SIDE) -> DisplayPair:
    """Shrink the before image for display and warp the after image onto it."""
    small_before, factor = shrink(before, side)
    matrix = rescale_transform(transform, 1.0, factor)
    warped, valid = warp_to_before(after, matrix, small_before.shape)
    return DisplayPair(_rgb(small_before), _rgb(warped), valid, factor)


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    return image


def difference_heat(before: np.ndarray, after_warped: np.ndarray,
                    valid: np.ndarray | None = None) -> np.ndarray:
    """How much each pixel changed, 0..1 (float32), robust to a change of light.

    Both images are blurred (small misalignment and sensor noise are not change) and
    each colour channel is normalised to zero mean and unit deviation over the common
    area, so an overall change of exposure, white balance or haze cancels out; what is
    left is a change of content. Pixels outside `valid` are 0.
    """
    if valid is None:
        valid = np.ones(before.shape[:2], bool)
    if not valid.any():
        return np.zeros(before.shape[:2], np.float32)
    sigma = max(1.0, max(before.shape[:2]) / 300)
    weight = valid.astype(np.float32)
    # Blur inside the valid area only, so the black outside does not bleed in as change.
    coverage = np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma), 1e-3)
    differences = []
    for b_channel, a_channel in zip(cv2.split(_rgb(before)), cv2.split(_rgb(after_warped)),
                                    strict=True):
        b_blur = cv2.GaussianBlur(b_channel.astype(np.float32) * weight, (0, 0), sigma)
        a_blur = cv2.GaussianBlur(a_channel.astype(np.float32) * weight, (0, 0), sigma)
        differences.append(cv2.absdiff(_normalised(b_blur / coverage, valid),
                                       _normalised(a_blur / coverage, valid)))
    heat = np.clip(np.maximum.reduce(differences) / HEAT_FULL, 0.0, 1.0)
    heat[~valid] = 0.0
    return heat


def _normalised(channel: np.ndarray, valid: np.ndarray) -> np.ndarray:
    mean, deviation = cv2.meanStdDev(channel, mask=valid.astype(np.uint8))
    return (channel - float(mean[0, 0])) / max(float(deviation[0, 0]), 1.0)


def changed_mask(heat: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Pixels changed more than `threshold` (0..1), without specks smaller than MIN_AREA."""
    mask = (heat > threshold).astype(np.uint8)
    kernel_side = max(3, round(max(heat.shape) / 400) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kernel_side, kernel_side))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= MIN_AREA * heat.size
    return keep[labels]


def difference_map(before: np.ndarray, after_warped: np.ndarray,
                   threshold: float = DEFAULT_THRESHOLD,
                   valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(heat 0..1, changed mask): `difference_heat` then `changed_mask`.

    For a threshold slider compute the heat once and call `changed_mask` per step.
    """
    heat = difference_heat(before, after_warped, valid)
    return heat, changed_mask(heat, threshold)


def changed_boxes(mask: np.ndarray, *, merge_px: int | None = None
                  ) -> list[tuple[int, int, int, int]]:
    """The changed areas as boxes (x, y, w, h), largest first; near neighbours merged."""
    gap = merge_px if merge_px is not None else max(3, round(max(mask.shape) / 100))
    joined = cv2.dilate(mask.astype(np.uint8), np.ones((gap, gap), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    ys, xs = np.nonzero(mask)
    owner = labels[ys, xs]
    low_x, low_y = np.full(count, mask.shape[1]), np.full(count, mask.shape[0])
    high_x, high_y = np.full(count, -1), np.full(count, -1)
    np.minimum.at(low_x, owner, xs)
    np.minimum.at(low_y, owner, ys)
    np.maximum.at(high_x, owner, xs)
    np.maximum.at(high_y, owner, ys)
    boxes = [(int(low_x[i]), int(low_y[i]), int(high_x[i] - low_x[i] + 1),
              int(high_y[i] - low_y[i] + 1)) for i in range(1, count) if high_x[i] >= 0]
    return sorted(boxes, key=lambda box: -box[2] * box[3])


def heat_overlay(image: np.ndarray, heat: np.ndarray, mask: np.ndarray,
                 opacity: float = 0.6) -> np.ndarray:
    """`image` (RGB) with the changed areas painted in heat colours and outlined."""
    colours = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_INFERNO)
    colours = cv2.cvtColor(colours, cv2.COLOR_BGR2RGB)
    out = _rgb(image).copy()
    blended = cv2.addWeighted(out, 1 - opacity, colours, opacity, 0)
    out[mask] = blended[mask]
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, (255, 255, 0), max(1, round(max(image.shape) / 800)),
                     cv2.LINE_AA)
    return out
