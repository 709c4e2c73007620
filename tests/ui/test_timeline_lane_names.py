"""The timeline's lane names stay readable over the items spread along a lane.

Found by a new-user trial on the corpus: most photos carry a local time without a zone,
so they sit in the last lane, spread over its whole width, and their dots were drawn
over its name ("No trust●orthy time")."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor

from reviewer.core.geotime import read_geotime
from reviewer.core.importer import import_paths
from reviewer.ui.map.map_layers import KIND_COLOURS
from reviewer.ui.map.timeline_view import LANES, TimelineView


def test_dots_spread_along_the_untimed_lane_leave_its_name_readable(case, photo_factory,
                                                                     qtbot):
    import_paths(case, [photo_factory(offset=None) for _ in range(120)])  # local, no zone
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(870, 190)                 # the Timeline dock of a 1366 x 768 window
    view.show()
    qtbot.waitExposed(view)
    data = read_geotime(case)
    view.set_data(data)
    assert len(view._untimed) == 120
    rect = view.lane_rect(len(LANES) - 1)
    name = LANES[-1]
    text = QRect(int(rect.left()) + 4, int(rect.top()) + 2,
                 view.fontMetrics().horizontalAdvance(name), view.fontMetrics().height())
    image = view.grab().toImage()
    photo = QColor(KIND_COLOURS[0]).rgb()
    dots = sum(image.pixelColor(x, y).rgb() == photo
               for x in range(text.left(), text.right()) for y in range(text.top(),
                                                                         text.bottom()))
    assert dots == 0
