"""Review a video frame by frame: scrub, step, play, read the telemetry, keep a frame.

Frames are decoded on a worker thread that owns the video; the UI asks for an
index and shows whichever answer is the latest asked for, so dragging the slider
never queues up stale decodes.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.errors import MediaError
from reviewer.core.rotation import upright_frame
from reviewer.core.srt import Telemetry
from reviewer.core.video_reader import VideoReader


def format_time(ms: int) -> str:
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes:02d}:{seconds:02d}.{millis:03d}"


class _Signals(QObject):
    decoded = Signal(int, int, QImage)     # index, time ms, image
    failed = Signal(str)


class _Decoder(QRunnable):
    """Owns the capture; decodes the most recently requested index, repeatedly."""

    def __init__(self, path: Path, signals: _Signals, rotation: int = 0) -> None:
        super().__init__()
        self.path = path
        self.rotation = rotation
        self.signals = signals
        self.wanted: int | None = None
        self.wake = threading.Condition()
        self.stopped = False

    def request(self, index: int) -> None:
        with self.wake:
            self.wanted = index
            self.wake.notify()

    def stop(self) -> None:
        with self.wake:
            self.stopped = True
            self.wake.notify()

    def run(self) -> None:
        try:
            reader = VideoReader(self.path)
        except MediaError as error:
            self.signals.failed.emit(str(error))
            return
        try:
            while True:
                with self.wake:
                    while self.wanted is None and not self.stopped:
                        self.wake.wait()
                    if self.stopped:
                        return
                    index, self.wanted = self.wanted, None
                try:
                    image, time_ms = reader.frame(index)
                except MediaError as error:
                    self.signals.failed.emit(error.reason)
                    continue
                # Turned here, off the UI thread: the video's display rotation.
                image = upright_frame(image, self.rotation)
                height, width = image.shape[:2]
                rgb = image[:, :, ::-1].copy()
                qimage = QImage(rgb.data, width, height, width * 3,
                                QImage.Format.Format_RGB888).copy()
                self.signals.decoded.emit(index, time_ms, qimage)
        finally:
            reader.close()


class VideoView(QWidget):
    keepRequested = Signal(int)        # frame index the user wants as evidence
    frameShown = Signal(int)           # index now on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.canvas.setMinimumSize(QSize(320, 200))
        self.canvas.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.canvas.setStyleSheet("background: #1e1e1e; color: #ddd")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.position = QLabel()
        self.telemetry_label = QLabel()
        self.telemetry_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.telemetry_label.setWordWrap(True)      # a long line must not widen the window
        self.buttons: dict[str, QToolButton] = {}
        controls = QHBoxLayout()
        for key, text, tip in (("back_second", "−1 s", "One second back (Shift+Left)"),
                               ("back_frame", "−1 frame", "One frame back (Left)"),
                               ("play", "Play", "Play / pause (Space)"),
                               ("next_frame", "+1 frame", "One frame forward (Right)"),
                               ("next_second", "+1 s", "One second forward (Shift+Right)"),
                               ("keep", "Keep frame (K)", "Add this frame to the case")):
            # Tool buttons: compact, so the controls never make the window wider.
            button = QToolButton(text=text, toolTip=tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.buttons[key] = button
            controls.addWidget(button)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.slider)
        layout.addLayout(controls)
        layout.addWidget(self.position)
        layout.addWidget(self.telemetry_label)
        self.buttons["back_second"].clicked.connect(lambda: self.step_seconds(-1))
        self.buttons["back_frame"].clicked.connect(lambda: self.step(-1))
        self.buttons["play"].clicked.connect(self.toggle_play)
        self.buttons["next_frame"].clicked.connect(lambda: self.step(1))
        self.buttons["next_second"].clicked.connect(lambda: self.step_seconds(1))
        self.buttons["keep"].clicked.connect(lambda: self.keepRequested.emit(self.index))
        self.slider.valueChanged.connect(self.show_frame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.timer = QTimer(self)
        self.timer.timeout.connect(lambda: self.step(1, wrap=False))
        self._signals = _Signals()
        self._signals.decoded.connect(self._decoded)
        self._signals.failed.connect(self._failed)
        self._decoder: _Decoder | None = None
        self._pixmap: QPixmap | None = None
        self.telemetry: Telemetry | None = None
        self.fps = 25.0
        self.frame_count = 0
        self.index = 0
        self.time_ms = 0

    def set_video(self, path: Path | None, frame_count: int, fps: float,
                  telemetry: Telemetry | None = None, error: str | None = None,
                  start: int = 0, rotation: int = 0) -> None:
        """Show this video at frame `start` (where the user left it last time), each
        frame turned `rotation` degrees clockwise (the item's display rotation)."""
        self.stop()
        self.telemetry = telemetry
        self.fps = fps or 25.0
        self.frame_count = max(frame_count, 1)
        self._pixmap = None
        self.canvas.clear()
        self.slider.blockSignals(True)
        self.slider.setRange(0, self.frame_count - 1)
        start = min(max(start, 0), self.frame_count - 1)
        self.slider.setValue(start)
        self.slider.blockSignals(False)
        self.telemetry_label.setText("" if telemetry else "No drone telemetry for this video.")
        if path is None or error:
            self.canvas.setText(error or "")
            return
        self._decoder = _Decoder(path, self._signals, rotation)
        QThreadPool.globalInstance().start(self._decoder)
        self.show_frame(start)

    def stop(self) -> None:
        self.timer.stop()
        self.buttons["play"].setText("Play")
        if self._decoder is not None:
            self._decoder.stop()
            self._decoder = None

    def show_frame(self, index: int) -> None:
        index = min(max(index, 0), self.frame_count - 1)
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
        if self._decoder is not None:
            self._decoder.request(index)

    def step(self, frames: int, wrap: bool = True) -> None:
        target = self.slider.value() + frames
        if not wrap and target >= self.frame_count:
            self.toggle_play()
            return
        self.show_frame(target)

    def step_seconds(self, seconds: int) -> None:
        self.step(round(seconds * self.fps))

    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.buttons["play"].setText("Play")
        else:
            self.timer.start(max(int(1000 / self.fps), 15))
            self.buttons["play"].setText("Pause")

    def _decoded(self, index: int, time_ms: int, image: QImage) -> None:
        if self._decoder is None:
            return
        self.index, self.time_ms = index, time_ms
        self._pixmap = QPixmap.fromImage(image)
        self._paint()
        self.position.setText(f"{format_time(time_ms)}   frame {index} / {self.frame_count - 1}")
        point = self.telemetry.at(time_ms) if self.telemetry else None
        if point is not None:
            parts = [f"{point.lat:.6f}, {point.lon:.6f}" if point.lat is not None
                     else "no GPS fix"]
            if point.altitude is not None:
                parts.append(f"altitude {point.altitude:.1f} m")
            if point.rel_alt is not None:
                parts.append(f"height {point.rel_alt:.1f} m")
            if point.time:
                parts.append(point.time)
            self.telemetry_label.setText("Telemetry: " + " · ".join(parts))
        elif self.telemetry is not None:
            self.telemetry_label.setText(f"Telemetry: none, {self.telemetry.uncovered(time_ms)}")
        self.frameShown.emit(index)

    def _failed(self, reason: str) -> None:
        self.timer.stop()
        self.canvas.setText(f"Cannot show this frame: {reason}")

    def _paint(self) -> None:
        if self._pixmap is not None:
            self.canvas.setPixmap(self._pixmap.scaled(
                self.canvas.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            direction = -1 if key == Qt.Key.Key_Left else 1
            if shift:
                self.step_seconds(direction)
            else:
                self.step(direction)
        elif key == Qt.Key.Key_Space:
            self.toggle_play()
        elif key == Qt.Key.Key_K:
            self.keepRequested.emit(self.index)
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._paint()
