"""Before Qt starts: is there a display, and are the system libraries its X11 plugin needs?

Without them Qt aborts the process with a paragraph about platform plugins. A user
deserves one line saying what to install. The bundle carries these libraries itself,
so it is not checked.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Mapping

# What PySide6's xcb platform plugin links against, beyond what every Linux has, with
# the Debian/Ubuntu package of each.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0", "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1", "libdbus-1.so.3": "libdbus-1-3",
}


# What Qt needs even offscreen (the tests, a headless export of screenshots): the one
# list .ci/qt-system-libs.sh installs from, by running this file.
OFFSCREEN_LIBRARIES = {
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libxkbcommon.so.0": "libxkbcommon0",
    "libfontconfig.so.1": "libfontconfig1", "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0", "libxcb-cursor.so.0": "libxcb-cursor0",
}


def missing_libraries(names: Iterable[str]) -> list[str]:
    """The shared libraries among `names` that the dynamic loader cannot find."""
    missing = []
    for name in names:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def display_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Why Qt could not open a window here, in one line, or None if nothing is known wrong."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or getattr(sys, "frozen", False):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None                     # offscreen, wayland, ...: Qt's own business
    if not platform and env.get("WAYLAND_DISPLAY"):
        return None
    if not env.get("DISPLAY"):
        return ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is"
                " set): start it from a desktop session; the command line works without one")
    missing = missing_libraries(XCB_LIBRARIES)
    if missing:
        packages = " ".join(XCB_LIBRARIES[name] for name in missing)
        return (f"Qt needs system libraries that are missing ({', '.join(missing)}); on"
                f" Debian/Ubuntu: sudo apt install {packages}")
    return None


def missing_packages(libraries: Mapping[str, str]) -> list[str]:
    """The Debian packages of the libraries the loader cannot find, each once."""
    return sorted({libraries[name] for name in missing_libraries(libraries)})


if __name__ == "__main__":
    # Run by path, before anything is installed: `python3 display_check.py offscreen|xcb`
    # prints the packages to install (standard library only, no Qt).
    wanted = {"offscreen": OFFSCREEN_LIBRARIES, "xcb": XCB_LIBRARIES}[sys.argv[1]]
    print(" ".join(missing_packages(wanted)))
