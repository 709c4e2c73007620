"""Pascal VOC: one XML file per image in Annotations/, the images in JPEGImages/, the
list in ImageSets/Main/default.txt. Boxes are whole pixels (as LabelImg and CVAT write
them: xmin = left edge, xmax = right edge, rounded); a polygon is exported as its
bounding box; points are left out (VOC holds boxes only)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from reviewer.core.annotations.dataset import Dataset, TaggedImage
from reviewer.core.atomic import write_atomically

HOLDS_POINTS = False
IMAGE_FOLDER = "JPEGImages"


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def annotation(image: TaggedImage, labels: list[str], public: bool = False) -> ET.Element:
    root = ET.Element("annotation")
    _text(root, "folder", IMAGE_FOLDER)
    _text(root, "filename", image.file_name)
    source = ET.SubElement(root, "source")
    _text(source, "database", "Evidence Reviewer")
    _text(source, "annotation", "public copy" if public else image.evidence_id)
    size = ET.SubElement(root, "size")
    _text(size, "width", image.width)
    _text(size, "height", image.height)
    _text(size, "depth", 3)
    _text(root, "segmented", 0)
    for tag in image.tags:
        if tag.shape.is_marker:
            continue
        x, y, w, h = tag.shape.bounds()
        thing = ET.SubElement(root, "object")
        _text(thing, "name", labels[tag.category])
        _text(thing, "pose", "Unspecified")
        _text(thing, "truncated", 0)
        _text(thing, "difficult", 0)
        box = ET.SubElement(thing, "bndbox")
        for key, value in (("xmin", x), ("ymin", y), ("xmax", x + w), ("ymax", y + h)):
            _text(box, key, round(value))
    return root


def write(dataset: Dataset, out: Path) -> None:
    (out / "Annotations").mkdir(exist_ok=True)
    (out / "ImageSets" / "Main").mkdir(parents=True, exist_ok=True)
    stems = []
    for image in dataset.images:
        stem = Path(image.file_name).stem
        stems.append(stem)
        tree = ET.ElementTree(annotation(image, dataset.labels, dataset.public))
        ET.indent(tree)
        write_atomically(out / "Annotations" / f"{stem}.xml",
                         ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True))
    write_atomically(out / "ImageSets" / "Main" / "default.txt",
                     "".join(f"{stem}\n" for stem in stems).encode())
    write_atomically(out / "labels.txt", "".join(f"{n}\n" for n in dataset.labels).encode())
