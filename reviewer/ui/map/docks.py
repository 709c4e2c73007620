"""The main window's part of the map: its docks, and File ▸ Open basemap… (a raster
MBTiles file; a bad one is refused in one line)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from reviewer.core.mbtiles import Basemap, BasemapError, open_basemap
from reviewer.ui.map.panes import GeoPanes

MBTILES_FILTER = "MBTiles basemap (*.mbtiles);;All files (*)"


def choose_basemap(parent: QWidget, folder: str) -> Basemap | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open a basemap (read offline, never"
                                          " fetched)", folder, MBTILES_FILTER)
    if not path:
        return None
    try:
        return open_basemap(path)
    except BasemapError as error:
        QMessageBox.warning(parent, "Cannot open the basemap", str(error))
        return None


def add_geo_docks(window: QMainWindow, geo: GeoPanes, menu: QMenu) -> list[QDockWidget]:
    """The map and the timeline as docks tabbed below the viewer (listed in `menu`)."""
    # The right-hand panels keep the full height; the map sits below the viewer only.
    window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    added = []
    for title, widget in (("Map", geo.map_pane), ("Timeline", geo.timeline)):
        dock = QDockWidget(title, window)
        dock.setObjectName(title)
        dock.setWidget(widget)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        menu.addAction(dock.toggleViewAction())
        added.append(dock)
    window.tabifyDockWidget(*added)
    added[0].raise_()
    window.resizeDocks(added[:1], [window.height() * 30 // 100], Qt.Orientation.Vertical)
    return added
