"""Perceptual hashes of pictures: copies of one picture get hashes a few bits apart.

A DCT hash (pHash): the picture in grey, shrunk to 32x32, its 8x8 lowest
frequencies compared with their median, one bit each. Re-encoding, resizing and
colour shifts barely move those frequencies. Two things do: uniform borders (a
screenshot, a messaging app's letterbox) and crops. So borders are trimmed first,
and each picture gets two hashes: the whole (trimmed) picture and its centre.
The distance between two pictures is the smaller of whole-to-whole and
centre-to-centre, in bits (0..64). The threshold is measured by
bench/similar_quality.py (docs/similar.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

# Pictures at most this many bits apart are called similar (docs/similar.md).
DEFAULT_THRESHOLD = 12
HASH_SIZE = 8
_SAMPLE = 32
_WORK_SIZE = 256            # hashing works on a copy this size (the import's thumbnail)
_MIN_SIDE = 16              # px (of the trimmed working copy) below which there is no hash
_MIN_CONTRAST = 2.0         # grey levels (standard deviation) below which there is none
_WINDOW_SOURCE = 128         # the trimmed picture's longest side before windows are cut
_CENTRE = 0.7               # the centre hash sees the middle 70 % of each side
_CUT = 0.1                  # the cut hashes lose 10 % on one side (or two, at a corner)
_BORDER_TOLERANCE = 14      # grey levels from the edge's colour still count as border
_BORDER_SHARE = 0.92        # a line is border when this share of it is the edge's colour
_MAX_TRIM = 0.45            # never trim more than this of a side


@dataclass(frozen=True)
class PictureHash:
    """The hashes of one picture: whole, centre, then the whole with a side or corner cut.

    The cut versions let a copy cropped on one side (which moves every frequency)
    meet the original: the copy's whole is compared with the original's cuts and
    the other way round.
    """
    values: tuple[int, ...]     # unsigned 64-bit each: whole, centre, *cuts

    @property
    def whole(self) -> int:
        return self.values[0]

    def to_bytes(self) -> bytes:
        return np.asarray(self.values, dtype="<u8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> PictureHash:
        return cls(tuple(int(v) for v in np.frombuffer(data, dtype="<u8")))

    def distance(self, other: PictureHash) -> int:
        return int(distances(self.as_array(), other.as_array()[:, None])[0])

    def as_array(self) -> np.ndarray:
        return np.asarray(self.values, dtype=np.uint64)


def distances(probe: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Distance in bits (uint8) from one picture's hashes to each of n pictures.

    `columns` is (HASHES, n): one contiguous row per kind of hash, so that each step
    is one pass over memory. The distance is the smallest of: whole to whole, centre
    to centre, the probe's whole to each of the other's cuts, each of the probe's cuts
    to the other's whole.
    """
    count = columns.shape[1]
    scratch = np.empty(count, dtype=np.uint64)
    bits = np.empty(count, dtype=np.uint8)
    best = np.full(count, 64, dtype=np.uint8)

    def fold(column: np.ndarray, value: np.uint64) -> None:
        np.bitwise_xor(column, value, out=scratch)
        np.bitwise_count(scratch, out=bits)
        np.minimum(best, bits, out=best)

    whole = columns[0]
    fold(whole, probe[0])
    fold(columns[1], probe[1])
    for cut in range(2, HASHES):
        fold(columns[cut], probe[0])
        fold(whole, probe[cut])
    return best


def hash_image(image: Image.Image) -> PictureHash | None:
    """The picture's hashes; `image` is any PIL image, already upright."""
    small = image.copy()
    small.draft("L", (_WORK_SIZE, _WORK_SIZE))
    if small.mode not in ("L", "RGB"):
        small = small.convert("RGBA").convert("RGB") if "A" in small.mode else small.convert("RGB")
    small.thumbnail((_WORK_SIZE, _WORK_SIZE), Image.Resampling.BILINEAR)
    grey = np.asarray(small.convert("L"), dtype=np.float32)
    return hash_grey(grey)


