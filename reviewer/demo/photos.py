"""The six demo photos: their cameras' EXIF, drawing them and saving them as JPEGs.

Pillow writes real EXIF (camera, capture time with offset, GPS), as a phone or a
camera would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from reviewer.core.exif_writer import camera_exif
from reviewer.core.progress import Progress, ProgressCallback, no_progress
from reviewer.demo.colonnade import render_colonnade
from reviewer.demo.street import _street_01, _street_02, _street_03, _street_04
from reviewer.demo.tags import Region, _colonnade_regions


@dataclass(frozen=True)
class Shot:
    """A demo photo's file name and the EXIF its camera 'wrote'."""

    name: str
    make: str
    model: str
    taken: datetime
    offset: str
    gps: tuple[float, float, float]   # latitude, longitude (degrees), altitude (metres)


SHOTS = (
    Shot("colonnade_before.jpg", "Canon", "EOS 5D Mark III", datetime(2010, 5, 14, 10, 20),
         "+03:00", (34.5510, 38.2690, 410.0)),
    Shot("colonnade_after.jpg", "DJI", "FC6310", datetime(2016, 4, 2, 15, 40), "+03:00",
         (34.55103, 38.26894, 430.0)),
    Shot("street_01.jpg", "samsung", "SM-G960F", datetime(2018, 4, 7, 19, 32, 10), "+03:00",
         (33.57182, 36.40348, 688.0)),
    Shot("street_02.jpg", "Apple", "iPhone 8", datetime(2018, 4, 7, 19, 51, 44), "+03:00",
         (33.57151, 36.40391, 690.0)),
    Shot("street_03.jpg", "samsung", "SM-A520F", datetime(2018, 4, 7, 20, 8, 3), "+03:00",
         (33.57203, 36.40322, 687.0)),
    Shot("street_04.jpg", "Apple", "iPhone 8 Plus", datetime(2018, 4, 7, 20, 24, 37), "+03:00",
         (33.57160, 36.40405, 699.0)),
)


def save_jpeg(path: Path, pixels: np.ndarray, shot: Shot) -> Path:
    """Write RGB pixels as a JPEG with the shot's camera, time, offset and GPS in EXIF."""
    from PIL import Image as PILImage

    exif = camera_exif(shot.make, shot.model, shot.taken, shot.offset, shot.gps)
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.fromarray(pixels, "RGB").save(path, "JPEG", quality=92, exif=exif)
    return path


def _draw_colonnade(folder: Path) -> dict[str, tuple[Path, list[Region]]]:
    before, after = render_colonnade()
    standing, toppled = _colonnade_regions()
    return {SHOTS[0].name: (save_jpeg(folder / SHOTS[0].name, before, SHOTS[0]), standing),
            SHOTS[1].name: (save_jpeg(folder / SHOTS[1].name, after, SHOTS[1]), toppled)}


def _draw_street(folder: Path, n: int) -> dict[str, tuple[Path, list[Region]]]:
    shot = SHOTS[1 + n]
    pixels, regions = (_street_01, _street_02, _street_03, _street_04)[n - 1]()
    return {shot.name: (save_jpeg(folder / shot.name, pixels, shot), regions)}


def draw_demo_photos(folder: Path, progress: ProgressCallback = no_progress, *,
                     total: int | None = None) -> dict[str, tuple[Path, list[Region]]]:
    """Draw and save the six photos (two threads); returns name -> (path, its regions)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    folder.mkdir(parents=True, exist_ok=True)
    drawn: dict[str, tuple[Path, list[Region]]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_draw_colonnade, folder)]
        jobs += [pool.submit(_draw_street, folder, n) for n in range(1, 5)]
        for job in as_completed(jobs):
            for name, result in job.result().items():
                drawn[name] = result
                progress(Progress(len(drawn), total or len(SHOTS), f"drew {name}"))
    return {shot.name: drawn[shot.name] for shot in SHOTS}
