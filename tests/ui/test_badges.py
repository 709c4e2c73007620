"""Thumbnail badges: every label on an item is shown or counted, never silently dropped."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics

from reviewer.core.case import open_case
from reviewer.core.labels import add_label
from reviewer.core.regions import add_region
from reviewer.core.shape import parse_box
from reviewer.ui.browser import THUMB, badge_rows

LONG_NAMES = ["unexploded submunition", "chlorine cylinder valve", "toppled column drum",
              "collapsed roof section", "burnt vehicle chassis", "impact crater rim",
              "scorched facade"]


def _labels_accounted(rows, labels: dict) -> int:
    """Label badges shown (by name or by count) plus those a '+N' badge stands for."""
    shown = hidden = 0
    colours = {QColor(colour).name() for _count, colour in labels.values()}
    for row in rows:
        for _x, _width, text, colour in row:
            if text.startswith("+"):
                hidden += int(text[1:])
            elif colour.name() in colours:
                shown += 1
    return shown + hidden


def test_many_long_labels_are_all_shown_or_counted(qapp):
    metrics = QFontMetrics(qapp.font())
    colours = ["#e6194b", "#f58231", "#9a6324", "#3cb44b", "#4363d8", "#911eb4", "#42d4f4"]
    for many in range(1, len(LONG_NAMES) + 1):
        pairs = zip(LONG_NAMES[:many], colours[:many], strict=True)
        labels = {name: (many - i, colour) for i, (name, colour) in enumerate(pairs)}
        badges = [("PHOTO", QColor(40, 40, 40)), ("GPS", QColor(20, 110, 60))]
        badges += [(f"{count} {name}", QColor(colour)) for name, (count, colour) in labels.items()]
        rows = badge_rows(badges, THUMB - 6, lambda text: metrics.horizontalAdvance(text) + 8)
        assert _labels_accounted(rows, labels) == many
        assert len(rows) <= 3
        for row in rows:
            assert all(x + width <= THUMB - 6 for x, width, _text, _colour in row)


def test_more_labels_than_room_end_in_a_count_of_the_rest(qapp):
    metrics = QFontMetrics(qapp.font())
    labels = {f"label {n}": (100 + n, f"#{n * 8:02x}4080") for n in range(30)}
    badges = [(f"{count} {name}", QColor(colour)) for name, (count, colour) in labels.items()]
    rows = badge_rows(badges, THUMB - 6, lambda text: metrics.horizontalAdvance(text) + 8)
    assert rows[-1][-1][2].startswith("+")
    assert _labels_accounted(rows, labels) == 30
    assert len(rows) == 3
    assert all(x + width <= THUMB - 6 for row in rows for x, width, _t, _c in row)


def test_the_thumbnail_tooltip_lists_every_label(window, qtbot, small_case):
    with open_case(small_case, actor="setup") as case:
        evidence_id = case.conn.execute(
            "SELECT id FROM evidence WHERE original_name = 'photo_0000.jpg'").fetchone()[0]
        for number, name in enumerate(LONG_NAMES):
            add_label(case, name, colour=f"#{40 * number:02x}6040")
            for _ in range(number + 1):
                add_region(case, evidence_id, name, "rect", parse_box("5,5,50,50"))
    window.open_case(small_case)
    model = window.workspace.browser.view.model()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    row = next(r for r in range(3) if model.index(r, 0).data() == "photo_0000.jpg")
    tooltip = model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    for number, name in enumerate(LONG_NAMES):
        assert f"{number + 1} × {name}" in tooltip
