"""How one region looks on the image: outline, fill, label tag and handles.

Everything here is a stock QGraphicsItem painted by Qt's C++ code: a Python paint()
would run once per visible region per repaint, and an image may carry 1,000 of them.
Pens are cosmetic and tags and handles ignore the view's transform, so lines, text
and handles keep their screen size at any zoom. Pens and brushes are shared per
colour because building them is a measurable part of showing 1,000 regions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractGraphicsShapeItem,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
)

from reviewer.core.shape import Shape, shape_from

# Stacking: image < regions (by area, smaller on top) < points < tags < handles.
POINT_Z = 1.0
TAG_Z = 2.0
HANDLE_Z = 3.0
DRAFT_Z = 4.0

KEY_ID = 0                # QGraphicsItem.data() keys: which region an item draws...
KEY_ROLE = 1              # ...and what part of it ("shape" or "tag")

POINT_RADIUS = 5.0        # screen pixels
HANDLE_SIZE = 8.0         # screen pixels
TAG_PAD_X, TAG_PAD_Y = 5.0, 2.0
TAG_GAP = HANDLE_SIZE / 2 + 1.0   # between tag and outline, so a corner handle stays clear


@dataclass(frozen=True)
class RegionDisplay:
    """A region as the window hands it to the view: plain data, no database."""

    id: str
    shape: str            # the kind and geometry as stored; shape_value is the typed value
    geometry: dict
    label: str
    colour: str           # "#rrggbb"
    redact: bool = False  # covered in public exports: drawn hatched black
    shape_value: Shape = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape_value", shape_from(self.shape, self.geometry))


@lru_cache(maxsize=256)
def outline_pen(colour: str, selected: bool) -> QPen:
    pen = QPen(QColor(colour), 3.0 if selected else 2.0)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


@lru_cache(maxsize=256)
def fill_brush(colour: str, selected: bool) -> QBrush:
    fill = QColor(colour)
    fill.setAlpha(80 if selected else 40)
    return QBrush(fill)


# A region to be redacted: dense black hatching, distinct from any label's tint, with the
# picture still faintly visible under it so the investigator can check what it covers.
REDACT_BRUSH = QBrush(QColor("#000000"), Qt.BrushStyle.Dense3Pattern)


@lru_cache(maxsize=256)
def solid_brush(colour: str) -> QBrush:
    return QBrush(QColor(colour))


@lru_cache(maxsize=256)
def text_colour(colour: str) -> QColor:
    """Black or white, whichever reads better on the label colour (WCAG luminance)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    base = QColor(colour)
    luminance = (0.2126 * linear(base.red()) + 0.7152 * linear(base.green())
                 + 0.0722 * linear(base.blue()))
    return QColor("#111111") if luminance > 0.35 else QColor("#ffffff")


@lru_cache(maxsize=1)
def tag_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.5)
    font.setWeight(QFont.Weight.DemiBold)
    return font


MIN_TAG_WIDTH = 28.0     # a cut tag keeps a letter or two and its colour


@lru_cache(maxsize=1024)
def tag_size(label: str) -> tuple[float, float]:
    metrics = QFontMetricsF(tag_font())
    return (metrics.horizontalAdvance(label) + 2 * TAG_PAD_X,
            metrics.height() + 2 * TAG_PAD_Y)


def region_path(shape: Shape) -> QPainterPath:
    """The outline in scene coordinates; a marker is a dot around the item's origin."""
    path = QPainterPath()
    if shape.is_marker:
        path.addEllipse(QPointF(0, 0), POINT_RADIUS, POINT_RADIUS)
    else:
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in shape.vertices()]))
        path.closeSubpath()
    return path


