"""A demo case from generated photos: a Roman colonnade before and after, and a street.

Every image is drawn here with numpy and OpenCV (no downloaded data, no Qt) and saved
by Pillow as a JPEG with real EXIF (camera, capture time with offset, GPS). The case
is then built through the ordinary core API, so every change is in the audit log.
The pictures are made up: the case says so in its incidents' sources.

Scenes are small 3D worlds (camera at the origin looking down +Z, Y up) projected to
pixels. The "after" colonnade is the same scene with three columns toppled, rendered
in "before" pixels on a canvas with a margin and warped by `BEFORE_TO_AFTER`: a known
homography that image alignment must recover.

Modules: `painting` (shared drawing helpers), `colonnade_plan` (the colonnade's geometry
and the truth its tags record), `colonnade` (drawing it), `houses` and `street` (the street
photos), `tags` (the regions to tag), `photos` (EXIF, drawing and saving the photos) and
`build` (the case).
"""

from reviewer.demo.build import DEMO_CASE, TITLE, build_demo_case
from reviewer.demo.colonnade import render_colonnade
from reviewer.demo.colonnade_plan import (
    AFTER_TO_BEFORE,
    BEFORE_TO_AFTER,
    COLONNADE_SIZE,
    MARGIN,
    N_COLUMNS,
    TOPPLED,
    ColonnadeLayout,
    colonnade_layout,
    map_points,
)
from reviewer.demo.painting import RGB, Image
from reviewer.demo.photos import SHOTS, Shot, draw_demo_photos, save_jpeg
from reviewer.demo.street import STREET_SIZE
from reviewer.demo.tags import Region

__all__ = [
    "AFTER_TO_BEFORE",
    "BEFORE_TO_AFTER",
    "COLONNADE_SIZE",
    "DEMO_CASE",
    "MARGIN",
    "N_COLUMNS",
    "RGB",
    "SHOTS",
    "STREET_SIZE",
    "TITLE",
    "TOPPLED",
    "ColonnadeLayout",
    "Image",
    "Region",
    "Shot",
    "build_demo_case",
    "colonnade_layout",
    "draw_demo_photos",
    "map_points",
    "render_colonnade",
    "save_jpeg",
]
