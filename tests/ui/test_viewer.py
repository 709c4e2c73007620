"""The image viewer, driven with real mouse, key and wheel events on real image files."""

from __future__ import annotations

import itertools
import math
import random
import threading
import time

import numpy as np
import pytest
from PIL import ExifTags, Image
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QThreadPool
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewer.ui.viewer import ImageView, RegionDisplay, tools
from reviewer.ui.viewer.loader import ImageLoadTask, LoadRelay

LEFT = Qt.MouseButton.LeftButton
NO_MODS = Qt.KeyboardModifier.NoModifier


# -- files --------------------------------------------------------------------------------

def write_jpeg(path, size=(1200, 800), orientation: int | None = None, **kwargs):
    """A grid on blue-grey with a red left third: which way up it is shows in the pixels."""
    width, height = size
    pixels = np.full((height, width, 3), (70, 90, 120), np.uint8)
    pixels[::50, :] = (230, 230, 230)
    pixels[:, ::50] = (230, 230, 230)
    pixels[:, : width // 3] = (220, 30, 30)
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    image.save(path, "JPEG", quality=92, exif=exif, **kwargs)
    return path


@pytest.fixture
def photo(tmp_path):
    return write_jpeg(tmp_path / "street.jpg")


@pytest.fixture
def view(qtbot, photo):
    widget = ImageView()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    with qtbot.waitSignal(widget.imageLoaded, timeout=10_000) as loaded:
        widget.set_image(photo, 1200, 800)
    assert loaded.args == [True]
    yield widget
    assert QThreadPool.globalInstance().waitForDone(20_000), "a decode was left running"


# -- driving it ---------------------------------------------------------------------------

def screen(view, x, y) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def scene_of(view, point: QPoint) -> tuple[float, float]:
    mapped = view.mapToScene(point)
    return mapped.x(), mapped.y()


def drag(view, start: QPoint, end: QPoint, modifiers=NO_MODS, button=LEFT, steps=6):
    port = view.viewport()
    QTest.mousePress(port, button, modifiers, start)
    for step in range(1, steps + 1):
        QTest.mouseMove(port, start + (end - start) * (step / steps))
    QTest.mouseRelease(port, button, modifiers, end)


def key_event(view, kind, key, modifiers=NO_MODS, auto_repeat=False) -> bool:
    event = QKeyEvent(kind, key, modifiers, "", auto_repeat)
    QApplication.sendEvent(view, event)
    return event.isAccepted()


def click(view, point: QPoint, modifiers=NO_MODS):
    QTest.mouseClick(view.viewport(), LEFT, modifiers, point)


def pixel(view, point: QPoint) -> tuple[int, int, int]:
    colour = view.grab().toImage().pixelColor(point)
    return colour.red(), colour.green(), colour.blue()


def timed_ms(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def rect_region(region_id="r1", x=300.0, y=200.0, w=300.0, h=200.0, colour="#e6194b"):
    return RegionDisplay(region_id, "rect", {"x": x, "y": y, "w": w, "h": h}, "gas cylinder",
                         colour)


def expected_rect(view, a: QPoint, b: QPoint) -> dict:
    (x0, y0), (x1, y1) = scene_of(view, a), scene_of(view, b)
    x0, x1 = (tools.clamp(v, 0, 1200) for v in (x0, x1))
    y0, y1 = (tools.clamp(v, 0, 800) for v in (y0, y1))
    return {"x": min(x0, x1), "y": min(y0, y1), "w": abs(x1 - x0), "h": abs(y1 - y0)}


def assert_geometry(actual: dict, expected: dict, tolerance=0.06):
    assert actual.keys() == expected.keys()
    for key in expected:
        assert actual[key] == pytest.approx(expected[key], abs=tolerance), key


# -- the image ----------------------------------------------------------------------------

def test_fits_the_first_image_and_scene_is_image_pixels(view):
    assert view.zoom() == pytest.approx(min(800 / 1200, 600 / 800))
    assert scene_of(view, screen(view, 600, 400)) == pytest.approx((600, 400), abs=1 / view.zoom())
    assert pixel(view, screen(view, 100, 400))[0] > 180           # the red third, on the left


def test_exif_orientation_is_applied(qtbot, tmp_path, view):
    rotated = write_jpeg(tmp_path / "rotated.jpg", orientation=6)   # stored 1200x800
    with qtbot.waitSignal(view.imageLoaded, timeout=10_000):
        view.set_image(rotated, 800, 1200)
    # Turned a quarter clockwise: the red third now lies along the top.
    red, _, blue = pixel(view, screen(view, 425, 175))   # off the grid lines
    assert red > 180 and blue < 100
    red, _, blue = pixel(view, screen(view, 425, 1025))
    assert red < 120 and blue > 90


def test_large_image_shows_preview_then_full_resolution(qtbot, tmp_path, view):
    stripes = np.full((4000, 6000), 120, np.uint8)
    stripes[1900:2100, 2900:3100:2] = 0                 # one-pixel stripes at the centre
    stripes[1900:2100, 2901:3100:2] = 255
    path = tmp_path / "drone.jpg"
    Image.fromarray(stripes).convert("RGB").save(path, "JPEG", quality=95, subsampling=0)
    shown = []
    view.imageShown.connect(shown.append)
    with qtbot.waitSignal(view.imageLoaded, timeout=20_000) as loaded:
        view.set_image(path, 6000, 4000)
    assert loaded.args == [True]
    # The preview came first, at a JPEG-friendly fraction that still covers the fitted view.
    assert shown[0] in (0.125, 0.25, 0.5)
    assert shown[0] * 6000 >= view.zoom() * 6000 * view.viewport().devicePixelRatioF() - 1
    assert shown[-1] == 1.0
    view.actual_size()
    row = [pixel(view, screen(view, 3000, 2000) + QPoint(dx, 0))[0] for dx in range(8)]
    # Full resolution: neighbouring pixels alternate dark and light, not a preview's grey.
    assert all(abs(a - b) > 100 for a, b in itertools.pairwise(row)), row


def test_a_stale_decode_is_ignored(qtbot, tmp_path, view):
    big = tmp_path / "big.jpg"
    Image.new("RGB", (5000, 3000), (0, 200, 0)).save(big, quality=90)
    loaded = []
    view.imageLoaded.connect(loaded.append)
    view.set_image(big, 5000, 3000)
    with qtbot.waitSignal(view.imageLoaded, timeout=10_000):
        view.set_image(write_jpeg(tmp_path / "next.jpg"), 1200, 800)
    assert QThreadPool.globalInstance().waitForDone(20_000)
    QApplication.processEvents()
    assert loaded == [True]
    assert pixel(view, screen(view, 1025, 425))[1] < 150         # not the green image


@pytest.mark.parametrize("case", ["garbage", "truncated", "error given"])
def test_an_image_that_cannot_be_shown_gets_a_placeholder_and_reason(qtbot, tmp_path, photo,
                                                                      view, case):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photo.read_bytes()[:600] if case == "truncated" else b"\x00junk" * 500)
    with qtbot.waitSignal(view.imageLoaded, timeout=10_000) as loaded:
        if case == "error given":
            view.set_image(None, 1200, 800, error="the original is missing from the case")
        else:
            view.set_image(broken, 1200, 800)
    assert loaded.args == [False]
    reason = {"garbage": "not an image", "truncated": "damaged image header",
              "error given": "missing from the case"}[case]
    assert reason in view.image_error()
    assert pixel(view, screen(view, 100, 100)) == (107, 107, 107)   # the grey placeholder


def test_heic_loads_through_pillow(qtbot, tmp_path, view):
    import pillow_heif

    pillow_heif.register_heif_opener()
    path = tmp_path / "phone.heic"
    Image.new("RGB", (640, 480), (20, 160, 60)).save(path, "HEIF")
    with qtbot.waitSignal(view.imageLoaded, timeout=10_000) as loaded:
        view.set_image(path, 640, 480)
    assert loaded.args == [True]
    red, green, blue = pixel(view, screen(view, 320, 240))
    assert green > 120 and red < 60 and blue < 90


def test_corpus_photos_decode_upright_or_say_why(corpus):
    """Every real photo decodes at its displayed size; broken files fail with a reason."""
    import csv

    expected = {row["path"]: row for row in csv.DictReader(
        (corpus / "expected.tsv").open(encoding="utf-8"), delimiter="\t")}
    relay, results, prints = LoadRelay(), [], []
    relay.decoded.connect(lambda _, image, full: results.append((image, full)))
    relay.failed.connect(lambda _, reason: results.append((reason, True)))
    names = ["photos_gps/iphone_xs_max.heic", "photos_misc/iphone13promax_no_gps.heic",
             "photos_gps/dji_zenmuse_xt2_radiometric_16bit.tiff",
             *(f"photos_misc/orientation/Landscape_{n}.jpg" for n in (0, 1, 2, 3, 4, 6, 8))]
    for path in [*(corpus / name for name in names), *sorted((corpus / "broken").iterdir())]:
        results.clear()
        ImageLoadTask(path, 0, relay, threading.Event()).run()     # here, synchronously
        outcome, full = results[-1]
        assert full
        if isinstance(outcome, str):
            assert path.parent.name == "broken" and outcome, path
            continue
        row = expected.get(str(path.relative_to(corpus)))
        if row:
            size = (outcome.width(), outcome.height())
            assert size == (int(row["display_width"]), int(row["display_height"])), path
        if path.parent.name == "orientation":
            prints.append(fingerprint(outcome))
    # EXIF orientations 0-8: every one must be shown the same way up (a flip differs by >130).
    assert len(prints) == 7 and all(max(map(abs, np.subtract(one, prints[1]))) < 40
                                    for one in prints)


def fingerprint(image) -> list[int]:
    small = image.scaled(12, 8, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    return [small.pixelColor(x, y).lightness() for y in range(8) for x in range(12)]


# -- zoom and pan -------------------------------------------------------------------------

def wheel(view, at: QPoint, notches: int):
    event = QWheelEvent(QPointF(at), QPointF(view.viewport().mapToGlobal(at)), QPoint(),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, NO_MODS,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


@pytest.mark.parametrize("notches", [1, 3, -1])
def test_wheel_zoom_keeps_the_point_under_the_cursor(view, notches):
    cursor = QPoint(230, 170)
    before = scene_of(view, cursor)
    zoom = view.zoom()
    wheel(view, cursor, notches)
    assert view.zoom() == pytest.approx(zoom * 2 ** (notches / 4))
    after = scene_of(view, cursor)
    assert math.dist(before, after) * view.zoom() <= 1.0            # within a screen pixel


def test_keys_and_limits(view):
    QTest.keyClick(view, Qt.Key.Key_Z)
    assert view.zoom() == 1.0
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom() == pytest.approx(1.25)
    QTest.keyClick(view, Qt.Key.Key_F)
    assert view.zoom() == pytest.approx(2 / 3)
    view.zoom_by(1e6)
    assert view.zoom() == 50
    view.zoom_by(1e-9)
    assert view.zoom() == pytest.approx(1 / 50)
    assert not key_event(view, QEvent.Type.KeyPress, Qt.Key.Key_3)   # the window's shortcut


def test_middle_drag_and_space_drag_pan(view):
    view.actual_size()
    view.set_regions([rect_region(x=0, y=0, w=1200, h=800)])     # under the cursor: not moved
    before = scene_of(view, QPoint(400, 300))
    drag(view, QPoint(400, 300), QPoint(300, 250), button=Qt.MouseButton.MiddleButton)
    QTest.keyPress(view, Qt.Key.Key_Space)
    drag(view, QPoint(400, 300), QPoint(350, 300))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = scene_of(view, QPoint(400, 300))
    assert (after[0] - before[0], after[1] - before[1]) == pytest.approx((150, 50), abs=1)
    assert view.selected_ids() == []


def test_center_on_region_fills_about_half_the_view(view):
    view.set_regions([rect_region(w=60, h=40)])
    view.center_on_region("r1")
    assert view.zoom() == pytest.approx(0.5 * min(800 / 60, 600 / 40))
    assert scene_of(view, QPoint(400, 300)) == pytest.approx((330, 220), abs=1)


# -- drawing ------------------------------------------------------------------------------

@pytest.mark.parametrize("zoom_in", [False, True])
def test_drawing_a_rectangle(qtbot, view, zoom_in):
    if zoom_in:
        view.zoom_by(3.0, QPointF(400, 300))
    view.set_tool("rect")
    a, b = screen(view, 500, 350), screen(view, 650, 420)
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        drag(view, a, b)
    assert drawn.args[0] == "rect"
    assert_geometry(drawn.args[1], expected_rect(view, a, b))


def test_a_rectangle_is_clamped_to_the_image_and_a_slip_draws_nothing(qtbot, view):
    view.set_tool("rect")
    a, b = screen(view, 1000, 700), QPoint(799, 599)       # the bottom-right of the window
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        drag(view, a, b)
    geometry = drawn.args[1]
    assert geometry["x"] + geometry["w"] == pytest.approx(1200)
    assert geometry["y"] + geometry["h"] == pytest.approx(800)
    with qtbot.assertNotEmitted(view.regionDrawn):
        drag(view, a, a + QPoint(2, 2))


def test_polygon_by_clicks_and_enter(qtbot, view):
    view.set_tool("polygon")
    points = [screen(view, *p) for p in ((200, 200), (500, 220), (520, 500), (180, 480))]
    for point in points:
        click(view, point)
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        QTest.keyClick(view, Qt.Key.Key_Return)
    assert drawn.args[0] == "polygon"
    expected = [scene_of(view, point) for point in points]
    assert drawn.args[1]["points"] == [pytest.approx(list(p), abs=0.06) for p in expected]


def test_polygon_closes_on_its_first_point_and_backspace_drops_the_last(qtbot, view):
    view.set_tool("polygon")
    points = [screen(view, *p) for p in ((200, 200), (500, 220), (900, 700), (520, 500))]
    for point in points:
        click(view, point)
    QTest.keyClick(view, Qt.Key.Key_Backspace)          # (520, 500) goes again
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        click(view, points[0] + QPoint(4, -3))           # near the first vertex: closes
    assert len(drawn.args[1]["points"]) == 3
    assert drawn.args[1]["points"][2] == pytest.approx(list(scene_of(view, points[2])), abs=0.06)


def test_polygon_closes_on_double_click(qtbot, view):
    view.set_tool("polygon")
    for point in (screen(view, 200, 200), screen(view, 500, 220)):
        click(view, point)
    last = screen(view, 400, 500)
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        click(view, last)                        # a real double-click: a click, then the pair
        QTest.mouseDClick(view.viewport(), LEFT, NO_MODS, last)
    assert len(drawn.args[1]["points"]) == 3
    view.set_regions([])
    for point in (screen(view, 200, 200), screen(view, 500, 220)):
        click(view, point)
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        QTest.mouseDClick(view.viewport(), LEFT, NO_MODS, last)      # the pair alone
    assert len(drawn.args[1]["points"]) == 3


def test_point_by_click(qtbot, view):
    view.set_tool("point")
    at = screen(view, 640, 360)
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        click(view, at)
    assert drawn.args[0] == "point"
    x, y = scene_of(view, at)
    assert_geometry(drawn.args[1], {"x": x, "y": y})


def test_escape_cancels_drawing(qtbot, view):
    view.set_tool("polygon")
    with qtbot.assertNotEmitted(view.regionDrawn):
        for point in (screen(view, 200, 200), screen(view, 500, 220), screen(view, 400, 500)):
            click(view, point)
        QTest.keyClick(view, Qt.Key.Key_Escape)
        QTest.keyClick(view, Qt.Key.Key_Return)
        view.set_tool("rect")
        port = view.viewport()
        QTest.mousePress(port, LEFT, NO_MODS, screen(view, 100, 100))
        QTest.mouseMove(port, screen(view, 300, 300))
        QTest.keyClick(view, Qt.Key.Key_Escape)
        QTest.mouseRelease(port, LEFT, NO_MODS, screen(view, 300, 300))


def test_a_drawn_shape_stays_until_the_window_stores_it(qtbot, view):
    view.set_tool("rect")
    with qtbot.waitSignal(view.regionDrawn) as drawn:
        drag(view, screen(view, 100, 100), screen(view, 300, 300))
    around = QRectF(90, 90, 20, 20)
    assert view.scene().items(around)                          # the dashed sketch
    view.add_region(RegionDisplay("new", "rect", drawn.args[1], "crater", "#f58231"))
    items = [item for item in view.scene().items(around) if item.data(0) is not None]
    assert {item.data(0) for item in items} == {"new"}          # the sketch went


# -- selecting and editing -----------------------------------------------------------------

def test_click_selects_and_drag_moves_with_one_signal(qtbot, view):
    view.set_regions([rect_region()])
    changes, selections = [], []
    view.regionChanged.connect(lambda *args: changes.append(args))
    view.selectionChanged.connect(selections.append)
    start = screen(view, 450, 300)
    drag(view, start, start + QPoint(60, 30), steps=10)
    assert selections == [["r1"]]
    assert len(changes) == 1
    region_id, geometry = changes[0]
    assert region_id == "r1"
    dx, dy = 60 / view.zoom(), 30 / view.zoom()
    assert_geometry(geometry, {"x": 300 + dx, "y": 200 + dy, "w": 300, "h": 200})
    with qtbot.waitSignal(view.regionChanged) as changed:
        drag(view, screen(view, 450, 300), QPoint(5, 5))       # far past the top-left corner
    assert changed.args[1]["x"] == 0 and changed.args[1]["y"] == 0


def test_dragging_a_corner_handle_resizes(qtbot, view):
    view.set_regions([rect_region()])
    view.select_regions(["r1"])
    corner = screen(view, 600, 400)
    with qtbot.waitSignal(view.regionChanged) as changed:
        drag(view, corner, corner + QPoint(40, 20))
    expected_corner = scene_of(view, corner + QPoint(40, 20))
    grab = (600 - scene_of(view, corner)[0], 400 - scene_of(view, corner)[1])
    assert_geometry(changed.args[1], {"x": 300, "y": 200,
                                      "w": expected_corner[0] + grab[0] - 300,
                                      "h": expected_corner[1] + grab[1] - 200})


def test_dragging_a_polygon_vertex(qtbot, view):
    view.set_regions([RegionDisplay("p", "polygon", {"points": [[200, 200], [500, 200],
                                                                [350, 500]]}, "crater", "#f58231")])
    view.select_regions(["p"])
    vertex = screen(view, 350, 500)
    with qtbot.waitSignal(view.regionChanged) as changed:
        drag(view, vertex, vertex + QPoint(0, 30))
    points = changed.args[1]["points"]
    assert points[:2] == [[200, 200], [500, 200]]
    assert points[2][1] == pytest.approx(500 + 30 / view.zoom(), abs=0.1)


def test_toggle_rubber_band_and_empty_click(qtbot, view):
    view.set_regions([rect_region("a", 100, 100, 100, 100), rect_region("b", 400, 100, 100, 100),
                      rect_region("c", 700, 500, 100, 100)])
    click(view, screen(view, 150, 150))
    click(view, screen(view, 450, 150), Qt.KeyboardModifier.ControlModifier)
    assert view.selected_ids() == ["a", "b"]
    click(view, screen(view, 150, 150), Qt.KeyboardModifier.ControlModifier)
    assert view.selected_ids() == ["b"]
    drag(view, screen(view, 650, 450), screen(view, 900, 700),
         modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert view.selected_ids() == ["b", "c"]
    click(view, screen(view, 750, 550))              # a plain click in a multiple selection
    assert view.selected_ids() == ["c"]
    with qtbot.waitSignal(view.selectionChanged) as cleared:
        click(view, screen(view, 1000, 300))          # empty image
    assert cleared.args == [[]]
    click(view, screen(view, 150, 150))
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert view.selected_ids() == []


def test_a_point_is_hit_near_it_and_the_smaller_region_wins(view):
    view.set_regions([rect_region("big", 0, 0, 1200, 800),
                      RegionDisplay("pt", "point", {"x": 600, "y": 400}, "person", "#3cb44b"),
                      rect_region("small", 100, 100, 50, 50)])
    click(view, screen(view, 600, 400) + QPoint(4, 3))
    assert view.selected_ids() == ["pt"]
    click(view, screen(view, 120, 120))
    assert view.selected_ids() == ["small"]


def test_arrows_nudge_and_delete_asks(qtbot, view):
    view.set_regions([rect_region()])
    view.select_regions(["r1"])
    with qtbot.waitSignal(view.regionChanged) as changed:
        QTest.keyClick(view, Qt.Key.Key_Right)
    assert_geometry(changed.args[1], {"x": 301, "y": 200, "w": 300, "h": 200})
    changes = []
    view.regionChanged.connect(lambda *args: changes.append(args))
    for auto_repeat in (False, True, True):             # Shift+Down held: one change
        key_event(view, QEvent.Type.KeyPress, Qt.Key.Key_Down,
                  Qt.KeyboardModifier.ShiftModifier, auto_repeat)
    assert changes == []
    key_event(view, QEvent.Type.KeyRelease, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(changes) == 1
    assert_geometry(changes[0][1], {"x": 301, "y": 230, "w": 300, "h": 200})
    with qtbot.waitSignal(view.deleteRequested) as asked:
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert asked.args == [["r1"]]


def test_set_regions_keeps_selection_by_id(qtbot, view):
    view.set_regions([rect_region("a"), rect_region("b", 700)])
    view.select_regions(["a", "b"])
    with qtbot.waitSignal(view.selectionChanged) as changed:
        view.set_regions([rect_region("a", 10), rect_region("c")])
    assert changed.args == [["a"]]
    assert view.selected_ids() == ["a"]
    with pytest.raises(ValueError, match="unknown tool"):
        view.set_tool("lasso")


# -- a thousand polygons ------------------------------------------------------------------

def test_a_thousand_polygons_stay_interactive(qtbot, view):
    rng = random.Random(7)
    regions = []
    for index in range(1000):
        cx, cy, sides = rng.uniform(60, 1140), rng.uniform(60, 740), rng.randint(4, 12)
        points = [[round(cx + 45 * math.cos(2 * math.pi * k / sides), 1),
                   round(cy + 45 * math.sin(2 * math.pi * k / sides), 1)] for k in range(sides)]
        regions.append(RegionDisplay(f"r{index}", "polygon", {"points": points},
                                     f"label {index % 12}", ("#e6194b", "#3cb44b")[index % 2]))
    set_ms = timed_ms(lambda: view.set_regions(regions))
    QApplication.processEvents()
    repaint_ms = timed_ms(view.viewport().repaint)
    add_ms = timed_ms(lambda: (view.add_region(rect_region("one more")),
                               QApplication.processEvents()))
    bar = view.horizontalScrollBar()
    pans = sorted(timed_ms(lambda step=step: (bar.setValue(bar.value() + (-15, 15)[step % 2]),
                                              QApplication.processEvents()))
                  for step in range(10))
    print(f"\n1,000 polygons: set_regions {set_ms:.0f} ms, full repaint {repaint_ms:.0f} ms,"
          f" add one {add_ms:.1f} ms, pan step median {pans[5]:.1f} ms")
    click(view, screen(view, *regions[500].geometry["points"][0]) + QPoint(-2, 0))
    assert len(view.selected_ids()) == 1


# -- the plain geometry -------------------------------------------------------------------

def test_tool_geometry_without_qt():
    assert tools.resize_rect({"x": 10, "y": 10, "w": 20, "h": 20}, 7, 50, 0, 100, 100) == {
        "x": 30, "y": 10, "w": 20, "h": 20}                    # dragged over: flips
    assert tools.clamp_translation((10, 10, 20, 20), -50, 500, 100, 100) == (-10, 70)
    draft = tools.PolygonDraft(100, 100)
    assert not draft.click(10, 10, 3) and not draft.click(90, 10, 3)
    assert not draft.click(150, 90, 3)                          # clamped to the image
    assert draft.points[-1] == (100, 90)
    assert draft.click(11, 12, 3) and draft.can_close()          # near the first: closes
    assert tools.contains("point", {"x": 5, "y": 5}, 9, 8, 6)
    assert not tools.contains("polygon", {"points": [[0, 0], [10, 0], [0, 10]]}, 9, 9, 1)
    assert tools.rounded("rect", {"x": -0.04, "y": 1.26, "w": 3, "h": 4}) == {
        "x": 0.0, "y": 1.3, "w": 3.0, "h": 4.0}


def test_a_tag_at_the_image_edge_is_moved_onto_the_image_not_cut(view):
    # A narrow region at the right edge (a column at the end of a colonnade): its tag is
    # wider than the region and would run off the image, where the view cuts it.
    view.set_regions([rect_region("edge", x=1180, y=300, w=20, h=200),
                      rect_region("left", x=0, y=300, w=20, h=200)])
    for zoom_steps in (0, 3):
        for _ in range(zoom_steps):
            view.zoom_by(1.25)
        image_right = view.mapFromScene(QPointF(1200, 0)).x()
        image_left = view.mapFromScene(QPointF(0, 0)).x()
        for region_id in ("edge", "left"):
            tag = view._regions.regions[region_id].tag
            left = view.mapFromScene(tag.pos()).x() + tag.rect().left()
            right = left + tag.rect().width()
            assert image_left - 1 <= left and right <= image_right + 1, (region_id, zoom_steps)


def test_side_by_side_tags_are_cut_short_not_piled_up(view):
    # A row of columns: each tag is wider than the gap to the next region.
    view.set_regions([RegionDisplay(f"c{n}", "rect", {"x": 100 + 90 * n, "y": 300, "w": 40,
                                                      "h": 300}, "standing column", "#3cb44b")
                      for n in range(4)])

    def shown():
        tags = []
        for n in range(4):
            graphics = view._regions.regions[f"c{n}"]
            left = view.mapFromScene(graphics.tag.pos()).x() + graphics.tag.rect().left()
            tags.append((left, left + graphics.tag.rect().width(), graphics.text.text()))
        return tags

    tags = shown()
    for (_, right, text), (next_left, _, _) in itertools.pairwise(tags):
        assert right <= next_left + 1 and text.endswith("…")
    assert tags[-1][2] == "standing column"               # the last one has room
    view.select_regions(["c1"])
    assert shown()[1][2] == "standing column"             # selected: whole
