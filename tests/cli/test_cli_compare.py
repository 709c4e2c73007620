"""`reviewer compare` and `reviewer comparisons`, run as the real command."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from cli_support import Cli, one_error_line, privilege_drop, query, sha256
from PIL import Image

from reviewer.core.align import map_points
from reviewer.demo.texture import camera_move, textured_scene, view_of

SIZE = (1000, 750)
MOVE = camera_move(SIZE, angle_deg=-5, scale=1.08, tilt=(1e-5, 2e-5))
# DESIGN.md: compare --json gives at least these.
COMPARE_KEYS = {"id", "transform", "inliers", "inlier_ratio", "reprojection_error_px"}




@pytest.fixture
def pair_case(cli: Cli, new_case, tmp_path: Path) -> tuple[Path, dict[str, dict]]:
    """A case holding a before/after pair of one scene and a featureless wall."""
    scene = textured_scene(*SIZE, seed=21)
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(scene).save(folder / "before.jpg", quality=95)
    Image.fromarray(view_of(scene, MOVE)).save(folder / "after.jpg", quality=95)
    Image.new("RGB", (800, 600), (150, 140, 120)).save(folder / "wall.png")
    case = new_case()
    cli("import", case, folder, "--json")
    items = {row["original_name"]: row for row in cli("list", case, "--json").json()["evidence"]}
    return case, items


def test_compare_prints_the_transform_and_its_figures(cli, pair_case):
    case, items = pair_case
    result = cli("compare", case, items["before.jpg"]["id"][:8], items["after.jpg"]["id"][:8],
                 "--note", "same square", "--json")
    document = result.json()
    assert set(document) >= COMPARE_KEYS
    assert document["before_id"] == items["before.jpg"]["id"]
    assert document["method"] == "auto" and document["quality"] == "good"
    assert document["inliers"] >= 15 and 0 < document["inlier_ratio"] <= 1
    matrix = np.array(document["transform"])
    assert matrix.shape == (3, 3)
    corners = [(0, 0), (1000, 0), (1000, 750), (0, 750), (500, 375)]
    error = map_points(matrix, corners) - map_points(np.linalg.inv(MOVE), corners)
    assert np.hypot(*error.T).max() < 2.0

    listed = cli("comparisons", case, "--json").json()["comparisons"]
    assert [c["id"] for c in listed] == [document["id"]] and listed[0]["note"] == "same square"
    text = cli("comparisons", case).stdout
    assert "before.jpg -> after.jpg" in text and "Aligned automatically" in text
    assert cli("verify", case, expect=0)


def test_export_writes_the_png_and_keeps_it_in_the_case(cli, pair_case, tmp_path):
    case, items = pair_case
    out = tmp_path / "report" / "changes.png"
    out.parent.mkdir()
    document = cli("compare", case, items["before.jpg"]["id"], items["after.jpg"]["id"],
                   "--export", out, "--mode", "difference", "--width", "800", "--json").json()
    with Image.open(out) as picture:
        assert picture.format == "PNG" and picture.width == 800
    derived = cli("list", case, "--kind", "derived", "--json").json()["evidence"]
    assert [row["id"] for row in derived] == [document["export"]["evidence_id"]]
    assert derived[0]["sha256"] == document["export"]["sha256"] != sha256(out)
    # The shared file is the kept picture with Content Credentials: the same pixels.
    stored = case / derived[0]["stored_path"]
    with Image.open(out) as shared, Image.open(stored) as kept:
        assert np.array_equal(np.asarray(shared), np.asarray(kept))
    [(sources,)] = query(case, "SELECT sources FROM derivations WHERE comparison_id = ?",
                         (document["id"],))
    assert items["after.jpg"]["sha256"] in sources
    cli("verify", case, expect=0)


def test_a_refused_alignment_keeps_the_pair_and_exits_1_with_one_line(cli, pair_case):
    case, items = pair_case
    result = cli("compare", case, items["before.jpg"]["id"], items["wall.png"]["id"], "--json",
                 expect=1)
    line = one_error_line(result, "before.jpg", "wall.png", "no common features")
    assert "saved without alignment" in line
    document = result.json()
    assert document["transform"] is None and "no common features" in document["error"]
    assert len(cli("comparisons", case, "--json").json()["comparisons"]) == 1


def test_swipe_export_of_an_unaligned_pair_is_refused_but_the_pair_is_kept(cli, pair_case,
                                                                           tmp_path):
    case, items = pair_case
    out = tmp_path / "swipe.png"
    result = cli("compare", case, items["before.jpg"]["id"], items["wall.png"]["id"],
                 "--export", out, "--mode", "swipe", expect=1)
    assert len(result.error_lines) == 2 and "not exported" in result.error_lines[1]
    assert not out.exists()


def test_the_same_item_twice_and_an_unknown_id_are_usage_errors(cli, pair_case):
    case, items = pair_case
    same = items["before.jpg"]["id"]
    one_error_line(cli("compare", case, same, same, expect=2), "before.jpg",
                    "both before and after")
    one_error_line(cli("compare", case, same, "ffffffff", expect=2), "ffffffff", "no such")
    assert cli("comparisons", case, "--json").json() == {"comparisons": []}


def test_an_image_that_does_not_decode_is_named_and_nothing_is_saved(cli, pair_case):
    case, items = pair_case
    stored = case / items["after.jpg"]["stored_path"]
    os.chmod(stored, stat.S_IRUSR | stat.S_IWUSR)
    stored.write_bytes(stored.read_bytes()[:5000])
    result = cli("compare", case, items["before.jpg"]["id"], items["after.jpg"]["id"], expect=1)
    one_error_line(result, "after.jpg", str(stored), "does not decode", "nothing was saved")
    assert cli("comparisons", case, "--json").json() == {"comparisons": []}


def test_the_parser_offers_the_views_the_renderer_draws():
    from reviewer.cli.parser import build_parser
    from reviewer.core.compare_export import DEFAULT_WIDTH
    from reviewer.core.compare_render import MODES

    compare = build_parser()._subparsers._group_actions[0].choices["compare"]
    options = {a.dest: a for a in compare._actions}
    assert tuple(options["mode"].choices) == MODES
    assert options["width"].default == DEFAULT_WIDTH


def test_the_demo_colonnade_compared_and_exported_for_a_report(cli, tmp_path):
    """The issue's "done when": align the demo's before/after, export the difference view."""
    cli("demo", tmp_path / "demo")
    case = tmp_path / "demo" / "demo.case"
    items = {row["original_name"]: row for row in cli("list", case, "--json").json()["evidence"]}
    out = tmp_path / "colonnade.png"
    document = cli("compare", case, items["colonnade_before.jpg"]["id"][:8],
                   items["colonnade_after.jpg"]["id"][:8], "--export", out, "--mode",
                   "difference", "--width", "1200", "--json").json()
    assert document["quality"] == "good" and document["reprojection_error_px"] < 2
    with Image.open(out) as picture:
        assert picture.width == 1200
    cli("verify", case, expect=0)


def test_a_bad_width_or_export_file_is_refused_before_anything_is_saved(cli, pair_case,
                                                                         tmp_path):
    case, items = pair_case
    before, after = items["before.jpg"]["id"], items["after.jpg"]["id"]
    audit = query(case, "SELECT count(*), max(hash) FROM audit")
    folder = tmp_path / "out"
    folder.mkdir()
    refusals = [
        (["--export", folder / "a.png", "--width", "10"], ["10", "width", "320 to 8000"]),
        (["--export", folder / "a.png", "--width", "99999"], ["99999", "width"]),
        (["--export", tmp_path / "nowhere" / "a.png"], ["nowhere", "does not exist"]),
        (["--export", folder], [str(folder), "is a folder"]),
        (["--export", folder / "a.jpg"], ["a.jpg", ".png"]),
        (["--export", folder / "a"], [str(folder / "a"), ".png"]),
    ]
    for args, words in refusals:
        result = cli("compare", case, before, after, *args, expect=2)
        one_error_line(result, *words)
    assert cli("comparisons", case, "--json").json() == {"comparisons": []}
    assert query(case, "SELECT count(*), max(hash) FROM audit") == audit
    assert list(folder.iterdir()) == []


def test_an_export_into_a_folder_the_user_may_not_write_is_refused_first(cli, pair_case,
                                                                         tmp_path):
    prefix = privilege_drop(tmp_path)
    case, items = pair_case
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = cli("compare", case, items["before.jpg"]["id"], items["after.jpg"]["id"],
                     "--export", locked / "a.png", expect=2, prefix=prefix)
    finally:
        locked.chmod(0o755)
    one_error_line(result, str(locked / "a.png"), "permission denied")
    assert cli("comparisons", case, "--json").json() == {"comparisons": []}


def test_comparing_a_pair_compared_before_reopens_that_comparison(cli, pair_case):
    case, items = pair_case
    before, after = items["before.jpg"]["id"], items["after.jpg"]["id"]
    first = cli("compare", case, before, after, "--note", "same square", "--json").json()
    again = cli("compare", case, before[:8], after[:8])
    assert first["id"] in again.stdout and "compared before" in again.stdout
    listed = cli("comparisons", case, "--json").json()["comparisons"]
    assert [c["id"] for c in listed] == [first["id"]] and listed[0]["note"] == "same square"
