"""Frame-accurate random access to one video, for scrubbing and playing in the app.

Keeps one capture open: the next frame is a plain read; a short step forward
grabs forward; anything else seeks to a keyframe before the target and grabs
forward from there, so the frame returned is exactly the one asked for even with
codecs whose seeking lands on keyframes only.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from reviewer.core.errors import MediaError
from reviewer.core.names import utf8_alias
from reviewer.core.video import probe_video

# Grabbing forward costs a decode per frame; beyond this many, seeking is cheaper.
GRAB_FORWARD_LIMIT = 48
# Where seeking lands may be past a keyframe; back off this far and grab forward.
SEEK_BACKOFF = 64


class VideoReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        with utf8_alias(path) as name:   # OpenCV crashes on a name that is not UTF-8
            self.capture = cv2.VideoCapture(name)
        if not self.capture.isOpened():
            raise MediaError(path, "cannot open the video")
        self.frame_count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.fps = float(self.capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._next = 0          # index of the frame the next read() returns
        # OpenCV seeks by average rate: with a variable frame rate it lands on the wrong
        # frame, so such a video is only ever decoded forward (exact, slower to scrub back).
        self.can_seek = not probe_video(path).variable_frame_rate

    def _read(self) -> np.ndarray | None:
        ok, image = self.capture.read()
        if not ok:
            return None
        self._next += 1
        return image

    def _seek(self, index: int) -> None:
        if not self.can_seek:
            self.capture.release()
            with utf8_alias(self.path) as name:
                self.capture = cv2.VideoCapture(name)
            self._next = 0
            return
        start = max(index - SEEK_BACKOFF, 0)
        self.capture.set(cv2.CAP_PROP_POS_FRAMES, start)
        # Some demuxers land elsewhere: trust where the capture says it is.
        landed = int(self.capture.get(cv2.CAP_PROP_POS_FRAMES))
        if landed > index or landed < 0:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            landed = 0
        self._next = landed

    def frame(self, index: int) -> tuple[np.ndarray, int]:
        """The BGR image of frame `index` and its time in milliseconds."""
        if index < 0 or (self.frame_count and index >= self.frame_count):
            raise MediaError(self.path, f"frame {index} is outside the video")
        if index < self._next or (self.can_seek and index - self._next > GRAB_FORWARD_LIMIT):
            self._seek(index)
        while self._next < index:
            if not self.capture.grab():
                raise MediaError(self.path, f"the video stops decoding before frame {index}")
            self._next += 1
        image = self._read()
        if image is None:
            raise MediaError(self.path, f"frame {index} does not decode")
        time_ms = self.capture.get(cv2.CAP_PROP_POS_MSEC)
        if not time_ms and self.fps:
            time_ms = index * 1000.0 / self.fps
        return image, round(time_ms)

    def close(self) -> None:
        self.capture.release()
