"""The form to create or edit an incident: what, when (an interval), where, how sure."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from reviewer.core.errors import ValidationError
from reviewer.core.incidents import STATUSES, Incident, validate_incident
from reviewer.core.vocabulary import munitions_of


def _optional_float(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


class IncidentForm(QDialog):
    def __init__(self, incident: Incident | None = None, parent: QWidget | None = None,
                 holds: str = "", vocabulary: dict[str, list[str]] | None = None) -> None:
        """`holds`: for a new incident, what it will hold (the user's selection) in words.
        `vocabulary`: the case's terms by kind ("violation", "munition"); with it the form
        offers the kind of violation and the munitions observed."""
        super().__init__(parent)
        self.vocabulary = vocabulary
        self.setWindowTitle("Edit incident" if incident else "New incident")
        self.title = QLineEdit(placeholderText="e.g. Chlorine cylinder on residential building")
        self.category = QLineEdit(placeholderText="e.g. chemical attack, heritage destruction")
        self.time_from = QLineEdit(placeholderText="2018-04-07T19:00+03:00 or 2018-04-07")
        self.time_to = QLineEdit(placeholderText="end of the interval (optional)")
        self.place_name = QLineEdit()
        self.lat = QLineEdit(placeholderText="latitude, e.g. 33.5717")
        self.lon = QLineEdit(placeholderText="longitude, e.g. 36.4036")
        self.radius = QDoubleSpinBox(maximum=1_000_000, decimals=1, suffix=" m",
                                     specialValueText="unknown")
        self.status = QComboBox()
        self.status.addItems(STATUSES)
        self.description = QPlainTextEdit()
        self.sources = QPlainTextEdit()
        self.sources.setPlaceholderText("Where the information comes from, one per line")
        for text in (self.description, self.sources):
            text.setTabChangesFocus(True)      # Tab moves on through the form, as elsewhere
        self.holds = QLabel(holds)
        self.holds.setWordWrap(True)
        self.error = QLabel(styleSheet="color: #b00020")
        self.error.setWordWrap(True)
        position = QHBoxLayout()
        position.addWidget(self.lat)
        position.addWidget(self.lon)
        position.addWidget(QLabel("±"))
        position.addWidget(self.radius)
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Category", self.category)
        form.addRow("From", self.time_from)
        form.addRow("To", self.time_to)
        form.addRow("Place", self.place_name)
        form.addRow("Position", position)
        form.addRow("Status", self.status)
        self.violation = QComboBox()
        self.munitions = QListWidget()
        if vocabulary is not None:
            self.violation.addItem("not said", "")
            for term in vocabulary.get("violation", []):
                self.violation.addItem(term, term)
            for term in vocabulary.get("munition", []):
                item = QListWidgetItem(term)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.munitions.addItem(item)
            self.munitions.setMaximumHeight(120)
            form.addRow("Violation", self.violation)
            form.addRow("Weapons/munitions", self.munitions)
        form.addRow("Description", self.description)
        form.addRow("Sources", self.sources)
        if holds:
            form.addRow("Holds", self.holds)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(560, 560)
        if incident:
            self._fill(incident)
        self._as_filled = self._shown()

    def _fill(self, incident: Incident) -> None:
        self.title.setText(incident.title)
        self.category.setText(incident.category)
        self.time_from.setText(incident.time_from or "")
        self.time_to.setText(incident.time_to or "")
        self.place_name.setText(incident.place_name)
        self.lat.setText("" if incident.lat is None else repr(incident.lat))
        self.lon.setText("" if incident.lon is None else repr(incident.lon))
        self.radius.setValue(incident.radius_m or 0)
        self.status.setCurrentText(incident.status)
        self.description.setPlainText(incident.description)
        self.sources.setPlainText(incident.sources)
        if self.vocabulary is not None:
            if self.violation.findData(incident.violation) < 0 and incident.violation:
                self.violation.addItem(incident.violation, incident.violation)
            self.violation.setCurrentIndex(max(self.violation.findData(incident.violation), 0))
            chosen = munitions_of(incident.munitions)
            for row in range(self.munitions.count()):
                item = self.munitions.item(row)
                item.setCheckState(Qt.CheckState.Checked if item.text() in chosen
                                   else Qt.CheckState.Unchecked)

    def _chosen_munitions(self) -> str:
        """The munitions ticked, as the incidents table stores them (a JSON array)."""
        ticked = [self.munitions.item(row).text() for row in range(self.munitions.count())
                  if self.munitions.item(row).checkState() == Qt.CheckState.Checked]
        return json.dumps(ticked, ensure_ascii=False)

    def _shown(self) -> dict[str, Any]:
        """What each field's widget shows, to tell which fields the user changed."""
        return {"title": self.title.text(), "category": self.category.text(),
                "time_from": self.time_from.text(), "time_to": self.time_to.text(),
                "place_name": self.place_name.text(), "lat": self.lat.text(),
                "lon": self.lon.text(), "radius_m": self.radius.value(),
                "status": self.status.currentText(),
                "description": self.description.toPlainText(),
                "sources": self.sources.toPlainText(),
                **self._terms()}

    def _terms(self) -> dict[str, Any]:
        if self.vocabulary is None:
            return {}
        return {"violation": self.violation.currentData() or "",
                "munitions": self._chosen_munitions()}

    def changed_values(self) -> dict[str, Any]:
        """Only the fields the user changed, as incident fields.

        A field left alone is not saved back: the widget may show a stored value
        rounded (a radius of 12.34 m) or trimmed, and saving it would alter the record.
        """
        values, shown = self.values(), self._shown()
        return {key: values[key] for key in values if shown[key] != self._as_filled[key]}

    def values(self) -> dict[str, Any]:
        """The form as incident fields; raises ValidationError with what is wrong."""
        try:
            lat, lon = _optional_float(self.lat.text()), _optional_float(self.lon.text())
        except ValueError as error:
            raise ValidationError("position", "latitude and longitude are numbers") from error
        values = {
            "title": self.title.text().strip(), "category": self.category.text().strip(),
            "time_from": self.time_from.text().strip() or None,
            "time_to": self.time_to.text().strip() or None,
            "place_name": self.place_name.text().strip(), "lat": lat, "lon": lon,
            "radius_m": self.radius.value() or None, "status": self.status.currentText(),
            "description": self.description.toPlainText().strip(),
            "sources": self.sources.toPlainText().strip(),
            **self._terms(),
        }
        validate_incident(values)
        return values

    def accept(self) -> None:
        try:
            self.values()
        except ValidationError as error:
            self.error.setText(str(error))
            return
        super().accept()
