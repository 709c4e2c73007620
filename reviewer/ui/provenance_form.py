"""The provenance and verification form of the metadata panel, for one item or a selection.

It shows the fields of the items it is given; with several items, a field they disagree
on shows "(several values)" and is left alone unless the investigator changes it. Apply
writes only the fields changed, to every item, as one undoable step (SetProvenance).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from reviewer.core.case import Transaction
from reviewer.core.changes import Changes
from reviewer.core.evidence import get_evidence
from reviewer.core.provenance import (
    GENERATIONS,
    RESTRICTIONS,
    VERIFICATION_STATUSES,
    provenance_of,
    set_label_graphic_in,
    set_provenance_in,
    source_problem,
    undo_provenance_in,
    verification_history,
)
from reviewer.ui.session import CaseSession, EditCommand

SEVERAL = "(several values)"
_TEXT_FIELDS = (("source_url", "Source URL or id"), ("acquired_from", "Acquired from"),
                ("collected_by", "Collected by"), ("collected_at", "Collected at"),
                ("collection_tool", "Collection tool"),
                ("original_location", "Original location"), ("language", "Language"))
_CHOICES = (("generation", "Generation", ("", *GENERATIONS)),
            ("restriction", "Restriction", RESTRICTIONS),
            ("verification", "Verification", VERIFICATION_STATUSES))
_NOTES = (("source_analysis", "Source analysis"), ("technical_analysis", "Technical analysis"),
          ("content_analysis", "Content analysis"), ("note", "Verification note"))


class SetProvenance(EditCommand):
    """Provenance fields (and a verification step) for one item or many: one undo step."""

    def __init__(self, session: CaseSession, ids: list[str], values: dict[str, Any],
                 analysis: dict[str, str]) -> None:
        super().__init__(session, f"Set provenance of {len(ids)} item(s)")
        self.ids, self.values, self.analysis = ids, values, analysis
        self.before: dict[str, dict[str, Any]] = {}
        self.done = Changes()

    def apply(self, tx: Transaction) -> Changes:
        self.before = {i: provenance_of(get_evidence(tx, i)) for i in self.ids}
        self.done = set_provenance_in(tx, self.ids, self.values, self.analysis)
        return self.done

    def revert(self, tx: Transaction) -> Changes:
        return undo_provenance_in(tx, self.done, self.before)

    def unchanged(self) -> str:
        return "The items already had those values: nothing changed"


class ProvenanceForm(QGroupBox):
    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__("Provenance and verification", parent)
        self.session = session
        self.ids: list[str] = []
        self.edited: set[str] = set()
        form = QFormLayout(self)
        self.texts: dict[str, QLineEdit] = {}
        for name, title in _TEXT_FIELDS:
            edit = QLineEdit(objectName=name)
            edit.textEdited.connect(lambda _text, n=name: self.edited.add(n))
            self.texts[name] = edit
            form.addRow(title, edit)
            if name == "source_url":
                self.source_flag = QLabel(wordWrap=True, styleSheet="color: #a11;")
                self.source_flag.hide()
                edit.textChanged.connect(self._flag_source)
                form.addRow(self.source_flag)
        self.collected_at_hint = "ISO 8601, e.g. 2024-03-01T10:00:00Z"
        self.texts["collected_at"].setPlaceholderText(self.collected_at_hint)
        self.choices: dict[str, QComboBox] = {}
        for name, title, options in _CHOICES:
            combo = QComboBox(objectName=name)
            for option in options:
                combo.addItem(option or "unknown", option)
            combo.activated.connect(lambda _index, n=name: self.edited.add(n))
            self.choices[name] = combo
            form.addRow(title, combo)
        self.graphic = QCheckBox("Graphic content (blurred until revealed)")
        self.graphic.clicked.connect(lambda *_: self._graphic_clicked())
        form.addRow(self.graphic)
        self.notes: dict[str, QLineEdit] = {}
        for name, title in _NOTES:
            self.notes[name] = QLineEdit(objectName=name)
            form.addRow(title, self.notes[name])
        self.history = QLabel(wordWrap=True)
        self.history.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.history)
        # Placed by the panel below the scrolled form, so it stays in view (at 1366x768
        # it was below the fold, under the history); enabled with the form.
        self.apply_button = QPushButton("Apply", enabled=False)
        self.apply_button.clicked.connect(self.apply)
        session.evidenceChanged.connect(self._reload)

    def _graphic_clicked(self) -> None:
        self.graphic.setTristate(False)
        self.edited.add("graphic")

    def _flag_source(self, text: str) -> None:
        problem = source_problem(text)
        self.source_flag.setText(f"Kept as written, flagged: {problem}" if problem else "")
        self.source_flag.setVisible(bool(problem))

    def _reload(self) -> None:
        self.show_items(self.ids)

    def show_items(self, ids: list[str]) -> None:
        """Show the fields of these items (nothing edited yet)."""
        self.ids = [i for i in ids if i]
        self.edited.clear()
        self.setEnabled(bool(self.ids))
        self.apply_button.setEnabled(bool(self.ids))
        fields = [provenance_of(get_evidence(self.session.case, i)) for i in self.ids]
        self.setTitle("Provenance and verification" + (f" of {len(self.ids)} items"
                                                         if len(self.ids) > 1 else ""))

        def common(name: str) -> Any:
            values = {f[name] for f in fields}
            return values.pop() if len(values) == 1 else SEVERAL

        for name, edit in self.texts.items():
            value = common(name) if fields else ""
            edit.setText("" if value in (SEVERAL, None) else str(value))
            edit.setPlaceholderText(SEVERAL if value == SEVERAL else
                                    self.collected_at_hint if name == "collected_at" else "")
        for name, combo in self.choices.items():
            value = common(name) if fields else combo.itemData(0)
            several = combo.findText(SEVERAL)
            if value == SEVERAL:
                if several < 0:
                    combo.insertItem(0, SEVERAL, SEVERAL)
                combo.setCurrentIndex(0)
            else:
                if several >= 0:
                    combo.removeItem(several)
                combo.setCurrentIndex(max(combo.findData(value or ""), 0))
        graphic = common("graphic") if fields else 0
        self.graphic.setTristate(graphic == SEVERAL)
        self.graphic.setCheckState(Qt.CheckState.PartiallyChecked if graphic == SEVERAL
                                   else Qt.CheckState.Checked if graphic
                                   else Qt.CheckState.Unchecked)
        for edit in self.notes.values():
            edit.clear()
        steps = verification_history(self.session.case, self.ids[0]) if len(self.ids) == 1 \
            else []
        self.history.setText(
            "\n".join(f"{s.recorded_at[:16]} {s.recorded_by}: {s.previous} → {s.status}"
                      for s in steps[-3:]) or ("No verification steps yet" if steps == []
                                               and len(self.ids) == 1 else ""))

    def changed_values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(fields the investigator changed, analysis notes written)."""
        values: dict[str, Any] = {}
        for name in self.edited:
            if name in self.texts:
                values[name] = self.texts[name].text()
            elif name in self.choices and self.choices[name].currentData() != SEVERAL:
                values[name] = self.choices[name].currentData()
            elif name == "graphic":
                values[name] = self.graphic.isChecked()
        notes = {name: edit.text().strip() for name, edit in self.notes.items()
                 if edit.text().strip()}
        return values, notes

    def apply(self) -> bool:
        """Write what was changed to every item shown, as one undo step."""
        values, notes = self.changed_values()
        if not self.ids or (not values and not notes):
            self.session.notice.emit("Nothing to apply: change a field first")
            return False
        done = self.session.push(SetProvenance(self.session, list(self.ids), values, notes))
        if done:
            self.show_items(self.ids)
        return done


class SetLabelGraphic(EditCommand):
    """Flag a label as graphic content (its items blurred until revealed), or not."""

    def __init__(self, session: CaseSession, label_id: str, graphic: bool) -> None:
        super().__init__(session, "Flag label as graphic" if graphic
                         else "Unflag label as graphic")
        self.label_id, self.graphic = label_id, graphic

    def apply(self, tx: Transaction) -> Changes:
        return set_label_graphic_in(tx, self.label_id, self.graphic)

    def revert(self, tx: Transaction) -> Changes:
        return set_label_graphic_in(tx, self.label_id, not self.graphic)
