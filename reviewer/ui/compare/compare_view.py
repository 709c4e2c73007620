"""Two images compared in one view: side by side, swipe, blend, difference.

Side by side shows the before and the after image in two panes whose zoom and pan
follow each other. The other modes show the before pane alone with the after image
(warped into the before image's frame by the alignment) laid over it. Regions
tagged on either image show in both panes: carried across by the alignment and
marked with the image they were drawn on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QResizeEvent
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from reviewer.ui.compare.overlay import AfterOverlay
from reviewer.ui.compare.pane_sync import PaneSync
from reviewer.ui.compare.point_picker import PointPicker
from reviewer.ui.viewer import ImageView, RegionDisplay

MODES = ("side", "swipe", "blend", "difference")
MODE_NAMES = {"side": "Side by side", "swipe": "Swipe", "blend": "Blend",
              "difference": "Difference"}


@dataclass
class Pane:
    """One image of the comparison as the view needs it: no database."""

    path: Path | None
    width: int
    height: int
    caption: str
    regions: list[RegionDisplay] = field(default_factory=list)
    error: str | None = None


def _carried(regions: list[RegionDisplay], matrix: np.ndarray, side: str
             ) -> list[RegionDisplay]:
    carried = []
    for region in regions:
        shape = region.shape_value.transformed(matrix)
        carried.append(replace(region, id=f"{side}:{region.id}", shape=shape.kind,
                               geometry=shape.to_json(), label=f"{region.label} ({side})"))
    return carried


def _captioned(view: ImageView) -> tuple[QWidget, QLabel]:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    caption = QLabel()
    caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    caption.setWordWrap(True)
    caption.setContentsMargins(6, 2, 6, 2)
    layout.addWidget(caption)
    layout.addWidget(view, 1)
    return box, caption


class CompareView(QWidget):
    modeChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.before_view, self.after_view = ImageView(), ImageView()
        for view in (self.before_view, self.after_view):
            view.set_read_only(True)
        before_box, self.before_caption = _captioned(self.before_view)
        after_box, self.after_caption = _captioned(self.after_view)
        self._after_box = after_box
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(before_box)
        self.splitter.addWidget(after_box)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.splitterMoved.connect(lambda *_: self._even_captions())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.overlay = AfterOverlay(self.before_view)
        self.sync = PaneSync(self.before_view, self.after_view)
        self.picker = PointPicker(self.before_view, self.after_view)
        self.mode = "side"
        self.transform: np.ndarray | None = None
        self._before: Pane | None = None
        self._after: Pane | None = None

    # -- content ------------------------------------------------------------------------

    def set_panes(self, before: Pane, after: Pane) -> None:
        self._before, self._after = before, after
        self.before_view.set_image(before.path, before.width, before.height, before.error)
        self.after_view.set_image(after.path, after.width, after.height, after.error)
        self.overlay.set_images(None, None, before.width, before.height)
        self.set_transform(self.transform)

    def set_transform(self, after_to_before: np.ndarray | None) -> None:
        """The alignment (after pixel -> before pixel) or None: panes follow by position."""
        self.transform = None if after_to_before is None else np.asarray(after_to_before, float)
        before, after = self._before, self._after
        if before is None or after is None:
            return
        self.sync.set_mapping((before.width, before.height), (after.width, after.height),
                              self.transform)
        # Side by side, the before pane's own tags need no mark; laid over each other
        # (difference even shows the after image) every tag must say where it was drawn.
        own = (before.regions if self.mode == "side"
               else _carried(before.regions, np.eye(3), "before"))
        self.before_view.set_regions(
            own + _carried(after.regions, self.sync.to_before, "after"))
        self.after_view.set_regions(
            after.regions + _carried(before.regions, self.sync.to_after, "before"))
        self._captions()

    def set_overlay(self, after_warped: QImage | None, heat: QImage | None) -> None:
        if self._before is not None:
            self.overlay.set_images(after_warped, heat, self._before.width, self._before.height)

    # -- modes --------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self._after_box.setVisible(mode == "side")
        self.overlay.set_mode(mode)
        self.sync.enabled = mode == "side"
        self.set_transform(self.transform)     # marks on tags; the after pane catches up
        self._captions()
        self.modeChanged.emit(mode)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._even_captions()

    def _even_captions(self) -> None:
        """Side by side, both captions take the taller one's height: the images line up."""
        captions = (self.before_caption, self.after_caption)
        if self.mode != "side":
            self.before_caption.setMinimumHeight(0)
            return
        tallest = max(c.heightForWidth(max(1, c.width())) for c in captions)
        for caption in captions:
            caption.setMinimumHeight(tallest)

    def _captions(self) -> None:
        self._show_captions()
        self._even_captions()

    def _show_captions(self) -> None:
        if self._before is None or self._after is None:
            return
        if self.mode == "side":
            self.before_caption.setText(f"<b>Before</b> · {self._before.caption}")
            self.after_caption.setText(f"<b>After</b> · {self._after.caption}")
        else:
            what = {"swipe": "before left of the divider, after right of it",
                    "blend": "after laid over before",
                    "difference": "changed areas over the after image"}[self.mode]
            self.before_caption.setText(
                f"<b>{MODE_NAMES[self.mode]}</b> ({what}) · <b>Before</b> "
                f"{self._before.caption} · <b>After</b> {self._after.caption}")
