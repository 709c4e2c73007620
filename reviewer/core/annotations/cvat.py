"""CVAT for images 1.1 (annotations.xml): boxes, polygons and points, each with its label,
as CVAT itself exports and imports them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from reviewer.core.annotations.dataset import Dataset
from reviewer.core.atomic import write_atomically

HOLDS_POINTS = True
IMAGE_FOLDER = "images"
ANNOTATIONS = "annotations.xml"


def _number(value: float) -> str:
    return f"{value:.2f}"


def _points(vertices: list[tuple[float, float]]) -> str:
    return ";".join(f"{_number(x)},{_number(y)}" for x, y in vertices)


def document(dataset: Dataset) -> ET.Element:
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = "1.1"
    task = ET.SubElement(ET.SubElement(root, "meta"), "task")
    ET.SubElement(task, "name").text = "Evidence Reviewer tags"
    ET.SubElement(task, "size").text = str(len(dataset.images))
    labels = ET.SubElement(task, "labels")
    for name in dataset.labels:
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = name
        ET.SubElement(label, "attributes")
    for image_id, image in enumerate(dataset.images):
        node = ET.SubElement(root, "image", id=str(image_id),
                             name=f"{IMAGE_FOLDER}/{image.file_name}",
                             width=str(image.width), height=str(image.height))
        for tag in image.tags:
            common = {"label": dataset.labels[tag.category], "source": "manual",
                      "occluded": "0", "z_order": "0"}
            if tag.shape.is_box:
                x, y, w, h = tag.shape.bounds()
                ET.SubElement(node, "box", common, xtl=_number(x), ytl=_number(y),
                              xbr=_number(x + w), ybr=_number(y + h))
            elif tag.shape.is_marker:
                ET.SubElement(node, "points", common, points=_points(tag.shape.vertices()))
            else:
                ET.SubElement(node, "polygon", common, points=_points(tag.shape.vertices()))
    return root


def write(dataset: Dataset, out: Path) -> None:
    tree = ET.ElementTree(document(dataset))
    ET.indent(tree)
    write_atomically(out / ANNOTATIONS,
                     ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True))
