"""How fast are the map and the timeline on a case of 100,000 items? (`ui_speed.py --geo`)

Builds (once; reused from --dir) a case of 100,000 items -- 59,200 photos, 800 drone
videos and 40,000 of their frames (50 per flight, joined as tracks) -- with positions
spread over a region of about 170 x 170 km and capture times over the year 2023, and
1,000,000 regions. The rows are written with direct SQL executemany (the importer would
take hours); every item points at one small stored JPEG. Then it starts the real app
(`reviewer CASE`) offscreen in a fresh process and prints, each against its target
and, where one exists, against a baseline measured in the same process:

  - window ready: process start to the main window shown with the case open and the
    browser's grid painted; and, for information, to the map and timeline drawn with
    every item (their arrays are read off the UI thread);
  - map redraw: a 15 px pan step, and a zoom step (x1.25 / x0.8), each to the map's
    viewport repainted (`repaint()`, synchronous), at "Show all" (all 100,000 points in
    view). Baseline: the same pan on a QGraphicsView holding one QGraphicsEllipseItem
    per point (the naive way), in the same process;
  - timeline redraw: the same pan and zoom steps on the timeline. Baseline: one
    drawEllipse per item in a paintEvent;
  - the positions query (core.geotime.read_geotime), against a bare SELECT of the
    same columns' ids and positions;
  - peak memory (VmHWM) of the app process, read before the baselines are built.

    QT_QPA_PLATFORM=offscreen python bench/ui_speed.py --geo [--dir /tmp/ui_bench_geo]
        [--rebuild]
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

N_ITEMS = 100_000
N_VIDEOS = 800
FRAMES_PER_VIDEO = 50
N_REGIONS = 1_000_000
STEPS = 30
SETUP_ACTOR = "ui-bench-setup"
SEED = 20241203
REGION = (32.8, 34.3, 35.6, 37.4)        # south, north, west, east
YEAR = (1672531200.0, 1704067200.0)      # 2023 in UTC
TARGET_READY_S = 2.0
TARGET_REDRAW_MS = 50.0
TARGET_PEAK_MB = 800.0


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def build_case(folder: Path, rebuild: bool) -> Path:
    from PIL import Image

    from reviewer.core.case import create_case
    from reviewer.core.labels import list_labels
    from reviewer.core.media_store import stored_relpath

    case_path = folder / "geo.case"
    done = folder / "geo.json"
    if done.exists() and case_path.exists() and not rebuild:
        print(f"reusing the case {case_path}", flush=True)
        return case_path
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["rm", "-rf", str(case_path)], check=True)
    case = create_case(case_path, title="Map and timeline bench", actor=SETUP_ACTOR)
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 150)).save(buffer, "JPEG")
    data = buffer.getvalue()
    stored = stored_relpath(hashlib.sha256(data).hexdigest(), "jpg")
    (case.path / stored).parent.mkdir(parents=True, exist_ok=True)
    (case.path / stored).write_bytes(data)
    rng = random.Random(SEED)
    south, north, west, east = REGION
    # Towns: most photos cluster round a few places, the rest are spread out.
    towns = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(40)]
    rows = []
    counter = iter(range(10 ** 9))

    def row(kind, lat, lon, when, **extra):
        n = next(counter)
        return {"id": f"{n:08d}-bench-{kind}", "kind": kind,
                "sha256": hashlib.sha256(f"{SEED}-{n}".encode()).hexdigest(),
                "bytes": len(data), "original_name": f"{kind}_{n:06d}.jpg",
                "stored_path": stored, "mime": "image/jpeg", "format": "JPEG",
                "width": 320, "height": 240, "taken_at": _iso(when + 3 * 3600) + "+03:00",
                "taken_at_utc": _iso(when) + "Z", "taken_at_offset": "+03:00",
                "gps_lat": lat, "gps_lon": lon, "imported_at": "2024-01-01T00:00:00Z",
                "imported_by": SETUP_ACTOR, **extra}

    rows.append(row("photo", towns[0][0], towns[0][1], YEAR[0] + 60))   # first in order
    n_photos = N_ITEMS - N_VIDEOS * (FRAMES_PER_VIDEO + 1) - 1
    for _ in range(n_photos):
        if rng.random() < 0.7:
            lat, lon = rng.choice(towns)
            lat, lon = lat + rng.gauss(0, 0.02), lon + rng.gauss(0, 0.02)
        else:
            lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        rows.append(row("photo", lat, lon, rng.uniform(YEAR[0] + 3600, YEAR[1])))
    for _ in range(N_VIDEOS):
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        start = rng.uniform(YEAR[0] + 3600, YEAR[1] - 3600)
        heading = rng.uniform(0, 2 * math.pi)
        video = row("video", lat, lon, start, duration_s=100.0, fps=25.0, frame_count=2500,
                    mime="video/mp4", format="MP4")
        rows.append(video)
        for k in range(FRAMES_PER_VIDEO):
            heading += rng.gauss(0, 0.15)
            lat += 10 * 2 * math.cos(heading) / 111_000           # 10 m/s, a frame each 2 s
            lon += 10 * 2 * math.sin(heading) / (111_000 * math.cos(math.radians(lat)))
            rows.append(row("frame", lat, lon, start + 2 * k, parent_id=video["id"],
                            frame_index=50 * k, frame_time_ms=2000 * k))
    columns = sorted({key for r in rows for key in r})
    with case.write() as tx:
        tx.conn.executemany(
            f"INSERT INTO evidence ({', '.join(columns)}) VALUES"
            f" ({', '.join('?' * len(columns))})",
            [[r.get(c) for c in columns] for r in rows])
        tx.record("bench.evidence", None, {"count": len(rows)})
    print(f"  {len(rows)} items in {time.monotonic() - started:.0f} s", flush=True)
    labels = [label.id for label in list_labels(case)]
    pictures = [r["id"] for r in rows if r["kind"] != "video"]
    with case.write() as tx:
        batch = []
        for n in range(N_REGIONS):
            x, y = rng.uniform(0, 280), rng.uniform(0, 200)
            geometry = json.dumps({"x": round(x, 1), "y": round(y, 1), "w": 30, "h": 30})
            batch.append((f"{n:08d}-bench-region", rng.choice(pictures), rng.choice(labels),
                          "rect", geometry, x, y, 30, 30, tx.at, tx.actor, tx.at, tx.actor))
            if len(batch) == 100_000:
                tx.conn.executemany(
                    "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w,"
                    " h, created_at, created_by, updated_at, updated_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                batch = []
        tx.record("bench.regions", None, {"count": N_REGIONS})
    case.close()
    print(f"  {N_REGIONS} regions; built in {time.monotonic() - started:.0f} s", flush=True)
    done.write_text(json.dumps({"case": str(case_path)}))
    return case_path


# -- the app process ---------------------------------------------------------------------

def _status_mb(key: str) -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _timed_repaints(widget, step, count: int = STEPS) -> list[float]:
    """Milliseconds of `step(i)` plus a synchronous repaint of `widget`, `count` times."""
    from PySide6.QtWidgets import QApplication

    times = []
    for i in range(count):
        QApplication.processEvents()
        started = time.perf_counter()
        step(i)
        widget.repaint()
        times.append((time.perf_counter() - started) * 1000)
    return times


class GeoDriver:
    def __init__(self, app, t0: float, case_path: Path) -> None:
        self.app, self.t0, self.case_path = app, t0, case_path
        self.result: dict = {}
        self.error: str | None = None

    def run(self) -> None:
        from PySide6.QtCore import QThreadPool

        try:
            self._run()
        except BaseException:
            self.error = traceback.format_exc()
            print(self.error, file=sys.stderr, flush=True)
        finally:
            window = getattr(self, "window", None)
            if window is not None:
                window.close()
            QThreadPool.globalInstance().waitForDone(30_000)
            self.app.quit()

    def _run(self) -> None:
        from ui_speed import _paint_counter, wait_until

        from reviewer.ui.main_window import MainWindow

        wait_until(lambda: any(isinstance(w, MainWindow) and w.workspace is not None
                               for w in self.app.topLevelWidgets()), "the main window")
        self.window = window = next(w for w in self.app.topLevelWidgets()
                                    if isinstance(w, MainWindow))
        grid = _paint_counter(window.workspace.browser.view.viewport())
        at = wait_until(lambda: grid.count > 0, "the grid painted")
        self.result["ready_s"] = at - self.t0
        geo = window.geo
        window._raise_dock("Map")
        painted = _paint_counter(geo.map.viewport(), lambda: geo.data is not None)
        at = wait_until(lambda: painted.good > 0, "the map drawn with its items")
        self.result["map_ready_s"] = at - self.t0
        self.result["items"] = len(geo.data)
        self.result["positioned"] = len(geo.data.positioned())
        self.result["tracks"] = len(geo.data.tracks)
        self._measure(geo)
        self.result["vmhwm_mb"] = _status_mb("VmHWM")
        self._baselines(geo)

    def _measure(self, geo) -> None:
        view, timeline = geo.map, geo.timeline
        view.fit_all()
        self.result["map_size"] = [view.viewport().width(), view.viewport().height()]
        self.result["map_pan"] = _timed_repaints(
            view.viewport(), lambda i: view.pan_by(15 if i % 10 < 5 else -15, 0))
        self.result["map_zoom"] = _timed_repaints(
            view.viewport(), lambda i: view.zoom_by(1.25 if i % 2 == 0 else 0.8))
        # The same on a big map: its dock floated to 1400 x 800.
        from ui_speed import wait_until

        dock = next(d for d in self.window.docks if d.windowTitle() == "Map")
        dock.setFloating(True)
        dock.resize(1400, 800)
        wait_until(lambda: view.viewport().width() > 1200, "the floated map")
        view.fit_all()
        self.result["big_map_size"] = [view.viewport().width(), view.viewport().height()]
        self.result["big_map_pan"] = _timed_repaints(
            view.viewport(), lambda i: view.pan_by(15 if i % 10 < 5 else -15, 0))
        self.result["big_map_zoom"] = _timed_repaints(
            view.viewport(), lambda i: view.zoom_by(1.25 if i % 2 == 0 else 0.8))
        dock.setFloating(False)
        self.window._raise_dock("Timeline")

        wait_until(lambda: timeline.isVisible(), "the timeline shown")
        timeline.fit_all()
        self.result["timeline_size"] = [timeline.width(), timeline.height()]
        span = timeline.end - timeline.start

        def pan(i: int) -> None:
            shift = span * 15 / timeline.width() * (1 if i % 10 < 5 else -1)
            timeline.set_range(timeline.start + shift, timeline.end + shift)

        def zoom(i: int) -> None:
            factor = 0.8 if i % 2 == 0 else 1.25
            middle = (timeline.start + timeline.end) / 2
            timeline.set_range(middle - (middle - timeline.start) * factor,
                               middle + (timeline.end - middle) * factor)

        self.result["timeline_pan"] = _timed_repaints(timeline, pan)
        self.result["timeline_zoom"] = _timed_repaints(timeline, zoom)
        from reviewer.core.case import open_case
        from reviewer.core.geotime import read_geotime

        with open_case(self.case_path, actor="reader") as case:
            started = time.perf_counter()
            read_geotime(case)
            self.result["query_ms"] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            case.conn.execute("SELECT id, gps_lat, gps_lon, taken_at_utc FROM evidence"
                              ).fetchall()
            self.result["query_baseline_ms"] = (time.perf_counter() - started) * 1000

    def _baselines(self, geo) -> None:
        """The naive ways, same data, same sizes, same process."""
        import numpy as np
        from PySide6.QtCore import QPointF, Qt
        from PySide6.QtGui import QColor, QPainter
        from PySide6.QtWidgets import (
            QGraphicsEllipseItem,
            QGraphicsItem,
            QGraphicsScene,
            QGraphicsView,
            QWidget,
        )

        size = self.result["map_size"]
        scene = QGraphicsScene()
        xs, ys = geo.map.xs, geo.map.ys
        placed = np.flatnonzero(~np.isnan(xs))
        started = time.perf_counter()
        for x, y in zip(xs[placed].tolist(), ys[placed].tolist(), strict=True):
            item = QGraphicsEllipseItem(-2, -2, 4, 4)
            item.setPos(x, y)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setBrush(QColor("#1f6fd1"))
            scene.addItem(item)
        self.result["baseline_build_s"] = time.perf_counter() - started
        from ui_speed import wait_until

        for key, size in (("baseline_map_pan", self.result["map_size"]),
                          ("baseline_big_map_pan", self.result["big_map_size"])):
            view = QGraphicsView(scene)
            view.resize(size[0] + 2, size[1] + 2)
            view.show()
            wait_until(lambda view=view: view.isVisible(), "the baseline map shown")
            # All points in view, as the map's "Show all" has them.
            view.fitInView(scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
            view.viewport().repaint()

            def pan(i: int, view=view) -> None:
                bar = view.horizontalScrollBar()
                bar.setValue(bar.value() + (15 if i % 10 < 5 else -15))

            self.result[key] = _timed_repaints(view.viewport(), pan, 10)
            view.close()
        timeline = geo.timeline
        times = geo.data.time

        class NaiveTimeline(QWidget):
            def paintEvent(self, _event) -> None:
                painter = QPainter(self)
                painter.setBrush(QColor("#1f6fd1"))
                start, end = timeline.start, timeline.end
                width = self.width()
                for n, t in enumerate(times.tolist()):
                    if t == t and start <= t <= end:
                        x = (t - start) * width / (end - start)
                        painter.drawEllipse(QPointF(x, 40 + n % 60), 2, 2)
                painter.end()

        naive = NaiveTimeline()
        naive.resize(*self.result["timeline_size"])
        naive.show()
        wait_until(lambda: naive.isVisible(), "the baseline timeline shown")
        self.result["baseline_timeline_pan"] = _timed_repaints(naive, lambda i: None, 5)
        naive.close()


def child_main(folder: Path, t0: float) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    case_path = Path(json.loads((folder / "geo.json").read_text())["case"])
    driver = GeoDriver(app, t0, case_path)
    QTimer.singleShot(0, driver.run)
    from reviewer.cli import main as reviewer_main

    reviewer_main([str(case_path)])
    print("RESULT " + json.dumps(driver.result), flush=True)
    return 1 if driver.error else 0


def _med(values) -> float:
    return statistics.median(values)


def _line(name: str, value: float, unit: str, target: float, baseline: float | None = None
          ) -> str:
    verdict = "PASS" if value < target else "FAIL"
    against = f"; baseline {baseline:8.1f} {unit}, ratio {value / baseline:6.3f}" \
        if baseline else ""
    return f"{name:<46} {value:8.1f} {unit} (target {target:g}){against}  {verdict}"


def report(result: dict, command: str) -> None:
    print()
    print(f"command: {command}")
    print(f"case: {result['items']} items ({result['positioned']} with a position,"
          f" {result['tracks']} flight tracks), {N_REGIONS} regions; map viewport"
          f" {result['map_size']}, timeline {result['timeline_size']} (offscreen)")
    print(_line("window ready (grid painted; median)", result["ready_s"], "s",
                TARGET_READY_S))
    print(f"  runs: {', '.join(f'{r:.2f}' for r in result['ready_runs'])} s; map and timeline"
          f" drawn with every item at {result['map_ready_s']:.2f} s (median; arrays read off"
          f" the UI thread after the grid's first paint); other processes used"
          f" {', '.join(f'{c:.2f}' for c in result['others_runs'])} CPUs during the runs"
          " (the last run's figures are shown below)")
    base_map = _med(result["baseline_map_pan"])
    print(_line("map pan step, all points in view (median)", _med(result["map_pan"]), "ms",
                TARGET_REDRAW_MS, base_map))
    print(_line("map zoom step (median)", _med(result["map_zoom"]), "ms", TARGET_REDRAW_MS,
                base_map))
    print(f"  max pan {max(result['map_pan']):.1f} ms, max zoom {max(result['map_zoom']):.1f}"
          f" ms; baseline = one QGraphicsEllipseItem per point (built in"
          f" {result['baseline_build_s']:.1f} s)")
    base_big = _med(result["baseline_big_map_pan"])
    print(_line(f"map pan step at {result['big_map_size']} (median)",
                _med(result["big_map_pan"]), "ms", TARGET_REDRAW_MS, base_big))
    print(_line("map zoom step there (median)", _med(result["big_map_zoom"]), "ms",
                TARGET_REDRAW_MS, base_big))
    print(f"  max pan {max(result['big_map_pan']):.1f} ms, max zoom"
          f" {max(result['big_map_zoom']):.1f} ms (the map's dock floated to 1400 x 800)")
    base_line = _med(result["baseline_timeline_pan"])
    print(_line("timeline pan step (median)", _med(result["timeline_pan"]), "ms",
                TARGET_REDRAW_MS, base_line))
    print(_line("timeline zoom step (median)", _med(result["timeline_zoom"]), "ms",
                TARGET_REDRAW_MS, base_line))
    print(f"  max pan {max(result['timeline_pan']):.1f} ms, max zoom"
          f" {max(result['timeline_zoom']):.1f} ms; baseline = one drawEllipse per item")
    print(f"positions query (read_geotime) {result['query_ms']:.0f} ms; a bare SELECT of ids"
          f" and positions {result['query_baseline_ms']:.0f} ms, ratio"
          f" {result['query_ms'] / result['query_baseline_ms']:.2f}")
    print(_line("peak memory (VmHWM, before the baselines)", result["vmhwm_mb"], "MB",
                TARGET_PEAK_MB))


def main(folder: Path, rebuild: bool, runs: int = 3) -> int:
    print(f"machine: {os.cpu_count()} CPUs; building or reusing the case in {folder} ...",
          flush=True)
    build_case(folder, rebuild)
    from ui_speed import run_child

    platform = os.environ.get("QT_QPA_PLATFORM")
    command = " ".join([*([f"QT_QPA_PLATFORM={platform}"] if platform else []),
                        os.path.basename(sys.executable), *sys.argv])
    results = []
    for run in range(runs):
        print(f"the app on it (fresh process {run + 1}/{runs}) ...", flush=True)
        results.append(run_child("geo", folder, None, False))
    result = results[-1]
    result["ready_runs"] = [r["ready_s"] for r in results]
    result["map_ready_runs"] = [r["map_ready_s"] for r in results]
    result["others_runs"] = [r["others_cpus"] for r in results]
    result["ready_s"] = _med(result["ready_runs"])
    result["map_ready_s"] = _med(result["map_ready_runs"])
    report(result, command)
    return 0
