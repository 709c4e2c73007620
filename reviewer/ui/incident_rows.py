"""How an incident reads in the list: its title on one line, when/where/tags/status below.

A five-column table left the title a dozen pixels wide in a laptop's side panel; two
lines give the title the panel's whole width and still show every field.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

DETAIL_COLUMNS = (1, 2, 3, 4)       # when, place, tags, status: the second line
PAD_X, PAD_Y, LINE_GAP = 6, 4, 2


class IncidentRowDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        height = option.fontMetrics.height()
        return QSize(200, 2 * height + LINE_GAP + 2 * PAD_Y)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        # The style draws the background (selection, hover, a conflict's colour) alone.
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter,
                              option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = option.palette.color(QPalette.ColorRole.HighlightedText if selected
                                      else QPalette.ColorRole.Text)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if isinstance(foreground, QBrush) and not selected:
            colour = foreground.color()
        detail = " · ".join(text for text in (index.siblingAtColumn(column).data()
                                              for column in DETAIL_COLUMNS) if text)
        rect = option.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        height = option.fontMetrics.height()
        painter.save()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(colour)
        title_rect = QRect(rect.left(), rect.top(), rect.width(), height)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(str(index.data() or ""),
                                                          Qt.TextElideMode.ElideRight,
                                                          rect.width()))
        painter.setFont(option.font)
        if not selected:
            colour.setAlphaF(0.75)
        painter.setPen(colour)
        detail_rect = QRect(rect.left(), rect.top() + height + LINE_GAP, rect.width(), height)
        painter.drawText(detail_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         option.fontMetrics.elidedText(detail, Qt.TextElideMode.ElideRight,
                                                       rect.width()))
        painter.restore()
