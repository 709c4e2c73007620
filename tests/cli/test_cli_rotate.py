"""`reviewer rotate CASE ID --by ANGLE`: a photo or a phone video whose orientation data
is wrong, turned from the command line; the original untouched; a bad angle refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
from cli_support import Cli, one_error_line, query

from reviewer.core.case import open_case
from reviewer.core.evidence import get_evidence, media_path


def _only(cli: Cli, case: Path, kind: str) -> dict:
    [row] = [r for r in cli("list", case, "--json").json()["evidence"] if r["kind"] == kind]
    return row


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rotate_a_photo_and_turn_it_back(cli, new_case, photo_factory):
    case = new_case()
    cli("import", case, photo_factory(size=(640, 480)))
    photo = _only(cli, case, "photo")
    with open_case(case, actor="check") as opened:
        original = media_path(opened, get_evidence(opened, photo["id"]))
    digest = _sha(original)

    result = cli("rotate", case, photo["id"][:8], "--by", "90")
    assert "90° clockwise" in result.stdout
    assert "480×640" in result.stdout and "unchanged" in result.stdout
    shown = cli("rotate", case, photo["id"], "--by", "-90", "--json").json()
    assert (shown["display_rotation"], shown["width"], shown["height"]) == (0, 640, 480)
    cli("rotate", case, photo["id"], "--by", "180")
    assert query(case, "SELECT display_rotation FROM evidence WHERE id = ?",
                 (photo["id"],)) == [(180,)]
    assert _sha(original) == digest                               # the file as received
    assert [r[0] for r in query(case, "SELECT action FROM audit WHERE action ="
                                      " 'evidence.rotate'")] == ["evidence.rotate"] * 3


def test_a_bad_angle_is_one_error_line_and_changes_nothing(cli, new_case, photo_factory):
    case = new_case()
    cli("import", case, photo_factory())
    photo = _only(cli, case, "photo")
    for angle in ("45", "360", "ninety"):
        result = cli("rotate", case, photo["id"], "--by", angle, expect=2)
        one_error_line(result, "--by", angle)
    result = cli("rotate", case, "no-such-item", "--by", "90", expect=2)
    one_error_line(result, "no-such-item")
    assert query(case, "SELECT display_rotation FROM evidence") == [(0,)]


def test_rotate_a_phone_video_then_its_frames_come_out_upright(cli, new_case, corpus):
    case = new_case()
    clip = corpus / "video_phone" / "phone_mp4_gps_udta_xyz.mp4"
    cli("import", case, clip)
    video = _only(cli, case, "video")
    assert (video["width"], video["height"]) == (1920, 1080)

    result = cli("rotate", case, video["id"], "--by", "270")
    assert "270° clockwise" in result.stdout and "1080×1920" in result.stdout
    # Frames asked for afterwards (the import resumes frames of a video already in it)
    # are written turned: portrait, the first one the decoded frame turned anticlockwise.
    cli("import", case, clip, "--frames-every", "1", expect=None)
    frames = sorted((r for r in cli("list", case, "--json").json()["evidence"]
                     if r["kind"] == "frame"), key=lambda r: r["frame_index"])
    assert frames and all((f["width"], f["height"]) == (1080, 1920) for f in frames)
    with open_case(case, actor="check") as opened:
        stored = cv2.imread(str(media_path(opened, get_evidence(opened, frames[0]["id"]))))
    capture = cv2.VideoCapture(str(clip))
    ok, first = capture.read()
    capture.release()
    assert ok and (stored == cv2.rotate(first, cv2.ROTATE_90_COUNTERCLOCKWISE)).all()
    assert _sha(clip) == video["sha256"]
