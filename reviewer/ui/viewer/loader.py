"""Decode an image off the UI thread: a quick preview first, then full resolution.

A task runs on a QThreadPool worker and reports through a relay QObject that lives on
the UI thread; queued signals bring the QImage there, and only there is a QPixmap made.
Qt decodes what it can (JPEG at reduced scale is fast); HEIC, and whatever else Qt
refuses, goes through the core's Pillow opener, which also refuses decompression bombs.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QSize, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QTransform

from reviewer.core.errors import MediaError

# to_displayable: the core's 8-bit conversion (16-bit data stretched) keeps the viewer
# showing radiometric TIFFs the way their thumbnails look.
from reviewer.core.imaging import (
    MAX_PIXELS,
    image_info,
    open_image,
    orient,
    to_displayable,
    tolerating_truncation,
)

PREVIEW_LONG_SIDE = 2048
# Qt refuses images over 256 MB by default; the core's pixel limit is the real guard.
ALLOCATION_LIMIT_MB = MAX_PIXELS * 4 // 2**20 + 1


def preview_size(width: int, height: int, long_side: int = PREVIEW_LONG_SIDE) -> QSize | None:
    """The size to decode a quick preview at, or None when the full image is as quick.

    JPEG decodes fastest at 1/2, 1/4 or 1/8 of its size (libjpeg scales in the DCT), so
    the preview is the smallest of those whose long side still covers `long_side`
    screen pixels: what the view shows when the image is fitted.
    """
    largest = max(width, height)
    for denominator in (8, 4, 2):
        if largest / denominator >= long_side:
            return QSize(max(1, -(-width // denominator)), max(1, -(-height // denominator)))
    return None


def qimage_from_pillow(image: Image.Image) -> QImage:
    """An independent QImage of an 8-bit L or RGB(A) Pillow image."""
    if image.mode != "L":
        image = image.convert("RGB")
    fmt, depth = ((QImage.Format.Format_Grayscale8, 1) if image.mode == "L"
                  else (QImage.Format.Format_RGB888, 3))
    data = image.tobytes()
    # copy(): the QImage must not keep pointing into `data`, which Python will free.
    return QImage(data, image.width, image.height, image.width * depth, fmt).copy()


def decode_with_pillow(path: Path) -> QImage:
    """Full-resolution decode through the core's opener; MediaError says why not."""
    try:
        image = open_image(path)
        info = image_info(image)
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError):
            # A file cut off in its data: show the pixels that decode (the item says damaged).
            with tolerating_truncation(), open_image(path) as again:
                again.load()
                image = again.copy()
    # open_image names what it recognises; a file cut off inside its header ends up here.
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise MediaError(path, f"the image data does not decode: {error}") from error
    return qimage_from_pillow(orient(to_displayable(image), info.pixel_orientation))


# Ahead of queued thumbnail and import jobs: the picture the user is looking at comes first.
PRIORITY = 10


class LoadRelay(QObject):
    """Carries a worker's results to the UI thread (signals emitted off-thread queue up)."""

    decoded = Signal(int, QImage, bool)      # generation, image, is full resolution
    failed = Signal(int, str)                # generation, reason for the user


_generations = itertools.count(1)
_relay: LoadRelay | None = None


def shared_relay() -> LoadRelay:
    """The relay every loader's workers report to, made on first use (on the UI thread).

    It is never deleted: a worker may finish after its view has gone, and emitting on a
    QObject that another thread is deleting can crash, where a leftover report to a
    live relay is simply ignored.
    """
    global _relay
    if _relay is None:
        _relay = LoadRelay()
    return _relay


class ImageLoader(QObject):
    """Loads one image at a time; results for an image since replaced never arrive."""

    decoded = Signal(QImage, bool)           # image, is full resolution
    failed = Signal(str)                     # reason for the user

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = next(_generations)
        self._cancelled = threading.Event()
        relay = shared_relay()
        relay.decoded.connect(self._decoded)
        relay.failed.connect(self._failed)

    def load(self, path: Path, screen_long_side: int = PREVIEW_LONG_SIDE,
             rotation: int = 0) -> None:
        """Decode `path`: first a preview covering `screen_long_side` pixels, then in full;
        turned `rotation` degrees clockwise (the item's display rotation)."""
        self.cancel()
        QThreadPool.globalInstance().start(
            ImageLoadTask(path, self._generation, shared_relay(), self._cancelled,
                          screen_long_side, rotation), PRIORITY)

    def cancel(self) -> None:
        """Forget the image being loaded; its worker stops at the next step."""
        self._generation = next(_generations)     # unique across loaders: they share a relay
        self._cancelled.set()
        self._cancelled = threading.Event()

    def _decoded(self, generation: int, image: QImage, full: bool) -> None:
        if generation == self._generation:
            self.decoded.emit(image, full)

    def _failed(self, generation: int, reason: str) -> None:
        if generation == self._generation:
            self.failed.emit(reason)


class ImageLoadTask(QRunnable):
    def __init__(self, path: Path, generation: int, relay: LoadRelay,
                 cancelled: threading.Event, screen_long_side: int = PREVIEW_LONG_SIDE,
                 rotation: int = 0) -> None:
        super().__init__()
        self.path = Path(path)
        self.rotation = rotation % 360
        self.screen_long_side = screen_long_side
        self.generation = generation
        self.relay = relay
        self.cancelled = cancelled
        if QImageReader.allocationLimit() < ALLOCATION_LIMIT_MB:
            QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)

    def run(self) -> None:
        try:
            self._load()
        except MediaError as error:
            self._send(self.relay.failed, self.generation, error.reason)
        except Exception as error:  # a decoder bug must reach the user as a reason, not vanish
            self._send(self.relay.failed, self.generation,
                       f"could not be shown ({type(error).__name__}: {error})")

    def _load(self) -> None:
        if self.cancelled.is_set():
            return                        # replaced while it waited in the pool's queue
        if not self.path.is_file():
            raise MediaError(self.path, "the file is missing")
        reader = self._reader()
        # 16-bit grey is radiometric data more often than a photo: stretch it like the core.
        if reader.canRead() and reader.imageFormat() != QImage.Format.Format_Grayscale16:
            stored = reader.size()
            if stored.width() * stored.height() > MAX_PIXELS:
                raise MediaError(self.path, f"{stored.width()}x{stored.height()} pixels is over"
                                            " the limit: refused as a possible decompression bomb")
            small = preview_size(stored.width(), stored.height(), self.screen_long_side)
            if small is not None:
                reader.setScaledSize(small)
                preview = reader.read()
                if not preview.isNull():
                    self._send(self.relay.decoded, self.generation, preview, False)
                if self.cancelled.is_set():
                    return
                reader = self._reader()
            image = reader.read()
            if not image.isNull():
                self._send(self.relay.decoded, self.generation, image, True)
                return
        if self.cancelled.is_set():
            return
        self._send(self.relay.decoded, self.generation, decode_with_pillow(self.path), True)

    def _reader(self) -> QImageReader:
        reader = QImageReader(str(self.path))
        reader.setAutoTransform(True)        # EXIF orientation: scene == displayed pixels
        return reader

    def _send(self, signal, *args) -> None:
        if self.cancelled.is_set():
            return
        if self.rotation and isinstance(args[1], QImage):
            args = (args[0], args[1].transformed(QTransform().rotate(self.rotation)), *args[2:])
        try:
            signal.emit(*args)
        except RuntimeError:    # the view, and its relay, were closed while we decoded
            self.cancelled.set()
