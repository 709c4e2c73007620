"""Export for publication: redacted pixels, no metadata left (checked with exiftool),
positions rounded, undecided items named, and the private case told what was published."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw

from reviewer.core.evidence import get_evidence, list_evidence, media_path
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident, link_region
from reviewer.core.public_export import UndecidedItemsError, export_public
from reviewer.core.redact_render import cover_regions
from reviewer.core.redaction import mark_reviewed
from reviewer.core.regions import add_region
from reviewer.core.verify import verify_case
from tests.core.test_credentials_out import _actions, read_back

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
NIKON = CORPUS / "photos_gps" / "nikon_coolpix_p6000_DSCN0010.jpg"
needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
# What exiftool may still find in a published image: the file itself, JFIF, the ICC profile.
# JUMBF: the Content Credentials (C2PA) the published image carries, checked below.
ALLOWED_GROUPS = {"ExifTool", "File", "JFIF", "JUMBF", "ICC_Profile", "ICC-header", "ICC-meas",
                  "ICC-view", "Composite", "PNG"}


def _street_photo(folder: Path) -> Path:
    """A 640x480 'street': a bright person at 100..160 x 200..400, a sign at 400..520 x
    60..120, with GPS, a serial number, XMP/IPTC names, an sRGB profile and an EXIF
    thumbnail that is NOT a small copy of the picture (a classic leak)."""
    from reviewer.core.exif_writer import camera_exif

    image = Image.new("RGB", (640, 480), (70, 90, 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 200, 160, 400), fill=(250, 220, 180))
    draw.rectangle((400, 60, 520, 120), fill=(255, 255, 255))
    draw.text((410, 80), "12 WITNESS ST", fill=(0, 0, 0))
    path = folder / "street.jpg"
    folder.mkdir(parents=True, exist_ok=True)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = camera_exif("TestCam", "Street 1", None, None, (36.20213, 37.13437, 410.0), 1)
    image.save(path, "JPEG", quality=95, exif=exif, icc_profile=icc)
    thumb = folder / "thumb.jpg"
    noise = np.random.default_rng(5).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    Image.fromarray(noise).save(thumb, "JPEG")       # its coded data is its own
    subprocess.run(["exiftool", "-q", "-overwrite_original", f"-ThumbnailImage<={thumb}",
                    "-SerialNumber=SN-778899", "-XMP-dc:Creator=Witness Name",
                    "-IPTC:By-line=Witness Name", str(path)], check=True)
    return path


def _exif_groups(path: Path) -> dict[str, object]:
    out = subprocess.run(["exiftool", "-j", "-G", "-a", "-b", "-u", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return {k: v for k, v in json.loads(out)[0].items() if k != "SourceFile"}


def text_and_binary(tags: dict) -> tuple[str, bytes]:
    """exiftool's tags as text to search, and its binary values (`-b`: the Content
    Credentials' JUMBF boxes) decoded. Searched apart: three letters such as "GPS" turn up
    by chance in the base64 of a signature, which a test once took for a leak."""
    def is_binary(value: object) -> bool:
        return isinstance(value, str) and value.startswith("base64:")

    binary = b"".join(base64.b64decode(value.removeprefix("base64:"))
                      for value in tags.values() if is_binary(value))
    return json.dumps({k: v for k, v in tags.items() if not is_binary(v)}), binary


def _package_image(package: Path, name: str, tmp_path: Path) -> Path:
    with zipfile.ZipFile(package) as zf:
        target = tmp_path / "out" / Path(name).name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(zf.read(name))
    return target


@pytest.fixture
def street(case, tmp_path):
    if shutil.which("exiftool") is None:
        pytest.skip("needs exiftool")
    import_paths(case, [_street_photo(tmp_path / "in")])
    item = list_evidence(case)[0]
    person = add_region(case, item.id, "person", "rect", {"x": 100, "y": 200, "w": 61, "h": 201})
    sign = add_region(case, item.id, "vehicle", "rect", {"x": 400, "y": 60, "w": 121, "h": 61},
                      redact=True)
    column = add_region(case, item.id, "debris", "rect", {"x": 10, "y": 10, "w": 30, "h": 30})
    incident = add_incident(case, "Strike on the market", lat=36.20213, lon=37.13437,
                            place_name="12 Witness Street")
    link_region(case, incident.id, column.id)
    return case, item, person, sign


# -- pixels --------------------------------------------------------------------------------

def _region(case, item, shape, geometry):
    region = add_region(case, item.id, "debris", "rect", {"x": 1, "y": 1, "w": 2, "h": 2})
    return replace(region, shape=shape, geometry=geometry, redact=True)


def test_cover_fills_a_box_partly_outside_the_image_up_to_the_edge(case, photo_factory):
    """Bad input: a redaction region partly outside the image (as one may arrive from an
    older case or a merge) is clamped: covered up to the edge, nothing else touched."""
    import_paths(case, [photo_factory()])
    item = list_evidence(case)[0]
    image = Image.new("RGB", (100, 80), (200, 200, 200))
    box = _region(case, item, "rect", {"x": 70.5, "y": -10, "w": 60, "h": 30.2})
    assert cover_regions(image, [box]) == 1
    pixels = np.asarray(image)
    assert (pixels[0:21, 70:100] == 0).all()          # 70.5 rounds out to 70, 20.2 to 21
    assert (pixels[21:, :] == 200).all() and (pixels[:, :70] == 200).all()


def test_cover_fills_a_polygon_and_only_around_it(case, photo_factory):
    import_paths(case, [photo_factory()])
    item = list_evidence(case)[0]
    image = Image.new("RGB", (100, 100), (200, 200, 200))
    triangle = _region(case, item, "polygon", {"points": [[10, 10], [90, 10], [10, 90]]})
    cover_regions(image, [triangle])
    pixels = np.asarray(image)
    assert (pixels[12, 12:85] == 0).all() and (pixels[12:85, 12] == 0).all()
    assert (pixels[80, 80] == 200).all() and (pixels[95, 95] == 200).all()
    assert not cover_regions(image, [replace(triangle, redact=False)])


def test_blur_and_pixelate_change_the_area_without_blacking_it(case, photo_factory):
    import_paths(case, [photo_factory()])
    item = list_evidence(case)[0]
    for method in ("blur", "pixelate"):
        image = Image.new("RGB", (100, 100), (200, 200, 200))
        ImageDraw.Draw(image).rectangle((40, 40, 42, 60), fill=(0, 0, 0))   # a thin stroke
        region = replace(_region(case, item, "rect", {"x": 20, "y": 20, "w": 60, "h": 60}),
                         redact_method=method)
        cover_regions(image, [region])
        stroke = np.asarray(image)[40:61, 40:43]
        assert stroke.min() > 40, method     # the stroke is no longer there to read


# -- the package ---------------------------------------------------------------------------

@needs_exiftool
def test_publication_at_1km_leaves_no_redacted_pixel_no_metadata_and_keeps_icc(street, tmp_path):
    case, item, person, sign = street
    assert person.redact        # "person" redacts by default
    before = hashlib.sha256(media_path(case, item).read_bytes()).hexdigest()
    package = tmp_path / "public.zip"
    report = export_public(case, package, precision="1km")
    assert report.ok and len(report.images) == 1
    published = _package_image(package, "images/image-001.jpg", tmp_path)
    tags = _exif_groups(published)
    groups = {key.split(":")[0] for key in tags}
    assert groups <= ALLOWED_GROUPS, groups - ALLOWED_GROUPS
    text, binary = text_and_binary(tags)
    for leak in ("GPS", "SN-778899", "Witness", "Thumbnail", "TestCam", "Street 1"):
        assert leak not in text, leak
    for leak in ("GPSLatitude", "GPSLongitude", "SN-778899", "Witness", "TestCam", "Street 1"):
        assert leak.encode() not in binary, leak
    assert any(key.startswith("ICC") for key in tags)          # colour profile kept
    thumbnail = (tmp_path / "in" / "thumb.jpg").read_bytes()
    scan = thumbnail[-300:-2]                      # the thumbnail's own coded pixels
    assert scan in media_path(case, item).read_bytes()     # the original carries it
    assert scan not in published.read_bytes()
    assert published.read_bytes().count(b"\xff\xd8") == 1     # one picture: no embedded JPEG
    pixels = np.asarray(Image.open(published).convert("RGB")).astype(int)
    original = np.asarray(Image.open(media_path(case, item)).convert("RGB")).astype(int)
    for x, y, w, h in (person.bbox, sign.bbox):
        x, y, w, h = int(x), int(y), int(w), int(h)
        assert pixels[y + 2:y + h - 2, x + 2:x + w - 2].max() <= 12   # opaque black
        assert original[y + 2:y + h - 2, x + 2:x + w - 2].mean() > 150
    # Away from the covered areas the picture is the picture.
    assert abs(pixels[300:480, 250:400] - original[300:480, 250:400]).mean() < 3
    # The original in the case is untouched.
    assert hashlib.sha256(media_path(case, item).read_bytes()).hexdigest() == before
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        assert not any("street" in name for name in names)
        images = json.loads(zf.read("data/images.json"))
        geo = json.loads(zf.read("data/positions.geojson"))
        incidents = json.loads(zf.read("data/incidents.json"))
        html = zf.read("report.html").decode()
    assert (images[0]["lat"], images[0]["lon"]) == (36.2, 37.13)
    assert images[0]["covered_areas"] == 2 and [t["label"] for t in images[0]["tags"]] == ["debris"]
    coordinates = [f["geometry"]["coordinates"] for f in geo["features"]]
    assert coordinates and all(c == [37.13, 36.2] for c in coordinates)
    assert incidents[0]["lat"] == 36.2 and "place_name" not in incidents[0]
    assert "12 Witness" not in json.dumps(incidents) and "12 Witness" not in html
    assert "embedded thumbnails" in html and "tester" not in html
    assert "36.20213" not in json.dumps([images, geo, incidents]) + html
    # Its Content Credentials: the original as ingredient by hash, the covering as edits,
    # signed by the key's fingerprint only (actors not named).
    manifest, whole = read_back(published)
    (ingredient,) = manifest["ingredients"]
    assert ingredient["instance_id"] == f"sha256:{before}" and ingredient["title"] == "original"
    edited = [a for a in _actions(manifest) if a["action"] == "c2pa.edited"]
    assert len(edited) == 1 and len(edited[0]["changes"]) == 2
    assert not any(a["action"] == "c2pa.redacted" for a in _actions(manifest))
    assert "tester" not in json.dumps(whole) and "street" not in json.dumps(whole).lower()
    assert "person" not in json.dumps(whole)      # a covered area's label stays home


@needs_exiftool
def test_the_case_keeps_each_derivative_linked_to_its_original_and_the_publication(street,
                                                                                   tmp_path):
    case, item, person, sign = street
    package = tmp_path / "public.zip"
    report = export_public(case, package, precision="none", actors=True)
    entry = report.images[0]
    derived = get_evidence(case, entry["derived_id"])
    with zipfile.ZipFile(package) as zf:
        published = zf.read("images/image-001.jpg")
        assert "tester" in zf.read("report.html").decode()
        assert json.loads(zf.read("data/images.json"))[0]["lat"] is None
    assert derived.kind == "derived" and derived.sha256 == hashlib.sha256(published).hexdigest()
    assert media_path(case, derived).read_bytes() == published
    sources, recipe = case.conn.execute("SELECT sources, recipe FROM derivations"
                                        " WHERE evidence_id = ?", (derived.id,)).fetchone()
    assert json.loads(sources) == [{"id": item.id, "sha256": item.sha256, "role": "original"}]
    covered = json.loads(recipe)["redaction"]
    assert {r["id"] for r in covered["regions"]} == {person.id, sign.id}
    assert covered["renderer"] == "redact/1" and covered["regions"][0]["method"] == "fill"
    record = json.loads(case.conn.execute("SELECT details FROM audit WHERE action ="
                                          " 'case.publish'").fetchone()[0])
    assert record["package"] == "public.zip" and record["precision"] == "none"
    assert record["images"][0]["original_sha256"] == item.sha256
    assert verify_case(case).ok, verify_case(case).problems
    # Publishing again does not publish the derivative itself as an item.
    again = export_public(case, tmp_path / "again.zip")
    assert [i["original_id"] for i in again.images] == [item.id]


def test_items_with_no_redaction_decided_are_named_and_the_caller_chooses(case, photo_factory,
                                                                         tmp_path):
    """Bad input: a public export asked for items with no redaction decided."""
    import_paths(case, [photo_factory(), photo_factory(), photo_factory()])
    a, b, c = list_evidence(case)
    add_region(case, a.id, "vehicle", "rect", {"x": 1, "y": 1, "w": 20, "h": 20}, redact=True)
    mark_reviewed(case, [b.id])
    with pytest.raises(UndecidedItemsError) as refused:
        export_public(case, tmp_path / "p.zip")
    assert [item.id for item in refused.value.items] == [c.id]
    assert not (tmp_path / "p.zip").exists() and not list(tmp_path.glob(".p.zip*"))
    skipped = export_public(case, tmp_path / "p.zip", undecided="skip")
    assert {i["original_id"] for i in skipped.images} == {a.id, b.id}
    assert skipped.skipped[0]["id"] == c.id
    included = export_public(case, tmp_path / "q.zip", undecided="include")
    assert len(included.images) == 3
    # The decision to publish c as it is, is recorded: it is decided from now on.
    export_public(case, tmp_path / "r.zip")
    assert verify_case(case).ok


def test_an_item_that_no_longer_decodes_is_named_and_the_others_published(case, photo_factory,
                                                                         tmp_path):
    import_paths(case, [photo_factory(), photo_factory()])
    good, bad = list_evidence(case)
    mark_reviewed(case, [good.id, bad.id])
    stored = media_path(case, bad)
    stored.chmod(0o644)
    stored.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg any more")
    report = export_public(case, tmp_path / "p.zip", item_ids=[good.id, bad.id])
    assert [i["original_id"] for i in report.images] == [good.id]
    assert not report.ok
    assert report.failed[0]["id"] == bad.id and "cannot be rendered" in report.failed[0]["reason"]
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert [n for n in zf.namelist() if n.startswith("images/")] == ["images/image-001.jpg"]


@pytest.mark.skipif(not NIKON.exists(), reason="needs the shared corpus")
@needs_exiftool
def test_a_real_camera_photo_loses_its_maker_notes_gps_and_thumbnail(case, tmp_path):
    import_paths(case, [NIKON])
    item = list_evidence(case)[0]
    add_region(case, item.id, "vehicle", "rect", {"x": 0, "y": 0, "w": 100, "h": 100},
               redact=True)
    export_public(case, tmp_path / "p.zip", precision="10km")
    published = _package_image(tmp_path / "p.zip", "images/image-001.jpg", tmp_path)
    tags = _exif_groups(published)
    assert {key.split(":")[0] for key in tags} <= ALLOWED_GROUPS
    text, binary = text_and_binary(tags)
    assert "NIKON" not in text.upper() and b"NIKON" not in binary.upper()
    with Image.open(published) as image:
        assert image.size == (640, 480) and not image.info.get("exif")
        assert np.asarray(image.convert("L"))[5:95, 5:95].max() <= 12


def test_nothing_is_half_written_when_the_target_exists(case, photo_factory, tmp_path):
    import_paths(case, [photo_factory()])
    mark_reviewed(case, [list_evidence(case)[0].id])
    target = tmp_path / "p.zip"
    target.write_bytes(b"keep me")
    with pytest.raises(Exception, match="already exists"):
        export_public(case, target)
    assert target.read_bytes() == b"keep me"


def test_cancel_leaves_no_package_and_records_nothing(case, photo_factory, tmp_path):
    import threading

    import_paths(case, [photo_factory(), photo_factory(), photo_factory()])
    mark_reviewed(case, [item.id for item in list_evidence(case)])
    cancel = threading.Event()
    report = export_public(case, tmp_path / "p.zip", cancel=cancel,
                           progress=lambda _step: cancel.set())
    assert report.cancelled and not (tmp_path / "p.zip").exists()
    assert not list(tmp_path.glob(".p.zip*"))
    assert case.conn.execute("SELECT count(*) FROM evidence WHERE kind = 'derived'"
                             ).fetchone()[0] == 0
    assert not case.conn.execute("SELECT 1 FROM audit WHERE action = 'case.publish'").fetchone()


def test_a_video_is_published_as_the_frames_taken_from_it(case, tmp_path):
    from mp4_support import make_clip

    clip = make_clip(tmp_path / "clip.mp4", frames=50, fps=25)
    import_paths(case, [clip], frames_every=1.0)
    video = next(i for i in list_evidence(case) if i.kind == "video")
    frames = [i for i in list_evidence(case) if i.kind == "frame"]
    assert frames
    for frame in frames:
        add_region(case, frame.id, "vehicle", "rect", {"x": 0, "y": 0, "w": 40, "h": 40},
                   redact=True)
    report = export_public(case, tmp_path / "p.zip", item_ids=[video.id])
    assert sorted(i["original_id"] for i in report.images) == sorted(f.id for f in frames)
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        first = Image.open(io.BytesIO(zf.read("images/image-001.jpg")))
        assert np.asarray(first.convert("L"))[2:38, 2:38].max() <= 12


def test_a_video_with_no_frames_is_named_not_published(case, tmp_path, photo_factory):
    from mp4_support import make_clip

    import_paths(case, [make_clip(tmp_path / "clip.mp4"), photo_factory()])
    video = next(i for i in list_evidence(case) if i.kind == "video")
    photo = next(i for i in list_evidence(case) if i.kind == "photo")
    mark_reviewed(case, [photo.id])
    report = export_public(case, tmp_path / "p.zip", item_ids=[video.id, photo.id])
    assert [i["original_id"] for i in report.images] == [photo.id]
    assert report.skipped[0]["id"] == video.id and "frames" in report.skipped[0]["reason"]
