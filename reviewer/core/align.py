"""Aligning an "after" image onto a "before" image: automatically, or from clicked points.

The result is a homography from AFTER pixels to BEFORE pixels (the direction of the
compare JSON in DESIGN.md), with the figures a user needs to judge it. When the
images do not share enough, the alignment is refused with a plain reason
(`AlignmentError`), never returned as a wrong overlay.

Automatic alignment, in two stages:

1. Coarse: SIFT features on a grey copy of each image shrunk to at most `WORK_SIDE`
   pixels on its long side (each image on its own, so very different sizes meet at a
   common working size), Lowe's ratio test, a MAGSAC++ (RANSAC family) homography.
2. Fine, at full scale: around up to `REFINE_POINTS` inliers spread over the image, a
   patch of the coarser image is found by normalised cross-correlation in the other
   image resampled through the coarse homography; the homography is fitted again on
   those sub-pixel correspondences. The coarse stage alone is off by up to ~1.5 px of
   a 12-megapixel image (one working pixel is four full ones); this brings it well
   under one.

SIFT, not ORB (AKAZE is not in OpenCV 5's main modules): measured on the demo
colonnade and on generated 12-MP scenes, SIFT's coarse estimate was 4-5x closer
(0.3 px against 1.45 px on the colonnade), it is invariant to the scale changes of a
drone flying nearer, and at the working size it costs ~0.3 s for both images, well
inside the 1.5 s budget (bench/align_speed.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np

from reviewer.core.errors import ReviewerError

WORK_SIDE = 1024          # long side of the working copies for feature detection
MAX_FEATURES = 4000       # per image; more costs time without more accuracy
RATIO = 0.75              # Lowe's ratio test
REFINE_POINTS = 160       # full-scale correlation patches, spread over the image
PATCH_RADIUS = 20         # 41x41 template
SEARCH_RADIUS = 12        # +-12 px around the coarse prediction (coarse error < 4 px)
MIN_CORRELATION = 0.8     # a patch matching less well is changed or featureless

# Refusals (AlignmentError) and the verdict; the thresholds a user is told about.
MIN_MATCHES = 20          # ratio-test matches: fewer means "no common features"
MIN_INLIERS = 15          # matches agreeing on one homography
MIN_INLIER_RATIO = 0.25   # below: most matches disagree; the transform is a guess -> poor
MIN_COVERAGE = 0.05       # inliers' hull over the after image; below: extrapolated -> poor
MAX_ERROR_PX = 2.0        # RMS reprojection error in before pixels; above -> poor
MAX_SCALE_CHANGE = 16.0   # more zoom than this between the two is not the same view
MANUAL_MAX_ERROR_PX = 3.0  # clicked points are less exact than matched features

Point = tuple[float, float]


class AlignmentError(ReviewerError):
    """Alignment refused: the images do not share enough, or the fit is poor.

    `alignment` holds the poor candidate when there was one, for a front end that
    offers to show it anyway or to align by hand.
    """

    def __init__(self, subject: str | None, reason: str,
                 alignment: Alignment | None = None) -> None:
        super().__init__(subject, reason)
        self.alignment = alignment


@dataclass(frozen=True)
class Alignment:
    """A homography AFTER pixel -> BEFORE pixel and how far to trust it."""

    transform: tuple[tuple[float, float, float], ...]    # 3x3, rows
    method: str                        # 'auto' | 'manual' | 'none'
    inliers: int                       # matches (or clicked pairs) the transform agrees with
    matches: int                       # ratio-test matches (or clicked pairs)
    inlier_ratio: float
    reprojection_error_px: float       # RMS over the inliers, in before pixels
    quality: str                       # 'good' | 'poor'
    problem: str = ""                  # why it is poor, in words
    refined: int = 0                   # full-scale correspondences behind the transform
    coverage: float = 0.0              # share of the after image the inliers span
    detector: str = ""
    points: dict[str, list[list[float]]] = field(default_factory=dict)  # manual: the clicks

    @property
    def matrix(self) -> np.ndarray:
        return np.array(self.transform, dtype=np.float64)

    @property
    def good(self) -> bool:
        return self.quality == "good"

    def to_dict(self) -> dict[str, Any]:
        """What the case stores in `comparisons.alignment` (the transform has its column)."""
        data = asdict(self)
        data.pop("transform")
        return data

    @classmethod
    def from_stored(cls, transform: Any, alignment: dict[str, Any]) -> Alignment:
        known = {k: v for k, v in alignment.items() if k in cls.__dataclass_fields__}
        return cls(transform=_rows(np.asarray(transform, dtype=np.float64)), **known)


def _rows(matrix: np.ndarray) -> tuple[tuple[float, float, float], ...]:
    matrix = matrix / matrix[2, 2]
    return tuple(tuple(float(v) for v in row) for row in matrix)


def map_points(matrix: np.ndarray, points: Any) -> np.ndarray:
    """Apply a 3x3 homography to (N, 2) points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    mapped = np.c_[pts, np.ones(len(pts))] @ np.asarray(matrix, np.float64).T
    return mapped[:, :2] / mapped[:, 2:]


