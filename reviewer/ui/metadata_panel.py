"""The metadata panel: identity and provenance of the current item, every EXIF tag."""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel, QTextOption
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.credentials import credentials_of
from reviewer.core.credentials import describe as describe_credentials
from reviewer.core.evidence import camera_name, evidence_exif, get_evidence
from reviewer.ui.damage_bar import damage_text
from reviewer.ui.provenance_form import ProvenanceForm
from reviewer.ui.session import CaseSession

FIELDS = (
    ("sha256", "SHA-256"), ("original_name", "Original name"), ("original_path", "Original path"),
    ("imported_at", "Imported"), ("imported_by", "Imported by"), ("camera", "Camera"),
    ("taken_at", "Taken"), ("size", "Size"), ("stored", "Stored"),
)

# A hash or a path has no spaces to wrap at: as a label it would force the panel (and
# the window) wider than a laptop screen, and a one-line field cuts it off. These break
# anywhere instead, show it whole, and copy it without the breaks.
UNBROKEN = ("sha256", "original_name", "original_path", "stored")


def _wrapped_value() -> QLabel:
    label = QLabel()
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class BreakAnywhereValue(QTextEdit):
    """A read-only value shown whole on as many lines as it takes, broken anywhere."""

    def __init__(self) -> None:
        super().__init__(readOnly=True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QTextEdit { background: transparent; }")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(0)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def setText(self, text: str) -> None:
        self.setPlainText(text)

    def text(self) -> str:
        return self.toPlainText()

    def minimumSizeHint(self) -> QSize:
        return QSize(80, self.height())

    def _fit_height(self, *_: object) -> None:
        lines = max(1.0, self.document().size().height())
        self.setFixedHeight(max(self.fontMetrics().height(), math.ceil(lines)))


class MetadataPanel(QWidget):
    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.values: dict[str, QLabel | BreakAnywhereValue] = {}
        form = QFormLayout()
        self.damage = QLabel(wordWrap=True)
        self.damage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.damage.setStyleSheet("color: #a11; font-weight: 600;")
        self.damage.hide()
        form.addRow(self.damage)
        for key, title in FIELDS:
            self.values[key] = BreakAnywhereValue() if key in UNBROKEN else _wrapped_value()
            form.addRow(title, self.values[key])
        self.gps = QLabel(wordWrap=True)
        self.gps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_gps = QPushButton("Copy")
        self.copy_gps.setToolTip("Copy the position as 'latitude, longitude'")
        self.copy_gps.clicked.connect(self._copy_gps)
        gps_row = QHBoxLayout()
        gps_row.addWidget(self.gps, 1)
        gps_row.addWidget(self.copy_gps)
        form.addRow("GPS", gps_row)
        # Content Credentials as `show` and the report word them (core/credentials.py).
        self.credentials = QLabel(wordWrap=True, objectName="credentials")
        self.credentials.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Credentials", self.credentials)
        self.search = QLineEdit(placeholderText="Search EXIF tags and values…",
                                clearButtonEnabled=True)
        self.tags = QStandardItemModel(0, 2)
        self.tags.setHorizontalHeaderLabels(["Tag", "Value"])
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.tags)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        details = QWidget()
        layout = QVBoxLayout(details)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        # Provenance (issue 17) on a page of its own, scrolled: the current item, or the
        # browser's selection (bulk edit).
        self.provenance = ProvenanceForm(session)
        scroller = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroller.setWidget(self.provenance)
        provenance_page = QWidget()
        page_layout = QVBoxLayout(provenance_page)
        page_layout.setContentsMargins(0, 0, 4, 4)
        page_layout.addWidget(scroller, 1)
        page_layout.addWidget(self.provenance.apply_button, 0, Qt.AlignmentFlag.AlignRight)
        # Scrolled too: its wrapped labels ask for 550 px of height while the dock is
        # still narrow, and an unscrolled page made the window taller than a laptop screen.
        details_scroller = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        details_scroller.setWidget(details)
        self.pages = QTabWidget()
        self.pages.addTab(details_scroller, "Item")
        self.pages.addTab(provenance_page, "Provenance")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)
        self._position = ""

    def show_evidence(self, evidence_id: str) -> None:
        self.tags.removeRows(0, self.tags.rowCount())
        self.damage.hide()
        if not evidence_id:
            for label in self.values.values():
                label.clear()
            self.gps.clear()
            self.credentials.clear()
            self._position = ""
            return
        row = get_evidence(self.session.case, evidence_id)
        self.damage.setText(damage_text(row))
        self.damage.setVisible(bool(row["damaged"]))
        size = (f"{row['width']} × {row['height']} px" if row["width"] is not None
                else "size unknown (damaged)")
        shown = {
            **row,
            "camera": camera_name(row.make, row.model) or "unknown",
            "taken_at": row.taken_at or "unknown",
            "size": f"{size}, {row.bytes:,} bytes, {row.format or row.kind}",
            "stored": (f"in the case, {row.stored_path.rsplit('.', 1)[-1].upper()}, read-only"
                       if row.stored_path else f"linked: {row.linked_path}"),
        }
        for key, label in self.values.items():
            label.setText(str(shown.get(key) or ""))
        if row.gps_lat is not None:
            self._position = f"{row.gps_lat:.6f}, {row.gps_lon:.6f}"
            altitude = f", {row.gps_alt:.1f} m" if row.gps_alt is not None else ""
            self.gps.setText(f"{self._position}{altitude} ({row.gps_source})")
        else:
            self._position = ""
            self.gps.setText("none")
        self.copy_gps.setEnabled(bool(self._position))
        found = credentials_of(self.session.case, evidence_id)
        self.credentials.setText("\n".join(describe_credentials(c) for c in found) or "none")
        bad = any(c["state"] in ("invalid", "unreadable") for c in found)
        self.credentials.setStyleSheet("color: #a11; font-weight: 600;" if bad else "")
        for tag, value in evidence_exif(self.session.case, evidence_id).items():
            self.tags.appendRow([QStandardItem(tag), QStandardItem(value)])

    def _copy_gps(self) -> None:
        if self._position:
            QGuiApplication.clipboard().setText(self._position)
