"""Positions and capture times for the map and timeline: projection, MBTiles, the query."""

from __future__ import annotations

import math
import sqlite3
import subprocess
from datetime import UTC, datetime

import numpy as np
import pytest
from test_frames import _make_clip

from reviewer.core import mercator
from reviewer.core.geotime import in_polygon, incident_span, nearest, read_geotime
from reviewer.core.importer import import_paths
from reviewer.core.incidents import Incident
from reviewer.core.mbtiles import BasemapError, open_basemap


def test_projection_round_trips_and_puts_north_up():
    x, y = mercator.project([0.0, 60.0, -33.9], [0.0, 10.0, 151.2])
    lat, lon = mercator.unproject(x, y)
    assert lat == pytest.approx([0.0, 60.0, -33.9])
    assert lon == pytest.approx([0.0, 10.0, 151.2])
    assert y[1] < 0 < y[2]                  # north is up: smaller scene y
    assert x[1] == pytest.approx(1_113_194.9, abs=1)


def test_an_uncertainty_circle_is_stretched_by_latitude():
    """At 60° Mercator doubles lengths: a 300 m circle is 600 scene metres across-radius."""
    assert mercator.circle_radius(60.0, 300.0) == pytest.approx(600.0)
    assert mercator.circle_radius(0.0, 300.0) == pytest.approx(300.0)
    # The circle's scene radius matches the projected distance 300 m north of the centre.
    lat = 33.5717
    north = lat + math.degrees(300.0 / mercator.RADIUS)
    _x, ys = mercator.project([lat, north], [36.0, 36.0])
    assert abs(ys[0] - ys[1]) == pytest.approx(mercator.circle_radius(lat, 300.0), rel=1e-3)


def test_tiles_count_rows_from_the_north_and_mbtiles_from_the_south():
    assert mercator.tms_row(3, 0) == 7
    assert mercator.tile_rect(1, 1, 1)[:2] == (0.0, 0.0)
    assert mercator.tiles_covering(2, -1.0, -1.0, 1.0, 1.0) == [(1, 1), (2, 1), (1, 2), (2, 2)]
    assert mercator.zoom_for(mercator.tile_size(10) / 256) == 10


def make_mbtiles(path, tiles: dict[tuple[int, int, int], bytes], fmt="png"):
    """An MBTiles file as offline map tools write it: tiles keyed (zoom, column, TMS row)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
                 " tile_row INTEGER, tile_data BLOB)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)",
                     [("name", "test map"), ("format", fmt)])
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                     [(z, c, r, data) for (z, c, r), data in tiles.items()])
    conn.commit()
    conn.close()
    return path


def test_a_basemap_tile_is_read_with_its_row_flipped(tmp_path):
    path = make_mbtiles(tmp_path / "area.mbtiles", {(1, 0, 1): b"north-west", (1, 0, 0): b"sw"})
    basemap = open_basemap(path)
    try:
        assert (basemap.name, basemap.min_zoom, basemap.max_zoom) == ("test map", 1, 1)
        assert basemap.tile(1, 0, 0) == b"north-west"       # XYZ row 0 is TMS row 1
        assert basemap.tile(1, 0, 1) == b"sw"
        assert basemap.tile(1, 1, 0) is None
    finally:
        basemap.close()


@pytest.mark.parametrize("content, reason", [
    ("text", "not an MBTiles file"),
    ("no-tiles", "no tiles table"),
    ("vector", "vector tiles"),
    ("empty", "holds no tiles"),
    ("missing", "no such file"),
])
def test_a_bad_basemap_is_refused_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "bad.mbtiles"
    if content == "text":
        path.write_text("this is not a database at all, only some words" * 20)
    elif content == "no-tiles":
        sqlite3.connect(path).execute("CREATE TABLE other (a)").connection.close()
    elif content == "vector":
        make_mbtiles(path, {(0, 0, 0): b"x"}, fmt="pbf")
    elif content == "empty":
        make_mbtiles(path, {})
    with pytest.raises(BasemapError) as error:
        open_basemap(path)
    assert str(path) in str(error.value) and reason in str(error.value)


def test_positions_times_and_tracks_of_a_real_case(case, tmp_path, photo_factory):
    placed = photo_factory(gps=(33.57, 36.30, 700.0), taken=datetime(2018, 4, 7, 19, 32))
    unplaced = photo_factory(gps=None, taken=None)
    import_paths(case, [placed, unplaced, _make_clip(tmp_path / "flight").parent],
                 frames_every=2)
    data = read_geotime(case)
    rows = dict(case.conn.execute("SELECT original_name, id FROM evidence").fetchall())
    first, second = data.index_of[rows[placed.name]], data.index_of[rows[unplaced.name]]
    assert (data.lat[first], data.lon[first]) == pytest.approx((33.57, 36.30))
    assert math.isnan(data.lat[second]) and math.isnan(data.time[second])
    # 16:32 UTC: the camera's 19:32 at +02:00 (photo_factory's offset)
    assert datetime.fromtimestamp(data.time[first], UTC) == datetime(
        2018, 4, 7, 17, 32, tzinfo=UTC)
    assert data.offsets[first] == "+02:00"
    (video_id, track), = data.tracks.items()
    assert len(track) == 5 and (data.kind[track] == 1).all()
    assert np.all(np.diff(data.lat[track]) > 0)           # the SRT's northward flight, in order
    assert data.kind[data.index_of[video_id]] == 2


def test_a_photo_whose_gps_clock_disagrees_is_flagged(case, photo_factory):
    agreeing = photo_factory(taken=datetime(2024, 3, 1, 14, 30, 0))
    drifting = photo_factory(taken=datetime(2024, 3, 1, 14, 30, 0))
    for path, stamp in ((agreeing, "12:30:20"), (drifting, "12:45:00")):
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-GPSDateStamp=2024:03:01",
                        f"-GPSTimeStamp={stamp}", str(path)], check=True)
    import_paths(case, [agreeing, drifting])
    data = read_geotime(case)
    names = dict(case.conn.execute("SELECT original_name, id FROM evidence").fetchall())
    assert data.disagree[data.index_of[names[agreeing.name]]] == 0
    assert data.disagree[data.index_of[names[drifting.name]]] == pytest.approx(900, abs=1)


def test_incident_interval_and_geometry_helpers():
    span = incident_span(Incident("i", "t", time_from="2018-04-07T19:00:00+03:00",
                                  time_to="2018-04-07T19:45:00+03:00"))
    assert span is not None and span[1] - span[0] == 45 * 60
    assert incident_span(Incident("i", "t")) is None
    xs, ys = np.array([0.5, 2.0, 0.1]), np.array([0.5, 0.5, 0.9])
    assert in_polygon(xs, ys, [(0, 0), (1, 0), (1, 1), (0, 1)]).tolist() == [True, False, True]
    assert nearest(xs, ys, 1.9, 0.5, 0.2) == 1 and nearest(xs, ys, 5, 5, 0.2) is None
