"""Face suggestions drawn over the image: dashed boxes with their score, not regions.

A suggestion is the detector's proposal, not a tag: it is drawn apart from the regions
(a dashed white-and-black box that reads on any photo, the score above it) and nothing
about it is stored until a person accepts it. The layer knows the boxes, which one is
current, hit-testing and the drag that adjusts one (move the box, or its corner to
resize). The view turns keys and clicks into accept/reject signals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem

from reviewer.ui.viewer import tools

_Z = 50.0       # above regions and their tags: a suggestion is what is being decided
CORNER_PX = 10.0


@dataclass(frozen=True)
class SuggestionDisplay:
    """One suggestion as the viewer shows it; `key` is the window's handle for it."""

    key: int
    x: float
    y: float
    w: float
    h: float
    score: float


class _Graphics:
    def __init__(self, scene: QGraphicsScene, suggestion: SuggestionDisplay) -> None:
        self.suggestion = suggestion
        self.box = QGraphicsRectItem()
        self.box.setZValue(_Z)
        self.under = QGraphicsRectItem()          # the black dashes' white ground
        self.under.setZValue(_Z - 0.1)
        # The score on a dark plate, the same size at any zoom, readable on any photo.
        self.plate = QGraphicsRectItem()
        self.plate.setZValue(_Z)
        self.plate.setFlag(self.plate.GraphicsItemFlag.ItemIgnoresTransformations)
        self.plate.setBrush(QBrush(QColor(0, 0, 0, 190)))
        self.plate.setPen(QPen(Qt.PenStyle.NoPen))
        self.text = QGraphicsSimpleTextItem(self.plate)
        font = QFont()
        font.setBold(True)
        self.text.setFont(font)
        self.text.setBrush(QBrush(QColor("#ffffff")))
        self.text.setPos(3, 1)
        for item in (self.under, self.box, self.plate):
            scene.addItem(item)
        self.current = False
        self.place(suggestion)

    def place(self, suggestion: SuggestionDisplay) -> None:
        self.suggestion = suggestion
        rect = QRectF(suggestion.x, suggestion.y, suggestion.w, suggestion.h)
        self.box.setRect(rect)
        self.under.setRect(rect)
        self.text.setText(f"face? {suggestion.score:.2f}")
        size = self.text.boundingRect()
        self.plate.setRect(0, 0, size.width() + 6, size.height() + 2)
        self.plate.setPos(rect.left(), rect.top())
        self.style()

    def style(self) -> None:
        width = 3 if self.current else 2
        dashes = QPen(QColor("#ffd400" if self.current else "#000000"), width,
                      Qt.PenStyle.DashLine)
        dashes.setCosmetic(True)            # the same on screen at any zoom
        ground = QPen(QColor("#ffffff"), width)
        ground.setCosmetic(True)
        self.box.setPen(dashes)
        self.under.setPen(ground)

    def remove(self, scene: QGraphicsScene) -> None:
        for item in (self.under, self.box, self.plate):
            scene.removeItem(item)


class SuggestionLayer:
    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.items: dict[int, _Graphics] = {}
        self.current: int | None = None
        self._drag: tuple[int, str, float, float, SuggestionDisplay] | None = None
        self.width = 0.0
        self.height = 0.0

    def set_suggestions(self, suggestions: list[SuggestionDisplay]) -> None:
        for graphics in self.items.values():
            graphics.remove(self.scene)
        self.items = {s.key: _Graphics(self.scene, s) for s in suggestions}
        self._drag = None
        self.set_current(suggestions[0].key if suggestions else None)

    def shown(self) -> list[SuggestionDisplay]:
        return [graphics.suggestion for graphics in self.items.values()]

    def remove(self, key: int) -> None:
        graphics = self.items.pop(key, None)
        if graphics is not None:
            graphics.remove(self.scene)
        if self.current == key:
            self.set_current(next(iter(self.items), None))

    def set_current(self, key: int | None) -> None:
        for graphics_key, graphics in self.items.items():
            graphics.current = graphics_key == key
            graphics.style()
        self.current = key if key in self.items else None

    def at(self, x: float, y: float, zoom: float) -> tuple[int, str] | None:
        """(key, "corner" or "move") of the suggestion under (x, y), the current first."""
        order = sorted(self.items, key=lambda k: k != self.current)
        corner = CORNER_PX / zoom
        slack = tools.REGION_HIT_PX / zoom
        for key in order:
            s = self.items[key].suggestion
            if abs(x - (s.x + s.w)) <= corner and abs(y - (s.y + s.h)) <= corner:
                return key, "corner"
            if s.x - slack <= x <= s.x + s.w + slack and s.y - slack <= y <= s.y + s.h + slack:
                return key, "move"
        return None

    # -- the drag that adjusts a suggestion ---------------------------------------

    def press(self, x: float, y: float, zoom: float) -> bool:
        hit = self.at(x, y, zoom)
        if hit is None:
            return False
        key, part = hit
        self.set_current(key)
        self._drag = (key, part, x, y, self.items[key].suggestion)
        return True

    def dragging(self) -> bool:
        return self._drag is not None

    def move(self, x: float, y: float) -> None:
        if self._drag is None:
            return
        key, part, x0, y0, start = self._drag
        dx, dy = x - x0, y - y0
        if part == "move":
            nx = min(max(0.0, start.x + dx), max(0.0, self.width - start.w))
            ny = min(max(0.0, start.y + dy), max(0.0, self.height - start.h))
            moved = replace(start, x=nx, y=ny)
        else:
            right = min(max(start.x + 4.0, start.x + start.w + dx), self.width)
            bottom = min(max(start.y + 4.0, start.y + start.h + dy), self.height)
            moved = replace(start, w=right - start.x, h=bottom - start.y)
        self.items[key].place(moved)

    def release(self) -> SuggestionDisplay | None:
        """The adjusted suggestion when the drag changed it, else None."""
        if self._drag is None:
            return None
        key, _part, _x, _y, start = self._drag
        self._drag = None
        now = self.items[key].suggestion
        return now if now != start else None

    def cancel_drag(self) -> bool:
        if self._drag is None:
            return False
        key, _part, _x, _y, start = self._drag
        self.items[key].place(start)
        self._drag = None
        return True