def hash_frame(bgr: np.ndarray) -> PictureHash | None:
    """The hashes of a decoded video frame (BGR uint8, upright)."""
    height, width = bgr.shape[:2]
    scale = _WORK_SIZE / max(height, width, 1)
    if scale < 1:
        bgr = cv2.resize(bgr, (max(1, round(width * scale)), max(1, round(height * scale))),
                         interpolation=cv2.INTER_AREA)
    return hash_grey(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32))


def hash_grey(grey: np.ndarray) -> PictureHash | None:
    """The hashes of a 2-D grey array (any size, ideally about 256 px).

    None for a picture too small or too flat to compare: every uniform picture (a
    black frame, an icon-sized thumbnail) would otherwise hash alike and be "similar".
    """
    trimmed = trim_borders(grey)
    height, width = trimmed.shape
    if min(height, width) < _MIN_SIDE or float(trimmed.std()) < _MIN_CONTRAST:
        return None
    if max(height, width) > _WINDOW_SOURCE:
        # Every window is shrunk to 32x32: shrinking the picture once first makes the
        # ten shrinks cheap and changes no bit that matters.
        scale = _WINDOW_SOURCE / max(height, width)
        height, width = max(1, round(height * scale)), max(1, round(width * scale))
        trimmed = cv2.resize(np.ascontiguousarray(trimmed), (width, height),
                             interpolation=cv2.INTER_AREA)
    my = round(height * (1 - _CENTRE) / 2)
    mx = round(width * (1 - _CENTRE) / 2)
    cy, cx = round(height * _CUT), round(width * _CUT)
    windows = [
        trimmed, trimmed[my:height - my, mx:width - mx],
        trimmed[:, cx:], trimmed[:, :width - cx], trimmed[cy:, :], trimmed[:height - cy, :],
        trimmed[cy:, cx:], trimmed[cy:, :width - cx], trimmed[:height - cy, cx:],
        trimmed[:height - cy, :width - cx],
    ]
    return PictureHash(tuple(_dct_hash(w if w.size else trimmed) for w in windows))


HASHES = 10


def _dct_hash(grey: np.ndarray) -> int:
    sample = cv2.resize(np.ascontiguousarray(grey, dtype=np.float32), (_SAMPLE, _SAMPLE),
                        interpolation=cv2.INTER_AREA)
    low = cv2.dct(sample)[:HASH_SIZE, :HASH_SIZE].flatten()
    # The DC term is the mean brightness: left out of the median so that a brightness
    # shift cannot flip the other bits.
    bits = low > np.median(low[1:])
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def trim_borders(grey: np.ndarray) -> np.ndarray:
    """Cut uniform bands off each side (a screenshot's border, then its app bar...).

    Each band has its own colour; at most 45 % of a side goes.
    """
    height, width = grey.shape
    if height < 8 or width < 8:
        return grey
    top = _bands(grey, int(height * _MAX_TRIM))
    bottom = _bands(grey[::-1], int(height * _MAX_TRIM))
    left = _bands(grey.T, int(width * _MAX_TRIM))
    right = _bands(grey.T[::-1], int(width * _MAX_TRIM))
    return grey[top:height - bottom, left:width - right]


def _bands(grey: np.ndarray, max_lines: int) -> int:
    """How many leading rows are uniform bands, each of one colour."""
    trimmed = 0
    while trimmed < max_lines:
        band = _band(grey[trimmed:max_lines + 1])
        if band == 0:
            break
        trimmed += band
    return min(trimmed, max_lines)


def _band(grey: np.ndarray) -> int:
    """How many leading rows are (nearly) all the first row's dominant colour."""
    if not grey.size:
        return 0
    edge = float(np.median(grey[0]))
    uniform = (np.abs(grey - edge) <= _BORDER_TOLERANCE).mean(axis=1) >= _BORDER_SHARE
    if not uniform[0]:
        return 0
    return int(np.argmin(uniform)) if not uniform.all() else len(uniform)
