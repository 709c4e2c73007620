"""The map and timeline panes with real mouse events: picking, lasso, highlight, brushing,
and a basemap tile from an MBTiles file made here."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
from PySide6.QtCore import QBuffer, QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from reviewer.core import mercator
from reviewer.core.mbtiles import open_basemap
from reviewer.ui.map.map_layers import SELECTED

PLACES = {   # name: (lat, lon, local time at +02:00)
    "north.jpg": (33.60, 36.25, datetime(2018, 4, 7, 10, 0)),
    "west.jpg": (33.50, 36.20, datetime(2018, 4, 7, 14, 0)),
    "east.jpg": (33.52, 36.30, datetime(2018, 4, 9, 10, 0)),
}


@pytest.fixture
def placed_case(tmp_path, photo_factory):
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    case = create_case(tmp_path / "placed", title="Placed", actor="setup")
    import_paths(case, [photo_factory(name, gps=(lat, lon, 400.0), taken=taken)
                        for name, (lat, lon, taken) in PLACES.items()])
    ids = dict(case.conn.execute("SELECT original_name, id FROM evidence").fetchall())
    case.close()
    return tmp_path / "placed.case", ids


def _open(window, qtbot, path):
    assert window.open_case(path)
    geo = window.geo
    qtbot.waitUntil(lambda: geo.data is not None, timeout=10_000)
    window._raise_dock("Map")
    qtbot.waitUntil(lambda: geo.map.isVisible() and geo.map.viewport().width() > 100)
    geo.map.fit_all()
    return geo


def _pixel(widget, at: QPoint) -> QColor:
    return widget.grab().toImage().pixelColor(at)


def test_a_click_on_a_point_selects_the_item_in_the_browser(window, qtbot, placed_case):
    path, ids = placed_case
    geo = _open(window, qtbot, path)
    at = geo.map.point_of(ids["east.jpg"])
    qtbot.mouseClick(geo.map.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert window.workspace.browser.selected_ids() == [ids["east.jpg"]]
    assert window.workspace.current_id == ids["east.jpg"]
    # A click on empty ground picks nothing.
    qtbot.mouseClick(geo.map.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 60))
    assert window.workspace.browser.selected_ids() == []


def test_selecting_in_the_browser_highlights_the_point_on_the_map(window, qtbot, placed_case):
    path, ids = placed_case
    geo = _open(window, qtbot, path)
    view = window.workspace.browser.view
    at = geo.map.point_of(ids["west.jpg"])
    assert _pixel(geo.map.viewport(), at) != QColor(SELECTED)
    index = window.workspace.browser.model.index(
        window.workspace.browser.model.row_of(ids["west.jpg"]))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())
    assert window.workspace.browser.selected_ids() == [ids["west.jpg"]]
    assert _pixel(geo.map.viewport(), at + QPoint(3, 0)) == QColor(SELECTED)
    timeline = geo.timeline
    assert timeline.selected.tolist() == [geo.data.index_of[ids["west.jpg"]]]


def test_a_lasso_selects_the_items_inside_and_publishes_its_area(window, qtbot, placed_case):
    path, ids = placed_case
    geo = _open(window, qtbot, path)
    areas = []
    geo.areaChosen.connect(lambda *bounds: areas.append(bounds))
    west, east = geo.map.point_of(ids["west.jpg"]), geo.map.point_of(ids["east.jpg"])
    north = geo.map.point_of(ids["north.jpg"])
    # Round the two southern photos, leaving the northern one out.
    top = (min(west.y(), east.y()) + north.y()) // 2
    corners = [QPoint(west.x() - 15, top), QPoint(east.x() + 15, top),
               QPoint(east.x() + 15, max(west.y(), east.y()) + 15),
               QPoint(west.x() - 15, max(west.y(), east.y()) + 15)]
    viewport = geo.map.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     corners[0])
    for corner in corners[1:] + corners[:1]:
        QTest.mouseMove(viewport, corner)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                       corners[0])
    assert sorted(window.workspace.browser.selected_ids()) == sorted(
        [ids["west.jpg"], ids["east.jpg"]])
    (south_, west_, north_, east_), = areas
    assert south_ < 33.50 and north_ < 33.60 and west_ < 36.20 < 36.30 < east_


def test_brushing_the_timeline_narrows_the_browser(window, qtbot, placed_case):
    path, ids = placed_case
    geo = _open(window, qtbot, path)
    window._raise_dock("Timeline")
    timeline = geo.timeline
    qtbot.waitUntil(lambda: timeline.isVisible() and timeline.width() > 100)
    model = window.workspace.browser.model
    assert model.rowCount() == 3
    # 7 April only: 08:00 and 12:00 UTC; the 9 April photo falls outside.
    start = datetime(2018, 4, 7, 6, 0).timestamp() - datetime(1970, 1, 1).timestamp()
    end = datetime(2018, 4, 7, 18, 0).timestamp() - datetime(1970, 1, 1).timestamp()
    timeline.set_range(start - 86400, end + 3 * 86400)
    y = int(timeline.lane_rect(0).center().y())
    x0, x1 = int(timeline.x_of(start)), int(timeline.x_of(end))
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(x0, y))
    QTest.mouseMove(timeline, QPoint((x0 + x1) // 2, y))
    QTest.mouseMove(timeline, QPoint(x1, y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(x1, y))
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    assert set(model.ids()) == {ids["north.jpg"], ids["west.jpg"]}
    assert window.workspace.browser.filters.span_button.isVisible()
    # The span's button in the filter bar clears it; the timeline's brush goes too.
    qtbot.mouseClick(window.workspace.browser.filters.span_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    assert timeline.brush is None


def test_a_click_on_the_timeline_selects_and_tells_utc_and_local_time(window, qtbot,
                                                                      placed_case):
    path, ids = placed_case
    geo = _open(window, qtbot, path)
    window._raise_dock("Timeline")
    timeline = geo.timeline
    qtbot.waitUntil(lambda: timeline.isVisible() and timeline.width() > 100)
    index = geo.data.index_of[ids["east.jpg"]]
    xs, ys = timeline._positions()
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton,
                     pos=QPoint(round(xs[index]), round(ys[index])))
    assert window.workspace.browser.selected_ids() == [ids["east.jpg"]]
    assert timeline.describe(index) == ("2018-04-09 08:00:00 UTC\n"
                                        "local 2018-04-09 10:00:00 (+02:00)")


def _png(colour: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def test_an_mbtiles_basemap_made_here_renders_its_tile(window, qtbot, placed_case, tmp_path):
    path, _ids = placed_case
    geo = _open(window, qtbot, path)
    zoom = 9
    column, row = mercator.tiles_covering(zoom, *[float(v) for v in mercator.project(
        33.55, 36.25)], *[float(v) for v in mercator.project(33.55, 36.25)])[0]
    file = tmp_path / "area.mbtiles"
    conn = sqlite3.connect(file)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
                 " tile_row INTEGER, tile_data BLOB)")
    conn.execute("INSERT INTO metadata VALUES ('format', 'png'), ('name', 'area')")
    conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                 (zoom, column, mercator.tms_row(zoom, row), _png("#ff00ff")))
    conn.commit()
    conn.close()
    spot = geo.map.mapFromScene(*[float(v) for v in mercator.project(33.55, 36.25)][::1])
    assert _pixel(geo.map.viewport(), spot) != QColor("#ff00ff")
    geo.set_basemap(open_basemap(file))
    assert _pixel(geo.map.viewport(), spot) == QColor("#ff00ff")


def test_the_timeline_zooms_from_years_to_seconds_with_the_wheel(window, qtbot, placed_case):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    from reviewer.ui.map.time_axis import ticks

    path, _ids = placed_case
    geo = _open(window, qtbot, path)
    window._raise_dock("Timeline")
    timeline = geo.timeline
    qtbot.waitUntil(lambda: timeline.isVisible() and timeline.width() > 100)
    timeline.set_range(0, 40 * 365 * 86400.0)                  # 1970-2010: years
    assert all(len(label) == 4 for _t, label in ticks(timeline.start, timeline.end,
                                                       timeline.width()))
    middle = QPointF(timeline.width() / 2, timeline.height() / 2)
    for _ in range(80):                                        # each notch: x0.8
        QApplication.sendEvent(timeline, QWheelEvent(
            middle, timeline.mapToGlobal(middle), QPoint(0, 0), QPoint(0, 120),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase, False))
    assert timeline.end - timeline.start < 60
    labels = [label for _t, label in ticks(timeline.start, timeline.end, timeline.width())]
    assert labels and all(label.count(":") == 2 for label in labels)   # HH:MM:SS


def test_the_time_span_filter_is_on_the_utc_moment(case, photo_factory):
    from reviewer.core.evidence import EvidenceFilter, list_evidence_ids
    from reviewer.core.importer import import_paths

    early = photo_factory(taken=datetime(2018, 4, 7, 10, 0))     # 08:00 UTC
    late = photo_factory(taken=datetime(2018, 4, 7, 14, 0))      # 12:00 UTC
    import_paths(case, [early, late, photo_factory(taken=None)])
    names = dict(case.conn.execute("SELECT id, original_name FROM evidence").fetchall())
    found = list_evidence_ids(case, EvidenceFilter(taken_from="2018-04-07T07:30:00Z",
                                                   taken_to="2018-04-07T08:30:00Z"))
    assert [names[i] for i in found] == [early.name]
    found = list_evidence_ids(case, EvidenceFilter(taken_from="2018-04-07T10:00:00+02:00",
                                                   taken_to="2018-04-07T12:00:00Z"))
    assert sorted(names[i] for i in found) == sorted([early.name, late.name])



def test_hovering_a_point_names_the_item_and_its_time(window, qtbot, placed_case):
    path, ids = placed_case
    geo = _open(window, qtbot, path)
    text = geo.map.tooltip_at(geo.map.point_of(ids["north.jpg"]))
    assert text.splitlines() == ["north.jpg (photo)", "2018-04-07 08:00:00 UTC",
                                 "local 2018-04-07 10:00:00 (+02:00)", "33.60000, 36.25000"]
    assert geo.map.tooltip_at(QPoint(3, 60)) == ""
