"""All regions of the current image: their items, the selection, and hit-testing.

Hit-testing asks the scene's BSP index for the few items near the cursor and then
decides with each region's Shape (its own hit-test), so a click costs the same with 10
regions or 1,000. Selection is a list of ids here rather than QGraphicsItem
selection, so selecting changes two items' pens and never rebuilds anything.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene

from reviewer.core.shape import Shape
from reviewer.ui.viewer import tools
from reviewer.ui.viewer.region_items import (
    KEY_ID,
    KEY_ROLE,
    RegionDisplay,
    RegionGraphics,
    sketch_item,
    tag_size,
)

_DESCENDING = Qt.SortOrder.DescendingOrder
# Translucent, antialiased fills of a thousand regions take 200 ms a repaint, and their
# tags bury the photo; past this many regions in view they are drawn as plain outlines
# without tags (selected ones keep both). Zooming in brings the detail back.
DENSE_ABOVE = 200
SPARSE_BELOW = 150


class RegionLayer:
    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.regions: dict[str, RegionGraphics] = {}
        self.selection: list[str] = []
        self.zoom = 1.0
        self.dense = False
        self._sketches: list[tuple[Shape, QGraphicsPathItem]] = []

    # -- contents ----------------------------------------------------------------------

    def set_regions(self, regions: list[RegionDisplay]) -> bool:
        """Show exactly these regions; True if that dropped selected ones."""
        wanted = {region.id: region for region in regions}
        for region_id in [rid for rid in self.regions if rid not in wanted]:
            self.regions.pop(region_id).remove(self.scene)
        for region in regions:
            self.put(region, declutter=False)
        self.clear_sketches()
        self.declutter_tags()
        return self._forget_missing_selection()

    def put(self, region: RegionDisplay, declutter: bool = True) -> None:
        """Add the region, or bring the one with its id up to date (cheap if unchanged)."""
        graphics = self.regions.get(region.id)
        if graphics is None:
            graphics = RegionGraphics(self.scene, region)
            graphics.place_tag(self.zoom)
            if self.dense:
                graphics.set_crowded(True)
            self.regions[region.id] = graphics
        elif (graphics.region != region or graphics.shape != region.shape_value
              or graphics.offset != (0.0, 0.0)):     # also undoes an edit the window refused
            graphics.update(region)
            graphics.place_tag(self.zoom)
        else:
            return
        if declutter:
            self.declutter_tags()

    def remove(self, region_id: str) -> bool:
        graphics = self.regions.pop(region_id, None)
        if graphics is not None:
            graphics.remove(self.scene)
            self.declutter_tags()
        return self._forget_missing_selection()

    def declutter_tags(self) -> None:
        """Cut each tag short of the next one on its line, so side by side tags (a row
        of columns) all stay readable instead of covering each other. The full label is
        in the tag's tooltip and the Regions panel; a selected tag is never cut."""
        if self.dense or len(self.regions) > DENSE_ABOVE:
            return
        zoom = self.zoom
        placed = sorted(
            ((g.tag.pos().x() * zoom + g.tag.rect().left(),
              g.tag.pos().y() * zoom + g.tag.rect().top(), g)
             for g in self.regions.values()), key=lambda entry: entry[0])
        for number, (x, y, graphics) in enumerate(placed):
            room = None
            if not graphics.selected:
                height = graphics.tag.rect().height()
                for next_x, next_y, _other in placed[number + 1:]:
                    if next_x - x >= tag_size(graphics.region.label)[0]:
                        break          # sorted by x: nothing further can be in the way
                    if abs(next_y - y) < height and next_x > x:
                        room = next_x - x - 2
                        break
            graphics.set_tag_room(room)

    def clear(self) -> bool:
        return self.set_regions([])

    def _forget_missing_selection(self) -> bool:
        kept = [rid for rid in self.selection if rid in self.regions]
        changed = kept != self.selection
        self.selection = kept
        return changed

    # -- selection ---------------------------------------------------------------------

    def select(self, ids: list[str]) -> bool:
        """Select exactly these (known) ids; True if the selection changed."""
        wanted = list(dict.fromkeys(rid for rid in ids if rid in self.regions))
        if wanted == self.selection:
            return False
        for rid in self.selection:
            if rid not in wanted:
                self.regions[rid].set_selected(False)
        for rid in wanted:
            self.regions[rid].set_selected(True)
        self.selection = wanted
        self.declutter_tags()              # a selected tag is shown whole
        return True

    def toggle(self, region_id: str) -> bool:
        if region_id in self.selection:
            return self.select([rid for rid in self.selection if rid != region_id])
        return self.select([*self.selection, region_id])

    # -- hit-testing (x, y in scene units; the transform maps scene to viewport) -------

    def region_at(self, x: float, y: float, transform: QTransform) -> str | None:
        """The region a click at (x, y) means: a tag, else the topmost shape near it."""
        for item in self.scene.items(QPointF(x, y), Qt.ItemSelectionMode.IntersectsItemShape,
                                     _DESCENDING, transform):
            if item.data(KEY_ROLE) == "tag":
                return item.data(KEY_ID)
        tolerance = tools.REGION_HIT_PX / self.zoom
        near = QRectF(x - tolerance, y - tolerance, 2 * tolerance, 2 * tolerance)
        for item in self.scene.items(near, Qt.ItemSelectionMode.IntersectsItemBoundingRect,
                                     _DESCENDING, transform):
            if item.data(KEY_ROLE) != "shape":
                continue
            graphics = self.regions.get(item.data(KEY_ID))
            if graphics is not None and graphics.shown_shape().contains(x, y, tolerance):
                return graphics.region.id
        return None

    def handle_at(self, x: float, y: float) -> tuple[str, int] | None:
        """(region id, handle index) of a selected region's handle under (x, y)."""
        tolerance = tools.HANDLE_HIT_PX / self.zoom
        for region_id in reversed(self.selection):
            graphics = self.regions[region_id]
            handles = graphics.shown_shape().handles()
            index = tools.hit_handle(handles, x, y, tolerance)
            if index is not None:
                return region_id, index
        return None

    def ids_in_rect(self, rect: QRectF, transform: QTransform) -> list[str]:
        ids = []
        for item in self.scene.items(rect, Qt.ItemSelectionMode.IntersectsItemShape,
                                     _DESCENDING, transform):
            if item.data(KEY_ROLE) == "shape":
                ids.append(item.data(KEY_ID))
        return list(dict.fromkeys(ids))

    # -- zoom --------------------------------------------------------------------------

    def set_zoom(self, zoom: float) -> None:
        self.zoom = zoom
        for graphics in self.regions.values():
            graphics.place_tag(zoom)
        self.declutter_tags()

    def update_detail(self, visible: QRectF) -> bool:
        """Outlines only while crowded (with hysteresis); True when crowded."""
        if not self.dense and len(self.regions) <= DENSE_ABOVE:
            return False
        left, top, right, bottom = (visible.left(), visible.top(), visible.right(),
                                    visible.bottom())
        count = sum(1 for g in self.regions.values()
                    if g.box[0] <= right and g.box[0] + g.box[2] >= left
                    and g.box[1] <= bottom and g.box[1] + g.box[3] >= top)
        dense = count >= SPARSE_BELOW if self.dense else count > DENSE_ABOVE
        if dense != self.dense:
            self.dense = dense
            for graphics in self.regions.values():
                graphics.set_crowded(dense)
        return dense

    # -- shapes drawn but not yet stored by the window -----------------------------

    def add_sketch(self, shape: Shape) -> None:
        item = sketch_item(shape)
        self.scene.addItem(item)
        self._sketches.append((shape, item))

    def drop_sketch_for(self, region: RegionDisplay) -> None:
        """The window stored a drawn shape: drop its sketch (that one, else the oldest)."""
        if not self._sketches:
            return
        index = next((i for i, (shape, _) in enumerate(self._sketches)
                      if shape == region.shape_value), 0)
        self.scene.removeItem(self._sketches.pop(index)[1])

    def clear_sketches(self) -> None:
        for _, item in self._sketches:
            self.scene.removeItem(item)
        self._sketches = []