class RegionGraphics:
    """The scene items that draw one region, kept in step with its display data."""

    def __init__(self, scene: QGraphicsScene, region: RegionDisplay) -> None:
        self.region = region
        self.shape = region.shape_value        # may run ahead of region during a gesture
        self.selected = False
        self.offset = (0.0, 0.0)               # a move in progress, not yet in geometry
        self.handles: list[QAbstractGraphicsShapeItem] = []
        self.tag_inside = False
        self.tag_shift = 0.0                   # screen px left, so the tag ends on the image
        self.tag_room: float | None = None     # screen px before the next tag; None: all
        self.crowded = False                   # a crowded view: outlines only, no tags
        self.box = (0.0, 0.0, 0.0, 0.0)        # bounding box, for counting what is in view
        self._top = 0.0                        # the region's top edge, for placing the tag

        self.shape_item = QGraphicsPathItem()
        self.shape_item.setData(KEY_ID, region.id)
        self.shape_item.setData(KEY_ROLE, "shape")
        if self.shape.is_marker:
            self.shape_item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.tag = QGraphicsRectItem()
        self.tag.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.tag.setPen(Qt.PenStyle.NoPen)
        self.tag.setZValue(TAG_Z)
        self.tag.setData(KEY_ID, region.id)
        self.tag.setData(KEY_ROLE, "tag")
        self.text = QGraphicsSimpleTextItem(self.tag)
        self.text.setFont(tag_font())
        self._apply_style()
        self._apply_geometry()
        scene.addItem(self.shape_item)
        scene.addItem(self.tag)

    # -- what the window changes ---------------------------------------------------

    def update(self, region: RegionDisplay) -> None:
        restyle = ((region.label, region.colour, region.redact)
                   != (self.region.label, self.region.colour, self.region.redact))
        reshape = region.shape_value != self.shape
        if region.shape != self.region.shape:      # rare: handles and dot/outline differ
            self._drop_handles(self.shape_item.scene())
            self.shape_item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations,
                                    region.shape_value.is_marker)
            restyle = True
        self.region = region
        self.shape = region.shape_value
        if self.selected and not self.handles:
            self._make_handles(self.shape_item.scene())
        if restyle:
            self._apply_style()
        if reshape or self.offset != (0.0, 0.0):
            self.offset = (0.0, 0.0)
            self._apply_geometry()

    def remove(self, scene: QGraphicsScene) -> None:
        self._drop_handles(scene)
        scene.removeItem(self.shape_item)
        scene.removeItem(self.tag)

    def set_selected(self, selected: bool) -> None:
        if selected == self.selected:
            return
        self.selected = selected
        self.shape_item.setPen(self._pen())
        self.shape_item.setBrush(self._brush())
        self.tag.setVisible(selected or not self.crowded)
        scene = self.shape_item.scene()
        if selected:
            self._make_handles(scene)
        else:
            self._drop_handles(scene)

    def set_crowded(self, crowded: bool) -> None:
        """Outline only and no tag (unless selected), for a view of hundreds of regions."""
        if crowded != self.crowded:
            self.crowded = crowded
            self.shape_item.setBrush(self._brush())
            self.tag.setVisible(self.selected or not crowded)

    def _pen(self) -> QPen:
        if self.shape.is_marker:      # a solid dot in a white ring shows on any photo
            return outline_pen("#ffffff", self.selected)
        return outline_pen(self.region.colour, self.selected)

    def _brush(self) -> QBrush:
        if self.shape.is_marker:
            return solid_brush(self.region.colour)
        if self.region.redact:       # what a public export covers: hatched black, always
            return REDACT_BRUSH
        if self.selected or not self.crowded:
            return fill_brush(self.region.colour, self.selected)
        return QBrush(Qt.BrushStyle.NoBrush)

    # -- what a gesture changes ----------------------------------------------------

    def set_offset(self, dx: float, dy: float) -> None:
        """Show the region moved by (dx, dy) without rebuilding anything."""
        ox, oy = self.offset
        self.offset = (dx, dy)
        for item in (self.shape_item, self.tag, *self.handles):
            item.moveBy(dx - ox, dy - oy)

    def set_shape(self, shape: Shape) -> None:
        """Show a new outline (a resize in progress, or a finished move)."""
        self.shape = shape
        self.offset = (0.0, 0.0)
        self._apply_geometry()

    def shown_shape(self) -> Shape:
        if self.offset == (0.0, 0.0):
            return self.shape
        return self.shape.translated(*self.offset)

    def place_tag(self, zoom: float) -> None:
        """Put the tag above the region, or just inside it where the image top would cut it;
        shifted left where the image's right edge would cut it."""
        _, height = tag_size(self.region.label)
        width = self.tag_width()
        room = height + TAG_GAP + (POINT_RADIUS if self.shape.is_marker else 0)
        inside = (self._top + self.offset[1]) * zoom < room
        shift = 0.0
        scene = self.tag.scene()
        if scene is not None and zoom > 0:
            image = scene.sceneRect()
            anchor = self.tag.pos().x()
            start = anchor + self._tag_left(width) / zoom
            over = start + width / zoom - image.right()
            if over > 0:        # as far left as needed, but never past the image's left
                shift = min(over, max(0.0, start - image.left())) * zoom
        if (inside, shift) != (self.tag_inside, self.tag_shift):
            self.tag_inside, self.tag_shift = inside, shift
            self._apply_tag_rect()

    def _tag_left(self, width: float) -> float:
        return -width / 2 if self.shape.is_marker else 0.0

    # -- building ------------------------------------------------------------------

    def _apply_style(self) -> None:
        colour = self.region.colour
        self.shape_item.setPen(self._pen())
        self.shape_item.setBrush(self._brush())
        self.tag.setBrush(solid_brush(colour))
        self.text.setBrush(text_colour(colour))
        self.tag.setToolTip(self.region.label)
        self._apply_tag_rect()
        for handle in self.handles:
            handle.setPen(_handle_pen(colour))

    def tag_width(self) -> float:
        """The tag's width on screen: the whole label, or cut to the room it has."""
        width, _ = tag_size(self.region.label)
        if self.tag_room is None or self.tag_room >= width:
            return width
        return max(self.tag_room, MIN_TAG_WIDTH)

    def set_tag_room(self, room: float | None) -> None:
        if room != self.tag_room:
            self.tag_room = room
            self._apply_tag_rect()

    def _apply_tag_rect(self) -> None:
        full, height = tag_size(self.region.label)
        width = self.tag_width()
        self.text.setText(self.region.label if width >= full
                          else QFontMetricsF(tag_font()).elidedText(
                              self.region.label, Qt.TextElideMode.ElideRight,
                              width - 2 * TAG_PAD_X))
        left = self._tag_left(width) - self.tag_shift
        top = TAG_GAP if self.tag_inside else -height - TAG_GAP
        if self.shape.is_marker:        # centred over (or under) the dot
            top += POINT_RADIUS if self.tag_inside else -POINT_RADIUS
        self.tag.setRect(QRectF(left, top, width, height))
        self.text.setPos(left + TAG_PAD_X, top + TAG_PAD_Y)

    def _apply_geometry(self) -> None:
        shape = self.shape
        dx, dy = self.offset
        self.box = shape.bounds()
        self.shape_item.setPath(region_path(shape))
        x, y = self.box[0], self.box[1]          # the tag sits on the bounding box
        if shape.is_marker:                      # the dot is drawn round the item's origin
            self.shape_item.setPos(x + dx, y + dy)
            self.shape_item.setZValue(POINT_Z)
        else:
            self.shape_item.setPos(dx, dy)
            # Smaller regions stack on top, so one drawn inside another stays clickable.
            self.shape_item.setZValue(-shape.area())
        self.tag.setPos(x + dx, y + dy)
        self._top = y
        if self.handles:
            positions = shape.handles()
            if len(positions) != len(self.handles):
                scene = self.shape_item.scene()
                self._drop_handles(scene)
                self._make_handles(scene)
            else:
                for handle, (hx, hy) in zip(self.handles, positions, strict=True):
                    handle.setPos(hx + dx, hy + dy)

    def _make_handles(self, scene: QGraphicsScene | None) -> None:
        if scene is None:
            return
        dx, dy = self.offset
        # Round handles on polygon vertices, square ones on a rectangle's corners and edges.
        kind = QGraphicsEllipseItem if self.shape.handles_are_vertices else QGraphicsRectItem
        for hx, hy in self.shape.handles():
            handle = kind(-HANDLE_SIZE / 2, -HANDLE_SIZE / 2, HANDLE_SIZE, HANDLE_SIZE)
            handle.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            handle.setPen(_handle_pen(self.region.colour))
            handle.setBrush(QColor("#ffffff"))
            handle.setZValue(HANDLE_Z)
            handle.setPos(hx + dx, hy + dy)
            scene.addItem(handle)
            self.handles.append(handle)

    def _drop_handles(self, scene: QGraphicsScene | None) -> None:
        if scene is not None:
            for handle in self.handles:
                scene.removeItem(handle)
        self.handles = []


@lru_cache(maxsize=256)
def _handle_pen(colour: str) -> QPen:
    pen = QPen(QColor(colour).darker(140), 1.5)
    pen.setCosmetic(True)
    return pen


SKETCH_COLOUR = "#00e5ff"     # shapes being drawn or awaiting the window: no label colour yet


@lru_cache(maxsize=1)
def sketch_pen() -> QPen:
    pen = QPen(QColor(SKETCH_COLOUR), 2.0, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    return pen


def sketch_item(shape: Shape | None = None) -> QGraphicsPathItem:
    """A dashed outline for a shape drawn but not yet stored, or (None) one in progress."""
    item = QGraphicsPathItem()
    item.setPen(sketch_pen())
    item.setBrush(fill_brush(SKETCH_COLOUR, False))
    item.setZValue(DRAFT_Z)
    if shape is not None:
        item.setPath(region_path(shape))
        if shape.is_marker:
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setPos(*shape.vertices()[0])
    return item
