"""Shared test setup: offscreen Qt, the real corpus, small generated photos."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session", autouse=True)
def session_config_dir(tmp_path_factory) -> Iterator[Path]:
    """For fixtures built once per session (set up before any test's own folder)."""
    folder = tmp_path_factory.mktemp("session-config")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REVIEWER_CONFIG_DIR", str(folder))
        patch.setenv("XDG_CONFIG_HOME", str(folder / "xdg"))
        yield folder


@pytest.fixture(autouse=True)
def own_config_dir(tmp_path_factory, monkeypatch) -> Path:
    """Keys and keyrings in a folder of the test's own: never the user's ~/.config."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("REVIEWER_CONFIG_DIR", str(folder))
    monkeypatch.delenv("REVIEWER_KEY_PASSPHRASE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "xdg"))
    return folder


def corpus_path(relative: str) -> Path:
    """A file of the real corpus; the test is skipped where the corpus is absent."""
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    return CORPUS / relative


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    return CORPUS


def make_photo(
    path: Path, size: tuple[int, int] = (640, 480), *,
    colour: tuple[int, int, int] = (90, 120, 150),
    seed: int = 0, make: str = "TestCam", model: str = "Model 1",
    taken: datetime | None = datetime(2024, 3, 1, 14, 30, 0), offset: str | None = "+02:00",
    gps: tuple[float, float, float] | None = (36.2021, 37.1343, 410.0), orientation: int = 1,
    quality: int = 90,
) -> Path:
    """A real JPEG with real EXIF (camera, time, offset, GPS, orientation), written by Pillow."""
    from PIL import Image, ImageDraw

    from reviewer.core.exif_writer import camera_exif

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    # Distinct content per seed, so every photo has its own SHA-256.
    draw.rectangle((seed % size[0], 10, seed % size[0] + 40, 60), fill=(255, 255 - seed % 200, 0))
    draw.text((10, size[1] - 30), f"photo {seed}", fill=(255, 255, 255))
    exif = camera_exif(make, model, taken, offset, gps, orientation)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=quality, exif=exif)
    return path


@pytest.fixture
def photo_factory(tmp_path: Path):
    counter = iter(range(10_000))

    def factory(name: str | None = None, **kwargs) -> Path:
        seed = next(counter)
        return make_photo(tmp_path / "photos" / (name or f"photo_{seed:04d}.jpg"),
                          seed=kwargs.pop("seed", seed), **kwargs)

    return factory


@pytest.fixture
def case(tmp_path: Path):
    from reviewer.core.case import create_case

    the_case = create_case(tmp_path / "test", title="Test case", actor="tester")
    yield the_case
    the_case.close()


@pytest.fixture
def small_disk(tmp_path: Path):
    """`small_disk(megabytes)`: a real, nearly empty filesystem of that size (a tmpfs),
    to run out of space for real; skipped where this user cannot mount one."""
    import subprocess

    mounted: list[Path] = []

    def mount(megabytes: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                                 str(point)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small filesystem here: {result.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)
