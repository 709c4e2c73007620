"""The video review widget: exact frames by slider and keys, telemetry, keep-frame requests."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from reviewer.core.srt import Telemetry, TelemetryPoint
from reviewer.ui.video_view import VideoView, format_time

FPS = 10
FRAMES = 40


def _pattern(index: int) -> np.ndarray:
    """A frame whose index is written as 8 black/white blocks (survives MJPEG)."""
    image = np.full((120, 160, 3), 128, np.uint8)
    for bit in range(8):
        if index >> bit & 1:
            image[40:80, bit * 20:(bit + 1) * 20] = 255
        else:
            image[40:80, bit * 20:(bit + 1) * 20] = 0
    return image


def _read_index(image) -> int:
    gray = image.convertToFormat(image.Format.Format_Grayscale8)
    return sum(1 << bit for bit in range(8) if gray.pixelColor(bit * 20 + 10, 60).value() > 128)


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (160, 120))
    for index in range(FRAMES):
        writer.write(_pattern(index))
    writer.release()
    return path


@pytest.fixture
def view(qtbot, clip):
    widget = VideoView()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    yield widget
    widget.stop()


def _shown(qtbot, view, index):
    qtbot.waitUntil(lambda: view.index == index and view._pixmap is not None, timeout=5000)
    return _read_index(view._pixmap.toImage().scaled(160, 120))


def test_slider_and_keys_show_exactly_the_frame_asked_for(view, qtbot, clip):
    telemetry = Telemetry(str(clip), "test", [
        TelemetryPoint(1, 0, 2000, None, "2024-05-01T10:00:00", 34.55, 38.27, 410.0, 12.0),
        TelemetryPoint(2, 2000, 4000, None, "2024-05-01T10:00:02", 34.56, 38.28, 415.0, 17.0),
    ], [])
    view.set_video(clip, FRAMES, FPS, telemetry)
    assert _shown(qtbot, view, 0) == 0
    view.slider.setValue(27)
    assert _shown(qtbot, view, 27) == 27
    assert "34.560000, 38.280000" in view.telemetry_label.text()
    assert "frame 27" in view.position.text()
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert _shown(qtbot, view, 26) == 26
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert _shown(qtbot, view, 36) == 36
    view.slider.setValue(3)                     # backwards: a seek, still exact
    assert _shown(qtbot, view, 3) == 3
    assert "34.550000" in view.telemetry_label.text()


def test_keep_frame_asks_for_the_frame_on_screen(view, qtbot, clip):
    view.set_video(clip, FRAMES, FPS)
    view.slider.setValue(12)
    _shown(qtbot, view, 12)
    with qtbot.waitSignal(view.keepRequested) as kept:
        qtbot.keyClick(view, Qt.Key.Key_K)
    assert kept.args == [12]
    assert "No drone telemetry" in view.telemetry_label.text()


def test_play_advances_and_stops_at_the_end(view, qtbot, clip):
    view.set_video(clip, FRAMES, FPS)
    view.slider.setValue(FRAMES - 5)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not view.timer.isActive(), timeout=10_000)
    assert view.slider.value() == FRAMES - 1


def test_a_file_that_is_not_a_video_shows_why(view, qtbot, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_text("https://example.org/not-a-video")
    view.set_video(fake, 10, 25)
    qtbot.waitUntil(lambda: "cannot open" in view.canvas.text(), timeout=5000)


def test_time_format():
    assert format_time(83_456) == "01:23.456"


def test_past_the_telemetry_the_view_names_the_gap_instead_of_a_stale_position(
        view, qtbot, clip):
    telemetry = Telemetry(str(clip), "gpmf-gps5", [
        TelemetryPoint(1, 0, 1000, None, "2024-05-01T10:00:00Z", 34.55, 38.27, 410.0, None),
        TelemetryPoint(2, 1000, 2000, None, "2024-05-01T10:00:01Z", 34.56, 38.28, 415.0, None),
    ], [])
    view.set_video(clip, FRAMES, FPS, telemetry)
    view.slider.setValue(30)                    # 3 s: a second past the last entry
    _shown(qtbot, view, 30)
    assert view.telemetry_label.text() == ("Telemetry: none, after the telemetry ends"
                                           " (2.00 s into the video)")
    assert "34.56" not in view.telemetry_label.text()
