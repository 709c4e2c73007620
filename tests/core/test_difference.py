"""Difference mode: what changed between the aligned images, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer import demo
from reviewer.core.align import auto_align, map_points
from reviewer.core.difference import (
    changed_boxes,
    changed_mask,
    difference_heat,
    difference_map,
    display_pair,
    heat_overlay,
    warp_to_before,
)
from reviewer.demo.texture import camera_move, textured_scene, view_of

SIZE = (1600, 1200)


def overlap(box: tuple[int, ...], other: tuple[int, ...]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    x0, y0 = max(box[0], other[0]), max(box[1], other[1])
    x1 = min(box[0] + box[2], other[0] + other[2])
    y1 = min(box[1] + box[3], other[1] + other[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (box[2] * box[3] + other[2] * other[3] - inter)


@pytest.fixture(scope="module")
def scene_pair():
    """A scene, and a view of it from elsewhere in duller light with a new object in it."""
    before = textured_scene(*SIZE, seed=5)
    move = camera_move(SIZE, angle_deg=7, scale=0.95)
    after = view_of(before, move)
    after = np.clip(after.astype(np.float32) * 0.7 + 25, 0, 255).astype(np.uint8)
    painted = (900, 300, 260, 200)        # x, y, w, h in after pixels
    x, y, w, h = painted
    after[y:y + h, x:x + w] = textured_scene(w, h, seed=77)
    return before, after, move, painted


def test_a_painted_change_is_found_and_nothing_else(scene_pair):
    before, after, move, (x, y, w, h) = scene_pair
    alignment = auto_align(before, after)
    pair = display_pair(before, after, alignment.matrix, side=800)

    heat, mask = difference_map(pair.before, pair.after, valid=pair.valid)
    boxes = changed_boxes(mask)

    corners = map_points(np.linalg.inv(move), [(x, y), (x + w, y), (x + w, y + h), (x, y + h)])
    lo, hi = corners.min(axis=0) * pair.scale, corners.max(axis=0) * pair.scale
    truth = (lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
    assert boxes, "no change found"
    assert overlap(boxes[0], truth) > 0.6, (boxes, truth)
    # The rest of the scene, though darker and seen from elsewhere, is not "changed".
    outside = mask.copy()
    bx, by, bw, bh = boxes[0]
    outside[by:by + bh, bx:bx + bw] = False
    assert outside.sum() < 0.005 * pair.valid.sum()
    assert heat.dtype == np.float32 and heat.min() >= 0 and heat.max() <= 1


def test_a_higher_threshold_marks_less(scene_pair):
    before, after, move, _ = scene_pair
    pair = display_pair(before, after, np.linalg.inv(move), side=800)
    heat = difference_heat(pair.before, pair.after, pair.valid)
    assert changed_mask(heat, 0.2).sum() >= changed_mask(heat, 0.4).sum() >= changed_mask(
        heat, 0.8).sum()
    assert not changed_mask(heat, 1.0).any()


def test_outside_the_warped_after_image_nothing_counts_as_changed():
    before = textured_scene(800, 600, seed=1)
    after = textured_scene(400, 300, seed=2)     # lands on the top-left quarter only
    warped, valid = warp_to_before(after, np.eye(3), before.shape)
    assert valid[:290, :390].all() and not valid[310:, :].any() and not valid[:, 410:].any()
    heat = difference_heat(before, warped, valid)
    assert not heat[~valid].any()
    assert not warped[301:].any() and not warped[:, 401:].any()


def test_the_heat_overlay_paints_only_the_changed_pixels():
    image = np.full((100, 100, 3), 128, np.uint8)
    heat = np.zeros((100, 100), np.float32)
    mask = np.zeros((100, 100), bool)
    heat[40:60, 40:60], mask[40:60, 40:60] = 1.0, True
    painted = heat_overlay(image, heat, mask)
    assert (painted[:30] == 128).all() and (painted[45:55, 45:55] != 128).any()


@pytest.fixture(scope="module")
def colonnade():
    before, after = demo.render_colonnade()
    return before, after


def test_the_demo_colonnade_aligns_and_its_toppled_columns_stand_out(colonnade):
    before, after = colonnade
    alignment = auto_align(before, after)
    grid = np.array([[x, y] for x in np.linspace(0, demo.COLONNADE_SIZE[0], 9)
                     for y in np.linspace(0, demo.COLONNADE_SIZE[1], 7)])
    error = np.hypot(*(map_points(alignment.matrix, grid)
                       - map_points(demo.AFTER_TO_BEFORE, grid)).T)
    assert error.max() < 2.0 and alignment.good

    pair = display_pair(before, after, alignment.matrix, side=1200)
    _, mask = difference_map(pair.before, pair.after, valid=pair.valid)
    changed = {}
    for i, box in enumerate(demo.colonnade_layout().columns_before):
        x, y, w, h = (round(v * pair.scale) for v in box)
        changed[i] = mask[y:y + h, x:x + w].mean()
    toppled = [changed[i] for i in demo.TOPPLED]
    standing = [changed[i] for i in range(demo.N_COLUMNS) if i not in demo.TOPPLED]
    assert min(toppled) > 0.3, changed
    assert max(standing) < 0.1, changed
    # The biggest changed area is where the three columns stood.
    x, y, w, h = changed_boxes(mask)[0]
    for i in demo.TOPPLED:
        cx, cy, cw, ch = (v * pair.scale for v in demo.colonnade_layout().columns_before[i])
        assert x <= cx + cw / 2 <= x + w and y <= cy + ch / 2 <= y + h
