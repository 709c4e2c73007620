"""`reviewer export-map` and the package's data/map.*: opened with GDAL/OGR's ogrinfo,
the library QGIS reads them with (LIBKML as Google Earth reads KML)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from reviewer.core.case import open_case
from reviewer.core.frames import keep_frame

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo absent")


def ogrinfo(path: Path) -> str:
    done = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True,
                          text=True, check=True)
    return done.stdout


def layers(text: str) -> dict[str, str]:
    """Each layer's part of ogrinfo's report, by layer name."""
    parts = re.split(r"^Layer name: ", text, flags=re.MULTILINE)[1:]
    return {part.splitlines()[0].strip(): part for part in parts}


@pytest.fixture
def flown_case(demo_case: Path) -> Path:
    """The demo case with two more frames of its drone video kept: a flight track."""
    with open_case(demo_case, actor="tester") as case:
        video_id, count = case.conn.execute(
            "SELECT id, frame_count FROM evidence WHERE kind = 'video'").fetchone()
        for index in (0, count - 1):
            keep_frame(case, video_id, index)
    return demo_case


def test_kml_has_incident_spans_items_and_the_flight_track(cli, flown_case, tmp_path):
    out = tmp_path / "case.kml"
    cli("export-map", flown_case, out)
    report = layers(ogrinfo(out))
    assert set(report) == {"Incidents", "Items", "Flight tracks"}
    incidents = report["Incidents"]
    assert "Feature Count: 2" in incidents
    # TimeSpan as Google Earth's slider reads it, and the uncertainty circle as a polygon.
    assert re.search(r"begin \(DateTime\) = \d{4}/\d\d/\d\d", incidents)
    assert re.search(r"end \(DateTime\) = \d{4}/\d\d/\d\d", incidents)
    assert "POLYGON" in incidents
    items = report["Items"]
    assert "Feature Count: 10" in items and "POINT" in items
    assert re.search(r"timestamp \(DateTime\) = \d{4}/", items)
    track = report["Flight tracks"]
    assert "Feature Count: 1" in track and "LINESTRING" in track
    assert "DJI_0042" in track


def test_geojson_has_start_and_end_for_qgis(cli, flown_case, tmp_path):
    out = tmp_path / "case.geojson"
    printed = cli("export-map", flown_case, out, "--json").json()
    assert printed["items"] == 10 and printed["tracks"] == 1 and printed["incidents"] == 2
    text = ogrinfo(out)
    assert "Feature Count: 13" in text
    # Read as date-times: what QGIS's temporal controller takes as start and end fields.
    assert re.search(r"start \(DateTime\) = \d{4}/\d\d/\d\d", text)
    assert re.search(r"end \(DateTime\) = \d{4}/\d\d/\d\d", text)
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    kinds = {f["properties"]["feature"] for f in features}
    assert kinds == {"item", "track", "incident"}
    for feature in features:
        assert feature["properties"]["start"] <= feature["properties"]["end"]
    line = next(f for f in features if f["properties"]["feature"] == "track")
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 3


def test_one_incident_only_its_items(cli, demo_case, tmp_path):
    incidents = cli("incident", "list", demo_case, "--json").json()["incidents"]
    chosen = incidents[0]
    out = tmp_path / "one.geojson"
    printed = cli("export-map", demo_case, out, "--incident", chosen["id"], "--json").json()
    assert printed["incidents"] == 1
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    titles = [f["properties"]["name"] for f in features
              if f["properties"]["feature"] == "incident"]
    assert titles == [chosen["title"]]
    assert printed["items"] < 8


def test_nothing_positioned_gives_valid_empty_files_and_a_warning(cli, new_case, tmp_path):
    folder = new_case("empty")
    for name in ("empty.kml", "empty.geojson"):
        result = cli("export-map", folder, tmp_path / name)
        assert result.stderr.count("\n") == 1 and "nothing in the case has a position" \
            in result.stderr and result.stderr.startswith("warning: ")
        assert "Feature Count" not in ogrinfo(tmp_path / name) or \
            "Feature Count: 0" in ogrinfo(tmp_path / name)


def test_a_wrong_suffix_or_incident_is_one_line(cli, demo_case, tmp_path):
    result = cli("export-map", demo_case, tmp_path / "map.shp", expect=2)
    assert len(result.error_lines) == 1 and ".kml or .geojson" in result.stderr
    assert not (tmp_path / "map.shp").exists()
    result = cli("export-map", demo_case, tmp_path / "map.kml", "--incident", "nosuchid",
                 expect=2)
    assert len(result.error_lines) == 1 and not (tmp_path / "map.kml").exists()


def test_every_package_carries_both_map_files(cli, demo_case, tmp_path):
    out = tmp_path / "package.zip"
    cli("export", demo_case, out, "--no-media")
    with zipfile.ZipFile(out) as package:
        for name in ("data/map.kml", "data/map.geojson"):
            (tmp_path / Path(name).name).write_bytes(package.read(name))
    assert "Feature Count: 8" in layers(ogrinfo(tmp_path / "map.kml"))["Items"]
    assert "Feature Count: 10" in ogrinfo(tmp_path / "map.geojson")


def test_an_unwritable_place_is_one_line_and_leaves_nothing(cli, demo_case, tmp_path):
    out = tmp_path / "no such folder" / "map.kml"
    result = cli("export-map", demo_case, out, expect=2)
    assert len(result.error_lines) == 1 and "cannot be written" in result.stderr
    assert str(out) in result.stderr and not out.parent.exists()


def test_a_partial_package_maps_only_the_shared_incident(cli, demo_case, tmp_path):
    incidents = cli("incident", "list", demo_case, "--json").json()["incidents"]
    shared, private = incidents[0], incidents[1]
    out = tmp_path / "partial.zip"
    cli("key", "rename", "Field team")    # a key named after the login sends no partial package
    cli("export", demo_case, out, "--incident", shared["id"], "--no-media")
    with zipfile.ZipFile(out) as package:
        (tmp_path / "map.geojson").write_bytes(package.read("data/map.geojson"))
        kml_text = package.read("data/map.kml").decode("utf-8")
    features = json.loads((tmp_path / "map.geojson").read_text(encoding="utf-8"))["features"]
    titles = {f["properties"]["name"] for f in features
              if f["properties"]["feature"] == "incident"}
    assert titles == {shared["title"]} and private["title"] not in kml_text
    whole = cli("export-map", demo_case, tmp_path / "all.geojson", "--json").json()
    items = [f for f in features if f["properties"]["feature"] == "item"]
    assert 0 < len(items) < whole["items"]
    assert "Feature Count" in ogrinfo(tmp_path / "map.geojson")
