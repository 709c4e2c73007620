"""COCO object detection JSON: boxes and polygon segmentation (pycocotools reads it).

Points have no place in COCO detection (it would need a keypoint schema per class):
they are left out and counted by the export."""

from __future__ import annotations

import json
from pathlib import Path

from reviewer.core.annotations.dataset import Dataset
from reviewer.core.atomic import write_atomically

HOLDS_POINTS = False
IMAGE_FOLDER = "images"
ANNOTATIONS = "annotations.json"


def _flat(vertices: list[tuple[float, float]]) -> list[float]:
    return [value for vertex in vertices for value in vertex]


def document(dataset: Dataset) -> dict:
    images, annotations = [], []
    for image_id, image in enumerate(dataset.images, start=1):
        images.append({"id": image_id, "file_name": f"{IMAGE_FOLDER}/{image.file_name}",
                       "width": image.width, "height": image.height,
                       **({} if dataset.public else
                          {"reviewer_evidence_id": image.evidence_id})})
        for tag in image.tags:
            if tag.shape.is_marker:
                continue
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id,
                "category_id": tag.category + 1, "bbox": list(tag.shape.bounds()),
                "area": tag.shape.area(), "segmentation": [_flat(tag.shape.vertices())],
                "iscrowd": 0,
                **({} if dataset.public else {"reviewer_region_id": tag.region_id})})
    return {
        "info": {"description": "tags exported by Evidence Reviewer",
                 "version": "1.0"},
        "images": images, "annotations": annotations,
        "categories": [{"id": index + 1, "name": name, "supercategory": ""}
                       for index, name in enumerate(dataset.labels)],
    }


def write(dataset: Dataset, out: Path) -> None:
    write_atomically(out / ANNOTATIONS,
                     json.dumps(document(dataset), ensure_ascii=False, indent=1).encode())
