"""Show all on a laptop's short, wide map dock: items on other continents stay in view."""

from __future__ import annotations

from reviewer.core.geotime import read_geotime
from reviewer.core.importer import import_paths
from reviewer.ui.map.map_view import MapView

# The corpus spans these: Portland's action cam, a Thai beach's iPhone, Italy's Nikon.
FAR_APART = {"portland.jpg": (45.52, -122.57), "phuket.jpg": (7.83, 98.30),
             "arezzo.jpg": (43.47, 11.89)}


def test_show_all_keeps_every_continent_in_a_short_wide_dock(case, photo_factory, qtbot):
    import_paths(case, [photo_factory(name, gps=(lat, lon, 0.0))
                        for name, (lat, lon) in FAR_APART.items()])
    ids = dict(case.conn.execute("SELECT original_name, id FROM evidence").fetchall())
    view = MapView()
    qtbot.addWidget(view)
    view.resize(870, 140)        # the Map dock of a 1366 x 768 window
    view.show()
    qtbot.waitExposed(view)
    view.set_data(read_geotime(case))
    view.fit_all()               # what the pane's Show all button calls
    inside = view.viewport().rect()
    for name in FAR_APART:
        at = view.point_of(ids[name])
        assert at is not None and inside.contains(at), (name, at, inside)
    # Still no further out than the whole world in the pane.
    world_px = view.mapFromScene(view.sceneRect()).boundingRect()
    assert world_px.width() >= inside.width() or world_px.height() >= inside.height()
    assert view.transform().m11() >= view.min_scale() - 1e-12
