"""Remake the screenshots in docs/screenshots/ by driving the real app offscreen.

    python docs/make_screenshots.py [--out docs/screenshots]

Builds the demo case in a temporary folder, opens it in the main window and saves
one PNG per view. Run it after any UI change and look at the pictures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def settle(app, seconds: float = 1.5) -> None:
    """Let worker threads deliver thumbnails, previews and crops."""
    from PySide6.QtCore import QThreadPool

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    QThreadPool.globalInstance().waitForDone(5000)
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from reviewer.core.demo import build_demo_case
    from reviewer.core.regions import list_regions
    from reviewer.ui.main_window import MainWindow
    from reviewer.ui.settings import AppSettings

    app = QApplication([])
    with tempfile.TemporaryDirectory() as scratch:
        case_path = build_demo_case(Path(scratch), actor="Investigator A")
        settings = AppSettings(QSettings(str(Path(scratch) / "s.ini"), QSettings.Format.IniFormat))
        settings.investigator = "Investigator A"
        window = MainWindow(settings)
        window.resize(1600, 1000)
        window.show()
        window.open_case(case_path)
        workspace = window.workspace
        settle(app)
        window.grab().save(str(out / "main-window.png"))

        by_name = {workspace.model.evidence_row(row)["original_name"]: evidence_id
                   for row, evidence_id in enumerate(workspace.model.ids())}
        workspace.browser.select(by_name["street_01.jpg"])     # cylinders in the road
        settle(app)
        regions = list_regions(window.session.case, workspace.current_id)
        workspace.open_region(workspace.current_id, regions[0].id)
        settle(app, 0.8)
        window.grab().save(str(out / "tagging.png"))

        incidents = workspace.incidents
        incidents.table.selectRow(0)
        incidents.open_button.click()
        settle(app, 2.5)
        window.grab().save(str(out / "incident-page.png"))

        workspace.left.setCurrentWidget(workspace.browser)
        workspace.browser.select(by_name["DJI_0042.MP4"])
        settle(app, 0.5)
        workspace.video.slider.setValue(60)
        settle(app, 1.5)
        window.grab().save(str(out / "video.png"))

        frame = next(name for name in by_name if name.endswith(".png"))
        workspace.browser.select(by_name[frame])
        settle(app)
        window.grab().save(str(out / "video-frame.png"))

        workspace.browser.select(workspace.model.ids()[0])
        window._raise_dock("Metadata")
        settle(app)
        window.grab().save(str(out / "metadata.png"))
        window.close()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
