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


def _shown_timeline(qtbot, case) -> TimelineView:
    """The case's timeline in the Timeline dock of a 1366 x 768 window."""
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(870, 190)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(read_geotime(case))
    return view



def test_dots_spread_along_the_untimed_lane_leave_its_name_readable(case, photo_factory,
                                                                     qtbot):
    import_paths(case, [photo_factory(offset=None) for _ in range(120)])  # local, no zone
    view = _shown_timeline(qtbot, case)
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


def test_incident_bars_stay_in_their_lane_and_titles_in_the_pane(case, qtbot):
    from reviewer.core.incidents import add_incident

    # Three incidents: the third was drawn below the Incidents lane of a laptop's dock,
    # and a title near the pane's right end ran out of it ("Chlorine" cut short).
    for title, start, end in (("Shelling of the market", "2024-03-01T10:00Z",
                               "2024-03-01T12:00Z"),
                              ("Strike on the bakery", "2024-03-02T09:00Z", None),
                              ("Chlorine cylinders on the roof", "2024-03-09T08:00Z", None)):
        add_incident(case, title, time_from=start, time_to=end)
    view = _shown_timeline(qtbot, case)
    bars = view.incident_bars()
    assert len(bars) == 3
    lane = view.lane_rect(3)
    metrics = view.fontMetrics()
    for bar, at, title in bars:
        assert lane.contains(bar.topLeft()) and bar.bottom() <= lane.bottom(), (title, bar)
        assert at.x() >= 0 and at.x() + metrics.horizontalAdvance(title) <= view.width(), title
