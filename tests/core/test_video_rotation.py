"""A phone video with a wrong rotation flag, turned: its frames kept afterwards are
upright as the investigator saw them; frames kept before stay as they were."""

from __future__ import annotations

import hashlib
import io
import json

import cv2
import numpy as np
from PIL import Image

from reviewer.core.audit import check_chain
from reviewer.core.evidence import EvidenceFilter, get_evidence, list_evidence, media_path
from reviewer.core.frames import extract_frames, keep_frame
from reviewer.core.importer import import_paths
from reviewer.core.rotation import rotate_display
from reviewer.core.verify import verify_case
from reviewer.core.video import frame_at

FPS = 10


def make_sideways_clip(path, frames=30):
    """A 320x240 MP4 with a red block in its top-left corner and a green one at the
    bottom-right: which way a frame is turned shows at a glance."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (320, 240))
    for index in range(frames):
        image = np.full((240, 320, 3), 60, np.uint8)
        image[10:90, 10:110] = (0, 0, 255)           # BGR red
        image[170:230, 250:310] = (0, 255, 0)
        cv2.putText(image, str(index), (140, 150), cv2.FONT_HERSHEY_SIMPLEX, 2,
                    (255, 255, 255), 4)
        writer.write(image)
    writer.release()
    return path


def _video(case, tmp_path):
    video = make_sideways_clip(tmp_path / "phone.mp4")
    import_paths(case, [video])
    [row] = list_evidence(case, EvidenceFilter(kind="video"))
    return video, row.id


def _pixels(case, item):
    return cv2.imread(str(media_path(case, item)), cv2.IMREAD_COLOR)


def test_frames_kept_after_a_turn_are_upright_and_earlier_ones_unchanged(case, tmp_path):
    video, video_id = _video(case, tmp_path)
    before = keep_frame(case, video_id, 3)
    before_bytes = media_path(case, before).read_bytes()
    original = hashlib.sha256(media_path(case, get_evidence(case, video_id)).read_bytes())

    turned = rotate_display(case, video_id, 90)

    assert turned.display_rotation == 90
    assert (turned.width, turned.height) == (240, 320)            # shown portrait now
    kept = keep_frame(case, video_id, 12)
    # The kept frame is the decoded frame turned a quarter clockwise, pixel for pixel,
    # and is itself shown as stored (no turn of its own to apply).
    expected = np.rot90(frame_at(video, 12).image, k=-1)
    pixels = _pixels(case, kept)
    assert pixels.shape == (320, 240, 3) and (kept.width, kept.height) == (240, 320)
    assert np.array_equal(pixels, expected)
    assert pixels[20:90, 160:220, 2].mean() > 200                 # red now top-right
    assert kept.display_rotation == 0
    # The frame kept before the turn is untouched: same bytes, same size, not turned.
    again = get_evidence(case, before.id)
    assert media_path(case, again).read_bytes() == before_bytes
    assert (again.width, again.height, again.display_rotation) == (320, 240, 0)
    assert hashlib.sha256(media_path(case, turned).read_bytes()).digest() == original.digest()
    details = json.loads(case.conn.execute(
        "SELECT details FROM audit WHERE action = 'evidence.frame' AND object_id = ?",
        (kept.id,)).fetchone()[0])
    assert details["turned"] == 90
    assert check_chain(case.conn) == []
    assert not verify_case(case).problems


def test_frames_every_n_seconds_of_a_turned_video_are_upright(case, tmp_path):
    video, video_id = _video(case, tmp_path)
    rotate_display(case, video_id, 180)
    report = extract_frames(case, video_id, every_s=1)
    assert len(report.imported) == 3
    for item in report.imported:
        frame = get_evidence(case, item["id"])
        expected = np.rot90(frame_at(video, frame.frame_index).image, k=2)
        assert np.array_equal(_pixels(case, frame), expected)
        assert (frame.width, frame.height) == (320, 240)


def test_turning_a_video_back_and_forth_is_recorded(case, tmp_path):
    _video_path, video_id = _video(case, tmp_path)
    rotate_display(case, video_id, -90)
    assert get_evidence(case, video_id).display_rotation == 270
    rotate_display(case, video_id, 90)
    row = get_evidence(case, video_id)
    assert (row.display_rotation, row.width, row.height) == (0, 320, 240)
    actions = [r[0] for r in case.conn.execute(
        "SELECT action FROM audit WHERE object_id = ? ORDER BY seq", (video_id,))]
    assert actions.count("evidence.rotate") == 2


def test_the_report_shows_a_turned_video_turned(case, tmp_path):
    from package_support import read_package

    from reviewer.core.export import export_case

    _video_path, video_id = _video(case, tmp_path)
    rotate_display(case, video_id, 90)
    out = tmp_path / "package.zip"
    export_case(case, out)
    files, _ = read_package(out)
    thumbnail = Image.open(io.BytesIO(files[f"report/img/item-{video_id}.jpg"]))
    assert thumbnail.height > thumbnail.width                     # portrait, as shown
    red = np.asarray(thumbnail.convert("RGB"))[: thumbnail.height // 4, :]
    width = thumbnail.width
    assert red[:, width * 2 // 3:, 0].mean() > red[:, : width // 3, 0].mean() + 60
