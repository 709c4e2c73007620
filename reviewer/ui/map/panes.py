"""The map and timeline of an open case, and their links to the browser.

Selection flows every way: picked on the map or the timeline, the items are selected
in the browser; selected in the browser, they are highlighted on both. A span brushed
on the timeline becomes the browser's time filter. A lasso's bounds are published as
`areaChosen` (south, west, north, east) for a search by area to take up.
The arrays come from core.geotime, read off the UI thread when the case opens and again
after its items or incidents change.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from reviewer.core.errors import ReviewerError
from reviewer.core.evidence import get_evidence
from reviewer.core.geotime import GeoTime, load_geotime
from reviewer.core.mbtiles import Basemap
from reviewer.ui.browser import EvidenceBrowser
from reviewer.ui.map.map_view import MapView
from reviewer.ui.map.time_axis import iso, moment_text
from reviewer.ui.map.timeline_view import TimelineView
from reviewer.ui.session import CaseSession
from reviewer.ui.workers import Job, Jobs


class GeoPanes(QObject):
    areaChosen = Signal(float, float, float, float)     # south, west, north, east
    loaded = Signal()

    def __init__(self, session: CaseSession, browser: EvidenceBrowser,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.browser = session, browser
        self.map = MapView()
        self.timeline = TimelineView()
        self.data: GeoTime | None = None
        self._jobs = Jobs()
        self._echo = False          # true while we select in the browser ourselves
        self._loads = 0
        self._closed = False
        self.map_pane = self._map_pane()
        self.map.describe = self.describe
        self.map.selectionChanged.connect(self._picked)
        self.map.areaSelected.connect(self.areaChosen)
        self.timeline.selectionChanged.connect(self._picked)
        self.timeline.spanBrushed.connect(self._brushed)
        self.timeline.spanCleared.connect(lambda: browser.filters.set_time_span(None))
        browser.view.selectionModel().selectionChanged.connect(self._browser_selection)
        browser.filters.changed.connect(self._filter_changed)
        session.evidenceChanged.connect(self.reload)
        session.incidentsChanged.connect(self.reload)
        # The first read waits for the browser's grid to be painted: on two cores the
        # read (a third of a second on 100,000 items) would otherwise delay the window.
        browser.view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._loads == 0:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.reload)
        return False

    def _map_pane(self) -> QWidget:
        pane = QWidget()
        fit = QPushButton("Show all", toolTip="Zoom to every item and incident")
        fit.clicked.connect(self.map.fit_all)
        self.status = QLabel("Drag pans · wheel zooms · click picks · Shift+drag lassoes")
        bar = QHBoxLayout()
        bar.addWidget(fit)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.map, 1)
        return pane

    def reload(self, *_: object) -> None:
        """Read the arrays again, off the UI thread."""
        if self._closed:
            return                  # the case was closed meanwhile
        self._loads += 1
        self._jobs.run(Job(load_geotime, self.session.path),
                       lambda data, load=self._loads: self._arrived(data, load),
                       self.session.failed.emit)

    def _arrived(self, data: GeoTime, load: int) -> None:
        if load != self._loads or self._closed:
            return                  # a newer read is on its way, or the case was closed
        first = self.data is None
        self.data = data
        self.map.set_data(data, fit=first)
        self.timeline.set_data(data, fit=first)
        self._browser_selection()
        placed = len(data.positioned())
        self.status.setText(f"{placed} of {len(data)} items have a position; drag pans,"
                            " wheel zooms, click picks, Shift+drag lassoes")
        self.loaded.emit()

    def describe(self, evidence_id: str) -> str:
        """An item as a hover names it: its name, kind and capture time."""
        try:
            row = get_evidence(self.session.case, evidence_id)
        except ReviewerError:
            return evidence_id
        index = self.data.index_of.get(evidence_id) if self.data else None
        when = (moment_text(float(self.data.time[index]), self.data.offsets[index])
                if index is not None and self.data.time[index] == self.data.time[index]
                else "no trustworthy capture time")
        return f"{row.original_name} ({row.kind})\n{when}"

    def set_basemap(self, basemap: Basemap | None) -> None:
        self.map.set_basemap(basemap)

    def shutdown(self) -> None:
        self._closed = True
        for job in list(self._jobs.running):
            job.cancel()
            job.done.wait(10)

    # -- selection ------------------------------------------------------------------
    def _picked(self, evidence_ids: list[str]) -> None:
        self._echo = True
        try:
            shown = self.browser.select_ids(evidence_ids)
        finally:
            self._echo = False
        self._highlight(evidence_ids)
        if len(evidence_ids) > shown:
            self.session.notice.emit(f"{len(evidence_ids) - shown} of the {len(evidence_ids)}"
                                     " items picked are hidden by the browser's filter")

    def _browser_selection(self, *_: object) -> None:
        if not self._echo:
            self._highlight(self.browser.selected_ids())

    def _highlight(self, evidence_ids: list[str]) -> None:
        self.map.set_selected(evidence_ids)
        self.timeline.set_selected(evidence_ids)

    def _brushed(self, start: float, end: float) -> None:
        self.browser.filters.set_time_span((iso(start), iso(end)))

    def _filter_changed(self, *_: object) -> None:
        if self.browser.filters.time_span is None and self.timeline.brush is not None:
            self.timeline.brush = None
            self.timeline.update()
