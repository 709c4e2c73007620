"""`reviewer` where no window can open: one line saying why, never Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys

from cli_support import REPO

from reviewer.ui.display_check import XCB_LIBRARIES, display_problem, missing_libraries


def test_without_a_display_the_app_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-m", "reviewer"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr


def test_the_loader_is_asked_for_each_library_and_the_missing_ones_are_named():
    assert missing_libraries(["libc.so.6", "libno-such-library-here.so.9"]) == [
        "libno-such-library-here.so.9"]


def test_a_missing_x11_library_is_named_with_its_package():
    problem = display_problem({"DISPLAY": ":0"})
    missing = missing_libraries(XCB_LIBRARIES)
    if missing:
        assert problem is not None and XCB_LIBRARIES[missing[0]] in problem
    else:
        assert problem is None


def test_other_platforms_are_left_to_qt():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None


def test_the_ci_script_and_the_app_read_one_list_of_packages():
    """display_check.py, run by path before anything is installed, names what is missing."""
    from pathlib import Path

    script = Path(__file__).parents[2] / "reviewer" / "ui" / "display_check.py"
    done = subprocess.run([sys.executable, "-I", str(script), "offscreen"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    from reviewer.ui.display_check import OFFSCREEN_LIBRARIES, missing_packages

    assert done.stdout.split() == missing_packages(OFFSCREEN_LIBRARIES)
    assert missing_packages({"libnot-a-real-library.so.9": "not-a-package",
                             "libc.so.6": "libc6"}) == ["not-a-package"]
