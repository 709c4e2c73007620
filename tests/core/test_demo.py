"""The demo case: generated photos, tags and incidents, as a user would find them."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np
import pytest

from reviewer import demo
from reviewer.core.case import open_case
from reviewer.core.errors import CaseError
from reviewer.core.evidence import list_evidence, media_path
from reviewer.core.incidents import incident_evidence_ids, incident_region_ids, list_incidents
from reviewer.core.regions import list_regions
from reviewer.core.verify import verify_case

W, H = demo.COLONNADE_SIZE


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo")
    steps = []
    path = demo.build_demo_case(directory, actor="tester", progress=steps.append)
    return directory, path, steps


@pytest.fixture
def demo_case(built):
    case = open_case(built[1])
    yield case
    case.close()


def _items(case) -> dict[str, dict]:
    return {row["original_name"]: row for row in list_evidence(case)}


def _pixels(case, row) -> np.ndarray:
    """An original as RGB, read from the case's media store."""
    image = cv2.imread(str(media_path(case, row)), cv2.IMREAD_COLOR)
    assert image is not None
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def test_the_case_is_made_inside_the_folder_with_its_photos(built, demo_case):
    directory, path, _ = built
    assert path == directory / "demo.case" and (path / "case.sqlite").is_file()
    assert sorted(p.name for p in (directory / "photos").iterdir()) == sorted(
        shot.name for shot in demo.SHOTS)
    assert demo_case.title == "Demo: Palmyra colonnade and Douma street"


def test_six_photos_with_camera_time_and_position(demo_case):
    items = _items(demo_case)
    photos = {name for name, row in items.items() if row["kind"] == "photo"}
    assert photos == {shot.name for shot in demo.SHOTS}
    assert {row["kind"] for row in items.values()} == {"photo", "video", "frame"}
    for shot in demo.SHOTS:
        row = items[shot.name]
        assert row["kind"] == "photo" and row["orientation"] == 1
        assert (row["make"], row["model"]) == (shot.make, shot.model)
        assert row["taken_at"] == shot.taken.isoformat() + shot.offset
        assert row["gps_lat"] == pytest.approx(shot.gps[0], abs=1e-6)
        assert row["gps_lon"] == pytest.approx(shot.gps[1], abs=1e-6)
        assert row["gps_alt"] == pytest.approx(shot.gps[2], abs=0.01)
        size = demo.COLONNADE_SIZE if shot.name.startswith("colonnade") else demo.STREET_SIZE
        assert (row["width"], row["height"]) == size
    assert items["colonnade_after.jpg"]["taken_at"] == "2016-04-02T15:40:00+03:00"
    streets = [items[f"street_0{n}.jpg"]["taken_at"] for n in range(1, 5)]
    assert all("2018-04-07T19:00" <= t[:16] <= "2018-04-07T20:30" for t in streets)


def test_regions_per_label_and_photo(demo_case):
    items = _items(demo_case)
    regions = list_regions(demo_case)
    assert Counter(r.label for r in regions) == {
        "standing column": demo.N_COLUMNS, "toppled column": 2 * len(demo.TOPPLED),
        "gas cylinder": 6, "crater": 1}
    by_photo = {name: Counter(r.label for r in list_regions(demo_case, row["id"]))
                for name, row in items.items()}
    assert by_photo["colonnade_before.jpg"] == {"standing column": demo.N_COLUMNS}
    assert by_photo["colonnade_after.jpg"] == {"toppled column": 3}
    assert by_photo["street_03.jpg"] == {"crater": 1, "gas cylinder": 1}
    assert sum(by_photo[f"street_0{n}.jpg"]["gas cylinder"] for n in range(1, 5)) == 6
    assert all(1 <= by_photo[f"street_0{n}.jpg"]["gas cylinder"] <= 3 for n in range(1, 5))
    assert {r.shape for r in regions if r.label == "toppled column"} == {"polygon"}
    assert {r.shape for r in regions if r.label != "toppled column"} == {"rect"}
    assert all(r.created_by == "tester" and r.note for r in regions)


def test_every_region_lies_inside_its_image(demo_case):
    for row in list_evidence(demo_case):
        for region in list_regions(demo_case, row["id"]):
            x, y, w, h = region.bbox
            assert w >= 20 and h >= 20, region
            assert x >= 0 and y >= 0 and x + w <= row["width"] and y + h <= row["height"]


