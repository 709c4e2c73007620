"""Comparisons in a case: saved, aligned, reset, exported as derived evidence, audited."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reviewer.core.align import AlignmentError, map_points
from reviewer.core.compare_export import export_comparison
from reviewer.core.comparisons import (
    align_comparison,
    compare,
    create_comparison,
    delete_comparison,
    get_comparison,
    list_comparisons,
    load_pixels,
    reset_alignment,
    restore_comparison,
    set_alignment,
    update_note,
)
from reviewer.core.derived import derivation
from reviewer.core.errors import MediaError, NotFoundError, ValidationError
from reviewer.core.evidence import EvidenceFilter, get_evidence, list_evidence, media_path
from reviewer.core.importer import import_paths
from reviewer.core.ingest import thumbnail_path
from reviewer.core.verify import verify_case
from reviewer.demo.texture import camera_move, textured_scene, view_of

SIZE = (1200, 900)
MOVE = camera_move(SIZE, angle_deg=6, scale=0.92)


def save(path: Path, pixels: np.ndarray, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, **options)
    return path


@pytest.fixture
def pair(case, tmp_path):
    """A before and an after photo of one generated scene, imported; returns their ids."""
    scene = textured_scene(*SIZE, seed=11)
    before = save(tmp_path / "in" / "before.jpg", scene, quality=95)
    after = save(tmp_path / "in" / "after.jpg", view_of(scene, MOVE), quality=95)
    report = import_paths(case, [before, after])
    ids = {Path(item["path"]).name: item["id"] for item in report.imported}
    return ids["before.jpg"], ids["after.jpg"]


def audit(case, object_id: str) -> list[tuple[str, dict]]:
    return [(action, json.loads(details)) for action, details in case.conn.execute(
        "SELECT action, details FROM audit WHERE object_id = ? ORDER BY seq", (object_id,))]


def test_compare_saves_an_aligned_pair_with_its_figures(case, pair):
    before_id, after_id = pair
    comparison, refusal = compare(case, before_id[:8], after_id[:8], note="the same square")

    assert refusal is None
    assert (comparison.before_id, comparison.after_id) == pair
    assert comparison.note == "the same square"
    alignment = comparison.get_alignment()
    assert alignment.method == "auto" and alignment.good
    grid = [(x, y) for x in (0, 600, 1200) for y in (0, 450, 900)]
    error = map_points(alignment.matrix, grid) - map_points(np.linalg.inv(MOVE), grid)
    assert np.hypot(*error.T).max() < 2.0
    stored = case.conn.execute("SELECT transform, alignment FROM comparisons WHERE id = ?",
                               (comparison.id,)).fetchone()
    assert json.loads(stored[0]) == comparison.transform
    assert json.loads(stored[1])["inliers"] == alignment.inliers
    [(action, details)] = audit(case, comparison.id)
    assert action == "comparison.add" and details["alignment"]["inliers"] == alignment.inliers
    assert list_comparisons(case) == [comparison] == list_comparisons(case, after_id)


def test_round_trip_note_transform_reset_delete_restore(case, pair):
    comparison = create_comparison(case, *pair, note="first look")
    assert not comparison.aligned and comparison.get_alignment() is None

    aligned = align_comparison(case, comparison.id)
    assert aligned.aligned and aligned.alignment["method"] == "auto"
    noted = update_note(case, comparison.id, "columns gone")
    assert noted.note == "columns gone" and noted.transform == aligned.transform
    reset = reset_alignment(case, comparison.id)
    assert reset.transform is None and reset.alignment == {}
    again = set_alignment(case, comparison.id, aligned.get_alignment())   # undo of the reset
    assert again.transform == aligned.transform
    removed = delete_comparison(case, comparison.id)
    with pytest.raises(NotFoundError):
        get_comparison(case, comparison.id)
    restored = restore_comparison(case, removed)
    assert (restored.id, restored.transform, restored.note) == (
        comparison.id, aligned.transform, "columns gone")

    actions = [action for action, _ in audit(case, comparison.id)]
    assert actions == ["comparison.add", "comparison.align", "comparison.update",
                       "comparison.reset_alignment", "comparison.align", "comparison.delete",
                       "comparison.restore"]
    assert audit(case, comparison.id)[3][1]["previous"]["transform"] == aligned.transform
    assert verify_case(case).ok


def test_the_same_item_twice_and_unknown_ids_are_refused(case, pair):
    before_id, _ = pair
    with pytest.raises(ValidationError, match="both before and after"):
        create_comparison(case, before_id, before_id[:8])
    with pytest.raises(NotFoundError):
        create_comparison(case, before_id, "00000000-dead-beef")
    with pytest.raises(NotFoundError):
        get_comparison(case, "nope")
    assert list_comparisons(case) == []


def test_a_video_is_refused_with_the_way_to_compare_it(case, tmp_path, pair, corpus):
    videos = sorted(corpus.glob("**/*.mp4")) + sorted(corpus.glob("**/*.MP4"))
    if not videos:
        pytest.skip("no video in the corpus")
    report = import_paths(case, [videos[0]])
    video_id = report.imported[0]["id"]
    with pytest.raises(ValidationError, match="is a video: keep a frame"):
        compare(case, pair[0], video_id)
    assert list_comparisons(case) == []


def test_an_image_that_does_not_decode_is_named_and_nothing_is_saved(case, pair):
    before_id, after_id = pair
    row = get_evidence(case, after_id)
    path = media_path(case, row)
    path.chmod(0o644)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])     # the store's copy damaged after import
    with pytest.raises(MediaError) as failed:
        compare(case, before_id, after_id)
    message = str(failed.value)
    assert message.startswith(f"after.jpg ({path}): ") and "does not decode" in message
    with pytest.raises(MediaError, match="does not decode"):
        load_pixels(case, after_id)
    assert list_comparisons(case) == []


def test_when_alignment_is_refused_the_pair_is_kept_unaligned_with_the_reason(case, tmp_path):
    flat = save(tmp_path / "in" / "wall.png", np.full((400, 500, 3), 90, np.uint8))
    other = save(tmp_path / "in" / "other.png", textured_scene(500, 400, seed=4))
    report = import_paths(case, [flat, other])
    ids = [item["id"] for item in report.imported]
    comparison, refusal = compare(case, *ids)
    assert isinstance(refusal, AlignmentError) and "no common features" in str(refusal)
    assert "wall.png" in str(refusal) or "other.png" in str(refusal)
    assert not comparison.aligned
    with pytest.raises(AlignmentError):
        align_comparison(case, comparison.id)
    assert not get_comparison(case, comparison.id).aligned


def test_align_none_takes_the_images_as_aligned(case, pair):
    comparison, refusal = compare(case, *pair, align="none")
    assert refusal is None and comparison.alignment["method"] == "none"
    assert comparison.transform == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_export_is_stored_as_derived_evidence_that_verify_rehashes(case, pair, tmp_path):
    comparison, _ = compare(case, *pair, note="for the report")
    out = tmp_path / "out" / "difference.png"
    out.parent.mkdir()
    exported = export_comparison(case, comparison.id, "difference", 900, out_path=out)

    row = exported.evidence
    assert row["kind"] == "derived" and row["mime"] == "image/png"
    data = (case.path / row["stored_path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == row["sha256"]
    # The shared file is the kept picture plus its Content Credentials (same pixels).
    with Image.open(out) as shared, Image.open(case.path / row["stored_path"]) as kept:
        assert np.array_equal(np.asarray(shared), np.asarray(kept))
    assert b"caBX" in out.read_bytes() and b"caBX" not in data
    with Image.open(out) as picture:
        assert picture.width == 900 == row["width"] and picture.height == row["height"]
    assert thumbnail_path(case.path, row["sha256"]).is_file()
    made = derivation(case, row["id"])
    before, after = (get_evidence(case, i) for i in pair)
    assert made["comparison_id"] == comparison.id
    assert made["sources"] == [{"id": before["id"], "sha256": before["sha256"], "role": "before"},
                               {"id": after["id"], "sha256": after["sha256"], "role": "after"}]
    assert made["recipe"]["mode"] == "difference" and made["recipe"]["transform"] == (
        comparison.transform)
    [(action, details)] = audit(case, row["id"])
    assert action == "comparison.export" and details["sha256"] == row["sha256"]
    assert [r["id"] for r in list_evidence(case, EvidenceFilter(kind="derived"))] == [row["id"]]

    # The same view again is the same picture: no second item.
    assert export_comparison(case, comparison.id, "difference", 900).evidence["id"] == row["id"]
    # An exported comparison stays, so its picture can be traced.
    with pytest.raises(ValidationError, match="kept so that image can be traced"):
        delete_comparison(case, comparison.id)

    assert verify_case(case).ok
    stored = case.path / row["stored_path"]
    stored.chmod(0o644)
    stored.write_bytes(data[:-10] + b"0123456789")
    problems = verify_case(case).problems
    assert [p["id"] for p in problems] == [row["id"]] and problems[0]["kind"] == "changed"


@pytest.mark.parametrize("mode", ["side", "swipe", "difference"])
def test_every_view_exports_at_the_chosen_width_with_a_caption(case, pair, mode):
    comparison, _ = compare(case, *pair)
    image = export_comparison(case, comparison.id, mode, 640, store=False).image
    assert image.width == 640
    pixels = np.asarray(image)
    # The caption band under the picture is white paper with dark text on it.
    band = pixels[-40:]
    assert (band == 255).mean() > 0.5 and (band < 100).any()


def test_swipe_and_difference_need_an_alignment(case, pair):
    comparison = create_comparison(case, *pair)
    with pytest.raises(ValidationError, match="not aligned"):
        export_comparison(case, comparison.id, "swipe", 800)
    assert export_comparison(case, comparison.id, "side", 800).evidence["kind"] == "derived"
