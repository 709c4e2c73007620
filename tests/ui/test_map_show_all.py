"""Show all on a laptop's short, wide map dock: items on other continents stay in view."""

from __future__ import annotations

from itertools import pairwise

from reviewer.core.geotime import read_geotime
from reviewer.core.importer import import_paths
from reviewer.ui.map.map_view import MapView

# The corpus spans these: Portland's action cam, a Thai beach's iPhone, Italy's Nikon.
FAR_APART = {"portland.jpg": (45.52, -122.57), "phuket.jpg": (7.83, 98.30),
             "arezzo.jpg": (43.47, 11.89)}

def _shown_all(qtbot, case, photo_factory, places: dict[str, tuple[float, float]]) -> MapView:
    """Photos taken at `places` in the Map dock of a 1366 x 768 window, after Show all."""
    import_paths(case, [photo_factory(name, gps=(lat, lon, 0.0))
                        for name, (lat, lon) in places.items()])
    view = MapView()
    qtbot.addWidget(view)
    view.resize(870, 140)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(read_geotime(case))
    view.fit_all()               # what the pane's Show all button calls
    return view



def test_show_all_keeps_every_continent_in_a_short_wide_dock(case, photo_factory, qtbot):
    view = _shown_all(qtbot, case, photo_factory, FAR_APART)
    ids = dict(case.conn.execute("SELECT original_name, id FROM evidence").fetchall())
    inside = view.viewport().rect()
    for name in FAR_APART:
        at = view.point_of(ids[name])
        assert at is not None and inside.contains(at), (name, at, inside)
    # Still no further out than the whole world in the pane.
    world_px = view.mapFromScene(view.sceneRect()).boundingRect()
    assert world_px.width() >= inside.width() or world_px.height() >= inside.height()
    assert view.transform().m11() >= view.min_scale() - 1e-12


def test_the_degree_labels_do_not_run_into_each_other_when_zoomed_out(case, photo_factory,
                                                                         qtbot):
    from reviewer.core import mercator

    # From Helsinki to Santiago: Show all zooms out until the world is ~470 px wide.
    places = {**FAR_APART, "helsinki.jpg": (60.15, 24.91), "santiago.jpg": (-33.45, -70.67)}
    view = _shown_all(qtbot, case, photo_factory, places)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    step, _lats, lons = view._graticule(visible)
    xs = [view.mapFromScene(float(mercator.project(0.0, lon)[0]), 0.0).x() for lon in lons]
    widest = max(view.fontMetrics().horizontalAdvance(mercator.degrees_text(lon, step, "E", "W"))
                 for lon in lons)
    gaps = [b - a for a, b in pairwise(xs)]
    assert len(lons) >= 3 and min(gaps) >= widest + 6, (step, gaps, widest)


def test_no_parallel_label_is_drawn_under_the_scale_bar(case, photo_factory, qtbot):
    # The world in a short dock: the equator runs a few pixels above the foot, where the
    # scale bar is; its "0°N" was drawn there, half hidden behind the bar.
    places = {**FAR_APART, "quito.jpg": (-0.18, -78.47), "singapore.jpg": (1.29, 103.85)}
    view = _shown_all(qtbot, case, photo_factory, places)
    from reviewer.core import mercator

    band_top = view.viewport().height() - 32
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    _step, lats, _lons = view._graticule(visible)
    in_band = [lat for lat in lats if view.mapFromScene(
        0.0, float(mercator.project(lat, 0.0)[1])).y() >= band_top]
    assert in_band, "the scene this test is about: a parallel runs behind the scale bar"
    for at, text in view.parallel_labels():
        assert at.y() + view.fontMetrics().descent() < band_top, (text, at.y(), band_top)
    view.resize(870, 400)            # the dock made taller: the same parallels labelled
    qtbot.waitUntil(lambda: len(view.parallel_labels()) >= len(in_band))
