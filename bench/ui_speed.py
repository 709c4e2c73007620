"""How fast does the desktop app feel on a large case?

Builds (once; reused from --dir) a case of 10,000 photos and 100,000 regions with the
real importer, then starts the real app (`reviewer CASE`) offscreen in fresh processes
and prints, each against its target with PASS/FAIL:

  - window ready: process start to the main window shown with the case open and the
    grid's visible thumbnails painted;
  - next image: `browser.step(1)` to the viewer's first decoded pixels painted, median
    of 50 steps over 12-megapixel JPEGs;
  - label filter: choosing a label in the filter bar to the grid repainted after the
    model's reset;
  - on one image carrying 1,000 polygons: drawing one more region (mouse release to the
    stored region painted) and a pan step (mouse move to the view repainted);
  - peak memory (VmHWM) of the app process over all of the above.

Also printed, for information and not judged: where start-up time goes, the steps'
sync part and time to full resolution, stepping back-to-back, a full repaint of the
1,000-polygon view, opening that image, and (unless --no-scroll) paging the grid
through every item, which fills the thumbnail cache, with the memory that then takes.

Times end when the change has been painted: a Paint event filter on the widget's
viewport counts paints, and a 1 ms timer polls for the first paint begun after the
change (so figures are at most ~1 ms late). Each start-up is a fresh process timed
from just before it is spawned, running `reviewer.cli.main([CASE])` as `reviewer CASE`
does, with fresh app settings. The 12-MP photos come from bench/import_speed.py's
generator. It is a measurement, not a test: it exits 0 whatever the figures (1 only on
an error).

    QT_QPA_PLATFORM=offscreen python bench/ui_speed.py [--dir /tmp/ui_bench]
        [--startup-runs 3] [--no-scroll] [--profile DIR] [--rebuild]

--profile DIR writes a cProfile of the UI thread for each phase (DIR/session-next.prof...).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

N_PHOTOS = 10_000
N_BIG = 60                      # 12-megapixel photos, first in display order
N_REGIONS = 100_000
N_POLYGONS = 1_000              # on one 12-megapixel photo
UNTAGGED = 0.2                  # share of the other photos without any region
STEPS = 50
RAPID_STEPS = 20
FILTER_ROUNDS = 3
EDITS = 5
PAN_MOVES = 20
PAN_PX = 15
SMALL = (640, 480)
SCREEN = (1920, 1080)           # the offscreen screen
SETUP_ACTOR = "ui-bench-setup"
SEED = 20240301

TARGET_READY_S = 2.0
TARGET_NEXT_MS = 80.0
TARGET_FILTER_MS = 150.0
TARGET_EDIT_MS = 50.0
TARGET_PEAK_MB = 600.0

WAIT_S = 60.0
TICKS = os.sysconf("SC_CLK_TCK")
# Above this many CPUs used by other processes during a run, its figures are flagged.
NOISY_CPUS = 0.3


# -- generating the photos (not timed) -------------------------------------------------------

def _small_name(index: int) -> str:
    return f"small_{index:05d}.jpg"


def _small_exif(index: int) -> bytes:
    from PIL import Image
    from PIL.TiffImagePlugin import IFDRational

    minutes = index * 17
    day, minute = divmod(minutes, 24 * 60)
    month, day = divmod(day, 28)
    stamp = (f"2025:{1 + month % 12:02d}:{1 + day:02d}"
             f" {minute // 60:02d}:{minute % 60:02d}:{index % 60:02d}")
    exif = Image.Exif()
    exif[0x010F] = ("Apple", "samsung", "Google")[index % 3]          # Make
    exif[0x0110] = ("iPhone 13", "SM-A536B", "Pixel 7")[index % 3]   # Model
    exif[0x0132] = stamp                                              # DateTime
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = stamp                                               # DateTimeOriginal
    ifd[0x9011] = "+03:00"                                            # OffsetTimeOriginal
    if index % 3 == 0:
        gps = exif.get_ifd(0x8825)
        lat, lon = 48.0 + (index % 997) * 1e-3, 37.5 + (index % 991) * 1e-3
        gps[0x0001] = "N"
        gps[0x0002] = (IFDRational(int(lat), 1), IFDRational(int(lat % 1 * 60), 1),
                       IFDRational(round(lat * 3600 % 60 * 100), 100))
        gps[0x0003] = "E"
        gps[0x0004] = (IFDRational(int(lon), 1), IFDRational(int(lon % 1 * 60), 1),
                       IFDRational(round(lon * 3600 % 60 * 100), 100))
    return exif.tobytes()


def _make_small(args: tuple[int, str]) -> None:
    """A small photo-like JPEG (colour blobs, texture, shapes, noise), every one different."""
    import numpy as np
    from PIL import Image, ImageDraw

    index, folder = args
    target = Path(folder) / _small_name(index)
    if target.exists():
        return
    rng = np.random.default_rng(index + 777)
    size = SMALL if index % 5 else SMALL[::-1]
    bicubic = Image.Resampling.BICUBIC
    base = Image.fromarray(rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)).resize(size, bicubic)
    texture = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    image = Image.blend(base, texture.resize(size, bicubic), 0.3)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        r = int(rng.integers(8, 120))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        draw.ellipse((x - r, y - r, x + r, y + r // 2), fill=colour)
    pixels = np.asarray(image, dtype=np.int16)
    pixels = pixels + rng.integers(-6, 7, (size[1], size[0], 1), dtype=np.int16)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    temporary = target.with_name(f".{target.name}.part")
    image.save(temporary, "JPEG", quality=88, exif=_small_exif(index))
    os.replace(temporary, target)


def _make_big(args: tuple[int, str]) -> None:
    # The same photo-like 4000x3000 JPEGs with camera EXIF and GPS as bench/import_speed.py
    # (one in four is orientation 6, portrait stored landscape).
    import import_speed

    import_speed._make_photo(args)


def _generate(what: str, maker, folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    missing = [i for i, name in enumerate(names) if not (folder / name).exists()]
    if missing:
        print(f"generating {len(missing)} {what} in {folder} (not timed) ...", flush=True)
        started = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 1) as pool:
            jobs = [(i, str(folder)) for i in missing]
            for done, _ in enumerate(pool.imap_unordered(maker, jobs, chunksize=8), 1):
                if done % 1000 == 0 or done == len(missing):
                    print(f"  {done}/{len(missing)}", flush=True)
        print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
    return [folder / name for name in names]


def generate(folder: Path) -> tuple[list[Path], list[Path]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import import_speed

    big = _generate("12-megapixel photos", _make_big, folder / "big",
                    [import_speed._photo_name(i) for i in range(N_BIG)])
    small = _generate(f"{SMALL[0]}x{SMALL[1]} photos", _make_small, folder / "small",
                      [_small_name(i) for i in range(N_PHOTOS - N_BIG)])
    return big, small


# -- the case (not timed) --------------------------------------------------------------------

def _rect(rng: random.Random, width: int, height: int) -> dict:
    w, h = rng.uniform(0.02, 0.3) * width, rng.uniform(0.02, 0.3) * height
    x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
    return {"x": round(x, 1), "y": round(y, 1), "w": round(w, 1), "h": round(h, 1)}


def _polygon(rng: random.Random, width: int, height: int, radius: float, sides: int) -> dict:
    cx, cy = rng.uniform(radius, width - radius), rng.uniform(radius, height - radius)
    return {"points": [[round(cx + radius * math.cos(2 * math.pi * k / sides), 1),
                        round(cy + radius * math.sin(2 * math.pi * k / sides), 1)]
                       for k in range(sides)]}


def add_regions(case) -> dict[str, Any]:
    """100,000 regions in one audited transaction: 1,000 polygons on one 12-MP photo."""
    from reviewer.core.clock import new_id
    from reviewer.core.evidence import list_evidence_ids
    from reviewer.core.labels import list_labels
    from reviewer.core.shape import shape_from

    ids = list_evidence_ids(case)
    sizes = {row[0]: (row[1], row[2])
             for row in case.conn.execute("SELECT id, width, height FROM evidence")}
    big_ids = ids[:N_BIG]
    if any(sizes[i][0] * sizes[i][1] < 12_000_000 for i in big_ids):
        raise RuntimeError(f"the first {N_BIG} items in display order are not all 12-MP photos")
    poly_id = big_ids[-1]           # not among the photos the next-image steps visit
    labels = [label.id for label in list_labels(case)]
    weights = [1 / (k + 1) for k in range(len(labels))]   # a few labels common, most rare
    rng = random.Random(SEED)
    rows = []

    def add(evidence_id: str, shape: str, geometry: dict) -> None:
        label = rng.choices(labels, weights)[0]
        rows.append((new_id(), evidence_id, label, shape, json.dumps(geometry),
                     *shape_from(shape, geometry).bounds()))

    width, height = sizes[poly_id]
    for _ in range(N_POLYGONS):
        add(poly_id, "polygon", _polygon(rng, width, height, rng.uniform(40, 120),
                                         rng.randint(4, 12)))
    tagged = [i for i in ids if i != poly_id and rng.random() >= UNTAGGED]
    for _ in range(N_REGIONS - N_POLYGONS):
        evidence_id = rng.choice(tagged)
        width, height = sizes[evidence_id]
        kind = rng.random()
        if kind < 0.7:
            add(evidence_id, "rect", _rect(rng, width, height))
        elif kind < 0.9:
            radius = rng.uniform(0.01, 0.08) * min(width, height)
            add(evidence_id, "polygon", _polygon(rng, width, height, radius, rng.randint(4, 8)))
        else:
            add(evidence_id, "point", {"x": round(rng.uniform(0, width), 1),
                                       "y": round(rng.uniform(0, height), 1)})
    with case.write() as tx:
        tx.conn.executemany(
            "INSERT INTO regions (id, evidence_id, label_id, shape, geometry, x, y, w, h,"
            " created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, tx.at, tx.actor, tx.at, tx.actor) for row in rows])
        tx.record("bench.regions", None, {"count": len(rows)})
    per_label = case.conn.execute(
        "SELECT l.id, l.name, count(DISTINCT r.evidence_id) FROM regions r JOIN labels l"
        " ON l.id = r.label_id GROUP BY l.id ORDER BY 3 DESC").fetchall()
    common, rare = per_label[0], per_label[-1]
    return {"case": str(case.path), "poly_id": poly_id, "big_ids": big_ids,
            "tagged_photos": len(tagged) + 1,
            "common_label": {"id": common[0], "name": common[1], "photos": common[2]},
            "rare_label": {"id": rare[0], "name": rare[1], "photos": rare[2]}}


def _clean(case) -> None:
    """Remove regions a previous (interrupted) run added through the app."""
    extra = case.conn.execute("SELECT count(*) FROM regions WHERE created_by <> ?",
                              (SETUP_ACTOR,)).fetchone()[0]
    if extra:
        with case.write() as tx:
            tx.conn.execute("DELETE FROM regions WHERE created_by <> ?", (SETUP_ACTOR,))
            tx.record("bench.cleanup", None, {"removed": extra})
        print(f"removed {extra} region(s) left by an earlier run", flush=True)
    count = case.conn.execute("SELECT count(*) FROM regions").fetchone()[0]
    items = case.conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    if count != N_REGIONS or items != N_PHOTOS:
        raise RuntimeError(f"the cached case has {items} items and {count} regions, not"
                           f" {N_PHOTOS} and {N_REGIONS}: run again with --rebuild")


def build_case(folder: Path, rebuild: bool) -> dict[str, Any]:
    from reviewer.core.case import create_case, open_case
    from reviewer.core.importer import import_paths

    info_path, case_path = folder / "case.json", folder / "bench.case"
    if rebuild:
        info_path.unlink(missing_ok=True)
    if info_path.exists() and case_path.exists():
        print(f"reusing the case {case_path}", flush=True)
        with open_case(case_path, actor=SETUP_ACTOR) as case:
            _clean(case)
        return json.loads(info_path.read_text())
    generate(folder)
    shutil.rmtree(case_path, ignore_errors=True)
    case = create_case(case_path, title="UI speed bench", actor=SETUP_ACTOR)
    try:
        print(f"importing {N_PHOTOS} photos with reviewer.core.importer.import_paths"
              " (not timed) ...", flush=True)
        started = time.monotonic()

        def progress(p) -> None:
            if p.done % 1000 == 0 or p.done == p.total:
                print(f"  {p.done}/{p.total} ({time.monotonic() - started:.0f} s)", flush=True)

        report = import_paths(case, [folder / "big", folder / "small"], progress=progress)
        if len(report.imported) != N_PHOTOS or report.errors:
            raise RuntimeError(f"imported {len(report.imported)} of {N_PHOTOS}; errors:"
                               f" {report.errors[:3]}")
        print(f"  imported in {time.monotonic() - started:.0f} s"
              f" ({len(report.warnings)} warnings)", flush=True)
        started = time.monotonic()
        info = add_regions(case)
        print(f"added {N_REGIONS} regions in {time.monotonic() - started:.1f} s", flush=True)
    finally:
        case.close()
    info_path.write_text(json.dumps(info))
    return info


# -- the app process -------------------------------------------------------------------------

def _status_kb(key: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _paint_counter(widget, check=None):
    """Counts Paint events a widget receives; `good` counts those begun with check() true."""
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = self.good = 0
            self.first_at: float | None = None

        def eventFilter(self, _watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
                if self.first_at is None:
                    self.first_at = time.monotonic()
                if check is not None and check():
                    self.good += 1
            return False

    counter = PaintCounter()
    widget.installEventFilter(counter)
    return counter


def wait_until(condition, what: str, timeout: float = WAIT_S) -> float:
    """Run the event loop until condition() holds (polled every 1 ms); the time it did."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    if condition():
        return time.monotonic()
    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    state = {"at": 0.0, "timed_out": False}

    def poll() -> None:
        if condition():
            state["at"] = time.monotonic()
            loop.quit()
        elif time.monotonic() > deadline:
            state["timed_out"] = True
            loop.quit()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(1)
    timer.timeout.connect(poll)
    timer.start()
    loop.exec()
    timer.stop()
    if state["timed_out"]:
        raise TimeoutError(f"waited {timeout:.0f} s for {what}")
    return state["at"]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


