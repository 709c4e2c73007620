"""The offline report: escaped text, crops from upright originals, nothing fetched online."""

from __future__ import annotations

import io
import re

from package_support import read_package, rows
from PIL import Image

from reviewer.core.case import create_case
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident
from reviewer.core.labels import add_label
from reviewer.core.regions import add_region
from reviewer.core.report import CROP_MAX

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _report(case, tmp_path):
    out = tmp_path / "report.zip"
    export_case(case, out)
    files, _ = read_package(out)
    return files, files["report/index.html"].decode("utf-8")


def test_user_text_shows_as_text_never_as_markup(case, photo_factory, tmp_path):
    import_paths(case, [photo_factory()])
    item = rows(case, "SELECT id FROM evidence")[0]["id"]
    add_label(case, "<b>bold</b> label")
    incident = add_incident(case, HOSTILE, description=HOSTILE, place_name=HOSTILE)
    add_region(case, item, "<b>bold</b> label", "rect", {"x": 10, "y": 10, "w": 50, "h": 50},
               note=HOSTILE, incident_id=incident.id)
    _, html = _report(case, tmp_path)
    assert "<script>" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; label" in html


def test_report_is_self_contained_and_every_image_is_in_the_package(demo, tmp_path):
    files, html = _report(demo, tmp_path)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    sources = set(re.findall(r'src="([^"]+)"', html))
    regions = rows(demo, "SELECT id FROM regions")
    items = rows(demo, "SELECT id FROM evidence")      # a video shows its first frame
    assert len(sources) == len(regions) + len(items)
    for source in sources:
        image = Image.open(io.BytesIO(files[f"report/{source}"]))
        assert image.format == "JPEG" and max(image.size) <= max(CROP_MAX, 320)
    for row in rows(demo, "SELECT sha256 FROM evidence"):
        assert row["sha256"] in html
    assert "Audit log" in html and "intact" in html


def test_crops_are_cut_from_the_image_as_displayed(case, photo_factory, tmp_path):
    """A portrait photo stored landscape with EXIF orientation 6: the crop is portrait."""
    import_paths(case, [photo_factory(size=(640, 480), orientation=6)])
    item = rows(case, "SELECT id, width, height FROM evidence")[0]
    assert (item["width"], item["height"]) == (480, 640)
    region = add_region(case, item["id"], "crater", "rect", {"x": 0, "y": 0, "w": 480, "h": 640})
    files, _ = _report(case, tmp_path)
    crop = Image.open(io.BytesIO(files[f"report/img/tag-{region.id}.jpg"]))
    assert crop.height > crop.width


RLO = "\u202e"


def test_bidi_controls_in_user_text_are_isolated_in_the_report(photo_factory, tmp_path):
    """A right-to-left override in a name, note or title must not reorder the text after
    it: each piece of user text sits in its own <bdi>, and the page title shows it escaped."""
    photo = photo_factory()
    named = photo.with_name(f"invoice{RLO}gpj.exe.jpg")
    photo.rename(named)
    case = create_case(tmp_path / "rtl", title=f"Case {RLO}A")
    import_paths(case, [named])
    item = rows(case, "SELECT id FROM evidence")[0]["id"]
    incident = add_incident(case, f"Strike {RLO}tsew", description=f"seen {RLO}ti")
    add_region(case, item, "crater", "rect", {"x": 10, "y": 10, "w": 50, "h": 50},
               note=f"note {RLO}eton", incident_id=incident.id)
    _, html = _report(case, tmp_path)
    for text in (f"invoice{RLO}gpj.exe.jpg", f"Strike {RLO}tsew", f"seen {RLO}ti",
                 f"note {RLO}eton", f"Case {RLO}A"):
        assert f'<bdi dir="auto">{text}</bdi>' in html, text
        bare = html.replace(f'<bdi dir="auto">{text}</bdi>', "")
        assert text not in bare, f"{text!r} appears outside an isolate"
    assert "<title>Case \\u202eA — " in html
    case.close()


def test_comparisons_appear_in_the_report_with_their_pictures(case, photo_factory, tmp_path):
    from reviewer.core.comparisons import compare, create_comparison
    from reviewer.core.report import COMPARISON_WIDTH

    import_paths(case, [photo_factory("before.jpg", size=(800, 600)),
                        photo_factory("after.jpg", size=(800, 600)),
                        photo_factory("third.jpg", size=(600, 800))])
    ids = {row["original_name"]: row["id"]
           for row in rows(case, "SELECT id, original_name FROM evidence")}
    aligned, _ = compare(case, ids["before.jpg"], ids["after.jpg"], align="none",
                         note="Roof gone <after> the strike")
    loose = create_comparison(case, ids["before.jpg"], ids["third.jpg"])
    files, html = _report(case, tmp_path)
    assert "<h2>Comparisons</h2>" in html
    section = html[html.index(f'id="comparison-{aligned.id}"'):]
    assert "before.jpg" in section[:2000] and "after.jpg" in section[:2000]
    assert "Roof gone &lt;after&gt; the strike" in section[:3000]
    assert "Taken as already aligned" in section[:3000]
    for mode in ("side", "difference"):
        name = f"img/comparison-{aligned.id}-{mode}.jpg"
        assert f'src="{name}"' in html
        picture = Image.open(io.BytesIO(files[f"report/{name}"]))
        assert picture.format == "JPEG" and picture.width == COMPARISON_WIDTH
    # Not aligned: side by side only, and the report says so.
    assert f'src="img/comparison-{loose.id}-side.jpg"' in html
    assert f"report/img/comparison-{loose.id}-difference.jpg" not in files
    assert "Not aligned." in html[html.index(f'id="comparison-{loose.id}"'):]
