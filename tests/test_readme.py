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
    # The top-level resources/ is installed as reviewer/resources, every file of it.
    shipped = sorted(f"reviewer/resources/{path.relative_to(REPO / 'resources').as_posix()}"
                     for path in (REPO / "resources").rglob("*") if path.is_file())
    assert "reviewer/resources/labels.json" in shipped
    assert "reviewer/resources/report/index.html.j2" in shipped
    assert "reviewer/resources/icons/app-256.png" in shipped
    # The face detector, with its licence and source note (resources/models/README.md).
    assert {"reviewer/resources/models/centerface.onnx",
            "reviewer/resources/models/centerface.LICENSE",
            "reviewer/resources/models/README.md"} <= set(shipped)
    assert [name for name in shipped if name not in names] == []
    # pyproject lists the packages: one forgotten there would be missing from the wheel.
    code = sorted(path.relative_to(REPO).as_posix() for path in (REPO / "reviewer").rglob("*.py"))
    assert [name for name in code if name not in names] == []
    assert not any(name.startswith(("tests/", "resources/")) for name in names)


def test_installed_wheel_finds_its_resources(tmp_path):
    """Installed from the wheel (no checkout beside it), the vocabulary, the report
    template and the icons are found through the package."""
    import subprocess
    import sys

    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "w"),
         str(REPO)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "w").glob("*.whl"))
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    probe = ("from reviewer.core.resources import resource\n"
             "print(resource('labels.json'))\n"
             "print(len(resource('labels.json').read_text()) > 0,"
             " resource('report/index.html.j2').is_file(), resource('icons/app.svg').is_file())")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={"PYTHONPATH": str(tmp_path / "site")})
    assert result.returncode == 0, result.stderr[-2000:]
    where, found = result.stdout.splitlines()
    assert where.startswith(str(tmp_path / "site")), where
    assert found == "True True True"


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
