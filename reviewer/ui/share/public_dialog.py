"""File ▸ Export for publication: redacted copies of the chosen items (core/public_export).

The dialog says what a publication holds and what it never does; items with no
redaction decided are named, one line each, and the investigator chooses to publish
them as they are, leave them out, or go back. The export runs as a job on a worker.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.case import Case, open_case
from reviewer.core.evidence import Evidence
from reviewer.core.progress import CancelFlag, ProgressCallback
from reviewer.core.public_data import PRECISIONS
from reviewer.core.public_export import PublicExportReport, choose_items, export_public
from reviewer.core.redaction import undecided
from reviewer.core.regions import SOFT_METHOD_WARNING
from reviewer.ui.file_choice import choose_to_save, may_replace, with_suffix
from reviewer.ui.workers import Job

if TYPE_CHECKING:
    from reviewer.ui.session import CaseSession
    from reviewer.ui.share.share_actions import ShareActions

PRECISION_TEXT = {"exact": "Exact (as recorded)", "100m": "About 100 m", "1km": "About 1 km",
                  "10km": "About 10 km", "none": "No positions"}
NEVER = ("Never in it: the originals, any metadata of the images (EXIF with GPS and serial"
         " numbers, XMP, IPTC, maker notes, embedded thumbnails: the ICC colour profile is"
         " kept), file names, notes, drone telemetry and home points, the case file and its"
         " history. Regions marked redact (hatched black in the viewer) are filled black."
         " Each image carries Content Credentials signed with your key: they name the"
         " original it was made from by SHA-256 only, and the outlines of what was covered.")


def public_job(case_path: Path, actor: str, out: Path, item_ids: list[str], precision: str,
               actors: bool, screening: dict, replace: bool, *,
               progress: ProgressCallback, cancel: CancelFlag) -> PublicExportReport:
    """On a worker thread: its own connection to the case. `screening`: ask_screening's."""
    with open_case(case_path, actor=actor) as case:
        return export_public(case, out, item_ids=item_ids, precision=precision, actors=actors,
                             **screening, overwrite=replace, progress=progress,
                             cancel=cancel)


Choice = tuple[list[Evidence], list[dict[str, str]]]


class PublishDialog(QDialog):
    def __init__(self, selected: Choice, whole: Choice, folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export for publication")
        self.choices = {"selected": selected, "whole": whole}
        self.selected = QRadioButton(f"The selected item(s): {len(selected[0])} image(s)")
        self.whole = QRadioButton(f"Every image in the case: {len(whole[0])}")
        self.selected.setEnabled(bool(selected[0]))
        (self.selected if selected[0] else self.whole).setChecked(True)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.selected.toggled.connect(self._describe)
        self.precision = QComboBox()
        for key in PRECISIONS:
            self.precision.addItem(PRECISION_TEXT[key], key)
        self.precision.setCurrentIndex(PRECISIONS.index("1km"))
        self.actors = QCheckBox("Name the investigators (who recorded and exported)")
        self.path = QLineEdit(str(folder / f"publication-{date.today().isoformat()}.zip"))
        self._asked: Path | None = None
        self.replace = False
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Positions", self.precision)
        form.addRow("", self.actors)
        form.addRow("Save as", where)
        never = QLabel(NEVER)
        never.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Publish")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.selected)
        layout.addWidget(self.whole)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(never)
        layout.addWidget(self.buttons)
        self.resize(600, 360)
        self._describe()

    @property
    def items(self) -> list[Evidence]:
        return self.choices["selected" if self.selected.isChecked() else "whole"][0]

    def _describe(self, *_: object) -> None:
        items, left_out = self.choices["selected" if self.selected.isChecked() else "whole"]
        self.heading.setText(
            f"{len(items)} image(s) will be published as redacted copies."
            + (f" {len(left_out)} item(s) cannot be: "
               + "; ".join(f"{s['name']} ({s['reason']})" for s in left_out)
               if left_out else ""))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(items))

    def _browse(self) -> None:
        chosen = choose_to_save(self, "Save the publication as", self.path.text(),
                                "ZIP archive (*.zip)", ".zip")
        if chosen is not None:
            self.path.setText(str(chosen))
            self._asked = chosen

    def out_path(self) -> Path:
        return with_suffix(self.path.text(), ".zip") or Path("publication.zip")

    def chosen_precision(self) -> str:
        return str(self.precision.currentData())

    def accept(self) -> None:
        if not may_replace(self, self.out_path(), self._asked):
            return
        self.replace = self.out_path().exists()
        super().accept()


