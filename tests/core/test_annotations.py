"""Tags as training data and as XMP sidecars, read back with each format's reference
reader (pycocotools, globox, exiftool) and checked against the case; the photos are the
corpus's EXIF-orientation set, stored turned 0, 180, 90 and 270 degrees."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from globox import AnnotationSet
from PIL import Image
from pycocotools.coco import COCO

from reviewer.core.annotations.export import MANIFEST, export_annotations
from reviewer.core.errors import NotFoundError, PackageError, ValidationError
from reviewer.core.evidence import get_evidence, media_path
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident
from reviewer.core.regions import add_region, list_regions
from reviewer.core.shape import parse_box, parse_point, parse_polygon

ORIENTATIONS = {1: "Landscape_1.jpg", 3: "Landscape_3.jpg", 6: "Landscape_6.jpg",
                8: "Landscape_8.jpg"}
BOX = "100,200,300,150"            # round the figure's top stroke, as displayed


@pytest.fixture
def tagged(case, corpus):
    """The four photos (each 1800x1200 as displayed) with a crater box on each; on the one
    stored turned 90 degrees also a debris polygon, a vehicle point, and an incident."""
    paths = [corpus / "photos_misc" / "orientation" / name for name in ORIENTATIONS.values()]
    report = import_paths(case, paths)
    ids = {Path(item["path"]).name: item["id"] for item in report.imported}
    turned = ids["Landscape_6.jpg"]
    incident = add_incident(case, "Shelling of the market", place_name="Old market",
                            lat=36.2021, lon=-37.1343)
    for evidence_id in ids.values():
        add_region(case, evidence_id, "crater", "rect", parse_box(BOX),
                   incident_id=incident.id if evidence_id == turned else None)
    add_region(case, turned, "debris", "polygon", parse_polygon("500,500,700,520,650,800"))
    add_region(case, turned, "vehicle", "point", parse_point("900,600"))
    return {"ids": ids, "incident": incident.id}


def _by_image(case, tagged) -> dict[str, set]:
    """copy file name prefix (evidence id, 8) -> {(label, x0, y0, x1, y1)} from the case."""
    found: dict[str, set] = {}
    for region in list_regions(case):
        if region.shape_value.is_marker:
            continue
        x, y, w, h = region.bbox
        found.setdefault(region.evidence_id[:8], set()).add(
            (region.label, round(x), round(y), round(x + w), round(y + h)))
    return found


def _globox_boxes(annotations: AnnotationSet, names: list[str] | None = None) -> dict[str, set]:
    found: dict[str, set] = {}
    for annotation in annotations:
        key = Path(annotation.image_id).name[:8]
        for box in annotation.boxes:
            label = names[int(box.label)] if names else box.label
            found.setdefault(key, set()).add((label, *(round(v) for v in box.ltrb)))
    return found


def test_coco_loads_with_pycocotools_and_its_boxes_and_polygons_are_the_case_s(case, tagged,
                                                                               tmp_path):
    report = export_annotations(case, tmp_path / "coco", "coco")
    assert report.ok and report.images == 4 and report.tags == 5
    assert report.points_left_out == 1
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert {"crater", "debris", "vehicle", "fire"} <= set(names.values())
    in_case = {r.id: r for r in list_regions(case)}
    annotations = coco.loadAnns(coco.getAnnIds())
    assert len(annotations) == 5
    for annotation in annotations:
        region = in_case[annotation["reviewer_region_id"]]
        assert names[annotation["category_id"]] == region.label
        assert annotation["bbox"] == pytest.approx(list(region.bbox))
        image = coco.loadImgs(annotation["image_id"])[0]
        with Image.open(tmp_path / "coco" / image["file_name"]) as copy:
            assert copy.size == (image["width"], image["height"]) == (1800, 1200)
        # The mask pycocotools draws from the segmentation covers the tag's area.
        assert coco.annToMask(annotation).sum() == pytest.approx(
            region.shape_value.area(), rel=0.03)


def test_every_copy_is_upright_so_the_boxes_fall_where_the_investigator_drew_them(
        case, tagged, tmp_path):
    export_annotations(case, tmp_path / "out", "coco")
    images = tmp_path / "out" / "images"
    copies = {name: next(images.glob(f"*_{Path(name).stem}.jpg"))
              for name in ORIENTATIONS.values()}
    upright = np.asarray(Image.open(copies["Landscape_1.jpg"]).convert("L"), dtype=float)
    x0, y0, w, h = (int(v) for v in BOX.split(","))
    for name, copy in copies.items():
        with Image.open(copy) as image:
            assert image.size == (1800, 1200), name
            assert image.getexif().get(0x0112, 1) == 1, name
            pixels = np.asarray(image.convert("L"), dtype=float)
        # What lies inside the box is what the investigator saw there in every photo.
        inside = abs(pixels[y0:y0 + h, x0:x0 + w] - upright[y0:y0 + h, x0:x0 + w]).mean()
        assert inside < 8, name
    # Stored upright already: copied byte for byte.
    original = media_path(case, get_evidence(case, tagged["ids"]["Landscape_1.jpg"]))
    assert copies["Landscape_1.jpg"].read_bytes() == original.read_bytes()


def test_yolo_loads_with_globox_and_its_normalised_boxes_are_the_case_s(case, tagged,
                                                                        tmp_path):
    export_annotations(case, tmp_path / "yolo", "yolo")
    names = (tmp_path / "yolo" / "classes.txt").read_text().splitlines()
    # globox reads each image's size from the copy itself (ignoring EXIF orientation).
    loaded = AnnotationSet.from_yolo_v5(tmp_path / "yolo" / "labels",
                                        image_folder=tmp_path / "yolo" / "images",
                                        image_extension=".jpg")
    assert _globox_boxes(loaded, names) == _by_image(case, tagged)
    assert "names:" in (tmp_path / "yolo" / "data.yaml").read_text()


def test_voc_loads_with_globox_and_its_boxes_are_the_case_s(case, tagged, tmp_path):
    export_annotations(case, tmp_path / "voc", "voc")
    loaded = AnnotationSet.from_pascal_voc(tmp_path / "voc" / "Annotations")
    assert _globox_boxes(loaded) == _by_image(case, tagged)
    for annotation in loaded:
        assert (tmp_path / "voc" / "JPEGImages" / annotation.image_id).is_file()
    listed = (tmp_path / "voc" / "ImageSets" / "Main" / "default.txt").read_text().split()
    assert len(listed) == 4


def test_cvat_loads_with_globox_and_holds_polygons_and_points_too(case, tagged, tmp_path):
    report = export_annotations(case, tmp_path / "cvat", "cvat")
    assert report.tags == 6 and report.points_left_out == 0
    loaded = AnnotationSet.from_cvat(tmp_path / "cvat" / "annotations.xml")
    boxes = {key: {b for b in found if b[0] == "crater"}
             for key, found in _by_image(case, tagged).items()}
    assert _globox_boxes(loaded) == boxes
    root = ET.parse(tmp_path / "cvat" / "annotations.xml").getroot()
    [polygon] = root.iter("polygon")
    assert polygon.get("label") == "debris"
    assert polygon.get("points") == "500.00,500.00;700.00,520.00;650.00,800.00"
    [point] = root.iter("points")
    assert (point.get("label"), point.get("points")) == ("vehicle", "900.00,600.00")
    for image in root.iter("image"):
        assert (tmp_path / "cvat" / image.get("name")).is_file()


def _exiftool(path: Path) -> dict:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    result = subprocess.run(["exiftool", "-struct", "-j", "-n", "-XMP:all", str(path)],
                            capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout)[0]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_xmp_sidecars_show_every_shape_keywords_and_place_to_exiftool(case, tagged,
                                                                      tmp_path):
    originals = {evidence_id: media_path(case, get_evidence(case, evidence_id))
                 for evidence_id in tagged["ids"].values()}
    before = {evidence_id: _sha256(path) for evidence_id, path in originals.items()}
    report = export_annotations(case, tmp_path / "xmp", "xmp")
    assert report.ok and report.images == 4 and report.tags == 6
    turned = tagged["ids"]["Landscape_6.jpg"]
    [sidecar] = (tmp_path / "xmp" / "images").glob(f"{turned[:8]}_*.xmp")
    assert sidecar.with_suffix(".jpg").is_file()
    seen = _exiftool(sidecar)
    assert sorted(seen["Subject"]) == ["crater", "debris", "vehicle"]
    assert seen["Location"] == "Old market"
    [shown] = seen["LocationShown"]
    assert shown["LocationName"] == "Old market"
    assert shown["GPSLatitude"] == pytest.approx(36.2021, abs=1e-5)
    assert shown["GPSLongitude"] == pytest.approx(-37.1343, abs=1e-5)
    regions = {r["Name"]: r for r in seen["ImageRegion"]}
    assert set(regions) == {"crater", "debris", "vehicle"}
    for name, region in regions.items():
        assert region["RRole"] == [{"Name": name}]
        assert region["RegionBoundary"]["RbUnit"] == "pixel"
    assert regions["crater"]["RegionBoundary"].items() >= {
        "RbShape": "rectangle", "RbX": 100, "RbY": 200, "RbW": 300, "RbH": 150}.items()
    polygon = regions["debris"]["RegionBoundary"]
    assert polygon["RbShape"] == "polygon"
    assert [(v["RbX"], v["RbY"]) for v in polygon["RbVertices"]] == [
        (500, 500), (700, 520), (650, 800)]
    point = regions["vehicle"]["RegionBoundary"]
    assert (point["RbShape"], point["RbX"], point["RbY"], point["RbRx"]) == (
        "circle", 900, 600, 1)
    # MWG regions: the box only, centre-based and normalised to the copy's size.
    info = seen["RegionInfo"]
    assert info["AppliedToDimensions"] == {"W": 1800, "H": 1200, "Unit": "pixel"}
    [area] = info["RegionList"]
    assert area["Name"] == "crater"
    assert (area["Area"]["X"], area["Area"]["Y"], area["Area"]["W"], area["Area"]["H"]) \
        == pytest.approx((250 / 1800, 275 / 1200, 300 / 1800, 150 / 1200), abs=1e-5)
    # The same XMP is embedded in the copy (Lightroom reads a JPEG's own), pixels untouched.
    assert _exiftool(sidecar.with_suffix(".jpg"))["ImageRegion"] == seen["ImageRegion"]
    upright = tagged["ids"]["Landscape_1.jpg"]
    [copy] = (tmp_path / "xmp" / "images").glob(f"{upright[:8]}_*.jpg")
    assert np.array_equal(np.asarray(Image.open(copy)), np.asarray(Image.open(originals[upright])))
    # Copies only: the originals in the case are as they were, with no sidecar beside them.
    assert {e: _sha256(p) for e, p in originals.items()} == before
    assert not any(p.with_suffix(".xmp").exists() for p in originals.values())


def test_a_label_with_no_tags_gives_empty_but_valid_files_and_a_warning(case, tagged,
                                                                        tmp_path):
    for fmt in ("coco", "yolo", "voc", "cvat", "xmp"):
        report = export_annotations(case, tmp_path / fmt, fmt, labels=["fire"])
        assert report.ok and report.images == 0 and report.labels == ["fire"]
        assert report.warnings == ["no tags of fire: the files are written empty"]
        assert json.loads((tmp_path / fmt / MANIFEST).read_text())["tags"] == 0
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))
    assert coco.getAnnIds() == [] and [c["name"] for c in coco.loadCats(coco.getCatIds())] \
        == ["fire"]
    assert (tmp_path / "yolo" / "classes.txt").read_text() == "fire\n"
    assert len(AnnotationSet.from_pascal_voc(tmp_path / "voc" / "Annotations")) == 0
    assert len(AnnotationSet.from_cvat(tmp_path / "cvat" / "annotations.xml")) == 0


def test_labels_and_incidents_choose_what_is_exported(case, tagged, tmp_path):
    report = export_annotations(case, tmp_path / "one", "coco",
                                incidents=[tagged["incident"][:8]])
    coco = COCO(str(tmp_path / "one" / "annotations.json"))
    [annotation] = coco.loadAnns(coco.getAnnIds())
    assert report.images == 1 and annotation["bbox"] == [100, 200, 300, 150]
    report = export_annotations(case, tmp_path / "two", "yolo", labels=["Debris", "crater"])
    assert (tmp_path / "two" / "classes.txt").read_text() == "crater\ndebris\n"
    assert report.tags == 5


def test_unknown_label_or_incident_or_public_or_existing_out_is_refused(case, tagged,
                                                                        tmp_path):
    with pytest.raises(NotFoundError, match="no such label"):
        export_annotations(case, tmp_path / "a", "coco", labels=["tank"])
    with pytest.raises(NotFoundError):
        export_annotations(case, tmp_path / "a", "coco", incidents=["deadbeef"])
    with pytest.raises(ValidationError, match="cannot be public"):
        export_annotations(case, tmp_path / "a", "xmp", public=True)
    assert not (tmp_path / "a").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(PackageError, match="already exists"):
        export_annotations(case, mine, "coco")
    with pytest.raises(PackageError, match="not an annotation export"):
        export_annotations(case, mine, "coco", overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep me"
    export_annotations(case, tmp_path / "again", "coco", labels=["fire"])
    export_annotations(case, tmp_path / "again", "voc", overwrite=True)
    assert (tmp_path / "again" / "Annotations").is_dir()
    assert not (tmp_path / "again" / "annotations.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_missing_original_is_listed_and_the_rest_exported(case, tagged, tmp_path):
    gone = get_evidence(case, tagged["ids"]["Landscape_3.jpg"])
    media_path(case, gone).unlink()
    report = export_annotations(case, tmp_path / "out", "voc")
    assert [m["id"] for m in report.missing] == [gone["id"]]
    assert "missing" in report.missing[0]["detail"]
    assert report.images == 3
    assert len(list((tmp_path / "out" / "Annotations").glob("*.xml"))) == 3


def test_a_cancelled_export_leaves_nothing_and_a_finished_one_is_audited(case, tagged,
                                                                         tmp_path):
    stop = threading.Event()
    stop.set()
    exports = tmp_path / "exports"
    exports.mkdir()
    report = export_annotations(case, exports / "out", "coco", cancel=stop)
    assert report.cancelled and list(exports.iterdir()) == []
    export_annotations(case, exports / "out", "xmp", labels=["crater"])
    [(details,)] = case.conn.execute(
        "SELECT details FROM audit WHERE action = 'annotations.export'").fetchall()
    assert json.loads(details).items() >= {"format": "xmp", "tags": 4}.items()


def test_heic_and_16_bit_tiff_become_copies_training_tools_read(case, corpus, tmp_path):
    """A phone's HEIC (EXIF orientation 6) becomes an upright JPEG keeping its camera
    EXIF; a drone's 16-bit radiometric TIFF an 8-bit PNG; both of the displayed size."""
    paths = [corpus / "photos_misc" / "iphone13promax_no_gps.heic",
             corpus / "photos_gps" / "micasense_rededge_multispectral.tif"]
    report = import_paths(case, paths)
    for item in report.imported:
        add_region(case, item["id"], "fire", "rect", parse_box("5,5,20,10"))
    export_annotations(case, tmp_path / "out", "coco")
    coco = COCO(str(tmp_path / "out" / "annotations.json"))
    copies = {}
    for image in coco.loadImgs(coco.getImgIds()):
        with Image.open(tmp_path / "out" / image["file_name"]) as copy:
            copies[copy.format] = (copy.size, copy.mode, copy.getexif().get(0x0112),
                                   copy.getexif().get(0x0110))
            assert copy.size == (image["width"], image["height"])
    assert copies == {"JPEG": ((3024, 4032), "RGB", 1, "iPhone 13 Pro Max"),
                      "PNG": ((48, 36), "RGB", None, None)}


