"""The evidence browser: a filter bar over a thumbnail grid."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.evidence import KINDS, EvidenceFilter
from reviewer.core.incidents import list_incidents
from reviewer.core.labels import list_labels
from reviewer.ui.damage_bar import DAMAGED_COLOUR
from reviewer.ui.evidence_model import EvidenceModel, IdRole, LabelsRole, RowRole, ThumbnailRole
from reviewer.ui.session import CaseSession

CELL = QSize(176, 204)
THUMB = 160


class EvidenceDelegate(QStyledItemDelegate):
    """Thumbnail, name, and badges: kind, GPS, tag count in label colours."""

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        row = index.data(RowRole)
        if row is None:
            return
        painter.save()
        rect = option.rect.adjusted(4, 4, -4, -4)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight) if selected
                         else palette.color(QPalette.ColorRole.Base))
        image_rect = QRect(rect.left() + (rect.width() - THUMB) // 2, rect.top() + 4, THUMB,
                           THUMB)
        pixmap = index.data(ThumbnailRole)
        if pixmap is not None:
            if pixmap.width() > THUMB or pixmap.height() > THUMB:
                pixmap = pixmap.scaled(image_rect.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
            painter.drawPixmap(image_rect.center() - pixmap.rect().center(), pixmap)
        else:
            painter.fillRect(image_rect, QColor("#d8d8d8"))
            painter.setPen(QColor("#666"))
            painter.drawText(image_rect, Qt.AlignmentFlag.AlignCenter, "…")
        self._badges(painter, image_rect, row, index.data(LabelsRole) or {})
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected
                                     else QPalette.ColorRole.Text))
        text_rect = QRect(rect.left() + 4, image_rect.bottom() + 4, rect.width() - 8, 20)
        name = painter.fontMetrics().elidedText(row["original_name"], Qt.TextElideMode.ElideMiddle,
                                                text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, name)
        painter.restore()

    @staticmethod
    def _badges(painter: QPainter, image_rect: QRect, row: dict, labels: dict) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        badges = item_badges(row, labels)
        height = metrics.height() + 2
        rows = badge_rows(badges, image_rect.width() - 6,
                          lambda text: metrics.horizontalAdvance(text) + 8)
        for line, placed in enumerate(reversed(rows)):      # reading order, the last row lowest
            y = image_rect.bottom() - 1 - (line + 1) * (height + 2)
            for x, width, text, colour in placed:
                badge = QRect(image_rect.left() + 3 + x, y, width, height)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRoundedRect(badge, 3, 3)
                painter.setPen(QColor("white") if colour.lightness() < 150 else QColor("black"))
                painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)


MORE_COLOUR = QColor(90, 90, 90, 220)


# Content Credentials on a thumbnail: CR (C2PA: signature matches, signer on no trust
# list), CR ✓ (on a trust list), CR ✗ (the file does not match), CR ? (not read),
# PROOF (a ProofMode bundle, signature not checked).
CREDENTIAL_BADGES = {
    "valid": ("CR ✓", QColor(20, 110, 60, 220)),
    "untrusted": ("CR", QColor(40, 80, 140, 220)),
    "invalid": ("CR ✗", QColor(170, 20, 20, 230)),
    "unreadable": ("CR ?", QColor(150, 90, 0, 230)),
    "unchecked": ("PROOF", QColor(90, 60, 130, 220)),
}


def item_badges(row: dict, labels: dict) -> list[tuple[str, QColor]]:
    """A thumbnail's badges in order: kind, DAMAGED, GPS, credentials, then labels by
    count."""
    badges = [(row["kind"].upper(), QColor(40, 40, 40, 200))]
    if row.get("damaged"):
        badges.append(("DAMAGED", DAMAGED_COLOUR))
    if row["gps_lat"] is not None:
        badges.append(("GPS", QColor(20, 110, 60, 220)))
    for state in (row.get("credentials") or "").split(","):
        if state in CREDENTIAL_BADGES:
            badges.append(CREDENTIAL_BADGES[state])
    for name, (count, colour) in sorted(labels.items(), key=lambda kv: -kv[1][0]):
        badges.append((f"{count} {name}", QColor(colour)))
    return badges


def badge_rows(badges: list[tuple[str, QColor]], room: int, width_of, max_rows: int = 3
               ) -> list[list[tuple[int, int, str, QColor]]]:
    """Lay badges left to right in up to `max_rows` rows of `room` pixels.

    A label badge keeps its name where it fits (on this row or a new one); where it
    does not, its count in its colour ("3") stands for it. What the last row cannot
    hold becomes one "+N" badge, so no label is silently missing from the thumbnail
    (the tooltip names them all). Returns per row (x, width, text, colour) of badges.
    """
    rows: list[list[tuple[int, int, str, QColor]]] = [[]]
    x = 0
    for number, (text, colour) in enumerate(badges):
        width = width_of(text)
        short = text.split(" ", 1)[0]
        if x + width > room and (width <= room or x + width_of(short) > room):
            rows.append([])
            x = 0
        if len(rows) == max_rows:
            rows[-1] = _last_row(rows[-1] + [(0, 0, text, colour) for text, colour
                                              in badges[number:]], room, width_of)
            return rows
        if x + width > room:
            text, width = short, width_of(short)
        rows[-1].append((x, width, text, colour))
        x += width + BADGE_GAP
    return rows


BADGE_GAP = 3


def _last_row(wanted: list[tuple[int, int, str, QColor]], room: int, width_of
              ) -> list[tuple[int, int, str, QColor]]:
    """The badges in full if they fit; else as counts; what still does not fit as "+N"."""
    for texts in ([text for _x, _w, text, _c in wanted],
                  [text.split(" ", 1)[0] for _x, _w, text, _c in wanted]):
        widths = [width_of(text) for text in texts]
        if sum(widths) + BADGE_GAP * (len(widths) - 1) <= room:
            return _placed(texts, [colour for *_rest, colour in wanted], widths)
    kept: list[tuple[int, int, str, QColor]] = []
    x = 0
    for number, (_x, _w, text, colour) in enumerate(wanted):
        short = text.split(" ", 1)[0]
        more = f"+{len(wanted) - number}"
        if x + width_of(short) + BADGE_GAP + width_of(f"+{len(wanted) - number - 1}") > room:
            kept.append((x, width_of(more), more, MORE_COLOUR))
            return kept
        kept.append((x, width_of(short), short, colour))
        x += width_of(short) + BADGE_GAP
    return kept


def _placed(texts: list[str], colours: list[QColor], widths: list[int]
            ) -> list[tuple[int, int, str, QColor]]:
    placed, x = [], 0
    for text, colour, width in zip(texts, colours, widths, strict=True):
        placed.append((x, width, text, colour))
        x += width + BADGE_GAP
    return placed


# The credentials filter's choices: what people read, what EvidenceFilter takes.
CREDENTIAL_CHOICES = (
    ("Any credentials", None), ("With Content Credentials", "any"),
    ("No credentials", "none"), ("Credentials valid", "valid"),
    ("Credentials untrusted", "untrusted"), ("Credentials INVALID", "invalid"),
    ("Credentials not read", "unreadable"), ("ProofMode, unchecked", "unchecked"),
)


class FilterBar(QWidget):
    changed = Signal(object)   # EvidenceFilter

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.text = QLineEdit(placeholderText="Filter by name or note…", clearButtonEnabled=True)
        self.label = QComboBox(toolTip="Only items tagged with this label")
        self.incident = QComboBox(toolTip="Only items in this incident")
        self.kind = QComboBox(toolTip="Only items of this kind")
        self.kind.addItem("Any kind", None)
        for kind in KINDS:
            self.kind.addItem(kind.capitalize(), kind)
        self.credentials = QComboBox(
            toolTip="Only items whose Content Credentials (C2PA, ProofMode) are in this state")
        for text, value in CREDENTIAL_CHOICES:
            self.credentials.addItem(text, value)
        for combo in (self.label, self.incident, self.kind, self.credentials):
            # Long incident titles must not widen the browser at the viewer's expense.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        self.untagged = QCheckBox("Untagged")
        self.has_gps = QCheckBox("Has GPS")
        # Text and the two ticks above, the three choices below: narrow enough for a
        # laptop, where the browser shares the width with the viewer and the panels.
        top = QHBoxLayout()
        top.addWidget(self.text, 1)
        top.addWidget(self.untagged)
        top.addWidget(self.has_gps)
        bottom = QHBoxLayout()
        bottom.addWidget(self.kind, 1)
        bottom.addWidget(self.label, 1)
        bottom.addWidget(self.incident, 1)
        bottom.addWidget(self.credentials, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)
        self.text.textChanged.connect(self._emit)
        for combo in (self.label, self.incident, self.kind, self.credentials):
            combo.currentIndexChanged.connect(self._emit)
        for box in (self.untagged, self.has_gps):
            box.toggled.connect(self._emit)

    def set_choices_later(self, *_: object) -> None:
        self.set_choices(self.session)

    def reset(self) -> None:
        """Show everything again (to reveal an item a filter hides)."""
        for widget in (self.text,):
            widget.blockSignals(True)
            widget.clear()
            widget.blockSignals(False)
        for combo in (self.label, self.incident, self.kind, self.credentials):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for box in (self.untagged, self.has_gps):
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self._emit()

    def set_choices(self, session: CaseSession) -> None:
        """Refill the label and incident lists, keeping what was chosen."""
        for combo, everything, items in (
            (self.label, "Any label", [(lb.name, lb.id) for lb in list_labels(session.case)]),
            (self.incident, "Any incident",
             [(row.title, row.id) for row in list_incidents(session.case)]),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for text, value in items:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(combo.findData(chosen), 0))
            combo.blockSignals(False)

    def current(self) -> EvidenceFilter:
        return EvidenceFilter(kind=self.kind.currentData(), label=self.label.currentData(),
                              incident=self.incident.currentData(),
                              text=self.text.text().strip() or None,
                              untagged=self.untagged.isChecked(),
                              has_gps=True if self.has_gps.isChecked() else None,
                              credentials=self.credentials.currentData())

    def _emit(self) -> None:
        self.changed.emit(self.current())


class EvidenceBrowser(QWidget):
    currentChanged = Signal(str)   # evidence id ("" when nothing is current)

    def __init__(self, model: EvidenceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.filters = FilterBar(model.session)
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setGridSize(CELL)
        self.view.setSpacing(0)
        self.view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.view.setDragEnabled(True)
        self.view.setItemDelegate(EvidenceDelegate(self.view))
        # Two columns at least, even on a 1366 px laptop: one column hides most of a case.
        self.view.setMinimumWidth(2 * CELL.width() + self.view.style().pixelMetric(
            QStyle.PixelMetric.PM_ScrollBarExtent) + 2 * self.view.frameWidth() + 2)
        self.view.setModel(model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filters)
        layout.addWidget(self.view)
        self.filters.changed.connect(self._apply_filter)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        model.modelReset.connect(self._after_reset)
        self.filters.set_choices(model.session)
        self._keep: str = ""
        self._shown: str = ""
        self._after_reset()     # the model was filled before we listened

    def _apply_filter(self, where: EvidenceFilter) -> None:
        self._keep = self.current_id()
        self.model.set_filter(where)

    def _after_reset(self) -> None:
        row = self.model.row_of(self._keep) if self._keep else None
        if row is None and self.model.rowCount():
            row = 0
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))
        elif self._shown:
            self._shown = ""
            self.currentChanged.emit("")

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        evidence_id = (current.data(IdRole) if current.isValid() else "") or ""
        self._keep = evidence_id or self._keep
        # A filter change that keeps the same item current must not reload its image.
        if evidence_id != self._shown:
            self._shown = evidence_id
            self.currentChanged.emit(evidence_id)

    def current_id(self) -> str:
        index = self.view.currentIndex()
        return index.data(IdRole) if index.isValid() else ""

    def selected_ids(self) -> list[str]:
        return [index.data(IdRole) for index in self.view.selectionModel().selectedIndexes()]

    def select(self, evidence_id: str) -> bool:
        row = self.model.row_of(evidence_id)
        if row is None:
            return False
        self.view.setCurrentIndex(self.model.index(row))
        return True

    def step(self, delta: int) -> None:
        """Next/previous item, for keys pressed in the viewer."""
        count = self.model.rowCount()
        if not count:
            return
        row = self.view.currentIndex().row()
        row = min(max(row + delta, 0), count - 1) if row >= 0 else 0
        self.view.setCurrentIndex(self.model.index(row))
