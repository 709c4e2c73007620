"""README's commands are the contract with new users and with CI: keep them true."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _sh_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S)]


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    test_section = readme.split("## Test", 1)[1]
    command = _sh_blocks(test_section)[0]
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines
    assert "pytest" in command


def test_resources_are_inside_the_built_wheel(tmp_path):
    """A plain (not editable) install must find the label vocabulary."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
         str(REPO)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "reviewer/resources/labels.json" in names
    assert "reviewer/resources/report/index.html.j2" in names
    assert not any(name.startswith("tests/") for name in names)


def _apt_packages(text: str) -> list[str]:
    line = text.split("sudo apt install", 1)[1].split("```", 1)[0]
    return sorted(line.replace("\\", " ").split())


def test_readme_names_the_same_system_packages_as_the_app():
    """The packages README tells a user to install are those the app checks for."""
    from reviewer.ui.display_check import OFFSCREEN_LIBRARIES, XCB_LIBRARIES

    readme = (REPO / "README.md").read_text()
    assert _apt_packages(readme) == sorted(set(XCB_LIBRARIES.values()))
    test_section = readme.split("## Test", 1)[1].split("## ", 1)[0]
    listed = test_section.split("(Debian:", 1)[1].split(")", 1)[0].split()
    assert sorted(listed) == sorted(set(OFFSCREEN_LIBRARIES.values()))
