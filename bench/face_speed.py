"""How long do face suggestions take on a 12-MP photo?

Times `faces.decode_for_detection` + `faces.detect_faces` (what `reviewer suggest-faces`
and the app run per item) on 12-MP photos, against a baseline timed in the same run on
the same files: decoding the whole photo at full size with Pillow (`Image.open().load()`),
what any tool that looks at the pixels pays first. Photos: the corpus's 12-MP phone photo
(Xiaomi Mi 9T, 4000x3000, orientation 6) when ../shared/corpus is there, and a generated
4000x3000 JPEG with the corpus portrait's face pasted at 1/8 of the width (checked to be
found). The model is loaded once per process: its load is printed apart (the first call).
Target (issue 15): under 1 s per photo on this 2-core machine. A measurement, not a test:
it exits 0 whatever the result.

    python bench/face_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.core import faces

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TWELVE_MP = CORPUS / "photos_misc" / "xiaomi_mi9t_large_rotated.jpg"
PORTRAIT = CORPUS / "faces" / "official_portrait_one_face.jpg"
TARGET_S = 1.0


def generated(folder: Path) -> Path:
    """A 4000x3000 street-like JPEG with one face about 500 px wide."""
    canvas = Image.new("RGB", (4000, 3000), (120, 130, 140))
    for band in range(0, 3000, 100):
        canvas.paste((90 + band % 70, 110, 100 + band % 50), (0, band, 4000, band + 50))
    if PORTRAIT.is_file():
        face = Image.open(PORTRAIT).convert("RGB").resize((600, 600))
        canvas.paste(face, (2500, 900))
    path = folder / "generated_12mp.jpg"
    canvas.save(path, quality=90)
    return path


def time_it(action, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def suggest(path: Path) -> list:
    return faces.detect_faces(faces.decode_for_detection(path))


def full_decode(path: Path) -> None:
    with Image.open(path) as image:
        image.load()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        photos = [p for p in (TWELVE_MP,) if p.is_file()] + [generated(Path(folder))]
        started = time.perf_counter()
        faces.detect_faces(faces.decode_for_detection(photos[0]))
        print(f"first call (model load + one photo): {time.perf_counter() - started:.2f} s")
        for path in photos:
            with Image.open(path) as image:
                size = f"{image.width}x{image.height}"
            found = suggest(path)
            baseline = time_it(lambda p=path: full_decode(p), args.repeat)
            measured = time_it(lambda p=path: suggest(p), args.repeat)
            verdict = "under" if measured < TARGET_S else "OVER"
            print(f"{path.name} ({size}, {len(found)} face(s) found):"
                  f" suggestions {measured:.3f} s, full decode {baseline:.3f} s,"
                  f" ratio {measured / baseline:.2f}x; {verdict} the {TARGET_S:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