METHOD_TEXT = {"fill": "Opaque fill (hides for good)",
               "blur": "Blur (non-text areas only)",
               "pixelate": "Pixelate (non-text areas only)"}


def ask_redaction_method(parent: QWidget) -> str | None:
    """Fill, blur or pixelate, with the warning that the last two can be undone or read."""
    text, ok = QInputDialog.getItem(
        parent, "Redaction method", f"How to cover the selected regions.\nWarning: "
        f"{SOFT_METHOD_WARNING}.", list(METHOD_TEXT.values()), 0, False)
    if not ok:
        return None
    return next(key for key, value in METHOD_TEXT.items() if value == text)


def ask_about_undecided(parent: QWidget, items: list[Evidence]) -> str | None:
    """"include", "skip", or None (go back): the person's choice for items with no
    redaction decided, each named on a line of its own."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("No redaction decided")
    box.setText(f"{len(items)} item(s) have no region marked for redaction and were not"
                " reviewed. Publish them as they are (your decision is recorded), or leave"
                " them out?")
    box.setDetailedText("\n".join(f"{item.original_name} ({item.id[:8]})" for item in items))
    include = box.addButton("Publish as they are", QMessageBox.ButtonRole.AcceptRole)
    skip = box.addButton("Leave them out", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "include" if clicked is include else "skip" if clicked is skip else None


def ask_about_confidential(parent: QWidget, items: list[Evidence]) -> bool:
    """True if the person publishes items marked confidential on purpose."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Confidential items")
    box.setText(f"{len(items)} item(s) are marked confidential. Publish them anyway?")
    box.setDetailedText("\n".join(f"{item.original_name} ({item.id[:8]})" for item in items))
    include = box.addButton("Publish them anyway", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is include


def ask_screening(parent: QWidget, case: Case, items: list[Evidence]) -> dict | None:
    """What screen_for_publication is to do with these items, asked of the person (None:
    go back): confidential items first, then those with no redaction decided."""
    secret = [item for item in items if item.restriction == "confidential"]
    if secret and not ask_about_confidential(parent, secret):
        return None
    open_ones = set(undecided(case, [item.id for item in items]))
    choice = "refuse"
    if open_ones:
        answer = ask_about_undecided(parent, [i for i in items if i.id in open_ones])
        if answer is None:
            return None
        choice = answer
    return {"undecided": choice, "include_confidential": bool(secret)}


def publish(window: QWidget, share: ShareActions, session: CaseSession,
            selected_ids: list[str]) -> PublishDialog | None:
    """Ask what and how, then export on a worker; the case's views refresh after."""
    selected = choose_items(session.case, selected_ids) if selected_ids else ([], [])
    dialog = PublishDialog(selected, choose_items(session.case), session.path.parent, window)
    if not dialog.exec():
        return None
    items = dialog.items
    screening = ask_screening(window, session.case, items)
    if screening is None:
        return None
    share.run_job("Publishing", Job(public_job, session.path, session.actor, dialog.out_path(),
                                    [item.id for item in items], dialog.chosen_precision(),
                                    dialog.actors.isChecked(), screening, dialog.replace),
                  lambda report: _published(share, session, report), "Publication failed")
    return dialog


def _published(share: ShareActions, session: CaseSession, report: PublicExportReport) -> None:
    if report.cancelled:
        share.show_status("Publication cancelled: nothing was written, nothing recorded.")
        return
    session.evidenceChanged.emit()      # the derivatives are items of the case now
    covered = sum(image["covered"] for image in report.images)
    heading = (f"<b>Publication written:</b> {report.path}<br>{len(report.images)} redacted"
               f" image(s), {covered} area(s) covered, positions: {report.precision}.<br>"
               "The case keeps each published image as a derived item linked to its"
               " original, and a record of this publication.")
    lines = [f"removed: {line}" for line in report.removed]
    lines += [f"left out: {s['name']}: {s['reason']}" for s in report.skipped]
    lines += [f"failed: {s['name']}: {s['reason']}" for s in report.failed]
    share.show_result("Export for publication", heading, lines)
