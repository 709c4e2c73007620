"""Thumbnails for the browser: read from the case's cache on worker threads.

The UI thread only ever turns a finished QImage into a QPixmap. A thumbnail the
cache has lost (cache/ is regenerable) is made again from the original.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from reviewer.core.atomic import write_atomically
from reviewer.core.ingest import thumbnail_path

# Pixmaps kept: a few screens of the grid. At DISPLAY_SIZE that is about 80 MB at most.
CACHE_LIMIT = 1000
DISPLAY_SIZE = 160    # the grid's cell (browser.THUMB): scaled once here, not at each paint


class _Signals(QObject):
    loaded = Signal(str, QImage)     # sha256, image (null when it cannot be made)


class _LoadThumbnail(QRunnable):
    def __init__(self, case_path: Path, sha256: str, original: Path, signals: _Signals) -> None:
        super().__init__()
        self.case_path, self.sha256, self.original = case_path, sha256, original
        self.signals = signals

    def run(self) -> None:
        path = thumbnail_path(self.case_path, self.sha256)
        image = QImage(str(path)) if path.exists() else QImage()
        if image.isNull():
            image = self._regenerate(path)
        if not image.isNull() and max(image.width(), image.height()) > DISPLAY_SIZE:
            image = image.scaled(DISPLAY_SIZE, DISPLAY_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        self.signals.loaded.emit(self.sha256, image)

    def _regenerate(self, path: Path) -> QImage:
        from reviewer.core import imaging
        from reviewer.core.errors import MediaError

        try:
            with imaging.open_image(self.original) as image:
                data = imaging.decode_thumbnail(self.original, image, imaging.image_info(image))
        except (MediaError, OSError):
            return QImage()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Another thread or the import may be reading this cache file: never half of one.
        write_atomically(path, data)
        return QImage.fromData(data)


class ThumbnailCache(QObject):
    """Pixmaps by SHA-256, loaded on demand; `ready` says when one has arrived."""

    ready = Signal(str)

    def __init__(self, case_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case_path = case_path
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self._failed: set[str] = set()
        self._signals = _Signals()
        self._signals.loaded.connect(self._on_loaded)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)

    def get(self, sha256: str, original: Path) -> QPixmap | None:
        pixmap = self._pixmaps.get(sha256)
        if pixmap is not None:
            self._pixmaps.move_to_end(sha256)
            return pixmap
        if sha256 not in self._pending and sha256 not in self._failed:
            self._pending.add(sha256)
            self.pool.start(_LoadThumbnail(self.case_path, sha256, original, self._signals))
        return None

    def _on_loaded(self, sha256: str, image: QImage) -> None:
        self._pending.discard(sha256)
        if image.isNull():
            self._failed.add(sha256)
        else:
            self._pixmaps[sha256] = QPixmap.fromImage(image)
            while len(self._pixmaps) > CACHE_LIMIT:
                self._pixmaps.popitem(last=False)
        self.ready.emit(sha256)

    def failed(self, sha256: str) -> bool:
        return sha256 in self._failed

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()
