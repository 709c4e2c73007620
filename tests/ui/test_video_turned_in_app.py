"""A phone video recorded with a wrong rotation flag, turned in the app with Ctrl+R:
the frame on screen turns, a frame kept then is upright, Ctrl+Z turns it back."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import Qt

from reviewer.core.case import create_case, open_case
from reviewer.core.evidence import EvidenceFilter, get_evidence, list_evidence, media_path
from reviewer.core.importer import import_paths


def _sideways_clip(path):
    """320x240 MJPG with a red block top-left: where it lands shows the turn."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for _ in range(20):
        image = np.full((240, 320, 3), 60, np.uint8)
        image[10:90, 10:110] = (0, 0, 255)             # BGR red
        writer.write(image)
    writer.release()
    return path


def _red(image, x, y) -> bool:
    colour = image.pixelColor(x, y)
    return colour.red() > 180 and colour.green() < 90 and colour.blue() < 90


def test_ctrl_r_turns_the_video_on_screen_and_the_frame_kept_then(window, qtbot, tmp_path,
                                                                   photo_factory):
    clip = _sideways_clip(tmp_path / "IMG_0042.avi")
    case = create_case(tmp_path / "phone", actor="setup")
    import_paths(case, [clip, photo_factory(size=(800, 600))])
    [video] = list_evidence(case, EvidenceFilter(kind="video"))
    case.close()
    window.open_case(tmp_path / "phone.case")
    workspace = window.workspace
    view = workspace.browser.view
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.evidence_row(r)["kind"] == "video")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(model.index(row, 0)).center())
    player = workspace.video
    qtbot.waitUntil(lambda: workspace.center.currentWidget() is player
                    and player._pixmap is not None, timeout=5000)
    for _ in range(5):
        qtbot.keyClick(player, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: player.index == 5, timeout=5000)
    shown = player._pixmap.toImage()
    assert (shown.width(), shown.height()) == (320, 240) and _red(shown, 30, 30)

    qtbot.keyClick(player, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: player._pixmap is not None
                    and player._pixmap.height() > player._pixmap.width(), timeout=5000)
    turned = player._pixmap.toImage()
    assert (turned.width(), turned.height()) == (240, 320)
    assert _red(turned, 210, 30) and not _red(turned, 30, 30)     # the block now top-right
    qtbot.waitUntil(lambda: player.index == 5, timeout=5000)     # still on the same frame
    assert "turned" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: model.index(row, 0).data(Qt.ItemDataRole.UserRole + 3)
                    is not None, timeout=5000)
    thumbnail = model.index(row, 0).data(Qt.ItemDataRole.UserRole + 3)
    assert thumbnail.height() > thumbnail.width()                  # the browser's too

    qtbot.keyClick(player, Qt.Key.Key_K)                          # keep the frame, upright
    qtbot.waitUntil(lambda: workspace.center.currentWidget() is workspace.viewer,
                    timeout=10_000)
    with open_case(tmp_path / "phone.case", actor="check") as check:
        [frame] = list_evidence(check, EvidenceFilter(kind="frame"))
        pixels = cv2.imread(str(media_path(check, frame)))
    assert pixels.shape[:2] == (320, 240) and frame.display_rotation == 0
    assert pixels[30, 210, 2] > 180 and pixels[30, 30, 2] < 120   # red top-right: upright

    # Back on the video, Ctrl+Z undoes the turn: the frame on screen is landscape again,
    # and the frame kept while it was turned stays as it was.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(model.index(
                         model.ids().index(video.id), 0)).center())
    qtbot.waitUntil(lambda: workspace.center.currentWidget() is player
                    and player._pixmap is not None, timeout=5000)
    assert player._pixmap.height() > player._pixmap.width()
    qtbot.keyClick(player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: player._pixmap is not None
                    and player._pixmap.width() > player._pixmap.height(), timeout=5000)
    assert _red(player._pixmap.toImage(), 30, 30)
    with open_case(tmp_path / "phone.case", actor="check") as check:
        assert get_evidence(check, video.id).display_rotation == 0
        frame_after = cv2.imread(str(media_path(check, frame)))
    assert np.array_equal(frame_after, pixels)                   # the kept frame stays