def test_xmp_embedded_in_a_copy_replaces_the_xmp_the_photo_carried(case, corpus, tmp_path):
    """The IPTC reference photo carries rich XMP of its own: the copy holds ours (one
    packet, that exiftool reads), the original keeps its own."""
    photo = corpus / "photos_gps" / "nikon_d2x_iptc_example.jpg"
    [item] = import_paths(case, [photo]).imported
    add_region(case, item["id"], "crater", "polygon", parse_polygon("10,10,90,20,50,80"))
    export_annotations(case, tmp_path / "out", "xmp")
    [copy] = (tmp_path / "out" / "images").glob("*.jpg")
    seen = _exiftool(copy)
    assert seen["Subject"] == ["crater"]
    assert [r["Name"] for r in seen["ImageRegion"]] == ["crater"]
    assert copy.read_bytes().count(b"http://ns.adobe.com/xap/1.0/\x00") == 1
    assert "RegionInfo" not in seen                  # no box: no MWG region
    assert _exiftool(photo)["Subject"] != ["crater"]


def test_an_item_turned_in_the_app_is_exported_turned_with_its_tags_on_what_they_mark(
        case, tagged, tmp_path):
    # Found by a new user: after `reviewer rotate`, every export format left the item's
    # tags out ("is 1800x1200 pixels, not the 1200x1800 the tags were drawn on").
    from reviewer.core.rotation import rotate_display
    upright_id = tagged["ids"]["Landscape_1.jpg"]
    original = np.asarray(Image.open(media_path(case, get_evidence(case, upright_id)))
                          .convert("L"), dtype=float)
    rotate_display(case, upright_id, 90)
    report = export_annotations(case, tmp_path / "coco", "coco")
    assert report.ok and report.images == 4 and not report.missing
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))
    [image] = [i for i in coco.dataset["images"] if i["file_name"].split("/")[-1]
               .startswith(upright_id[:8])]
    assert (image["width"], image["height"]) == (1200, 1800)
    [box] = [a["bbox"] for a in coco.dataset["annotations"] if a["image_id"] == image["id"]]
    with Image.open(tmp_path / "coco" / "images" / image["file_name"].split("/")[-1]) as copy:
        assert copy.size == (1200, 1800)
        pixels = np.asarray(copy.convert("L"), dtype=float)
    x, y, w, h = (round(v) for v in box)
    # The box turned with the picture: under it lies what was under the box drawn upright.
    turned_back = np.rot90(pixels, k=1)          # anticlockwise undoes the clockwise turn
    x0, y0, bw, bh = (int(v) for v in BOX.split(","))
    assert (w, h) == (bh, bw)
    assert abs(turned_back[y0:y0 + bh, x0:x0 + bw] - original[y0:y0 + bh, x0:x0 + bw]).mean() < 8
    assert abs(pixels[y:y + h, x:x + w] - np.rot90(original, k=-1)[y:y + h, x:x + w]).mean() < 8
