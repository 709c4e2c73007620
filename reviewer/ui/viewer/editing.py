"""The select tool: pick, move, resize, rubber-band and nudge regions.

A gesture changes only what is on screen while the mouse moves; on release each
changed region is reported once through `changed`, so the window records one undo
step per drag. Moves shift items rather than rebuild them, so dragging 200
selected regions costs what dragging one does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsRectItem

from reviewer.core.shape import Shape
from reviewer.ui.viewer import tools
from reviewer.ui.viewer.region_items import DRAFT_Z, SKETCH_COLOUR, fill_brush, sketch_pen
from reviewer.ui.viewer.region_layer import RegionLayer

# What a press in the select tool started, for the view to act on.
PAN = "pan"             # empty image, no modifier: the view pans (a click clears selection)
HANDLED = "handled"

# A handle that moves box edges shows the resize arrow along them; a free vertex a cross.
_CURSOR = Qt.CursorShape
_EDGE_CURSORS = {
    ("left", "top"): _CURSOR.SizeFDiagCursor, ("right", "bottom"): _CURSOR.SizeFDiagCursor,
    ("right", "top"): _CURSOR.SizeBDiagCursor, ("left", "bottom"): _CURSOR.SizeBDiagCursor,
    ("top",): _CURSOR.SizeVerCursor, ("bottom",): _CURSOR.SizeVerCursor,
    ("left",): _CURSOR.SizeHorCursor, ("right",): _CURSOR.SizeHorCursor,
}


class EditController:
    def __init__(self, layer: RegionLayer, changed: Callable[[str, dict], None],
                 selection_changed: Callable[[], None]) -> None:
        self.layer = layer
        self.changed = changed
        self.selection_changed = selection_changed
        self.width = 0.0
        self.height = 0.0
        self._gesture: str | None = None          # "move", "resize", "band" or "nudge"
        self._press = (0.0, 0.0)                  # scene point of the press
        self._press_screen = (0.0, 0.0)
        self._moving: list[str] = []
        self._pressed: str | None = None          # the region a move gesture started on
        self._nudged = (0.0, 0.0)                 # arrow-key travel so far, one undo step
        self._started = False                     # a move past the slip threshold
        self._resizing: tuple[str, int, Shape, float, float] | None = None
        self._band: QGraphicsRectItem | None = None

    def active(self) -> bool:
        return self._gesture is not None

    # -- mouse ---------------------------------------------------------------------------

    def cursor_at(self, x: float, y: float, transform: QTransform) -> Qt.CursorShape:
        """What the pointer would grab here: a handle, a region, or nothing."""
        handle = self.layer.handle_at(x, y)
        if handle is not None:
            region_id, index = handle
            edges = self.layer.regions[region_id].shape.handle_edges(index)
            return _EDGE_CURSORS.get(edges, Qt.CursorShape.CrossCursor)
        if self.layer.region_at(x, y, transform) is not None:
            return Qt.CursorShape.SizeAllCursor
        return Qt.CursorShape.ArrowCursor

    def press(self, x: float, y: float, screen: tuple[float, float],
              modifiers: Qt.KeyboardModifier, transform: QTransform) -> str:
        self.finish_nudge()
        self._press, self._press_screen = (x, y), screen
        additive = bool(modifiers & (Qt.KeyboardModifier.ControlModifier
                                     | Qt.KeyboardModifier.ShiftModifier))
        handle = None if additive else self.layer.handle_at(x, y)
        if handle is not None:
            region_id, index = handle
            graphics = self.layer.regions[region_id]
            hx, hy = graphics.shape.handles()[index]
            # Keep the grab offset, so the handle does not jump to the cursor.
            self._resizing = (region_id, index, graphics.shape, hx - x, hy - y)
            self._gesture = "resize"
            return HANDLED
        region_id = self.layer.region_at(x, y, transform)
        if region_id is not None:
            if additive:
                if self.layer.toggle(region_id):
                    self.selection_changed()
                return HANDLED
            if region_id not in self.layer.selection:
                self.layer.select([region_id])
            # Reported even when it was selected already: a click is a choice the window
            # honours (number keys relabel a shape picked this way, not one just drawn).
            self.selection_changed()
            self._moving = list(self.layer.selection)
            self._pressed = region_id
            self._started = False
            self._gesture = "move"
            return HANDLED
        if additive:
            self._gesture = "band"
            self._band = QGraphicsRectItem()
            self._band.setPen(sketch_pen())
            self._band.setBrush(fill_brush(SKETCH_COLOUR, False))
            self._band.setZValue(DRAFT_Z)
            self.layer.scene.addItem(self._band)
            return HANDLED
        return PAN

    def move(self, x: float, y: float, screen: tuple[float, float]) -> None:
        if self._gesture == "move":
            if not self._started:
                sx, sy = self._press_screen
                if max(abs(screen[0] - sx), abs(screen[1] - sy)) < tools.MIN_DRAG_PX:
                    return
                self._started = True
            dx, dy = self._clamped_delta(x - self._press[0], y - self._press[1])
            for region_id in self._moving:
                self.layer.regions[region_id].set_offset(dx, dy)
        elif self._gesture == "resize" and self._resizing is not None:
            region_id, index, original, grab_x, grab_y = self._resizing
            self.layer.regions[region_id].set_shape(original.with_handle_at(
                index, x + grab_x, y + grab_y, self.width, self.height))
        elif self._gesture == "band" and self._band is not None:
            self._band.setRect(QRectF(*self._press, x - self._press[0],
                                      y - self._press[1]).normalized())

    def release(self, transform: QTransform) -> None:
        gesture, self._gesture = self._gesture, None
        if gesture == "move" and not self._started and len(self._moving) > 1:
            self._moving = []             # a click in a multiple selection picks that one
            if self.layer.select([self._pressed]):
                self.selection_changed()
        elif gesture == "move":
            self._finish_move()
        elif gesture == "resize":
            self._finish_resize()
        elif gesture == "band" and self._band is not None:
            rect = self._band.rect()
            self.layer.scene.removeItem(self._band)
            self._band = None
            hits = self.layer.ids_in_rect(rect, transform) if rect.isValid() else []
            if self.layer.select([*self.layer.selection, *hits]):
                self.selection_changed()

    def cancel(self) -> bool:
        """Escape: undo what the gesture showed; True if there was one."""
        gesture, self._gesture = self._gesture, None
        if gesture in ("move", "nudge"):
            for region_id in self._moving:
                self.layer.regions[region_id].set_offset(0.0, 0.0)
            self._moving = []
        elif gesture == "resize" and self._resizing is not None:
            region_id, _, original, _, _ = self._resizing
            self.layer.regions[region_id].set_shape(original)
            self._resizing = None
        elif gesture == "band" and self._band is not None:
            self.layer.scene.removeItem(self._band)
            self._band = None
        return gesture is not None

    def clear_selection(self) -> None:
        if self.layer.select([]):
            self.selection_changed()

    # -- keys ----------------------------------------------------------------------------

    def nudge(self, dx: float, dy: float) -> bool:
        """Move the selection by (dx, dy) image pixels more, as far as the image allows.

        Presses add up until finish_nudge() (the key's release), so holding an arrow
        down is one change, not one per auto-repeat.
        """
        if self._gesture is None and self.layer.selection:
            self._gesture, self._nudged = "nudge", (0.0, 0.0)
            self._moving = list(self.layer.selection)
        if self._gesture != "nudge":
            return False
        self._nudged = self._clamped_delta(self._nudged[0] + dx, self._nudged[1] + dy)
        for region_id in self._moving:
            self.layer.regions[region_id].set_offset(*self._nudged)
        return True

    def finish_nudge(self) -> None:
        if self._gesture == "nudge":
            self._gesture = None
            self._finish_move()

    # -- finishing -------------------------------------------------------------------

    def _clamped_delta(self, dx: float, dy: float) -> tuple[float, float]:
        box = tools.union_box([self.layer.regions[rid].box for rid in self._moving])
        return tools.clamp_translation(box, dx, dy, self.width, self.height)

    def _finish_move(self) -> None:
        moving, self._moving = self._moving, []
        for region_id in moving:
            graphics = self.layer.regions.get(region_id)
            if graphics is None or graphics.offset == (0.0, 0.0):
                continue
            before = graphics.shape
            after = before.translated(*graphics.offset).rounded()
            graphics.set_shape(after)
            if after != before.rounded():
                self.changed(region_id, after.to_json())

    def _finish_resize(self) -> None:
        resizing, self._resizing = self._resizing, None
        if resizing is None:
            return
        region_id, _, original, _, _ = resizing
        graphics = self.layer.regions.get(region_id)
        if graphics is None:
            return
        after = graphics.shape.rounded()
        if after.is_empty() or after == original.rounded():
            graphics.set_shape(original)     # collapsed to nothing, or no change at all
            return
        graphics.set_shape(after)
        self.changed(region_id, after.to_json())
