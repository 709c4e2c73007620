"""Raster MBTiles basemaps, read offline: the format offline map tools export.

An MBTiles file is SQLite with a `tiles` table (zoom_level, tile_column, tile_row,
tile_data) whose rows count from the south (TMS), and a `metadata` table of name/value
pairs. The app only ever reads a file the user opened: it never fetches tiles from a
network, which would tell a tile server the investigation's area.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from reviewer.core.errors import ReviewerError
from reviewer.core.mercator import tms_row

RASTER_FORMATS = ("png", "jpg", "jpeg", "webp")


class BasemapError(ReviewerError):
    """A basemap file that cannot be drawn: not MBTiles, vector tiles, unreadable."""


@dataclass(frozen=True)
class Basemap:
    path: Path
    name: str
    format: str
    min_zoom: int
    max_zoom: int
    attribution: str
    conn: sqlite3.Connection

    def tile(self, zoom: int, column: int, row_xyz: int) -> bytes | None:
        """The encoded image of tile (column, row counted from the north) or None."""
        found = self.conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ?"
            " AND tile_row = ?", (zoom, column, tms_row(zoom, row_xyz))).fetchone()
        return bytes(found[0]) if found and found[0] else None

    def close(self) -> None:
        self.conn.close()


def open_basemap(path: str | Path) -> Basemap:
    """Open a raster MBTiles file read-only; BasemapError naming the file and why not."""
    path = Path(path)
    if not path.is_file():
        raise BasemapError(path, "no such file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               check_same_thread=False)
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    except sqlite3.DatabaseError as error:
        raise BasemapError(path, f"not an MBTiles file (SQLite says: {error})") from None
    if "tiles" not in tables:
        conn.close()
        raise BasemapError(path, "not an MBTiles file (it has no tiles table)")
    try:
        meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall()) \
            if "metadata" in tables else {}
        zooms = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    except sqlite3.DatabaseError as error:
        conn.close()
        raise BasemapError(path, f"the tiles cannot be read ({error})") from None
    form = str(meta.get("format") or "png").lower()
    if form not in RASTER_FORMATS:
        conn.close()
        raise BasemapError(path, f"its tiles are {form} (vector tiles); open a raster"
                           " MBTiles file (png, jpg or webp tiles)")
    if zooms[0] is None:
        conn.close()
        raise BasemapError(path, "the file holds no tiles")
    return Basemap(path, str(meta.get("name") or path.stem), form,
                   _int(meta.get("minzoom"), zooms[0]), _int(meta.get("maxzoom"), zooms[1]),
                   str(meta.get("attribution") or ""), conn)


def _int(value: object, fallback: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return int(fallback)
