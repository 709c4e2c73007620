"""YOLO (Darknet / Ultralytics layout): one text file per image, one line per box,
`class x_centre y_centre width height` normalised to the image; the class names in
classes.txt (and data.yaml). A polygon is exported as its bounding box; points are left
out (YOLO detection holds boxes only)."""

from __future__ import annotations

import json
from pathlib import Path

from reviewer.core.annotations.dataset import Dataset
from reviewer.core.atomic import write_atomically

HOLDS_POINTS = False
IMAGE_FOLDER = "images"
LABEL_FOLDER = "labels"


def lines(dataset: Dataset, index: int) -> str:
    image = dataset.images[index]
    rows = []
    for tag in image.tags:
        if tag.shape.is_marker:
            continue
        x, y, w, h = tag.shape.bounds()
        rows.append(f"{tag.category} {(x + w / 2) / image.width:.6f}"
                    f" {(y + h / 2) / image.height:.6f} {w / image.width:.6f}"
                    f" {h / image.height:.6f}\n")
    return "".join(rows)


def write(dataset: Dataset, out: Path) -> None:
    (out / LABEL_FOLDER).mkdir(exist_ok=True)
    for index, image in enumerate(dataset.images):
        name = Path(image.file_name).with_suffix(".txt").name
        write_atomically(out / LABEL_FOLDER / name, lines(dataset, index).encode())
    write_atomically(out / "classes.txt", "".join(f"{n}\n" for n in dataset.labels).encode())
    names = "".join(f"  {i}: {json.dumps(n, ensure_ascii=False)}\n"
                    for i, n in enumerate(dataset.labels))
    write_atomically(out / "data.yaml", (f"path: .\ntrain: {IMAGE_FOLDER}\nval: {IMAGE_FOLDER}\n"
                                         f"names:\n{names}").encode())
