"""Decoder chatter kept off the terminal and turned into one line of reason.

libtiff, libjpeg, OpenCV and FFmpeg write warnings from C straight to file descriptor 2
(500 lines for one fuzzed TIFF); Pillow raises Python warnings for damaged tags. None
of it is for the user as such: `captured()` holds fd 2 and the warnings while a file is
decoded, and `Captured.summary()` gives the first distinct line to append to a reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

# OpenCV reads these when it starts logging / opens its first FFmpeg capture; set here,
# before any core module imports cv2 (reviewer/core/__init__.py imports this module).
os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")   # AV_LOG_QUIET

_LOCK = threading.RLock()
_depth = 0
_SUMMARY_CHARS = 160
# "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0c8]" and OpenCV's "[ WARN:0@1.2]" say nothing to a user.
_PREFIX = re.compile(r"^\s*(\[[^\]]*\]\s*)+")


@dataclass
class Captured:
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The first line said, cleaned, or ''."""
        for line in self.lines:
            text = _PREFIX.sub("", line).strip()
            if text:
                return text[:_SUMMARY_CHARS]
        return ""


@contextlib.contextmanager
def captured() -> Iterator[Captured]:
    """Hold what C libraries write to fd 2 and Python warnings; yield them afterwards.

    Process-wide while it lasts (fd 2 is), so it is held only around decoding; nested
    or concurrent uses share the outermost capture.
    """
    global _depth
    result = Captured()
    with warnings.catch_warnings(record=True) as caught, tempfile.TemporaryFile() as sink:
        warnings.simplefilter("always")
        with _LOCK:
            outermost = _depth == 0
            _depth += 1
        saved = None
        try:
            if outermost:
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.flush()
                    saved = os.dup(2)
                    os.dup2(sink.fileno(), 2)
            yield result
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                text = sink.read(64 * 1024).decode("utf-8", "replace")
                result.lines.extend(line for line in text.splitlines() if line.strip())
            with _LOCK:
                _depth -= 1
        result.lines[:0] = [str(w.message) for w in caught]
