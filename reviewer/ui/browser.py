"""The evidence browser: a filter bar over a thumbnail grid."""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.evidence import KINDS, EvidenceFilter, camera_name
from reviewer.core.incidents import list_incidents
from reviewer.core.labels import list_labels
from reviewer.core.provenance import VERIFICATION_STATUSES
from reviewer.core.search import camera_value, cameras
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
# list, or a ProofMode bundle signed by its device key), CR ✓ (on a trust list), CR ✗
# (the file does not match), CR ? (not read), PROOF (a ProofMode bundle whose signature
# could not be checked: no signature or no public key in it).
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
        self.text = QLineEdit(placeholderText="Search names, notes, tags, incidents…",
                              clearButtonEnabled=True,
                              toolTip="Items where every word you type begins a word of"
                                      " their name, note, camera, tags' notes and labels,"
                                      " or incidents' titles, descriptions and sources."
                                      '\n"old market" in quotes: those words in a row;'
                                      " smoke OR fire: either; -smoke: without it")
        self.label = QComboBox(toolTip="Only items tagged with this label")
        self.incident = QComboBox(toolTip="Only items in this incident")
        self.kind = QComboBox(toolTip="Only items of this kind")
        self.verification = QComboBox(toolTip="Only items of this verification status")
        self.verification.addItem("Any status", None)
        for status in VERIFICATION_STATUSES:
            self.verification.addItem(status.capitalize(), status)
        self.camera = QComboBox(toolTip="Only items taken with this camera")
        self.kind.addItem("Any kind", None)
        for kind in KINDS:
            self.kind.addItem(kind.capitalize(), kind)
        self.credentials = QComboBox(
            toolTip="Only items whose Content Credentials (C2PA, ProofMode) are in this state")
        for text, value in CREDENTIAL_CHOICES:
            self.credentials.addItem(text, value)
        for combo in self._combos():
            # Long incident titles must not widen the browser at the viewer's expense.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        # A span brushed on the timeline, shown (and cleared) here like any other filter.
        self.time_span: tuple[str, str] | None = None
        self.span_button = QPushButton(visible=False, toolTip="Only items captured in the"
                                       " span brushed on the timeline; click to clear")
        self.span_button.clicked.connect(lambda: self.set_time_span(None))
        # An area lassoed on the map, the same way.
        self.area_button = QPushButton(visible=False, toolTip="Only items positioned in the"
                                       " area drawn on the map; click to clear")
        self.area_button.clicked.connect(lambda: self.set_area(None))
        self.untagged = QCheckBox("Untagged")
        self.has_gps = QCheckBox("Has GPS")
        self.damaged = QCheckBox("Damaged", toolTip="Only items kept though damaged as received")
        # Text and the two ticks above, the three choices below: narrow enough for a
        # laptop, where the browser shares the width with the viewer and the panels.
        top = QHBoxLayout()
        top.addWidget(self.text, 1)
        top.addWidget(self.untagged)
        top.addWidget(self.has_gps)
        top.addWidget(self.damaged)
        bottom = QHBoxLayout()
        bottom.addWidget(self.kind, 1)
        bottom.addWidget(self.label, 1)
        bottom.addWidget(self.incident, 1)
        more = QHBoxLayout()
        more.addWidget(self.verification, 1)
        more.addWidget(self.camera, 1)
        more.addWidget(self.credentials, 1)
        spans = QHBoxLayout()
        spans.addWidget(self.span_button)
        spans.addWidget(self.area_button)
        spans.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)
        layout.addLayout(more)
        layout.addLayout(spans)
        # Set by the map and the timeline (set_area, set_period), not by a widget here.
        self.area: tuple[float, float, float, float] | None = None
        self.period: tuple[str | None, str | None] = (None, None)
        self.text.textChanged.connect(self._emit)
        for combo in self._combos():
            combo.currentIndexChanged.connect(self._emit)
        for box in (self.untagged, self.has_gps, self.damaged):
            box.toggled.connect(self._emit)

    def _combos(self) -> tuple[QComboBox, ...]:
        return (self.label, self.incident, self.kind, self.verification, self.camera,
                self.credentials)

    def set_time_span(self, span: tuple[str, str] | None) -> None:
        """Filter on capture time in UTC (ISO 8601 ends), or stop doing so (None)."""
        self.time_span = span
        self.span_button.setVisible(span is not None)
        if span is not None:
            self.span_button.setText(f"{span[0][:16]} – {span[1][:16]} ✕".replace("T", " "))
        self._emit()

    def set_area(self, bbox: tuple[float, float, float, float] | None) -> None:
        """Only items positioned in this box (west, south, east, north): the map's hook."""
        self.area = bbox
        self.area_button.setVisible(bbox is not None)
        if bbox is not None:
            west, south, east, north = bbox
            self.area_button.setText(f"{south:.3f},{west:.3f} – {north:.3f},{east:.3f} ✕")
        self._emit()

    def set_period(self, start: str | None, end: str | None) -> None:
        """Only items taken from `start` to `end` (UTC, ISO 8601): the timeline's hook."""
        self.period = (start, end)
        self._emit()

    def set_choices_later(self, *_: object) -> None:
        self.set_choices(self.session)

    def reset(self) -> None:
        """Show everything again (to reveal an item a filter hides)."""
        self.area, self.period = None, (None, None)
        for widget in (self.text,):
            widget.blockSignals(True)
            widget.clear()
            widget.blockSignals(False)
        for combo in self._combos():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for box in (self.untagged, self.has_gps, self.damaged):
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self.time_span = None
        self.span_button.setVisible(False)
        self.area_button.setVisible(False)
        self._emit()

    def set_choices(self, session: CaseSession) -> None:
        """Refill the label and incident lists, keeping what was chosen."""
        for combo, everything, items in (
            (self.label, "Any label", [(lb.name, lb.id) for lb in list_labels(session.case)]),
            (self.incident, "Any incident",
             [(row.title, row.id) for row in list_incidents(session.case)]),
            (self.camera, "Any camera",
             [(camera_name(make, model), camera_value(make, model))
              for make, model in cameras(session.case.conn)]),
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
                              search=self.text.text().strip() or None,
                              untagged=self.untagged.isChecked(),
                              has_gps=True if self.has_gps.isChecked() else None,
                              verification=self.verification.currentData(),
                              taken_from=self.time_span[0] if self.time_span else None,
                              taken_to=self.time_span[1] if self.time_span else None,
                              damaged=True if self.damaged.isChecked() else None,
                              camera=self.camera.currentData(), bbox=self.area,
                              time_from=self.period[0], time_to=self.period[1],
                              credentials=self.credentials.currentData())

    def _emit(self) -> None:
        self.changed.emit(self.current())


