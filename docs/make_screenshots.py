"""Remake the screenshots of docs/guide.md by driving the real app offscreen.

    python docs/make_screenshots.py [--out docs/screenshots]

Builds the demo case in a temporary folder and does each task of the guide in the real
main window (import, tag, incidents, video frames, compare, export, verify, merge),
saving one or two PNGs per task. A dialog is pictured over the window it belongs to, as
the user sees it. Run it after any UI change and look at the pictures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QSettings, QThreadPool
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

WINDOW_SIZE = (1600, 1000)


class Shots:
    """Saves pictures of the app, waiting for its worker threads first."""

    def __init__(self, app: QApplication, out: Path) -> None:
        self.app = app
        self.out = out
        self.saved: list[str] = []

    def settle(self, seconds: float = 1.5) -> None:
        """Let worker threads deliver thumbnails, previews and crops."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)
        QThreadPool.globalInstance().waitForDone(5000)
        self.app.processEvents()

    def wait_for(self, condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                raise SystemExit(f"make_screenshots: gave up waiting for {what}")
            self.app.processEvents()
            time.sleep(0.02)

    def dialog(self, find: Callable[[], QWidget | None], what: str) -> QWidget:
        """Wait until `find` returns a shown dialog; that dialog, painted and settled."""
        self.wait_for(lambda: (found := find()) is not None and found.isVisible(), what)
        found = find()
        assert found is not None
        self.settle(0.3)
        return found

    def save(self, widget: QWidget, name: str, dialog: QWidget | None = None) -> None:
        """Save `widget`, with `dialog` drawn centred over it as a window would be."""
        self.settle(0.3)
        picture = widget.grab()
        if dialog is not None:
            picture = _with_dialog(picture, dialog)
        picture.save(str(self.out / name))
        self.saved.append(name)


def _with_dialog(picture: QPixmap, dialog: QWidget) -> QPixmap:
    inner = dialog.grab()
    title_height = 26
    framed = QPixmap(inner.width() + 2, inner.height() + title_height + 1)
    framed.fill(QColor("#d8d8d8"))
    painter = QPainter(framed)
    painter.setPen(QColor("#202020"))
    painter.drawText(10, 18, dialog.windowTitle())
    painter.drawPixmap(1, title_height, inner)
    painter.setPen(QPen(QColor("#707070"), 1))
    painter.drawRect(0, 0, framed.width() - 1, framed.height() - 1)
    painter.end()
    result = QPixmap(picture)
    painter = QPainter(result)
    painter.fillRect(result.rect(), QColor(0, 0, 0, 60))      # the window behind a modal
    corner = QPoint((result.width() - framed.width()) // 2,
                    (result.height() - framed.height()) // 3)
    painter.fillRect(corner.x() + 4, corner.y() + 4, framed.width(), framed.height(),
                     QColor(0, 0, 0, 70))
    painter.drawPixmap(corner, framed)
    painter.end()
    return result


def _shown(window, kind: type) -> QWidget | None:
    return next((d for d in window.findChildren(kind) if d.isVisible()), None)


def _close_dialogs(window, kind: type) -> None:
    for dialog in window.findChildren(kind):
        dialog.close()
        dialog.deleteLater()


def _new_photos(folder: Path) -> Path:
    """Two photos the case does not have yet, and one cut short by a bad transfer."""
    from PIL import Image

    from reviewer.demo.texture import textured_scene

    folder.mkdir(parents=True)
    for seed, name in ((11, "IMG_2041.jpg"), (12, "IMG_2042.jpg")):
        Image.fromarray(textured_scene(1200, 800, seed=seed)).save(folder / name, quality=90)
    whole = (folder / "IMG_2041.jpg").read_bytes()
    (folder / "IMG_2043.jpg").write_bytes(whole[:len(whole) // 40])
    return folder


def shoot_import(shots: Shots, window, scratch: Path) -> None:
    from reviewer.ui.dialogs import ProblemsDialog

    folder = _new_photos(scratch / "from the field")
    assert window.import_paths([str(folder)])
    problems = shots.dialog(lambda: _shown(window, ProblemsDialog), "the import to finish")
    shots.settle(1.0)
    shots.save(window, "import.png", problems)
    _close_dialogs(window, ProblemsDialog)


def shoot_tagging(shots: Shots, window, by_name: dict[str, str]) -> None:
    from reviewer.core.regions import list_regions

    workspace = window.workspace
    workspace.browser.select(by_name["street_01.jpg"])        # cylinders in the road
    shots.settle()
    regions = list_regions(window.session.case, workspace.current_id)
    workspace.open_region(workspace.current_id, regions[0].id)
    shots.settle(0.8)
    shots.save(window, "tagging.png")


def shoot_incidents(shots: Shots, window) -> None:
    from reviewer.core.incidents import get_incident, list_incidents
    from reviewer.ui.incident_form import IncidentForm

    incidents = window.workspace.incidents
    incidents.table.selectRow(0)
    first = list_incidents(window.session.case)[0]
    form = IncidentForm(get_incident(window.session.case, first["id"]), window)
    form.show()
    shots.settle(0.3)
    shots.save(window, "incident-form.png", form)
    form.close()
    incidents.open_button.click()
    shots.settle(2.5)
    shots.save(window, "incident-page.png")


def shoot_video(shots: Shots, window, by_name: dict[str, str]) -> None:
    workspace = window.workspace
    workspace.left.setCurrentWidget(workspace.browser)
    workspace.browser.select(by_name["DJI_0042.MP4"])
    shots.settle(0.5)
    workspace.video.slider.setValue(60)
    shots.settle(1.5)
    shots.save(window, "video.png")
    frame = next(name for name in by_name if name.endswith(".png"))
    workspace.browser.select(by_name[frame])
    shots.settle()
    shots.save(window, "video-frame.png")


def shoot_metadata(shots: Shots, window) -> None:
    window.workspace.browser.select(window.workspace.model.ids()[0])
    window._raise_dock("Metadata")
    shots.settle()
    shots.save(window, "metadata.png")
    window._raise_dock("Regions")


def shoot_compare(shots: Shots, window, by_name: dict[str, str]) -> None:
    compare = window.workspace.compare([by_name["colonnade_before.jpg"],
                                        by_name["colonnade_after.jpg"]])
    assert compare is not None
    compare.resize(*WINDOW_SIZE)
    shots.wait_for(lambda: compare.pixels is not None, "the comparison's images")
    compare.align_automatically()
    shots.wait_for(lambda: compare.comparison.aligned and compare.display is not None,
                   "the automatic alignment")
    shots.settle(0.5)
    shots.save(compare, "compare.png")
    compare.set_mode("swipe")
    compare.slider.setValue(40)
    shots.save(compare, "compare-swipe.png")
    compare.set_mode("difference")
    shots.settle(0.8)
    shots.save(compare, "compare-difference.png")
    compare.close()


def shoot_export(shots: Shots, window, scratch: Path) -> Path:
    from reviewer.core.incidents import list_incidents
    from reviewer.ui.share.export_dialog import ExportDialog

    session = window.session
    incidents = list_incidents(session.case)
    chosen = [incidents[0]["id"]]
    dialog = ExportDialog(incidents, session.case.title, scratch, chosen, window)
    dialog.show()
    shots.save(window, "export.png", dialog)
    out = dialog.out_path()
    dialog.close()
    assert window.share.start_export(out, chosen, True)
    result = _last_share_dialog(shots, window)
    shots.save(window, "export-done.png", result)
    result.close()
    return out


def _last_share_dialog(shots: Shots, window) -> QWidget:
    dialog = shots.dialog(lambda: window.share.last_dialog, "the job's result")
    window.share.last_dialog = None
    return dialog


def shoot_verify(shots: Shots, window, package: Path, scratch: Path) -> None:
    tampered = scratch / f"tampered-{package.name}"
    data = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as zf:
        media = next(i for i in zf.infolist() if i.filename.startswith("media/"))
    data[media.header_offset + 30 + len(media.filename) + 1000] ^= 0x01   # one bit
    tampered.write_bytes(bytes(data))
    assert window.share.start_verify_package(tampered)
    result = _last_share_dialog(shots, window)
    shots.save(window, "verify.png", result)
    result.close()


def shoot_damaged(shots: Shots, window) -> None:
    """The photo cut short in transfer: kept, flagged, what decodes shown."""
    model = window.workspace.model
    damaged = next(evidence_id for row, evidence_id in enumerate(model.ids())
                   if model.evidence_row(row)["original_name"] == "IMG_2043.jpg")
    window.workspace.left.setCurrentWidget(window.workspace.browser)
    window.workspace.browser.select(damaged)
    shots.settle(1.5)
    shots.save(window, "damaged.png")


def shoot_duplicates(shots: Shots, window, by_name: dict[str, str], scratch: Path) -> None:
    """A forwarded copy (smaller, recompressed) grouped with its original, as a lead."""
    from PIL import Image

    from reviewer.core.evidence import get_evidence
    from reviewer.ui.dialogs import ProblemsDialog

    session = window.session
    original = get_evidence(session.case, by_name["street_01.jpg"])
    folder = scratch / "forwarded"
    folder.mkdir()
    with Image.open(session.path / original.stored_path) as picture:
        picture.convert("RGB").resize((picture.width // 2, picture.height // 2)).save(
            folder / "IMG-20180408-WA0003.jpg", quality=55)
    assert window.import_paths([str(folder)])
    shots.wait_for(lambda: window.workspace.model.rowCount() > len(by_name) + 3,
                   "the forwarded copy")
    _close_dialogs(window, ProblemsDialog)
    shots.settle(1.5)
    window.workspace.browser.select(by_name["street_01.jpg"])
    window._raise_dock("Similar items")
    shots.settle(2.0)
    shots.save(window, "similar.png")
    window._raise_dock("Regions")
    window.workspace.left.setCurrentWidget(window.workspace.duplicates)
    shots.wait_for(lambda: window.workspace.duplicates.group_names(), "the duplicate groups")
    shots.settle(1.0)
    shots.save(window, "duplicates.png")
    window.workspace.left.setCurrentWidget(window.workspace.browser)


def shoot_dialogs(shots: Shots, window) -> None:
    """The small windows: labels, frames, annotations export, shortcuts, first-run key."""
    from reviewer.core.incidents import list_incidents
    from reviewer.core.labels import list_labels
    from reviewer.ui.dialogs import LabelsDialog
    from reviewer.ui.frames_dialog import FramesDialog
    from reviewer.ui.key_dialog import KeyDialog
    from reviewer.ui.share.annotations_dialog import AnnotationsDialog

    session = window.session
    pictured = [
        (LabelsDialog(session, window), "labels.png"),
        (FramesDialog(window), "frames.png"),
        (AnnotationsDialog([label.name for label in list_labels(session.case)],
                           list_incidents(session.case), session.path.parent, None, window),
         "export-annotations.png"),
        (KeyDialog("Investigator A", window), "key.png"),
    ]
    for dialog, name in pictured:
        dialog.show()
        shots.settle(0.3)
        shots.save(window, name, dialog)
        dialog.close()
    from reviewer.core.public_export import choose_items
    from reviewer.ui.share.public_dialog import PublishDialog

    selected = window.workspace.browser.selected_ids()
    publish = PublishDialog(choose_items(session.case, selected), choose_items(session.case),
                            session.path.parent, window)
    publish.show()
    shots.settle(0.3)
    shots.save(window, "publish.png", publish)
    publish.close()
    sheet = window.show_shortcuts()
    shots.settle(0.3)
    shots.save(window, "shortcuts.png", sheet)
    sheet.close()


def shoot_merge(shots: Shots, window, package: Path, scratch: Path) -> None:
    from reviewer.core.case import create_case

    colleague = create_case(scratch / "colleague", title="Douma: second team",
                            actor="Investigator B")
    colleague_path = colleague.path
    colleague.close()
    window.open_case(colleague_path)
    shots.settle(0.5)
    assert window.share.start_merge(package)
    result = _last_share_dialog(shots, window)
    shots.settle(1.0)
    shots.save(window, "merge.png", result)
    result.close()


def shoot_map(shots: Shots, window, case_path: Path) -> None:
    """The map on the colonnade (a flight track, the incident's circle) and the timeline."""
    from reviewer.core.case import open_case
    from reviewer.core.frames import extract_frames
    from reviewer.core.mercator import project

    window.open_case(case_path)
    geo = window.geo
    with open_case(case_path, actor="Investigator A") as case:
        video = case.conn.execute("SELECT id FROM evidence WHERE kind = 'video'").fetchone()[0]
        extract_frames(case, video, every_s=1.0)
    window.session.evidenceChanged.emit()
    shots.wait_for(lambda: geo.data is not None and geo.data.tracks, "the flight track")
    window._raise_dock("Map")
    dock = next(d for d in window.docks if d.windowTitle() == "Map")
    dock.setFloating(True)                  # a bigger picture than the docked pane
    dock.resize(1100, 600)
    shots.settle(0.3)
    geo.map.resetTransform()
    geo.map.scale(1 / 0.75, 1 / 0.75)       # about 0.6 m of ground a pixel
    x, y = project(34.55098, 38.26885)
    geo.map.centerOn(float(x), float(y))
    shots.save(geo.map_pane, "map.png")
    dock.setFloating(False)
    window._raise_dock("Timeline")
    geo.timeline.resize(1100, 300)
    geo.timeline.fit_all()
    shots.save(geo.timeline, "timeline.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from reviewer.demo import build_demo_case
    from reviewer.ui.main_window import MainWindow
    from reviewer.ui.settings import AppSettings

    app = QApplication([])
    shots = Shots(app, out)
    with tempfile.TemporaryDirectory(prefix="reviewer-guide-") as name:
        scratch = Path(name)
        case_path = build_demo_case(scratch, actor="Investigator A")
        settings = AppSettings(QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat))
        settings.investigator = "Investigator A"
        window = MainWindow(settings)
        window.resize(*WINDOW_SIZE)
        window.show()
        window.open_case(case_path)
        shots.settle()
        shots.save(window, "main-window.png")
        model = window.workspace.model
        by_name = {model.evidence_row(row)["original_name"]: evidence_id
                   for row, evidence_id in enumerate(model.ids())}

        shoot_tagging(shots, window, by_name)
        shoot_incidents(shots, window)
        shoot_video(shots, window, by_name)
        shoot_metadata(shots, window)
        shoot_compare(shots, window, by_name)
        window.workspace.left.setCurrentWidget(window.workspace.browser)
        window.workspace.browser.select(by_name["street_01.jpg"])
        window.resize(*WINDOW_SIZE)
        package = shoot_export(shots, window, scratch)
        shoot_verify(shots, window, package, scratch)
        shoot_import(shots, window, scratch)
        shoot_damaged(shots, window)
        shoot_duplicates(shots, window, by_name, scratch)
        shoot_dialogs(shots, window)
        shoot_merge(shots, window, package, scratch)
        shoot_map(shots, window, case_path)
        window.close()
    print(f"{len(shots.saved)} screenshots written to {out}: {', '.join(shots.saved)}")


if __name__ == "__main__":
    main()
