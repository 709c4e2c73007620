"""`export-annotations --public`: the tags on the same redacted derivatives `export --public`
makes, read back with pycocotools and exiftool; no covered pixel, no id, no original name
and no covered area's label in any file; undecided and confidential items refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from reviewer.core.annotations.export import MANIFEST, export_annotations
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import get_evidence, list_evidence, media_path
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident, link_region
from reviewer.core.provenance import set_provenance
from reviewer.core.public_export import (
    ConfidentialItemsError,
    UndecidedItemsError,
    export_public,
)
from reviewer.core.redaction import is_decided, mark_reviewed, unmark_reviewed_in
from reviewer.core.regions import add_region
from reviewer.core.shape import parse_box
from reviewer.core.verify import verify_case
from tests.core.test_public_export import (
    ALLOWED_GROUPS,
    _exif_groups,
    _street_photo,
    text_and_binary,
)

TURNED = "Landscape_6.jpg"       # stored turned 90 degrees: 1800x1200 as displayed


@pytest.fixture
def scene(case, tmp_path, corpus):
    """The street photo (GPS, serial, thumbnail, witness names) with a covered face and a
    covered sign and a visible debris box, linked to an incident; and a corpus photo
    stored turned, with a crater box, reviewed for redaction."""
    street = _street_photo(tmp_path / "in")
    import_paths(case, [street, corpus / "photos_misc" / "orientation" / TURNED])
    items = {item.original_name: item for item in list_evidence(case)}
    photo, turned = items["street.jpg"], items[TURNED]
    face = add_region(case, photo.id, "person", "rect", {"x": 100, "y": 200, "w": 61, "h": 201},
                      redact=True)
    sign = add_region(case, photo.id, "vehicle", "rect",
                      {"x": 400, "y": 60, "w": 121, "h": 61}, redact=True)
    debris = add_region(case, photo.id, "debris", "rect", {"x": 10, "y": 10, "w": 30, "h": 30})
    crater = add_region(case, turned.id, "crater", "rect", parse_box("100,200,300,150"))
    incident = add_incident(case, "Strike on the market", lat=36.20213, lon=37.13437,
                            place_name="12 Witness Street")
    link_region(case, incident.id, debris.id)
    mark_reviewed(case, [turned.id])
    return {"photo": photo, "turned": turned, "face": face, "sign": sign, "debris": debris,
            "crater": crater, "incident": incident}


def _all_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_public_coco_loads_with_pycocotools_on_redacted_copies_with_no_names_or_ids(
        case, scene, tmp_path):
    out = tmp_path / "public"
    report = export_annotations(case, out, "coco", public=True)
    assert report.ok and report.public and report.images == 2
    assert report.covered_tags_left_out == 2 and report.tags == 2
    assert any("2 tag(s) of covered regions left out" in w for w in report.warnings)
    coco = COCO(str(out / "annotations.json"))
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert sorted(names.values()) == ["crater", "debris"]     # covered labels do not travel
    files = {img["file_name"]: img for img in coco.loadImgs(coco.getImgIds())}
    assert sorted(files) == ["images/image-001.jpg", "images/image-002.jpg"]
    boxes = {(files_name, names[a["category_id"]], *a["bbox"])
             for files_name, img in files.items()
             for a in coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]]))}
    by_label = {label: (name, box) for name, label, *box in boxes}
    # Coordinates in the derivative's pixels: the turned photo's copy is upright, its box
    # where the investigator drew it.
    crater_file, crater_box = by_label["crater"]
    assert crater_box == [100.0, 200.0, 300.0, 150.0]
    with Image.open(out / crater_file) as copy:
        assert copy.size == (1800, 1200) and copy.getexif().get(0x0112) in (None, 1)
    # No pixel of a covered area survives; around them the picture is the picture.
    street_file, _ = by_label["debris"]
    pixels = np.asarray(Image.open(out / street_file).convert("RGB")).astype(int)
    original = np.asarray(Image.open(media_path(case, scene["photo"])).convert("RGB")
                          ).astype(int)
    for region in (scene["face"], scene["sign"]):
        x, y, w, h = (int(v) for v in region.bbox)
        assert pixels[y:y + h, x:x + w].max() <= 12
        assert original[y + 2:y + h - 2, x + 2:x + w - 2].mean() > 150
    assert abs(pixels[300:480, 250:400] - original[300:480, 250:400]).mean() < 3
    # Nothing in any file names the case, an item, a region, an incident, the originals,
    # the witness, the incident's place or a covered label.
    everything = _all_bytes(out)
    leaks = [case.id, scene["photo"].id, scene["turned"].id, scene["photo"].id[:8],
             scene["face"].id, scene["sign"].id, scene["debris"].id, scene["crater"].id,
             scene["incident"].id, "street", "Landscape", "Witness", "person", "vehicle",
             "SN-778899", "TestCam"]
    for leak in leaks:
        assert leak.encode() not in everything, leak
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["public"] is True and "case" not in manifest and "items" not in manifest


def test_the_copies_carry_no_gps_serial_or_thumbnail_for_exiftool(case, scene, tmp_path):
    out = tmp_path / "public"
    export_annotations(case, out, "yolo", public=True)
    for copy in sorted((out / "images").iterdir()):
        tags = _exif_groups(copy)
        groups = {key.split(":")[0] for key in tags}
        assert groups <= ALLOWED_GROUPS, groups - ALLOWED_GROUPS
        text, binary = text_and_binary(tags)
        for leak in ("GPS", "SN-778899", "Thumbnail", "Witness", "SerialNumber"):
            assert leak not in text, (copy.name, leak)
        for leak in ("GPSLatitude", "SN-778899", "Witness", "SerialNumber"):
            assert leak.encode() not in binary, (copy.name, leak)
    assert (out / "classes.txt").read_text() == "crater\ndebris\n"


def test_voc_and_cvat_public_say_no_item_id_and_hold_only_visible_tags(case, scene,
                                                                       tmp_path):
    for fmt in ("voc", "cvat"):
        out = tmp_path / fmt
        report = export_annotations(case, out, fmt, public=True)
        assert report.ok and report.tags == 2
        text = _all_bytes(out)
        assert scene["photo"].id.encode() not in text and b"vehicle" not in text
        assert b"image-001" in text and b"debris" in text


def test_the_case_keeps_the_copies_and_a_record_of_a_public_annotation_export(case, scene,
                                                                              tmp_path):
    out = tmp_path / "public"
    export_annotations(case, out, "coco", public=True)
    [(details,)] = case.conn.execute(
        "SELECT details FROM audit WHERE action = 'annotations.export'").fetchall()
    record = json.loads(details)
    assert record["public"] is True and record["covered_tags_left_out"] == 2
    copies = {c["original_id"]: c for c in record["copies"]}
    assert set(copies) == {scene["photo"].id, scene["turned"].id}
    for copy in copies.values():
        derived = get_evidence(case, copy["derived_id"])
        assert derived.kind == "derived"
        assert media_path(case, derived).read_bytes() == (out / "images" / copy["file"]
                                                          ).read_bytes()
    assert verify_case(case).ok, verify_case(case).problems
    # A row edited behind the app's back is still named by verify.
    derived_id = copies[scene["photo"].id]["derived_id"]
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("UPDATE evidence SET original_name = 'forged.jpg' WHERE id = ?", (derived_id,))
    raw.close()
    details = [p["detail"] for p in verify_case(case).problems if p["kind"] == "history"]
    assert any(derived_id in d for d in details), details


def test_undecided_items_are_refused_by_name_unless_skipped_or_included(case, scene,
                                                                        tmp_path):
    """Bad input: a public annotation export of items with no redaction decided."""
    with case.write() as tx:
        unmark_reviewed_in(tx, [scene["turned"].id])
    with pytest.raises(UndecidedItemsError) as refused:
        export_annotations(case, tmp_path / "out", "coco", public=True)
    assert [item.id for item in refused.value.items] == [scene["turned"].id]
    assert not (tmp_path / "out").exists()
    skipped = export_annotations(case, tmp_path / "skip", "coco", public=True,
                                 undecided="skip")
    assert skipped.images == 1 and [s["id"] for s in skipped.skipped] == [scene["turned"].id]
    assert not is_decided(case, scene["turned"].id)
    included = export_annotations(case, tmp_path / "inc", "coco", public=True,
                                  undecided="include")
    assert included.images == 2 and is_decided(case, scene["turned"].id)


def test_confidential_items_are_refused_by_both_public_exports_unless_included(case, scene,
                                                                               tmp_path):
    """Bad input: a public export of an item marked confidential."""
    set_provenance(case, [scene["turned"].id], {"restriction": "confidential"})
    with pytest.raises(ConfidentialItemsError) as refused:
        export_annotations(case, tmp_path / "out", "coco", public=True)
    assert [item.id for item in refused.value.items] == [scene["turned"].id]
    with pytest.raises(ConfidentialItemsError):
        export_public(case, tmp_path / "p.zip")
    assert not (tmp_path / "out").exists() and not (tmp_path / "p.zip").exists()
    # Without --public nothing is published: the investigator's own data set.
    assert export_annotations(case, tmp_path / "private", "coco").images == 2
    told = export_annotations(case, tmp_path / "told", "coco", public=True,
                              include_confidential=True)
    assert told.images == 2
    assert export_public(case, tmp_path / "q.zip", include_confidential=True).ok


def test_xmp_cannot_be_public_and_nothing_is_written(case, scene, tmp_path):
    """Bad input: --format xmp --public (sidecars carry incident places and keywords)."""
    with pytest.raises(ValidationError, match="cannot be public"):
        export_annotations(case, tmp_path / "out", "xmp", public=True)
    assert not (tmp_path / "out").exists()
    assert case.conn.execute("SELECT COUNT(*) FROM audit WHERE action ="
                             " 'annotations.export'").fetchone()[0] == 0


def test_a_label_asked_for_by_name_is_no_class_when_all_its_tags_are_covered(
        case, scene, tmp_path):
    report = export_annotations(case, tmp_path / "out", "coco", public=True,
                                labels=["person", "debris"])
    assert report.labels == ["debris"] and report.tags == 1
    coco = COCO(str(tmp_path / "out" / "annotations.json"))
    assert len(coco.getAnnIds()) == 1 and report.covered_tags_left_out == 1
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["debris"]
    assert b"person" not in _all_bytes(tmp_path / "out")


def test_a_missing_original_is_named_and_the_others_published(case, scene, tmp_path):
    """Bad input: an item whose stored file is gone; the batch goes on."""
    media_path(case, scene["turned"]).unlink()
    report = export_annotations(case, tmp_path / "out", "coco", public=True)
    assert [m["id"] for m in report.missing] == [scene["turned"].id]
    assert "cannot be rendered" in report.missing[0]["detail"] and not report.ok
    assert report.images == 1 and report.labels == ["crater", "debris"]   # not covered
    assert sorted(p.name for p in (tmp_path / "out" / "images").iterdir()) == ["image-001.jpg"]
    document = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert [c["name"] for c in document["categories"]] == ["crater", "debris"]
    assert [a["category_id"] for a in document["annotations"]] == [2]


def test_a_cancelled_public_export_leaves_nothing_and_records_nothing(case, scene, tmp_path):
    import threading

    stop = threading.Event()
    stop.set()
    before = case.conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
    report = export_annotations(case, tmp_path / "out", "coco", public=True, cancel=stop)
    assert report.cancelled and list(tmp_path.glob("*out*")) == []
    assert case.conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0] == before
    assert case.conn.execute("SELECT COUNT(*) FROM audit WHERE action ="
                             " 'annotations.export'").fetchone()[0] == 0
