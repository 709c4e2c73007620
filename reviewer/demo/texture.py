"""A generated textured scene and a camera move over it, for alignment tests and benches.

Random coloured blobs, shapes and lines with sensor-like noise: corners at every scale
for feature detectors, texture at full scale for correlation. Deterministic per seed.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def textured_scene(width: int, height: int, seed: int = 0) -> np.ndarray:
    """An RGB uint8 image of `width` x `height` pixels."""
    rng = np.random.default_rng(seed)
    blobs = rng.integers(0, 256, (height // 64 + 2, width // 64 + 2, 3), dtype=np.uint8)
    image = cv2.resize(blobs, (width, height), interpolation=cv2.INTER_CUBIC)
    largest = max(8, width // 40)
    for _ in range(width * height // 6000):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(4, largest))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            cv2.rectangle(image, (x, y), (x + size, y + int(rng.integers(4, size + 5))), colour,
                          -1)
        elif shape == 1:
            cv2.circle(image, (x, y), size // 2, colour, -1, cv2.LINE_AA)
        else:
            end = (x + int(rng.integers(-size, size)), y + int(rng.integers(-size, size)))
            cv2.line(image, (x, y), end, colour, int(rng.integers(1, 4)), cv2.LINE_AA)
    noise = rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def camera_move(size: tuple[int, int], *, angle_deg: float = 8.0, scale: float = 0.9,
                tilt: tuple[float, float] = (2e-5, -1.5e-5),
                shift: tuple[float, float] = (40.0, -30.0),
                out_size: tuple[int, int] | None = None) -> np.ndarray:
    """A homography SCENE pixel -> VIEW pixel: turn and zoom about the centre, a
    perspective tilt, a shift; centred in a view of `out_size` (default: `size`)."""
    width, height = size
    out_w, out_h = out_size or size
    centre = np.array([[1, 0, -width / 2], [0, 1, -height / 2], [0, 0, 1]])
    a = math.radians(angle_deg)
    turn = np.array([[scale * math.cos(a), -scale * math.sin(a), 0],
                     [scale * math.sin(a), scale * math.cos(a), 0], [0, 0, 1]])
    perspective = np.array([[1, 0, 0], [0, 1, 0], [tilt[0], tilt[1], 1]])
    back = np.array([[1, 0, out_w / 2 + shift[0]], [0, 1, out_h / 2 + shift[1]], [0, 0, 1]])
    matrix = back @ perspective @ turn @ centre
    return matrix / matrix[2, 2]


def view_of(scene: np.ndarray, scene_to_view: np.ndarray,
            out_size: tuple[int, int] | None = None) -> np.ndarray:
    """The scene as seen through the homography (outside the scene: mirrored scene)."""
    height, width = scene.shape[:2]
    return cv2.warpPerspective(scene, scene_to_view, out_size or (width, height),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