def test_two_incidents_hold_their_regions_and_photos(demo_case):
    items = _items(demo_case)
    incidents = {i["title"]: i for i in list_incidents(demo_case)}
    assert set(incidents) == {"Destruction of the colonnade",
                              "Chlorine cylinders on residential street"}
    palmyra = incidents["Destruction of the colonnade"]
    assert (palmyra["regions"], palmyra["evidence"]) == (6, 3)
    assert (palmyra["time_from"], palmyra["time_to"]) == ("2015-05-21", "2016-03-27")
    assert (palmyra["status"], palmyra["category"], palmyra["radius_m"]) == (
        "confirmed", "heritage destruction", 200)
    assert palmyra["place_name"] == "Palmyra, great colonnade"
    assert set(incident_evidence_ids(demo_case, palmyra["id"])) == {
        items["colonnade_before.jpg"]["id"], items["colonnade_after.jpg"]["id"],
        items["DJI_0042.MP4"]["id"]}
    labels = {r.id: r.label for r in list_regions(demo_case)}
    assert {labels[r] for r in incident_region_ids(demo_case, palmyra["id"])} == {
        "toppled column"}

    douma = incidents["Chlorine cylinders on residential street"]
    assert (douma["regions"], douma["evidence"]) == (7, 0)
    assert (douma["time_from"], douma["time_to"]) == ("2018-04-07T19:00:00+03:00",
                                                      "2018-04-07T19:45:00+03:00")
    assert (douma["status"], douma["category"], douma["place_name"]) == (
        "open", "chemical attack", "Douma")
    assert douma["lat"] == pytest.approx(33.5717) and douma["radius_m"] == 300
    assert Counter(labels[r] for r in incident_region_ids(demo_case, douma["id"])) == {
        "gas cylinder": 6, "crater": 1}
    assert all("generated" in i["sources"] or "drawn" in i["sources"]
               for i in incidents.values())


def test_the_case_verifies_and_its_audit_tells_how_it_was_built(demo_case):
    report = verify_case(demo_case)
    assert report.ok, report.problems
    assert report.files_checked == 9      # 6 photos, the clip, its frame, its telemetry
    actions = Counter(row[0] for row in demo_case.conn.execute(
        "SELECT action FROM audit WHERE actor LIKE 'tester (%)'"))
    assert actions["evidence.import"] == 7           # the six photos and the clip
    assert actions["evidence.frame"] == 1
    assert actions["attachment.add"] == 1            # the clip's telemetry
    assert actions["region.add"] == 21
    assert actions["incident.add"] == 2
    assert actions["incident.link_region"] == 13
    assert actions["incident.link_evidence"] == 3


def test_progress_counts_up_to_the_total(built):
    steps = built[2]
    assert steps and all(s.total == steps[0].total for s in steps)
    assert [s.done for s in steps] == sorted(s.done for s in steps)
    assert steps[-1].done == steps[-1].total
    assert any("colonnade_after.jpg" in s.item for s in steps)


def test_building_again_in_the_same_folder_is_refused(built):
    directory, path, _ = built
    before = (path / "case.sqlite").stat().st_mtime_ns
    with pytest.raises(CaseError, match="already exists"):
        demo.build_demo_case(directory)
    assert (path / "case.sqlite").stat().st_mtime_ns == before


def test_a_failed_build_leaves_no_case_and_the_photos_are_reproducible(built, tmp_path,
                                                                       monkeypatch):
    from reviewer.core import incidents

    def broken(*args, **kwargs):
        raise CaseError("case.sqlite", "disk full")

    monkeypatch.setattr(incidents, "add_incident", broken)
    with pytest.raises(CaseError, match="disk full"):
        demo.build_demo_case(tmp_path / "again")
    assert not (tmp_path / "again" / "demo.case").exists()
    for shot in demo.SHOTS:   # drawn again, byte for byte the same
        assert ((tmp_path / "again" / "photos" / shot.name).read_bytes()
                == (built[0] / "photos" / shot.name).read_bytes()), shot.name


