"""ImageView: one photo with its regions; zoom, pan, draw and edit. No database here.

Scene coordinates are displayed-image pixels (EXIF orientation applied, origin
top-left), so geometry goes between the window and the scene unconverted. The
view only reports what the user did (regionDrawn, regionChanged, deleteRequested,
selectionChanged); the window decides, stores, and hands regions back.

Keys: F fit, Z 100 %, + and - zoom, Space+drag pan, arrows nudge the selection
(Shift: 10 px), Delete/Backspace ask to delete it, Escape cancels. Digits and every
other key are left to the window. Face suggestions (suggestion_layer.py), when shown:
a click picks one, a drag moves it (its corner resizes it), Enter or a double click
accepts it, Delete/Backspace rejects it (when no region is selected).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

from reviewer.core.shape import Shape
from reviewer.ui.viewer import tools, zooming
from reviewer.ui.viewer.drawing import DRAWING_TOOLS, DrawingController
from reviewer.ui.viewer.editing import PAN, EditController
from reviewer.ui.viewer.image_layer import ImageLayer
from reviewer.ui.viewer.loader import ImageLoader
from reviewer.ui.viewer.region_items import RegionDisplay
from reviewer.ui.viewer.region_layer import RegionLayer
from reviewer.ui.viewer.suggestion_layer import SuggestionDisplay, SuggestionLayer

TOOLS = ("select", *DRAWING_TOOLS)
_NOT_PLAIN = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
              | Qt.KeyboardModifier.MetaModifier)


class ImageView(QGraphicsView):
    regionDrawn = Signal(str, dict)          # shape, geometry: the user finished drawing one
    regionChanged = Signal(str, dict)        # id, geometry: once per finished move/resize/nudge
    selectionChanged = Signal(list)          # ids, after the user (not select_regions) changed it
    deleteRequested = Signal(list)           # ids: Delete/Backspace with a selection
    imageLoaded = Signal(bool)               # True: full resolution shown; False: it failed
    imageShown = Signal(float)               # decoded pixels shown, per image pixel (1.0: full)
    viewChanged = Signal()                   # zoom or scroll moved: another part shows
    suggestionAccepted = Signal(object)      # SuggestionDisplay (as adjusted): Enter, dbl-click
    suggestionRejected = Signal(int)         # key: Delete/Backspace on the highlighted one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scene = QGraphicsScene(self)
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setScene(scene)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor("#1e1e1e"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)

        self._image = ImageLayer(scene)
        self._regions = RegionLayer(scene)
        self._suggestions = SuggestionLayer(scene)
        self._drawing = DrawingController(scene, self._drawn)
        self._editing = EditController(self._regions, self.regionChanged.emit,
                                       self._selection_changed)
        self._tool = "select"
        self._loader = ImageLoader(self)
        self._loader.decoded.connect(self._decoded)
        self._loader.failed.connect(self._failed)
        self._fit_mode = True                # refit when resized, until the user zooms
        self._pan_from: QPointF | None = None
        self._pan_travel = 0.0
        self._pan_clears_selection = False
        self._space = False
        self._read_only = False
        self.set_tool("select")

    # -- image ------------------------------------------------------------------------

    def set_image(self, path: Path | None, width: int, height: int,
                  error: str | None = None, rotation: int = 0) -> None:
        """Show this image (decoded off the UI thread) or, given `error`, why it can't be.

        `width` x `height` is the displayed size (orientation and `rotation`, the item's
        display rotation in degrees clockwise, applied): the scene takes it
        at once, so regions can be shown before the pixels arrive. The regions of the
        previous image are cleared; call set_regions after this.
        """
        self._loader.cancel()
        self._drawing.cancel()
        self._editing.cancel()
        if self._regions.clear():
            self._selection_changed()
        self._suggestions.set_suggestions([])
        self._size_scene(width, height)
        if error is not None:
            self._failed(error)
        elif path is not None:
            self._loader.load(Path(path), self._fitted_long_side(width, height), rotation)

    def _fitted_long_side(self, width: int, height: int) -> int:
        """Screen pixels along the image's long side when fitted: what a preview must cover."""
        port = self.viewport()
        if width <= 0 or height <= 0 or port.width() <= 0 or port.height() <= 0:
            return 2048
        fit = min(port.width() / width, port.height() / height)
        return max(256, math.ceil(fit * max(width, height) * port.devicePixelRatioF()))

    def _size_scene(self, width: int, height: int) -> None:
        self._image.reset(width, height)
        self.scene().setSceneRect(self._image.rect())
        self._drawing.set_bounds(width, height)
        self._editing.width, self._editing.height = width, height
        self._suggestions.width, self._suggestions.height = float(width), float(height)
        self.fit_to_window()

    def image_error(self) -> str | None:
        """Why the current image is not shown (a decode failure or the `error` given)."""
        return self._image.error

    def _decoded(self, image: QImage, full: bool) -> None:
        if self._image.width <= 0 or self._image.height <= 0:
            if not full:
                return                        # no size was given: wait for the real one
            self._size_scene(image.width(), image.height())
        self._image.show_image(image, full)
        self._zoom_changed()
        self.imageShown.emit(self._image.resolution())
        if full:
            self.imageLoaded.emit(True)

    def _failed(self, reason: str) -> None:
        self._image.show_error(reason)
        self._image.place_message(self.zoom())
        self.imageLoaded.emit(False)

    # -- regions ----------------------------------------------------------------------

    def set_regions(self, regions: list[RegionDisplay]) -> None:
        """Show exactly these regions (unchanged ones are kept as they are)."""
        self._editing.cancel()
        if self._regions.set_regions(regions):
            self._selection_changed()
        self._update_detail()

    def regions_shown(self) -> list[RegionDisplay]:
        return [graphics.region for graphics in self._regions.regions.values()]

    def add_region(self, region: RegionDisplay) -> None:
        """Show a stored region; the sketch of the drawn shape it came from goes."""
        self._regions.drop_sketch_for(region)
        self._regions.put(region)
        self._update_detail()

    def update_region(self, region: RegionDisplay) -> None:
        self._editing.cancel()
        self._regions.put(region)

    def remove_region(self, region_id: str) -> None:
        self._editing.cancel()
        if self._regions.remove(region_id):
            self._selection_changed()
        self._update_detail()

    def select_regions(self, ids: list[str]) -> None:
        """Select these regions (unknown ids are skipped); emits no selectionChanged."""
        self._regions.select(ids)

    def selected_ids(self) -> list[str]:
        return list(self._regions.selection)

    def _selection_changed(self) -> None:
        self.selectionChanged.emit(list(self._regions.selection))

    # -- face suggestions ---------------------------------------------------------------

    def show_suggestions(self, suggestions: list[SuggestionDisplay]) -> None:
        """Show these suggestions (dashed, with their score); the first is highlighted."""
        self._suggestions.set_suggestions(suggestions)

    def suggestions_shown(self) -> list[SuggestionDisplay]:
        return self._suggestions.shown()

    def current_suggestion(self) -> SuggestionDisplay | None:
        key = self._suggestions.current
        return self._suggestions.items[key].suggestion if key is not None else None

    def remove_suggestion(self, key: int) -> None:
        self._suggestions.remove(key)

    def _drawn(self, shape: Shape) -> None:
        self._regions.add_sketch(shape)
        self.regionDrawn.emit(shape.kind, shape.to_json())

    # -- tools ------------------------------------------------------------------------

    def set_read_only(self, read_only: bool) -> None:
        """Show regions without letting them be selected, moved or deleted (a drag pans)."""
        self._read_only = read_only
        if read_only:
            self.set_tool("select")
            self._editing.clear_selection()

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
        self._drawing.cancel()
        self._editing.cancel()
        self._tool = self._drawing.tool = tool
        self._set_cursor(self._idle_cursor())

    def tool(self) -> str:
        return self._tool

    def _set_cursor(self, shape: Qt.CursorShape) -> None:
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(shape)

    def _idle_cursor(self) -> Qt.CursorShape:
        if self._space:
            return Qt.CursorShape.OpenHandCursor
        return (Qt.CursorShape.ArrowCursor if self._tool == "select"
                else Qt.CursorShape.CrossCursor)

    # -- zoom -------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the scene point under `anchor` (viewport pixels; default centre)."""
        self._set_zoom(self.zoom() * factor, anchor)

    def actual_size(self) -> None:
        self._set_zoom(1.0)

    def fit_to_window(self) -> None:
        if self._image.width <= 0 or self._image.height <= 0:
            self._set_zoom(1.0, centre=QPointF(0, 0))     # a message alone, mid-view
            return
        viewport = self.viewport().rect()
        self._set_zoom(zooming.fit(viewport.width(), viewport.height(), self._image.width,
                                   self._image.height), centre=self._image.rect().center())
        self._fit_mode = True

    def center_on_region(self, region_id: str) -> None:
        """Zoom so the region fills about half the view, and centre it."""
        graphics = self._regions.regions.get(region_id)
        if graphics is None:
            return
        viewport = self.viewport().rect()
        zoom, (x, y) = zooming.focus(graphics.shape, viewport.width(), viewport.height(),
                                     self.zoom())
        self._set_zoom(zoom, centre=QPointF(x, y))

    def _set_zoom(self, zoom: float, anchor: QPointF | None = None,
                  centre: QPointF | None = None) -> None:
        """Zoom; then `centre` (scene) sits mid-view, or the point under `anchor` stays."""
        zoom = zooming.limit(zoom)
        view_centre = QPointF(self.viewport().rect().center())
        anchor = view_centre if anchor is None else QPointF(anchor)
        target = centre if centre is not None else self._to_scene(anchor)
        self.resetTransform()
        self.scale(zoom, zoom)
        self._fit_mode = False
        self._update_scene_rect()
        self._put(target, view_centre if centre is not None else anchor)
        self._zoom_changed()

    def image_rect(self) -> QRectF:
        """The image's displayed size as a rectangle at the origin (empty before one is set)."""
        return self._image.rect()

    def visible_centre(self) -> QPointF:
        """The image point (scene coordinates) in the middle of the view."""
        return self._to_scene(QPointF(self.viewport().rect().center()))

    def show_at(self, centre: QPointF, zoom: float) -> None:
        """Zoom to `zoom` with the image point `centre` mid-view (to follow another view)."""
        self._set_zoom(zoom, centre=centre)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.viewChanged.emit()

    def _to_scene(self, viewport_point: QPointF) -> QPointF:
        return self.viewportTransform().inverted()[0].map(QPointF(viewport_point))

    def _put(self, scene_point: QPointF, viewport_point: QPointF) -> None:
        """Scroll so that scene_point shows at viewport_point."""
        offset = self.viewportTransform().map(scene_point) - viewport_point
        self._scroll_by(offset.x(), offset.y())

    def _scroll_by(self, dx: float, dy: float) -> None:
        for bar, delta in ((self.horizontalScrollBar(), dx), (self.verticalScrollBar(), dy)):
            bar.setValue(bar.value() + round(delta))

    def _update_scene_rect(self) -> None:
        """Image plus half a viewport each side: any image point can be brought mid-view."""
        zoom = self.zoom()
        margin_x = self.viewport().width() / 2 / zoom
        margin_y = self.viewport().height() / 2 / zoom
        self.setSceneRect(QRectF(self._image.rect()).adjusted(-margin_x, -margin_y,
                                                               margin_x, margin_y))

    def _zoom_changed(self) -> None:
        zoom = self.zoom()
        self._regions.set_zoom(zoom)
        self._image.set_zoom(zoom * self.devicePixelRatioF())
        self._image.place_message(zoom)
        self._update_detail()
        self.viewChanged.emit()

    def _update_detail(self) -> None:
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        smooth = not self._regions.update_detail(visible)
        if bool(self.renderHints() & QPainter.RenderHint.Antialiasing) != smooth:
            self.setRenderHint(QPainter.RenderHint.Antialiasing, smooth)

    def resizeEvent(self, event) -> None:
        old = event.oldSize()
        keep = (self._to_scene(QPointF(old.width() / 2, old.height() / 2))
                if old.isValid() else None)
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit_to_window()
        elif keep is not None:
            self._update_scene_rect()
            self._put(keep, QPointF(self.viewport().rect().center()))

    # -- mouse ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
                button == Qt.MouseButton.LeftButton and (self._space or self._read_only)):
            self._start_pan(position, clears_selection=False)
        elif button == Qt.MouseButton.LeftButton:
            point = self._to_scene(position)
            if self._tool == "select" and self._suggestions.press(point.x(), point.y(),
                                                                  self.zoom()):
                self._editing.clear_selection()      # Delete now means the suggestion
            elif self._tool == "select":
                started = self._editing.press(point.x(), point.y(),
                                              (position.x(), position.y()),
                                              event.modifiers(), self.viewportTransform())
                if started == PAN:
                    self._start_pan(position, clears_selection=True)
            else:
                self._drawing.press(point.x(), point.y(), self.zoom())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._pan_from is not None:
            delta = position - self._pan_from
            self._pan_from = position
            self._pan_travel += abs(delta.x()) + abs(delta.y())
            self._scroll_by(-delta.x(), -delta.y())
            return
        point = self._to_scene(position)
        if self._suggestions.dragging():
            self._suggestions.move(point.x(), point.y())
        elif self._tool == "select" and self._editing.active():
            self._editing.move(point.x(), point.y(), (position.x(), position.y()))
        elif self._tool != "select":
            self._drawing.move(point.x(), point.y(), self.zoom())
        elif not self._space and not self._read_only:
            self._set_cursor(self._editing.cursor_at(point.x(), point.y(),
                                                     self.viewportTransform()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
                self._pan_from = None
                self._update_detail()
                if self._pan_clears_selection and self._pan_travel < tools.MIN_DRAG_PX:
                    self._editing.clear_selection()       # a click on empty image
                self._set_cursor(self._idle_cursor())
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self._suggestions.dragging():
            self._suggestions.release()        # adjusted in place; accepted as it stands
            return
        point = self._to_scene(event.position())
        if self._tool == "select":
            self._editing.release(self.viewportTransform())
        else:
            self._drawing.release(point.x(), point.y(), self.zoom())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # A drawing tool may take the double click whole (the polygon closes on it; a
        # point is not drawn twice); otherwise it is one more press.
        if self._tool != "select" and event.button() == Qt.MouseButton.LeftButton:
            point = self._to_scene(event.position())
            if self._drawing.double_click(point.x(), point.y(), self.zoom()):
                return
        if self._tool == "select" and event.button() == Qt.MouseButton.LeftButton \
                and not self._read_only:
            point = self._to_scene(event.position())
            hit = self._suggestions.at(point.x(), point.y(), self.zoom())
            if hit is not None:
                self.suggestionAccepted.emit(self._suggestions.items[hit[0]].suggestion)
                return
        self.mousePressEvent(event)

    def _start_pan(self, position: QPointF, clears_selection: bool) -> None:
        self._pan_from = position
        self._pan_travel = 0.0
        self._pan_clears_selection = clears_selection
        self._set_cursor(Qt.CursorShape.ClosedHandCursor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(zooming.wheel_factor(delta), event.position())
        event.accept()

    # -- keys -------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = not (event.modifiers() & _NOT_PLAIN)
        if key == Qt.Key.Key_Space and plain:
            if not event.isAutoRepeat():
                self._space = True
                self._set_cursor(Qt.CursorShape.OpenHandCursor)
        elif self._drawing.key(key, self.zoom()) or (
                key == Qt.Key.Key_Escape and (self._editing.cancel()
                                              or self._suggestions.cancel_drag())):
            pass                            # a drawing or a drag took the key
        elif self._suggestion_key(key, plain):
            pass
        elif key == Qt.Key.Key_Escape and self._regions.selection:
            self._editing.clear_selection()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._regions.selection \
                and not self._read_only:
            self.deleteRequested.emit(list(self._regions.selection))
        elif key in _ARROWS and plain and self._tool == "select" and self._regions.selection \
                and not self._read_only:
            step = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            dx, dy = _ARROWS[key]
            self._editing.nudge(dx * step, dy * step)
        elif key == Qt.Key.Key_F and plain:
            self.fit_to_window()
        elif key == Qt.Key.Key_Z and plain:
            self.actual_size()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and plain:
            self.zoom_by(zooming.KEY_STEP)
        elif key == Qt.Key.Key_Minus and plain:
            self.zoom_by(1 / zooming.KEY_STEP)
        else:
            event.ignore()                  # digits (label shortcuts) and the rest: the window's
            return
        event.accept()

    def event(self, event: QEvent) -> bool:
        # The window binds Delete to "delete the selected regions"; with a suggestion
        # highlighted and no region selected, Delete here means "reject it".
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) \
                and self.current_suggestion() is not None and not self._regions.selection \
                and not self._read_only and self._tool == "select":
            event.accept()
            return True
        return super().event(event)

    def _suggestion_key(self, key: int, plain: bool) -> bool:
        """Enter accepts the highlighted suggestion; Delete/Backspace rejects it (when no
        region is selected: then they mean the region)."""
        current = self.current_suggestion()
        if current is None or not plain or self._read_only or self._tool != "select":
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.suggestionAccepted.emit(current)
            return True
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not self._regions.selection:
            self.suggestionRejected.emit(current.key)
            return True
        return False

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.isAutoRepeat():
            event.ignore()
        elif event.key() == Qt.Key.Key_Space:
            self._space = False
            if self._pan_from is None:
                self._set_cursor(self._idle_cursor())
        elif event.key() in _ARROWS:
            self._editing.finish_nudge()          # one change for the whole key press
        else:
            event.ignore()

    def focusOutEvent(self, event) -> None:
        self._space = False                   # the releases go to another widget now
        self._editing.finish_nudge()
        super().focusOutEvent(event)


_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
           Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
