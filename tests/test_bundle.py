"""The desktop bundle (packaging/): it builds, and the built program starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import reviewer
from reviewer.core.resources import resource

REPO = Path(__file__).resolve().parents[1]
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def test_the_app_icon_is_shipped_at_every_size():
    assert resource("icons/app.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in ICON_SIZES:
        with Image.open(str(resource(f"icons/app-{size}.png"))) as png:
            assert png.size == (size, size)
            assert png.mode == "RGBA"   # transparent corners, not a white square


@pytest.fixture
def bundle_dir(tmp_path):
    yield tmp_path
    # ~350 MB: not left for pytest's kept temporary folders to pile up.
    shutil.rmtree(tmp_path / "dist", ignore_errors=True)
    shutil.rmtree(tmp_path / "work", ignore_errors=True)


@pytest.mark.slow
def test_the_bundle_builds_and_starts_without_python(bundle_dir):
    pytest.importorskip("PyInstaller", reason="PyInstaller comes with the `test` extra")
    if not sys.platform.startswith("linux"):
        pytest.skip("packaging/reviewer.spec builds the Linux bundle")
    if shutil.which("objdump") is None:
        pytest.skip("PyInstaller needs objdump (binutils) on Linux")
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(bundle_dir / "dist"), "--workpath", str(bundle_dir / "work"),
         str(REPO / "packaging" / "reviewer.spec")],
        capture_output=True, text=True, timeout=900, cwd=bundle_dir)
    assert build.returncode == 0, build.stderr[-3000:]
    program = bundle_dir / "dist" / "reviewer" / "reviewer"

    # No venv, no PYTHONPATH, no HOME: only what the bundle carries.
    bare = {"PATH": os.defpath, "QT_QPA_PLATFORM": "offscreen"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(program), *args], capture_output=True, text=True,
                              timeout=300, env=bare, cwd=bundle_dir)

    started = run("--version")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == f"reviewer {reviewer.__version__}"

    # The demo draws photos, writes a video with OpenCV, imports through the process
    # pool (forkserver, frozen), pulls frames: the parts a frozen app most often lacks.
    demo = run("demo", str(bundle_dir / "demo"))
    assert demo.returncode == 0, demo.stderr
    case = str(bundle_dir / "demo" / "demo.case")
    assert run("verify", case).returncode == 0
