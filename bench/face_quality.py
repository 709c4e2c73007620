"""Recall and false alarms of the face suggestions on the real photos of the corpus.

Every photo of ../shared/corpus (faces/, photos_gps/, photos_misc/) goes through the
same path as `reviewer suggest-faces` (faces.decode_for_detection + detect_faces, boxes
mapped to displayed pixels). The faces were counted and boxed by eye (FACES below;
displayed pixels, EXIF orientation applied); a photo not listed has no human face. A
suggestion matching a face (IoU >= 0.3, the boxes by eye being rough) is a hit; any
other suggestion is a false alarm, except on the statue's face, counted apart. Prints
recall and false alarms per threshold, and the misses at the chosen one
(faces.DEFAULT_THRESHOLD). A measurement: it exits 0 whatever the result.

    python bench/face_quality.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.core import faces
from reviewer.core.errors import ReviewerError
from reviewer.core.imaging import image_info, open_image

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FACES = {
    "faces/official_portrait_one_face.jpg": [(440, 200, 420, 560)],
    # The speaker; a second face cut by the right edge (an eye, cheek and nose).
    "faces/speech_one_face_partial_second.jpg": [(190, 230, 260, 330), (570, 380, 56, 270)],
    # A man on a train and his face reflected in the window (shown too: redact both).
    "photos_gps/EDGE_samsung_galaxy_s_gps_null_island.jpg": [(98, 123, 102, 141),
                                                             (214, 92, 119, 129)],
    # Three men at an altar, faces about 17 px; the middle one bows his head.
    "photos_gps/nikon_d3100_gps_alt0.jpg": [(38, 34, 17, 20), (147, 41, 14, 19),
                                            (129, 53, 16, 16)],
}
STATUES = {"photos_gps/nikon_d2x_iptc_example.jpg": [(77, 125, 151, 189)]}   # Lincoln
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
LOWEST = min(THRESHOLDS)


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def suggestions(path: Path) -> list[tuple[float, float, float, float, float]]:
    """(x, y, w, h, score) in displayed pixels, down to the lowest threshold tried."""
    with open_image(path) as image:
        info = image_info(image)
    pixels = faces.decode_for_detection(path)
    fx, fy = info.width / pixels.shape[1], info.height / pixels.shape[0]
    return [(x * fx, y * fy, w * fx, h * fy, s)
            for x, y, w, h, s in faces.detect_faces(pixels, LOWEST)]


def main() -> int:
    if not CORPUS.is_dir():
        print("the corpus (../shared/corpus) is not here")
        return 0
    photos = sorted(p for folder in ("faces", "photos_gps", "photos_misc")
                    for p in (CORPUS / folder).rglob("*") if p.is_file())
    found: dict[str, list] = {}
    for path in photos:
        name = path.relative_to(CORPUS).as_posix()
        try:
            found[name] = suggestions(path)
        except ReviewerError as error:
            print(f"skipped {name}: {error.reason}")
    total = sum(len(boxes) for boxes in FACES.values())
    print(f"{len(found)} photos, {total} faces in {len(FACES)} of them,"
          f" 1 statue face\n")
    print("threshold  recall        false alarms (photos)  statue")
    for threshold in THRESHOLDS:
        hits = alarms = statue = 0
        alarm_photos = set()
        misses = []
        for name, boxes in found.items():
            kept = [b for b in boxes if b[4] >= threshold]
            truth = FACES.get(name, [])
            matched = [any(iou(face, b[:4]) >= 0.3 for b in kept) for face in truth]
            hits += sum(matched)
            misses += [f"{name} face {i + 1}" for i, m in enumerate(matched) if not m]
            for b in kept:
                if any(iou(face, b[:4]) >= 0.3 for face in truth):
                    continue
                if any(iou(face, b[:4]) >= 0.3 for face in STATUES.get(name, [])):
                    statue += 1
                    continue
                alarms += 1
                alarm_photos.add(name)
        mark = "  <- chosen" if threshold == faces.DEFAULT_THRESHOLD else ""
        print(f"{threshold:9.1f}  {hits}/{total} ({hits / total:4.0%})"
              f"   {alarms:3d} ({len(alarm_photos)})                {statue}{mark}")
        if threshold == faces.DEFAULT_THRESHOLD:
            chosen_misses, chosen_alarms = misses, sorted(alarm_photos)
    print(f"\nmissed at {faces.DEFAULT_THRESHOLD}: {', '.join(chosen_misses) or 'none'}")
    print(f"false alarms at {faces.DEFAULT_THRESHOLD}: {', '.join(chosen_alarms) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