class AppDriver:
    """Runs inside the app's event loop: waits for the window, then times each action."""

    def __init__(self, app, mode: str, info: dict, t0: float, profile: Path | None,
                 scroll: bool) -> None:
        self.app, self.mode, self.info, self.t0 = app, mode, info, t0
        self.profile, self.scroll = profile, scroll
        self.result: dict[str, Any] = {"marks": {}}
        self.error: str | None = None

    def mark(self, name: str, at: float | None = None) -> None:
        self.result["marks"][name] = round((at or time.monotonic()) - self.t0, 4)

    @contextlib.contextmanager
    def phase(self, name: str):
        if self.profile is None:
            yield
            return
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            yield
        finally:
            profiler.disable()
            profiler.dump_stats(str(self.profile / f"{self.mode}-{name}.prof"))

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

    # -- what is on screen --------------------------------------------------------------

    def visible_indexes(self) -> list:
        from PySide6.QtCore import QPoint

        view, model = self.ws.browser.view, self.ws.model
        port = view.viewport().rect()
        first = view.indexAt(QPoint(port.left() + 4, port.top() + 4))
        start = first.row() if first.isValid() else 0
        found = []
        for row in range(start, min(start + 400, model.rowCount())):
            rect = view.visualRect(model.index(row))
            if rect.intersects(port):
                found.append(model.index(row))
            elif found and rect.top() > port.bottom():
                break
        return found

    def thumbnails_in(self) -> bool:
        from reviewer.ui.evidence_model import ThumbnailRole

        visible = self.visible_indexes()
        return bool(visible) and all(index.data(ThumbnailRole) is not None
                                     for index in visible)

    def idle(self) -> None:
        from PySide6.QtCore import QThreadPool

        pools = (QThreadPool.globalInstance(), self.ws.thumbnails.pool)
        wait_until(lambda: all(pool.activeThreadCount() == 0 for pool in pools), "idle pools")
        self.app.processEvents()

    # -- the measurements ---------------------------------------------------------------

    def _run(self) -> None:
        from PySide6.QtWidgets import QApplication

        from reviewer.ui.main_window import MainWindow

        self.mark("event_loop_started")     # run() has shown the window and opened the case
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if len(windows) != 1 or windows[0].workspace is None:
            raise RuntimeError("the main window did not open the case")
        self.window = windows[0]
        self.ws = self.window.workspace
        self.grid = _paint_counter(self.ws.browser.view.viewport(), self.thumbnails_in)
        self.viewer_paints = _paint_counter(self.ws.viewer.viewport())
        self.startup_shown: list[tuple[float, int]] = []
        self.ws.viewer.imageShown.connect(
            lambda _r: self.startup_shown.append((time.monotonic(), self.viewer_paints.count)))
        with self.phase("startup"):
            ready = wait_until(lambda: self.window.isVisible() and self.grid.good > 0,
                               "the grid's visible thumbnails painted")
        self.mark("grid_first_paint", self.grid.first_at)
        if self.mode == "startup":
            self.mark("first_photo", wait_until(
                lambda: bool(self.startup_shown)
                and self.viewer_paints.count > self.startup_shown[0][1],
                "the first photo's pixels painted"))
        self.mark("ready", ready)
        self.result["ready_s"] = round(ready - self.t0, 4)
        self.result["visible_thumbnails"] = len(self.visible_indexes())
        self.result["items"] = self.ws.model.rowCount()
        self.result["geometry"] = {
            name: [widget.width(), widget.height()] for name, widget in (
                ("window", self.window), ("grid", self.ws.browser.view.viewport()),
                ("viewer", self.ws.viewer.viewport()))}
        if self.mode == "startup":
            self.result["vmhwm_mb"] = round(_status_kb("VmHWM") / 1024, 1)
            return
        self.shown: list[tuple[float, float, int]] = []
        self.loaded: list[tuple[float, bool, int]] = []
        self.ws.viewer.imageShown.connect(
            lambda resolution: self.shown.append(
                (time.monotonic(), resolution, self.viewer_paints.count)))
        self.ws.viewer.imageLoaded.connect(
            lambda ok: self.loaded.append((time.monotonic(), ok, self.viewer_paints.count)))
        self.changes = 0
        self.ws.currentChanged.connect(self._changed)
        self.window.workspace.session.failed.connect(
            lambda message: self.result.setdefault("app_errors", []).append(message))
        wait_until(lambda: self.ws.current_id == self.info["big_ids"][0],
                   "the first photo current")
        self.idle()
        with self.phase("next"):
            self.next_image()
        with self.phase("filter"):
            self.label_filter()
        with self.phase("polygons"):
            self.polygons()
        self.result["vmhwm_mb"] = round(_status_kb("VmHWM") / 1024, 1)
        self.result["vmrss_mb"] = round(_status_kb("VmRSS") / 1024, 1)
        self.result["thumbnails_cached"] = len(getattr(self.ws.thumbnails, "_pixmaps", ()))
        if self.scroll:
            with self.phase("scroll"):
                self.scroll_all()

    def _changed(self, _evidence_id: str) -> None:
        self.changes += 1

    def show(self, action) -> dict[str, float]:
        """Do action (which changes the image); time its sync part, first pixels, full."""
        shown, loaded = len(self.shown), len(self.loaded)
        start = time.monotonic()
        action()
        sync = time.monotonic()
        first = wait_until(lambda: len(self.shown) > shown
                           and self.viewer_paints.count > self.shown[shown][2],
                           "the first decoded pixels painted")
        # Fitted, the full resolution changes nothing on screen (the preview stays drawn),
        # so there is no repaint to wait for: its arrival on the UI thread is the time.
        wait_until(lambda: len(self.loaded) > loaded, "the full resolution decoded")
        full = self.loaded[loaded][0]
        if not self.loaded[loaded][1]:
            raise RuntimeError(f"the viewer could not show {self.ws.current_id}")
        return {"sync_ms": _ms(sync - start), "first_ms": _ms(first - start),
                "full_ms": _ms(full - start), "resolution": self.shown[shown][1]}

    def next_image(self) -> None:
        browser, big = self.ws.browser, self.info["big_ids"]
        steps = []
        for step in range(1, STEPS + 1):
            timing = self.show(lambda: browser.step(1))
            if self.ws.current_id != big[step]:
                raise RuntimeError(f"step {step} showed {self.ws.current_id}, not {big[step]}")
            steps.append(timing)
            self.idle()                      # each step starts from a quiet app
        self.result["next"] = steps
        rapid = []                           # back again, each as soon as its pixels show
        for _ in range(RAPID_STEPS):
            shown = len(self.shown)
            start = time.monotonic()
            browser.step(-1)
            first = wait_until(lambda s=shown: len(self.shown) > s
                               and self.viewer_paints.count > self.shown[s][2],
                               "the first decoded pixels painted")
            rapid.append(_ms(first - start))
        self.result["rapid_ms"] = rapid
        wait_until(lambda: self.loaded and self.loaded[-1][0] >= self.shown[-1][0]
                   and self.ws.current_id == big[STEPS - RAPID_STEPS], "the last image loaded")
        self.idle()

    def label_filter(self) -> None:
        combo, model = self.ws.browser.filters.label, self.ws.model
        choices = [("common", combo.findData(self.info["common_label"]["id"])),
                   ("rare", combo.findData(self.info["rare_label"]["id"])), ("any", 0)]
        if min(index for _, index in choices[:2]) < 0:
            raise RuntimeError("the label filter does not offer the bench's labels")
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in choices}
        for _ in range(FILTER_ROUNDS):
            for name, index in choices:
                paints, good, changes = self.grid.count, self.grid.good, self.changes
                before = self.ws.current_id
                start = time.monotonic()
                combo.setCurrentIndex(index)
                sync = time.monotonic()
                grid = wait_until(lambda p=paints: self.grid.count > p, "the grid repainted")
                thumbs = wait_until(lambda g=good: self.grid.good > g,
                                    "the grid's thumbnails painted")
                reloaded = self.changes > changes
                runs[name].append({"sync_ms": _ms(sync - start), "grid_ms": _ms(grid - start),
                                   "thumbs_ms": _ms(thumbs - start), "rows": model.rowCount(),
                                   "viewer_reloaded": reloaded,
                                   "same_item": reloaded and self.ws.current_id == before})
                if reloaded and self.ws.current_id:
                    wait_until(lambda t=start: self.shown and self.loaded
                               and self.loaded[-1][0] >= self.shown[-1][0]
                               and self.shown[-1][0] > t, "the viewer's image loaded")
                self.idle()
        self.result["filter"] = runs

    def polygons(self) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        ws, viewer = self.ws, self.ws.viewer
        poly_id = self.info["poly_id"]
        self.result["open_poly"] = self.show(lambda: ws.browser.select(poly_id))
        self.idle()
        if ws.regions.model.rowCount() != N_POLYGONS:
            raise RuntimeError(f"the photo shows {ws.regions.model.rowCount()} regions,"
                               f" not {N_POLYGONS}")
        port = viewer.viewport()
        centre = port.rect().center()
        no_mods = Qt.KeyboardModifier.NoModifier
        left = Qt.MouseButton.LeftButton
        stack = ws.session.undo_stack
        self.window.set_tool("rect")
        drawn: list[dict] = []
        viewer.regionDrawn.connect(lambda _shape, geometry: drawn.append(geometry))
        adds, undos = [], []
        for edit in range(EDITS):
            a = centre + QPoint(-60 + 8 * edit, -40)
            b = centre + QPoint(40 + 8 * edit, 50)
            QTest.mousePress(port, left, no_mods, a)
            QTest.mouseMove(port, (a + b) / 2)
            QTest.mouseMove(port, b)
            self.app.processEvents()
            count, paints = stack.index(), self.viewer_paints.count
            start = time.monotonic()
            QTest.mouseRelease(port, left, no_mods, b)
            sync = time.monotonic()
            if stack.index() != count + 1:
                raise RuntimeError(f"drawing a rectangle stored no region (drawn: {drawn},"
                                   f" tool {viewer.tool()}, zoom {viewer.zoom():.3f}, app"
                                   f" errors: {self.result.get('app_errors')})")
            region_id = stack.command(stack.index() - 1).region.id
            done = wait_until(lambda p=paints, r=region_id: viewer.selected_ids() == [r]
                              and self.viewer_paints.count > p, "the new region painted")
            adds.append({"sync_ms": _ms(sync - start), "painted_ms": _ms(done - start),
                         "regions_listed": ws.regions.model.rowCount()})
            self.idle()
            paints = self.viewer_paints.count
            start = time.monotonic()
            stack.undo()
            done = wait_until(lambda p=paints: self.viewer_paints.count > p, "undo painted")
            undos.append(_ms(done - start))
            self.idle()
        self.window.set_tool("select")
        if ws.regions.model.rowCount() != N_POLYGONS:
            raise RuntimeError("undo did not take the added regions away again")
        self.result["add_region"] = adds
        self.result["undo_ms"] = undos
        repaints = []
        for _ in range(7):
            start = time.monotonic()
            port.repaint()
            repaints.append(_ms(time.monotonic() - start))
        self.result["repaint_ms"] = repaints
        self.result["pan_fit"] = self.pan(port)
        viewer.actual_size()
        self.app.processEvents()
        self.result["pan_100"] = self.pan(port)
        viewer.fit_to_window()
        self.app.processEvents()

    def pan(self, port) -> list[float]:
        """Middle-button drag, PAN_PX per move: each move to the view repainted."""
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        middle, no_mods = Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier
        at = port.rect().center()
        QTest.mousePress(port, middle, no_mods, at)
        self.app.processEvents()
        times = []
        for move in range(PAN_MOVES):
            at = at + QPoint(PAN_PX if move < PAN_MOVES // 2 else -PAN_PX, PAN_PX // 3)
            paints = self.viewer_paints.count
            start = time.monotonic()
            QTest.mouseMove(port, at)
            done = wait_until(lambda p=paints: self.viewer_paints.count > p, "the pan painted")
            times.append(_ms(done - start))
        QTest.mouseRelease(port, middle, no_mods, at)
        self.idle()
        return times

    def scroll_all(self) -> None:
        """Extra: page through the whole grid, each page until its thumbnails are painted."""
        bar = self.ws.browser.view.verticalScrollBar()
        page = max(1, self.ws.browser.view.viewport().height())
        bar.setValue(0)
        self.app.processEvents()
        times = []
        started = time.monotonic()
        while bar.value() < bar.maximum():
            good = self.grid.good
            start = time.monotonic()
            bar.setValue(bar.value() + page)
            done = wait_until(lambda g=good: self.grid.good > g, "a page of thumbnails painted")
            times.append(_ms(done - start))
        self.idle()
        self.result["scroll"] = {
            "pages": len(times), "seconds": round(time.monotonic() - started, 2),
            "page_ms": times, "vmhwm_mb": round(_status_kb("VmHWM") / 1024, 1),
            "vmrss_mb": round(_status_kb("VmRSS") / 1024, 1),
            "thumbnails_cached": len(getattr(self.ws.thumbnails, "_pixmaps", ()))}


def child_main(mode: str, folder: Path, t0: float, profile: Path | None, scroll: bool) -> int:
    t_main = time.monotonic()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])     # what reviewer.ui.app.run() would make
    info = json.loads((folder / "case.json").read_text())
    driver = AppDriver(app, mode, info, t0, profile, scroll)
    driver.mark("python_main", t_main)
    driver.mark("qapplication")
    QTimer.singleShot(0, driver.run)
    from reviewer.cli import main as reviewer_main  # `reviewer CASE`: the real start-up

    reviewer_main([info["case"]])
    print("RESULT " + json.dumps(driver.result), flush=True)
    return 1 if driver.error else 0


