"""Window sizes and file choosers that suit the machine: a 1366 × 768 laptop included."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from reviewer.core.discover import IMAGE_SUFFIXES, VIDEO_SUFFIXES


def resize_to_fit(window: QWidget, width: int, height: int) -> None:
    """Resize to width × height, or to what the screen has room for (title bar, panel)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        width, height = min(width, room.width() - 20), min(height, room.height() - 40)
    window.resize(width, height)


def _patterns(suffixes: frozenset[str]) -> str:
    # Linux file systems match case-sensitively, and cameras write DJI_0042.MP4.
    ordered = sorted(suffixes)
    return " ".join(f"*{s}" for s in ordered) + " " + " ".join(f"*{s.upper()}" for s in ordered)


def media_file_filter() -> str:
    """The import file chooser's filter: everything importable first, then each kind."""
    return ";;".join([
        f"Photos and videos ({_patterns(IMAGE_SUFFIXES | VIDEO_SUFFIXES)})",
        f"Photos ({_patterns(IMAGE_SUFFIXES)})",
        f"Videos ({_patterns(VIDEO_SUFFIXES)})",
        "All files (*)",
    ])