class EvidenceGrid(QListView):
    """The thumbnail grid, laid out LAYOUT_BATCH tiles at a time between events: a search
    matching 50,000 of 100,000 items paints its first screenful at once while the rest are
    placed (the scroll bar grows as they are). An item asked to be shown before its tile is
    placed is scrolled to when the layout ends."""

    LAYOUT_BATCH = 5000

    def __init__(self) -> None:
        super().__init__()
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(self.LAYOUT_BATCH)
        self._waiting = QPersistentModelIndex()
        self._waiting_hint = QListView.ScrollHint.EnsureVisible

    def scrollTo(self, index: QModelIndex | QPersistentModelIndex,
                 hint: QListView.ScrollHint = QListView.ScrollHint.EnsureVisible) -> None:
        if index.isValid() and not self.visualRect(index).isValid():
            self._waiting, self._waiting_hint = QPersistentModelIndex(index), hint
            return
        self._waiting = QPersistentModelIndex()
        super().scrollTo(index, hint)

    def updateGeometries(self) -> None:
        super().updateGeometries()      # Qt calls this when a batched layout has ended
        if self._waiting.isValid():
            index = self.model().index(self._waiting.row(), 0)
            if self.visualRect(index).isValid():
                self._waiting = QPersistentModelIndex()
                super().scrollTo(index, self._waiting_hint)


class EvidenceBrowser(QWidget):
    currentChanged = Signal(str)   # evidence id ("" when nothing is current)

    def __init__(self, model: EvidenceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.filters = FilterBar(model.session)
        self.view = EvidenceGrid()
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
        model.modelAboutToBeReset.connect(self._remember_selection)
        model.modelReset.connect(self._after_reset)
        self._selected: list[str] = []
        self.filters.set_choices(model.session)
        # An import can bring a camera the list does not have yet.
        model.session.evidenceChanged.connect(self.filters.set_choices_later)
        self._keep: str = ""
        self._shown: str = ""
        self._after_reset()     # the model was filled before we listened

    def _apply_filter(self, where: EvidenceFilter) -> None:
        self._keep = self.current_id()
        self.model.set_filter(where)

    def _remember_selection(self) -> None:
        self._selected = self.selected_ids()

    def _after_reset(self) -> None:
        row = self.model.row_of(self._keep) if self._keep else None
        if row is None and self.model.rowCount():
            row = 0
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))
        elif self._shown:
            self._shown = ""
            self.currentChanged.emit("")
        # A selection survives a reload (an edit of the selected items, an import): the
        # rows still shown stay selected.
        selection = self.view.selectionModel()
        for evidence_id in self._selected:
            kept = self.model.row_of(evidence_id)
            if kept is not None and kept != row:
                selection.select(self.model.index(kept),
                                 QItemSelectionModel.SelectionFlag.Select)
        self._selected = []

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

    def select_ids(self, evidence_ids: list[str]) -> int:
        """Select these items (those the filter shows), the first made current; how many."""
        rows = sorted(r for r in (self.model.row_of(i) for i in evidence_ids) if r is not None)
        selection = QItemSelection()
        run_start = previous = None
        for row in [*rows, None]:
            if row is not None and previous is not None and row == previous + 1:
                previous = row
                continue
            if run_start is not None:
                selection.select(self.model.index(run_start), self.model.index(previous))
            run_start = previous = row
        chosen = self.view.selectionModel()
        if rows:
            first = self.model.row_of(evidence_ids[0])
            current = self.model.index(first if first is not None else rows[0])
            chosen.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.view.scrollTo(current)
        chosen.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        return len(rows)

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