def grey(image: np.ndarray) -> np.ndarray:
    """8-bit grey of an RGB, RGBA or grey array."""
    if image.ndim == 2:
        return image if image.dtype == np.uint8 else cv2.convertScaleAbs(image)
    code = cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
    return cv2.cvtColor(image, code)


def _shrunk(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    height, width = image.shape[:2]
    factor = min(1.0, side / max(width, height))
    if factor == 1.0:
        return image, 1.0
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


# -- checks shared by automatic and manual alignment ---------------------------------

def _fold_problem(matrix: np.ndarray, after_shape: tuple[int, ...],
                  before_shape: tuple[int, ...]) -> str:
    """Why this homography cannot be a view of the same scene ('' when it can)."""
    height, width = after_shape[:2]
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    homogeneous = np.c_[corners, np.ones(4)] @ matrix.T
    if np.any(homogeneous[:, 2] <= 1e-9):
        return "the transform sends part of the after image behind the camera (folded)"
    quad = homogeneous[:, :2] / homogeneous[:, 2:]
    edges = np.roll(quad, -1, axis=0) - quad
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(
        edges, -1, axis=0)[:, 0]
    if not (np.all(turns > 0) or np.all(turns < 0)):
        return "the transform folds the after image over itself"
    if np.all(turns < 0):
        return "the transform mirrors the after image"
    # The after image's footprint on the before image, as a share of the before image.
    share = cv2.contourArea(quad.astype(np.float32)) / (before_shape[0] * before_shape[1])
    if not 1 / MAX_SCALE_CHANGE ** 2 <= share <= MAX_SCALE_CHANGE ** 2:
        return (f"the transform makes the after image {share:.2g} times the size of the before"
                " image: not a view of the same scene")
    return ""


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _coverage(points: np.ndarray, shape: tuple[int, ...]) -> float:
    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(points.astype(np.float32))
    return float(cv2.contourArea(hull)) / float(shape[0] * shape[1])


def _rms(matrix: np.ndarray, after_pts: np.ndarray, before_pts: np.ndarray) -> float:
    if not len(after_pts):
        return 0.0
    residual = map_points(matrix, after_pts) - before_pts
    return float(np.sqrt(np.mean(np.sum(residual ** 2, axis=1))))


# -- automatic ------------------------------------------------------------------------

@dataclass
class _Features:
    keypoints: np.ndarray      # (N, 2) full-scale pixel positions
    descriptors: np.ndarray | None


def _features(grey_full: np.ndarray) -> _Features:
    small, factor = _shrunk(grey_full, WORK_SIDE)
    keypoints, descriptors = cv2.SIFT_create(MAX_FEATURES).detectAndCompute(small, None)
    points = np.array([kp.pt for kp in keypoints], dtype=np.float64).reshape(-1, 2)
    # Keypoint centres are in pixel-centre coordinates: map them back the same way.
    return _Features((points + 0.5) / factor - 0.5, descriptors)


def _ratio_matches(after: _Features, before: _Features) -> tuple[np.ndarray, np.ndarray]:
    if (after.descriptors is None or before.descriptors is None
            or len(after.descriptors) < 2 or len(before.descriptors) < 2):
        return np.zeros((0, 2)), np.zeros((0, 2))
    matcher = cv2.FlannBasedMatcher({"algorithm": 1, "trees": 4}, {"checks": 64})
    pairs = matcher.knnMatch(after.descriptors, before.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    return (after.keypoints[[m.queryIdx for m in good]].reshape(-1, 2),
            before.keypoints[[m.trainIdx for m in good]].reshape(-1, 2))


def _spread(points: np.ndarray, shape: tuple[int, ...], count: int) -> np.ndarray:
    """Indices of up to `count` points, a few from each cell of a grid over the image."""
    height, width = shape[:2]
    cells = 10
    cell = (np.clip((points[:, 1] / height * cells).astype(int), 0, cells - 1) * cells
            + np.clip((points[:, 0] / width * cells).astype(int), 0, cells - 1))
    per_cell = max(1, math.ceil(count / (cells * cells)))
    chosen: list[int] = []
    for value in np.unique(cell):
        chosen.extend(np.flatnonzero(cell == value)[:per_cell].tolist())
    return np.array(chosen[:count] if len(chosen) > count else chosen, dtype=int)


def _peak_offset(scores: np.ndarray) -> tuple[float, float] | None:
    """Sub-pixel position of the correlation peak (parabola through its neighbours)."""
    _, best, _, (ix, iy) = cv2.minMaxLoc(scores)
    h, w = scores.shape
    if best < MIN_CORRELATION or not (0 < ix < w - 1 and 0 < iy < h - 1):
        return None

    def vertex(left: float, centre: float, right: float) -> float:
        denominator = left - 2 * centre + right
        return 0.0 if abs(denominator) < 1e-12 else 0.5 * (left - right) / denominator

    return (ix + vertex(scores[iy, ix - 1], scores[iy, ix], scores[iy, ix + 1]),
            iy + vertex(scores[iy - 1, ix], scores[iy, ix], scores[iy + 1, ix]))


def _refine(ref: np.ndarray, mov: np.ndarray, ref_to_mov: np.ndarray,
            ref_points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel correspondences (ref, mov) by correlation around coarse predictions.

    `ref` is the coarser of the two images; `mov` is resampled into ref's pixels
    through the coarse homography, so each patch meets its match at the same scale,
    rotation and perspective, and only a small shift remains to be found.
    """
    r, s = PATCH_RADIUS, SEARCH_RADIUS
    height, width = ref.shape[:2]
    mov_h, mov_w = mov.shape[:2]
    window = 2 * (r + s) + 1
    found_ref, found_mov = [], []
    for x, y in np.rint(ref_points).astype(int):
        if not (r + s <= x < width - r - s and r + s <= y < height - r - s):
            continue
        template = ref[y - r:y + r + 1, x - r:x + r + 1]
        if float(template.std()) < 4.0:
            continue
        x0, y0 = x - r - s, y - r - s
        shifted = ref_to_mov @ np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1]], np.float64)
        corners = map_points(shifted, [[0, 0], [window, 0], [window, window], [0, window]])
        if corners.min() < 0 or np.any(corners[:, 0] >= mov_w) or np.any(
                corners[:, 1] >= mov_h):
            continue
        search = cv2.warpPerspective(mov, shifted, (window, window),
                                     flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        peak = _peak_offset(cv2.matchTemplate(search, template, cv2.TM_CCOEFF_NORMED))
        if peak is None:
            continue
        matched = np.array([[x + peak[0] - s, y + peak[1] - s]])
        found_ref.append((x, y))
        found_mov.append(map_points(ref_to_mov, matched)[0])
    return (np.array(found_ref, np.float64).reshape(-1, 2),
            np.array(found_mov, np.float64).reshape(-1, 2))


def _refine_full_scale(before_grey: np.ndarray, after_grey: np.ndarray, coarse: np.ndarray,
                       after_pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full-scale (after, before) correspondences near the given after points."""
    cx, cy = after_grey.shape[1] / 2, after_grey.shape[0] / 2
    step = map_points(coarse, [[cx, cy], [cx + 1, cy], [cx, cy + 1]])
    # Before pixels per after pixel, near the centre.
    scale = math.sqrt(abs(_cross(step[1] - step[0], step[2] - step[0])))
    if scale >= 1:   # after is the coarser: cut patches from it, resample before
        ref, mov, ref_to_mov, ref_pts, factor = after_grey, before_grey, coarse, after_pts, scale
    else:
        ref, mov, ref_to_mov = before_grey, after_grey, np.linalg.inv(coarse)
        ref_pts, factor = map_points(coarse, after_pts), 1 / scale
    shrink = 1.0
    if factor > 1.5:
        # Resampling a much finer image point by point would alias: shrink it first.
        mov, shrink = _shrunk(mov, round(max(mov.shape[:2]) / factor))
        ref_to_mov = np.diag([shrink, shrink, 1.0]) @ ref_to_mov
    found_ref, found_mov = _refine(ref, mov, ref_to_mov, ref_pts)
    found_mov = (found_mov + 0.5) / shrink - 0.5 if shrink != 1.0 else found_mov
    if ref is after_grey:
        return found_ref, found_mov
    return found_mov, found_ref


def auto_align(before: np.ndarray, after: np.ndarray, *, subject: str | None = None) -> Alignment:
    """Find the homography AFTER pixel -> BEFORE pixel, or refuse (AlignmentError).

    `before` and `after` are full-scale RGB (or grey) arrays of any sizes; `subject`
    names the pair in a refusal ("before.jpg / after.jpg"). A poor fit is refused too,
    with the candidate attached to the error.
    """
    before_grey, after_grey = grey(before), grey(after)
    before_f, after_f = _features(before_grey), _features(after_grey)
    after_pts, before_pts = _ratio_matches(after_f, before_f)
    matches = len(after_pts)
    if matches < MIN_MATCHES:
        raise AlignmentError(subject, f"no common features: {matches} matches between"
                             f" {len(after_f.keypoints)} and {len(before_f.keypoints)} features"
                             f" (at least {MIN_MATCHES} needed); align by points instead")
    # Three working pixels of the finer working copy, in before pixels.
    threshold = 3.0 * max(before_grey.shape[:2]) / min(WORK_SIDE, max(before_grey.shape[:2]))
    coarse, mask = cv2.findHomography(after_pts, before_pts, cv2.USAC_MAGSAC, threshold)
    inlier_mask = mask.ravel().astype(bool) if mask is not None else np.zeros(matches, bool)
    inliers = int(inlier_mask.sum())
    if coarse is None or inliers < MIN_INLIERS:
        raise AlignmentError(subject, f"the images do not line up: only {inliers} of {matches}"
                             f" matches agree on one view (at least {MIN_INLIERS} needed);"
                             " align by points instead")
    folded = _fold_problem(coarse, after_grey.shape, before_grey.shape)
    if folded:
        raise AlignmentError(subject, f"{folded}; align by points instead")

    matrix, refined_a, refined_b = coarse, after_pts[inlier_mask], before_pts[inlier_mask]
    chosen = _spread(refined_a, after_grey.shape, REFINE_POINTS)
    fine_a, fine_b = _refine_full_scale(before_grey, after_grey, coarse, refined_a[chosen])
    refined = 0
    if len(fine_a) >= MIN_INLIERS:
        fitted, fine_mask = cv2.findHomography(fine_a, fine_b, cv2.RANSAC, 1.0)
        keep = fine_mask.ravel().astype(bool) if fine_mask is not None else None
        if fitted is not None and keep is not None and keep.sum() >= MIN_INLIERS:
            # Least squares (Levenberg-Marquardt) on the agreeing correspondences only.
            matrix, _ = cv2.findHomography(fine_a[keep], fine_b[keep], 0)
            refined_a, refined_b, refined = fine_a[keep], fine_b[keep], int(keep.sum())
    error = _rms(matrix, refined_a, refined_b)
    alignment = _verdict(matrix, "auto", inliers, matches, error, refined,
                         _coverage(after_pts[inlier_mask], after_grey.shape),
                         MAX_ERROR_PX, "sift")
    if not alignment.good:
        raise AlignmentError(subject, f"poor alignment: {alignment.problem}; align by points"
                             " instead", alignment)
    return alignment


def _verdict(matrix: np.ndarray, method: str, inliers: int, matches: int, error: float,
             refined: int, coverage: float, max_error: float, detector: str,
             points: dict[str, list[list[float]]] | None = None) -> Alignment:
    ratio = inliers / matches if matches else 0.0
    problems = []
    if method == "auto" and ratio < MIN_INLIER_RATIO:
        problems.append(f"only {ratio:.0%} of the matches agree (at least"
                        f" {MIN_INLIER_RATIO:.0%} wanted)")
    if error > max_error:
        problems.append(f"points are off by {error:.1f} px on average (at most"
                        f" {max_error:g} px wanted)")
    if coverage < MIN_COVERAGE:
        problems.append(f"the points span only {coverage:.1%} of the after image (at least"
                        f" {MIN_COVERAGE:.0%} wanted), so the rest is extrapolated")
    return Alignment(
        transform=_rows(matrix), method=method, inliers=inliers, matches=matches,
        inlier_ratio=round(ratio, 4), reprojection_error_px=round(error, 3),
        quality="poor" if problems else "good", problem="; ".join(problems),
        refined=refined, coverage=round(coverage, 4), detector=detector,
        points=points or {})


# -- manual and none ---------------------------------------------------------------

def align_from_points(before_points: Sequence[Point], after_points: Sequence[Point], *,
                      before_shape: tuple[int, ...], after_shape: tuple[int, ...],
                      subject: str | None = None) -> Alignment:
    """The homography from four or more point pairs a user clicked (i-th before = i-th after).

    Four pairs fit exactly (no error figure to speak of); more are fitted by least
    squares and the RMS error says how consistent the clicks were. Refused when the
    points cannot define a view (fewer than four, three in a line, a mirrored fold).
    """
    before_pts = np.asarray(before_points, dtype=np.float64).reshape(-1, 2)
    after_pts = np.asarray(after_points, dtype=np.float64).reshape(-1, 2)
    if len(before_pts) != len(after_pts):
        raise AlignmentError(subject, f"{len(before_pts)} points on the before image but"
                             f" {len(after_pts)} on the after image: click them in pairs")
    if len(before_pts) < 4:
        raise AlignmentError(subject, f"{len(before_pts)} point pairs: at least 4 are needed")
    for name, pts, shape in (("before", before_pts, before_shape),
                             ("after", after_pts, after_shape)):
        if _nearly_collinear(pts, shape):
            raise AlignmentError(subject, f"the points on the {name} image lie (nearly) in a"
                                 " line or on top of each other: spread them out")
    if len(before_pts) == 4:
        matrix = cv2.getPerspectiveTransform(after_pts.astype(np.float32),
                                             before_pts.astype(np.float32))
    else:
        matrix, _ = cv2.findHomography(after_pts, before_pts, 0)
    if matrix is None or not np.all(np.isfinite(matrix)) or abs(matrix[2, 2]) < 1e-12:
        raise AlignmentError(subject, "these point pairs do not define a view")
    folded = _fold_problem(matrix, after_shape, before_shape)
    if folded:
        raise AlignmentError(subject, f"{folded}: check that the pairs correspond")
    count = len(before_pts)
    return _verdict(matrix, "manual", count, count, _rms(matrix, after_pts, before_pts), 0,
                    _coverage(after_pts, after_shape), MANUAL_MAX_ERROR_PX, "",
                    {"before": before_pts.tolist(), "after": after_pts.tolist()})


def _nearly_collinear(pts: np.ndarray, shape: tuple[int, ...]) -> bool:
    """True when the points cannot pin down a perspective: three of four in a line, or
    (with more) no triangle among them of any size."""
    diagonal = math.hypot(shape[0], shape[1])
    areas = [abs(_cross(pts[j] - pts[i], pts[k] - pts[i])) / 2
             for i, j, k in itertools.combinations(range(len(pts)), 3)]
    smallest_useful = 0.005 * diagonal * diagonal
    return (min(areas) if len(pts) == 4 else max(areas)) < smallest_useful


def no_alignment(before_shape: tuple[int, ...], after_shape: tuple[int, ...]) -> Alignment:
    """The images taken as already aligned (e.g. map tiles): the after frame stretched onto
    the before frame, identity when the sizes agree."""
    matrix = np.diag([before_shape[1] / after_shape[1], before_shape[0] / after_shape[0], 1.0])
    return Alignment(transform=_rows(matrix), method="none", inliers=0, matches=0,
                     inlier_ratio=0.0, reprojection_error_px=0.0, quality="good",
                     coverage=1.0)