# -- the report ------------------------------------------------------------------------------

def run_child(mode: str, folder: Path, profile: Path | None, scroll: bool) -> dict:
    env = dict(os.environ)
    if env.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
        # A 1920x1080 screen, so that the window gets the 1440x900 the app asks for
        # (the offscreen default screen is smaller).
        screen = folder / "screen.json"
        screen.write_text(json.dumps({"screens": [
            {"name": "bench", "x": 0, "y": 0, "width": SCREEN[0], "height": SCREEN[1],
             "logicalDpi": 96}]}))
        env["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"
    # The app's settings (window layout, recent cases): a first start each time, and
    # never the user's own.
    config = folder / "config"
    shutil.rmtree(config, ignore_errors=True)
    env["XDG_CONFIG_HOME"] = str(config)
    command = [sys.executable, str(Path(__file__).resolve()), "--dir", str(folder),
               "--child", mode]
    if profile is not None:
        command += ["--profile", str(profile)]
    if not scroll:
        command.append("--no-scroll")
    busy, children = _busy_ticks(), _children_cpu()
    t0 = time.monotonic()
    done = subprocess.run([*command, "--t0", repr(t0)], env=env, capture_output=True,
                          text=True, timeout=3600, check=False)
    wall = time.monotonic() - t0
    own = _children_cpu() - children
    others = max(0.0, ((_busy_ticks() - busy) / TICKS - own) / wall)
    noise = "This plugin does not support propagateSizeHints()"     # offscreen QPA, harmless
    sys.stderr.write("".join(line for line in done.stderr.splitlines(keepends=True)
                             if line.strip() != noise))
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {mode} process failed (exit {done.returncode})")
    result = json.loads(lines[-1][len("RESULT "):])
    result["others_cpus"] = round(others, 2)
    return result


def _busy_ticks() -> int:
    """CPU time spent by the whole machine (every process), in clock ticks."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    return sum(values[:8]) - values[3] - values[4]      # less idle and iowait


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _line(name: str, value: float, unit: str, target: float) -> str:
    return (f"{name:<44} {value:9.1f} {unit:<3} target < {target:g} {unit:<3}"
            f" ratio {value / target:5.2f}  {_verdict(value < target)}")


def _noise(startups: list[dict], session: dict) -> None:
    listed = ", ".join(f"{run['others_cpus']:.2f}" for run in startups)
    print(f"other processes kept busy (CPUs, averaged over each run): start-up runs"
          f" {listed}; session"
          f" {session['others_cpus']:.2f}")
    if max(run["others_cpus"] for run in [*startups, session]) > NOISY_CPUS:
        print(f"WARNING: over {NOISY_CPUS} CPUs of other work during a run: its figures are"
              " not trustworthy; run again when the machine is quiet")


def _med(values) -> float:
    return statistics.median(values)


def report(info: dict, startups: list[dict], session: dict, command: str) -> None:
    print()
    print(f"command: {command}")
    print(f"case: {info['case']}: {session['items']} photos ({N_BIG} of them 4000x3000"
          f" JPEGs, the rest {SMALL[0]}x{SMALL[1]}), {N_REGIONS} regions; {N_POLYGONS}"
          f" polygons on one 12-MP photo")
    sizes = {name: "x".join(map(str, size)) for name, size in session["geometry"].items()}
    print(f"window {sizes['window']} (offscreen); grid viewport {sizes['grid']} with"
          f" {session['visible_thumbnails']} thumbnails in view; viewer viewport"
          f" {sizes['viewer']}")
    readies = [run["ready_s"] for run in startups]
    print()
    print(_line("window ready (median of fresh processes)", _med(readies), "s", TARGET_READY_S))
    print(f"  runs: {', '.join(f'{r:.2f}' for r in readies)} s (startup-only processes);"
          f" {session['ready_s']:.2f} s in the session process")
    first = startups[0]["marks"]
    print(f"  = process start -> python main {first['python_main']:.2f} s -> QApplication"
          f" {first['qapplication']:.2f} s -> window shown, case open, event loop"
          f" {first['event_loop_started']:.2f} s -> grid first painted"
          f" {first['grid_first_paint']:.2f} s -> {startups[0]['visible_thumbnails']} visible"
          f" thumbnails painted {first['ready']:.2f} s (the viewer's first photo was painted"
          f" at {first['first_photo']:.2f} s, not part of this figure)")

    steps = session["next"]
    first_ms = [s["first_ms"] for s in steps]
    print(_line(f"next image (median of {len(steps)}, 12-MP JPEG)", _med(first_ms), "ms",
                TARGET_NEXT_MS))
    print(f"  = browser.step(1) to the first decoded pixels painted (a"
          f" {steps[0]['resolution']:.2f}-scale preview); each step from an idle app."
          f" min {min(first_ms):.0f}, p90 {sorted(first_ms)[int(len(first_ms) * 0.9)]:.0f},"
          f" max {max(first_ms):.0f} ms")
    print(f"  synchronous part of step() (UI thread busy): median"
          f" {_med(s['sync_ms'] for s in steps):.1f} ms; to the full resolution decoded and"
          f" received: median"
          f" {_med(s['full_ms'] for s in steps):.0f} ms")
    print(f"  back-to-back (next step as soon as pixels show, {len(session['rapid_ms'])}"
          f" steps): median {_med(session['rapid_ms']):.0f} ms,"
          f" max {max(session['rapid_ms']):.0f} ms")

    runs = session["filter"]
    worst = max(_med(r["grid_ms"] for r in runs[name]) for name in runs)
    print(_line("label filter (worst of the medians below)", worst, "ms", TARGET_FILTER_MS))
    names = {"common": f"label '{info['common_label']['name']}'",
             "rare": f"label '{info['rare_label']['name']}'", "any": "back to 'Any label'"}
    for name, values in runs.items():
        reloads = sum(v["viewer_reloaded"] for v in values)
        same = sum(v["same_item"] for v in values)
        print(f"  {names[name]:<32} {values[0]['rows']:5d} rows: grid repainted median"
              f" {_med(v['grid_ms'] for v in values):6.1f} ms (setCurrentIndex returned"
              f" {_med(v['sync_ms'] for v in values):6.1f} ms; thumbnails painted"
              f" {_med(v['thumbs_ms'] for v in values):6.1f} ms); the viewer reloaded its photo"
              f" {reloads}/{len(values)} times, {same} of them the photo it already showed")

    adds = session["add_region"]
    add_ms = _med(a["painted_ms"] for a in adds)
    all_adds = ", ".join(f"{a['painted_ms']:.0f}" for a in adds)
    print(_line(f"add a region on the {N_POLYGONS}-polygon image (median of {len(adds)})",
                add_ms, "ms", TARGET_EDIT_MS))
    print(f"  = mouse release of a drawn rectangle to the stored region painted selected; the"
          f" release handler itself (store + refresh): median"
          f" {_med(a['sync_ms'] for a in adds):.1f} ms; all: {all_adds} ms; undo (delete)"
          f" median"
          f" {_med(session['undo_ms']):.0f} ms")
    pan_fit, pan_100 = session["pan_fit"], session["pan_100"]
    pan_ms = max(_med(pan_fit), _med(pan_100))
    print(_line(f"pan step on the {N_POLYGONS}-polygon image (worst median)", pan_ms, "ms",
                TARGET_EDIT_MS))
    print(f"  = middle-button drag, {PAN_PX} px per mouse move to the view repainted: fit to"
          f" window (all {N_POLYGONS} in view) median {_med(pan_fit):.1f} ms,"
          f" max {max(pan_fit):.1f}; at 100 % median {_med(pan_100):.1f} ms,"
          f" max {max(pan_100):.1f}")
    print(f"  a full repaint of the viewer (fitted, all {N_POLYGONS} in view, outlines only):"
          f" median {_med(session['repaint_ms']):.1f} ms")
    opened = session["open_poly"]
    print(f"  opening that image: step {opened['sync_ms']:.0f} ms on the UI thread, first pixels"
          f" {opened['first_ms']:.0f} ms, full resolution {opened['full_ms']:.0f} ms")

    peak = session["vmhwm_mb"]
    print(_line("peak memory (VmHWM of the app process)", peak, "MB", TARGET_PEAK_MB))
    print(f"  over start-up and every measurement above; RSS at the end {session['vmrss_mb']:.0f}"
          f" MB with {session['thumbnails_cached']} thumbnails cached; a start-up-only process"
          f" peaks at {_med(run['vmhwm_mb'] for run in startups):.0f} MB")
    if "scroll" in session:
        scroll = session["scroll"]
        print(f"extra (not a target): paging the grid through all {session['items']} items"
              f" ({scroll['pages']} pages, {scroll['seconds']:.0f} s): each page to its"
              f" thumbnails painted median {_med(scroll['page_ms']):.0f} ms, max"
              f" {max(scroll['page_ms']):.0f} ms; then peak memory {scroll['vmhwm_mb']:.0f} MB"
              f" ({_verdict(scroll['vmhwm_mb'] < TARGET_PEAK_MB)} against {TARGET_PEAK_MB:g}"
              f" MB), RSS {scroll['vmrss_mb']:.0f} MB, {scroll['thumbnails_cached']}"
              f" thumbnails cached")
    if session.get("app_errors"):
        print(f"the app reported: {session['app_errors']}")
    _noise(startups, session)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the photos and the case are made and reused"
                             " (default /tmp/ui_bench, with --geo /tmp/ui_bench_geo)")
    parser.add_argument("--geo", action="store_true",
                        help="instead: the map and the timeline on 100,000 items and"
                             " 1,000,000 regions (bench/ui_speed_geo.py)")
    parser.add_argument("--startup-runs", type=int, default=3,
                        help="fresh processes timed for start-up (default 3)")
    parser.add_argument("--no-scroll", action="store_true",
                        help="skip the extra pass paging the grid through every item")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="write a cProfile of the UI thread per phase into DIR")
    parser.add_argument("--rebuild", action="store_true",
                        help="make the case again (the generated photos are kept)")
    parser.add_argument("--child", choices=("startup", "session", "geo"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    geo = args.geo or args.child == "geo"
    folder = (args.dir or Path("/tmp/ui_bench_geo" if geo else "/tmp/ui_bench")).resolve()
    if geo:
        import ui_speed_geo

        if args.child:
            return ui_speed_geo.child_main(folder, args.t0)
        return ui_speed_geo.main(folder, args.rebuild, args.startup_runs)
    if args.profile is not None:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    if args.child:
        return child_main(args.child, folder, args.t0, args.profile, not args.no_scroll)
    if args.startup_runs < 1:
        parser.error("--startup-runs must be at least 1")

    platform = os.environ.get("QT_QPA_PLATFORM")
    command = " ".join([*([f"QT_QPA_PLATFORM={platform}"] if platform else []),
                        os.path.basename(sys.executable), *sys.argv])
    with open("/proc/loadavg") as handle:
        load = handle.read().split()[0]
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]},"
          f" QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', 'offscreen')} (children:"
          f" offscreen with a {SCREEN[0]}x{SCREEN[1]} screen unless another platform is set),"
          f" load {load}")
    info = build_case(folder, args.rebuild)
    startups = []
    for run in range(args.startup_runs):
        print(f"start-up run {run + 1}/{args.startup_runs} ...", end=" ", flush=True)
        startups.append(run_child("startup", folder, args.profile, False))
        print(f"window ready in {startups[-1]['ready_s']:.2f} s (other processes:"
              f" {startups[-1]['others_cpus']:.2f} CPUs)", flush=True)
    print("session (start-up, next image, label filter, 1,000 polygons"
          f"{'' if args.no_scroll else ', paging the grid'}) ...", flush=True)
    session = run_child("session", folder, args.profile, not args.no_scroll)
    report(info, startups, session, command)
    with open("/proc/loadavg") as handle:
        load = handle.read().split()[0]
    print(f"(load average at the end {load}; the machine is shared, so repeat a run before"
          " trusting a single figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
