"""`reviewer tag --redact` and `reviewer export --public` as a new user meets them: a
street photo with a person and a sign, published at 1 km, checked with exiftool."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from cli_support import Cli, query
from PIL import Image, ImageDraw

pytestmark = pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")


def _street(path: Path) -> Path:
    folder = path.parent
    with Image.open(path) as image:
        picture, exif = image.copy(), image.info["exif"]
    draw = ImageDraw.Draw(picture)
    draw.rectangle((100, 200, 160, 400), fill=(250, 220, 180))     # a person
    draw.rectangle((400, 60, 520, 120), fill=(255, 255, 255))      # a street sign
    picture.save(path, "JPEG", quality=95, exif=exif)
    thumb = folder / "thumb.jpg"
    Image.new("RGB", (160, 120), (255, 0, 0)).save(thumb)        # not the picture
    subprocess.run(["exiftool", "-q", "-overwrite_original", f"-ThumbnailImage<={thumb}",
                    "-SerialNumber=SN-778899", str(path)], check=True)
    return path


@pytest.fixture
def street_case(cli: Cli, new_case, photo_factory):
    case = new_case()
    street = _street(photo_factory("street.jpg", gps=(36.20213, 37.13437, 410.0)))
    cli("import", case, street, photo_factory("other.jpg"))
    rows = {r["original_name"]: r["id"] for r in cli("list", case, "--json").json()["evidence"]}
    return case, rows["street.jpg"], rows["other.jpg"]


def test_tag_redact_and_public_export_at_1km(cli, street_case, tmp_path):
    case, street, other = street_case
    person = cli("tag", case, street, "--label", "person", "--box", "100,200,61,201",
                 "--json").json()
    assert person["redact"] is True                       # the label's default
    sign = cli("tag", case, street, "--label", "vehicle", "--box", "380,60,300,61",
               "--redact").stdout
    assert "redacted (fill) in public exports" in sign
    assert "redacted in public exports (fill)" in cli("show", case, street).stdout
    kept = cli("tag", case, street, "--label", "person", "--box", "1,1,5,5", "--no-redact",
               "--json").json()
    assert kept["redact"] is False
    soft = cli("tag", case, street, "--label", "debris", "--box", "300,300,20,20",
               "--redact", "--redact-method", "blur")
    assert "can be reversed or read" in soft.stderr

    # The other photo has nothing decided: named, one line, nothing written.
    out = tmp_path / "public.zip"
    refused = cli("export", case, out, "--public", expect=2)
    assert any(other in line and "no redaction decided" in line
               for line in refused.error_lines), refused
    assert not out.exists()

    done = cli("export", case, out, "--public", "--precision", "1km", "--skip-undecided")
    assert "Published 1 redacted image(s)" in done.stdout and "embedded thumbnails" in done.stdout
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        published = tmp_path / "published.jpg"
        published.write_bytes(zf.read("images/image-001.jpg"))
        images = json.loads(zf.read("data/images.json"))
    assert not any(name.endswith(".sqlite") for name in names)
    tags = json.loads(subprocess.run(["exiftool", "-j", "-G", "-a", "-u", str(published)],
                                     capture_output=True, text=True, check=True).stdout)[0]
    text = json.dumps(tags)
    for leak in ("GPS", "SN-778899", "Thumbnail", "TestCam", "EXIF:"):
        assert leak not in text, leak
    assert (images[0]["lat"], images[0]["lon"]) == (36.2, 37.13)
    pixels = np.asarray(Image.open(published).convert("RGB")).astype(int)
    assert pixels[202:399, 102:159].max() <= 12 and pixels[62:119, 402:638].max() <= 12
    # The private case: original untouched (verify re-hashes it), history of the publication.
    assert "INTACT" in cli("verify", case).stdout
    [(details,)] = query(case, "SELECT details FROM audit WHERE action = 'case.publish'")
    assert json.loads(details)["images"][0]["original_id"] == street


def test_label_add_with_redact_default(cli, street_case):
    case, street, _ = street_case
    cli("label", "add", case, "street sign", "--redact-default")
    region = cli("tag", case, street, "--label", "street sign", "--box", "400,60,121,61",
                 "--json").json()
    assert region["redact"] is True


def test_a_redaction_box_wholly_outside_is_one_line(cli, street_case):
    case, street, _ = street_case
    result = cli("tag", case, street, "--label", "vehicle", "--box", "900,10,10,10", "--redact",
                 expect=2)
    assert len(result.error_lines) == 1 and "outside the image" in result.stderr