def test_the_cylinders_and_the_crater_are_where_they_are_tagged(demo_case):
    items = _items(demo_case)
    for n in range(1, 5):
        row = items[f"street_0{n}.jpg"]
        hsv = cv2.cvtColor(_pixels(demo_case, row), cv2.COLOR_RGB2HSV)
        for region in list_regions(demo_case, row["id"]):
            x, y, w, h = (round(v) for v in region.bbox)
            crop = hsv[y:y + h, x:x + w]
            if region.label == "gas cylinder":
                # yellow or green paint, clearly saturated, over much of the box
                paint = (crop[..., 1] > 90) & (crop[..., 0] > 15) & (crop[..., 0] < 80)
                assert paint.mean() > 0.25, (row["original_name"], region.note)
            else:
                around = hsv[max(y - h, 0):y + 2 * h, max(x - w // 2, 0):x + w + w // 2]
                assert crop[..., 2].mean() < around[..., 2].mean() - 10


# -- before and after ----------------------------------------------------------------------
def _grey(pixels: np.ndarray, scale: float) -> np.ndarray:
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def pair(built):
    case = open_case(built[1])
    try:
        items = _items(case)
        before = _pixels(case, items["colonnade_before.jpg"])
        after = _pixels(case, items["colonnade_after.jpg"])
    finally:
        case.close()
    scale = 0.5
    orb = cv2.ORB_create(8000)
    kb, db = orb.detectAndCompute(_grey(before, scale), None)
    ka, da = orb.detectAndCompute(_grey(after, scale), None)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(da, db, k=2)
    good = [m[0] for m in matches if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    src = np.float32([ka[m.queryIdx].pt for m in good])
    dst = np.float32([kb[m.trainIdx].pt for m in good])
    small, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    full = np.diag([1 / scale, 1 / scale, 1]) @ small @ np.diag([scale, scale, 1])
    return before, after, full / full[2, 2], int(inliers.sum())


def test_the_known_transform_is_a_mild_change_of_viewpoint():
    corners = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    moved = np.linalg.norm(demo.map_points(demo.BEFORE_TO_AFTER, corners) - corners, axis=1)
    assert 20 < moved.max() < 200
    assert np.allclose(demo.AFTER_TO_BEFORE @ demo.BEFORE_TO_AFTER / (
        demo.AFTER_TO_BEFORE @ demo.BEFORE_TO_AFTER)[2, 2], np.eye(3), atol=1e-9)
    # the warped view never samples outside the rendered canvas
    seen = demo.map_points(demo.AFTER_TO_BEFORE, corners)
    assert (seen > -demo.MARGIN).all() and (seen < np.array([W, H]) + demo.MARGIN).all()


def test_feature_alignment_recovers_the_known_transform(pair):
    _, _, found, inliers = pair
    assert inliers >= 100
    corners = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    error = np.linalg.norm(demo.map_points(found, corners)
                           - demo.map_points(demo.AFTER_TO_BEFORE, corners), axis=1)
    assert error.max() < 5, error


def _shaft(outline) -> tuple[slice, slice]:
    """The middle of a column's shaft inside its outline in the after photo."""
    pts = np.asarray(outline)
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    cx, w, h = (x0 + x1) / 2, x1 - x0, y1 - y0
    return (slice(int(y0 + 0.15 * h), int(y1 - 0.3 * h)),
            slice(int(cx - 0.25 * w), int(cx + 0.25 * w)))


def test_toppled_columns_differ_and_standing_ones_match_after_alignment(pair):
    before, after, found, _ = pair
    aligned = cv2.warpPerspective(cv2.cvtColor(before, cv2.COLOR_RGB2GRAY),
                                  np.linalg.inv(found), (W, H)).astype(np.float64)
    grey = cv2.cvtColor(after, cv2.COLOR_RGB2GRAY).astype(np.float64)
    layout = demo.colonnade_layout()
    for i, outline in enumerate(layout.columns_after):
        rows, cols = _shaft(outline)
        a, b = grey[rows, cols].ravel(), aligned[rows, cols].ravel()
        correlation = np.corrcoef(a, b)[0, 1]
        if i in demo.TOPPLED:
            assert correlation < 0.4, (i, correlation)
            assert abs(a.mean() - b.mean()) > 30
        else:
            assert correlation > 0.8, (i, correlation)


def test_toppled_column_tags_cover_where_each_column_stood(demo_case):
    after = _items(demo_case)["colonnade_after.jpg"]
    polygons = [np.float32(r.geometry["points"]) for r in list_regions(demo_case, after["id"])]
    layout = demo.colonnade_layout()
    assert len(polygons) == len(demo.TOPPLED)
    for i in demo.TOPPLED:
        outline = np.asarray(layout.columns_after[i])
        foot = tuple(map(float, (outline[2] + outline[3]) / 2))   # where its base stood
        assert any(cv2.pointPolygonTest(p, foot, True) > -5 for p in polygons), i
    for i in set(range(demo.N_COLUMNS)) - set(demo.TOPPLED):
        outline = np.asarray(layout.columns_after[i])
        top = tuple(map(float, (outline[0] + outline[1]) / 2))   # a standing capital
        assert all(cv2.pointPolygonTest(p, top, False) < 0 for p in polygons), i


def test_drone_clip_with_telemetry_and_a_tagged_kept_frame(demo_case):
    from reviewer.core.frames import telemetry_for

    items = _items(demo_case)
    video = items["DJI_0042.MP4"]
    assert (video["kind"], video["frame_count"], video["fps"]) == ("video", 150, 25)
    telemetry = telemetry_for(demo_case, video["id"])
    assert telemetry is not None and len(telemetry.points) == 150
    (frame,) = [row for row in items.values() if row["kind"] == "frame"]
    assert (frame["kind"], frame["parent_id"]) == ("frame", video["id"])
    point = telemetry.at(frame["frame_time_ms"])
    assert (frame["gps_lat"], frame["gps_lon"]) == (point.lat, point.lon)
    assert [r.label for r in list_regions(demo_case, frame["id"])] == ["toppled column"] * 3
    assert [row["original_name"] for row in list_evidence(demo_case)].index(
        frame["original_name"]) == [row["original_name"] for row in list_evidence(
            demo_case)].index("DJI_0042.MP4") + 1
