"""Alignment: a generated scene seen through a known camera move must be recovered."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core.align import (
    AlignmentError,
    align_from_points,
    auto_align,
    map_points,
    no_alignment,
)
from reviewer.demo.texture import camera_move, textured_scene, view_of

SIZE = (1600, 1200)


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return textured_scene(*SIZE, seed=3)


def worst_error(found: np.ndarray, truth: np.ndarray, after_shape: tuple[int, ...]) -> float:
    """Largest distance, in before pixels, over a 9x7 grid covering the after image."""
    height, width = after_shape[:2]
    grid = np.array([[x, y] for x in np.linspace(0, width, 9) for y in np.linspace(0, height, 7)])
    return float(np.hypot(*(map_points(found, grid) - map_points(truth, grid)).T).max())


@pytest.mark.parametrize(("angle", "scale", "tilt", "out_size"), [
    (8.0, 0.9, (2e-5, -1.5e-5), SIZE),          # the drone turned, a little further, tilted
    (-30.0, 1.3, (-4e-5, 3e-5), SIZE),          # nearer, turned the other way, stronger tilt
    (12.0, 0.3, (0.0, 6e-5), (560, 420)),       # a far smaller image of the same place
    (4.0, 2.5, (1e-5, 0.0), (3200, 2400)),      # a far larger one, of the middle only
], ids=["turned", "nearer", "much-smaller", "much-larger"])
def test_a_known_camera_move_is_recovered_within_two_pixels(scene, angle, scale, tilt, out_size):
    before_to_after = camera_move(SIZE, angle_deg=angle, scale=scale, tilt=tilt,
                                  out_size=out_size, shift=(0, 0))
    after = view_of(scene, before_to_after, out_size)

    alignment = auto_align(scene, after)

    assert alignment.method == "auto" and alignment.quality == "good", alignment.problem
    assert worst_error(alignment.matrix, np.linalg.inv(before_to_after), after.shape) < 2.0
    assert alignment.inliers >= 15 and 0.25 <= alignment.inlier_ratio <= 1
    assert alignment.refined >= 15, "the fine stage at full scale did not run"
    assert 0 <= alignment.reprojection_error_px < 2.0


def test_the_stored_form_gives_back_the_same_alignment(scene):
    move = camera_move(SIZE)
    alignment = auto_align(scene, view_of(scene, move))
    again = type(alignment).from_stored([list(row) for row in alignment.transform],
                                        alignment.to_dict())
    assert again == alignment
    assert "transform" not in alignment.to_dict()


@pytest.mark.parametrize("pair", ["flat", "noise", "unrelated"])
def test_images_without_common_features_are_refused_with_the_counts(scene, pair):
    rng = np.random.default_rng(0)
    if pair == "flat":
        before, after = np.full((600, 800, 3), 120, np.uint8), np.full((600, 800, 3), 135, np.uint8)
    elif pair == "noise":
        before = rng.integers(0, 256, (600, 800, 3), dtype=np.uint8)
        after = rng.integers(0, 256, (600, 800, 3), dtype=np.uint8)
    else:
        before, after = scene, textured_scene(*SIZE, seed=99)
    with pytest.raises(AlignmentError) as refused:
        auto_align(before, after, subject="a.jpg / b.jpg")
    message = str(refused.value)
    assert message.startswith("a.jpg / b.jpg: ")
    if pair == "unrelated":
        assert "do not line up" in message and " of " in message
    else:
        assert "no common features" in message and "matches between" in message
    assert "align by points" in message


def test_a_poor_fit_is_refused_and_carries_the_candidate(scene):
    # Only a corner of the before image appears in the after image: the points that match
    # span too little of it to trust the transform elsewhere.
    after = textured_scene(*SIZE, seed=7)
    after[:300, :300] = scene[:300, :300]
    with pytest.raises(AlignmentError) as refused:
        auto_align(scene, after)
    assert "poor alignment" in str(refused.value)
    candidate = refused.value.alignment
    assert candidate is not None and candidate.quality == "poor"
    assert "span only" in candidate.problem


def test_four_clicked_pairs_give_the_expected_transform():
    before_to_after = camera_move(SIZE, angle_deg=-6, scale=1.1, tilt=(3e-5, 1e-5))
    after_to_before = np.linalg.inv(before_to_after)
    after_points = [(150, 120), (1400, 180), (1350, 1050), (200, 1000)]
    before_points = map_points(after_to_before, after_points).tolist()

    alignment = align_from_points(before_points, after_points, before_shape=(1200, 1600),
                                  after_shape=(1200, 1600))

    assert alignment.method == "manual" and alignment.quality == "good"
    assert worst_error(alignment.matrix, after_to_before, (1200, 1600)) < 0.01
    assert alignment.reprojection_error_px < 1e-6 and alignment.inliers == 4
    assert alignment.points["after"] == [list(map(float, p)) for p in after_points]


def test_more_clicked_pairs_report_how_consistent_the_clicks_were():
    after_to_before = np.linalg.inv(camera_move(SIZE))
    rng = np.random.default_rng(1)
    after_points = rng.uniform((50, 50), (1550, 1150), (8, 2))
    exact = map_points(after_to_before, after_points)
    careful = align_from_points(exact + rng.normal(0, 0.7, exact.shape), after_points,
                                before_shape=(1200, 1600), after_shape=(1200, 1600))
    assert careful.quality == "good" and 0.1 < careful.reprojection_error_px < 3
    assert worst_error(careful.matrix, after_to_before, (1200, 1600)) < 3

    sloppy = exact.copy()
    sloppy[0] += (60, -40)   # one pair clicked on the wrong corner
    poor = align_from_points(sloppy, after_points, before_shape=(1200, 1600),
                             after_shape=(1200, 1600))
    assert poor.quality == "poor" and "off by" in poor.problem


@pytest.mark.parametrize(("before_points", "after_points", "reason"), [
    ([(0, 0), (10, 0), (10, 10)], [(0, 0), (10, 0), (10, 10)], "at least 4"),
    ([(0, 0), (100, 0), (100, 100), (0, 100)], [(0, 0), (100, 0), (100, 100)], "in pairs"),
    ([(0, 0), (400, 0), (800, 0), (100, 600)], [(0, 0), (400, 10), (800, 0), (100, 600)],
     "in a line"),
    ([(0, 0), (800, 0), (800, 600), (0, 600)], [(800, 0), (0, 0), (0, 600), (800, 600)],
     "mirrors"),
])
def test_clicked_pairs_that_cannot_define_a_view_are_refused(before_points, after_points, reason):
    with pytest.raises(AlignmentError, match=reason):
        align_from_points(before_points, after_points, before_shape=(600, 800),
                          after_shape=(600, 800))


def test_no_alignment_stretches_the_after_frame_onto_the_before_frame():
    alignment = no_alignment((600, 800), (300, 400))
    assert alignment.method == "none"
    assert map_points(alignment.matrix, [(400, 300)]).tolist() == [[800.0, 600.0]]
