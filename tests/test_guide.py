"""The user guide's pictures come from the app as it is: the script that makes them runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "guide.md"
TASKS = ("Import", "Tag", "incidents", "frames", "Compare", "Export", "Verify", "Merge")


def _pictures(text: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(screenshots/([^)]+)\)", text)


def test_the_guide_covers_every_task_with_a_picture_that_exists():
    text = GUIDE.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    for task in TASKS:
        section = next((s for s in sections if task in s.splitlines()[0]), None)
        assert section is not None, f"no section of the guide for {task}"
        assert _pictures(section), f"the guide's section on {task} has no picture"
    for name in _pictures(text):
        assert (REPO / "docs" / "screenshots" / name).is_file(), name
    assert "guide.md" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_make_screenshots_drives_the_app_and_makes_every_picture_of_the_guide(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, str(REPO / "docs" / "make_screenshots.py"),
                             "--out", str(tmp_path)], env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    made = {path.name for path in tmp_path.glob("*.png")}
    wanted = set(_pictures(GUIDE.read_text(encoding="utf-8")))
    assert wanted <= made, f"the guide shows pictures the script no longer makes: {wanted - made}"
    for name in wanted:
        with Image.open(tmp_path / name) as fresh, \
                Image.open(REPO / "docs" / "screenshots" / name) as kept:
            assert fresh.size == kept.size, f"{name}: remake docs/screenshots"
            # Not an empty window: a real picture has many colours.
            assert len(fresh.convert("RGB").getcolors(1 << 20) or range(1 << 20)) > 500, name
