"""Sharing from the main window: export a package, merge one, verify, open one as a case.

Every job runs on the window's job bar (progress, Cancel); results are shown in a
dialog the user can copy from. Nothing here touches the database but through core.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from reviewer.core.annotations.export import AnnotationReport
from reviewer.core.annotations.public import public_candidates
from reviewer.core.credentials_out import PROVES, SignedCopy
from reviewer.core.errors import UntrustedSignerError
from reviewer.core.export import ExportReport
from reviewer.core.incidents import list_incidents
from reviewer.core.keys import signed_by_line
from reviewer.core.labels import list_labels
from reviewer.core.merge import MergeReport
from reviewer.core.verify import VerifyReport
from reviewer.ui.dialogs import ProblemsDialog
from reviewer.ui.file_choice import choose_to_save
from reviewer.ui.job_runner import JobRunner
from reviewer.ui.session import CaseSession
from reviewer.ui.settings import AppSettings
from reviewer.ui.share import jobs
from reviewer.ui.share.annotations_dialog import AnnotationsDialog
from reviewer.ui.share.export_dialog import ExportDialog
from reviewer.ui.share.public_dialog import ask_screening
from reviewer.ui.workers import Job, JobFailure
from reviewer.wording import describe_counts, kind_word, near_duplicate_line

PACKAGE_FILTER = "Evidence package (*.zip)"


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} bytes"


def _problem_lines(report: VerifyReport) -> list[str]:
    return [f"{p['kind']}: {p.get('path') or p.get('id') or ''}: {p['detail']}"
            for p in report.problems]


class ShareActions(QObject):
    caseUnpacked = Signal(str)          # the new case folder, to open

    def __init__(self, window: QMainWindow, runner: JobRunner,
                 session: Callable[[], CaseSession | None],
                 error: Callable[[str, str], None], settings: AppSettings | None = None) -> None:
        super().__init__(window)
        self.settings = settings or AppSettings()
        self.window = window
        self.runner = runner
        self._session = session
        self._error = error
        self.last_dialog: ProblemsDialog | QMessageBox | None = None

    # -- export ---------------------------------------------------------------------

    def export_dialog(self, selected_incidents: list[str] | None = None) -> None:
        session = self._session()
        if session is None:
            return
        dialog = ExportDialog(list_incidents(session.case), session.case.title,
                              session.path.parent, selected_incidents, self.window)
        if dialog.exec():
            self.start_export(dialog.out_path(), dialog.incidents(), dialog.media.isChecked(),
                              replace=dialog.replace, title=dialog.package_title())

    def start_export(self, out: Path, incidents: list[str], media: bool, *,
                     replace: bool = False, title: str | None = None) -> bool:
        """Export in the background; an existing `out` is replaced only if `replace`;
        `title`: a partial package's own title."""
        session = self._session()
        if session is None:
            return False
        return self._run("Exporting", Job(jobs.export_job, session.path, session.actor, out,
                                          incidents, media, replace, title), self._exported,
                         "Export failed")

    def _exported(self, report: ExportReport) -> None:
        if report.cancelled:
            self._status("Export cancelled: nothing was written.")
            return
        what = describe_counts(report.counts)
        heading = (f"<b>Package written:</b> {report.path}<br>{report.files} files,"
                   f" {_size(report.bytes)} ({what}).<br>Manifest SHA-256:"
                   f" <code>{report.manifest_sha256}</code><br>Open report/index.html inside"
                   " it in any browser; check it with File ▸ Verify package.")
        history = report.history
        if history and history["records"] < history["of"]:
            left = report.left_out
            heading += (f"<br>Only the chosen incidents' history: {history['records']} of"
                        f" {history['of']} audit records, each with its proof. Left out:"
                        f" {left['incidents']} incident(s), {left['evidence']} item(s),"
                        f" {left['regions']} tag(s); original paths reduced to file names.")
        lines = [f"missing: {m.get('path') or m.get('id')}: {m['detail']}"
                 for m in report.missing]
        if lines:
            heading += "<br><b>Not in the package (listed in its manifest as missing):</b>"
        self._show("Export", heading, lines)
        self._status(f"Exported {report.path}")

    # -- annotations ----------------------------------------------------------------

    def annotations_dialog(self, selected_incidents: list[str] | None = None) -> None:
        session = self._session()
        if session is None:
            return
        dialog = AnnotationsDialog([label.name for label in list_labels(session.case)],
                                   list_incidents(session.case), session.path.parent,
                                   selected_incidents, self.window)
        if not dialog.exec():
            return
        screening = None
        if dialog.chosen_public():
            items = public_candidates(session.case, dialog.chosen_labels(),
                                      dialog.chosen_incidents())
            screening = ask_screening(self.window, session.case, items)
            if screening is None:
                return
        self.start_annotations(dialog.out_path(), dialog.chosen_format(),
                               dialog.chosen_labels(), dialog.chosen_incidents(),
                               replace=dialog.replace, screening=screening)

    def start_annotations(self, out: Path, fmt: str, labels: list[str], incidents: list[str],
                          *, replace: bool = False, screening: dict | None = None) -> bool:
        """Export the tags in the background; an existing export is replaced only if
        `replace` (a folder that is not one, never). `screening`: redacted copies for
        publication, with ask_screening's answers."""
        session = self._session()
        if session is None:
            return False
        return self._run("Exporting annotations",
                         Job(jobs.annotations_job, session.path, session.actor, out, fmt,
                             labels, incidents, replace, screening),
                         self._annotations_exported, "Annotation export failed")

    def _annotations_exported(self, report: AnnotationReport) -> None:
        if report.cancelled:
            self._status("Annotation export cancelled: nothing was written.")
            return
        heading = (f"<b>Tags exported:</b> {html.escape(str(report.path))}<br>{report.tags}"
                   f" tag(s) on {report.images} {'redacted ' if report.public else ''}image(s)"
                   f" as {report.format.upper()}.")
        if report.public:
            heading += ("<br>For publication: areas marked redact covered, no metadata, no"
                        " ids or file names; the case keeps each copy as a derived item.")
        lines = [f"warning: {warning}" for warning in report.warnings]
        lines += [f"left out: {s['name']}: {s['reason']}" for s in report.skipped]
        lines += [f"missing: {m['path']}: {m['detail']}" for m in report.missing]
        self._show("Export annotations", heading, lines)
        self._status(f"Exported the tags to {report.path}")

    # -- merge ----------------------------------------------------------------------

    def merge_dialog(self) -> None:
        if self._session() is None:
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Merge a package into this case",
                                              self.settings.last_folder(), PACKAGE_FILTER)
        if path:
            self.settings.remember_folder(path)
            self.start_merge(Path(path))

    def start_merge(self, package: Path, *, accept_untrusted: bool = False) -> bool:
        session = self._session()
        if session is None:
            return False
        return self._run("Verifying and merging",
                         Job(jobs.merge_job, session.path, session.actor, package,
                             accept_untrusted),
                         self._merged, "Merge refused",
                         lambda failure: self._merge_refused(package, failure))

    def _merge_refused(self, package: Path, failure: JobFailure) -> None:
        """An unsigned or untrusted package: say who signed it and let the user decide.
        Any other refusal (altered, wrongly signed, rewritten history) is final."""
        if not isinstance(failure.error, UntrustedSignerError):
            self._error("Merge refused", failure.message)
            return
        reason = failure.message.split("; nothing was changed")[0]
        box = QMessageBox(QMessageBox.Icon.Question, "Merge from an untrusted signer?",
                          f"{reason}.\n\nMerge it anyway? Only if you know where it came"
                          " from (trust the sender's key with reviewer key import and"
                          " trust).", QMessageBox.StandardButton.Yes
                          | QMessageBox.StandardButton.No, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda _result: self._answered_untrusted(box, package))
        self.last_dialog = box
        box.open()

    def _answered_untrusted(self, box: QMessageBox, package: Path) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
            self.start_merge(package, accept_untrusted=True)

    def _merged(self, report: MergeReport) -> None:
        session = self._session()
        if session is not None:
            for signal in (session.evidenceChanged, session.incidentsChanged,
                           session.labelsChanged, session.comparisonsChanged):
                signal.emit()
            session.regionsChanged.emit("")
        name = Path(report.package).name
        if report.cancelled:
            self._status(f"Merge of {name} cancelled: the case is unchanged.")
            return
        if report.already_merged:
            self._show("Merge", f"<b>{name}</b> was merged into this case before: nothing"
                                " changed.", [])
            return
        added = describe_counts(report.added) or "nothing new"
        heading = (f"<b>Merged {name}</b> (verified first; package SHA-256"
                   f" <code>{report.package_sha256[:16]}…</code>).<br>"
                   f"{html.escape(signed_by_line(report.signer))}<br>Added: {added}.")
        lines = [f"conflict ({kind_word(c['kind'])}): {c['detail']} — yours: {c['local_id']},"
                 f" theirs kept as {c['incoming_id']}" for c in report.conflicts]
        lines += [f"skipped ({kind_word(s['kind'])} {s['id']}): {s['reason']}"
                  for s in report.skipped]
        lines += [near_duplicate_line(n) for n in report.near_duplicates]
        if report.near_duplicates:
            heading += (f"<br><b>{len(report.near_duplicates)} near-duplicate(s):</b> incoming"
                        " pictures that look like ones already here (a lead: see Similar"
                        " items).")
        if report.conflicts:
            heading += (f"<br><b>{len(report.conflicts)} conflict(s):</b> both sides edited"
                        " the same object; both versions are kept, nothing was overwritten.")
        self._show("Merge", heading, lines)
        self._status(f"Merged {name}: {added}")

    # -- verify ---------------------------------------------------------------------

    def verify_case(self) -> bool:
        session = self._session()
        if session is None:
            return False
        return self._run("Verifying the case",
                         Job(jobs.verify_case_job, session.path, session.actor),
                         lambda report: self._verified(str(session.path), report),
                         "Verification failed")

    def verify_package_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Verify a package",
                                              self.settings.last_folder(), PACKAGE_FILTER)
        if path:
            self.settings.remember_folder(path)
            self.start_verify_package(Path(path))

    def start_verify_package(self, package: Path) -> bool:
        return self._run("Verifying the package", Job(jobs.verify_package_job, package),
                         lambda report: self._verified(str(package), report),
                         "Verification failed")

    def _verified(self, subject: str, report: VerifyReport) -> None:
        if report.cancelled:
            self._status("Verification cancelled.")
            return
        partial = [n["detail"] for n in report.notes if n["kind"] == "partial_history"]
        if report.ok:
            history = (f"it carries a {html.escape(partial[0])}," if partial
                       else "the audit chain is whole")
            heading = (f"<b>{subject}</b> is intact: {report.files_checked} files"
                       f" ({_size(report.bytes_checked)}) match their SHA-256, {history}"
                       " and the database passes SQLite's"
                       f" {'integrity' if report.thorough else 'quick'} check.")
        else:
            heading = (f"<b>{subject}</b> FAILS verification: {len(report.problems)}"
                       " problem(s).")
        if report.manifest_sha256:
            heading += f"<br>Manifest SHA-256: <code>{report.manifest_sha256}</code>"
        heading += f"<br><b>{html.escape(signed_by_line(report.signer))}</b>"
        if report.history_line():
            heading += f"<br>{html.escape(report.history_line())}"
        self._show("Verify", heading, _problem_lines(report))

    # -- open a package as a new case --------------------------------------------------

    def offer_unpack(self, package: Path) -> None:
        """Opening a .zip: verify it and unpack it as a new case beside it (after asking)."""
        target = package.with_suffix("")
        target = target.with_name(target.name + ".case")
        answer = QMessageBox.question(
            self.window, "Open a package",
            f"{package.name} is an evidence package. Verify it and unpack it as a new case"
            f" at\n{target}?")
        # The new case's first record is signed: the key gets its name first.
        if answer == QMessageBox.StandardButton.Yes \
                and self.window.name_key_first():  # type: ignore[attr-defined]
            self.start_unpack(package, target)

    def start_unpack(self, package: Path, target: Path) -> bool:
        session_actor = self.window.settings.investigator  # type: ignore[attr-defined]
        return self._run("Verifying and unpacking",
                         Job(jobs.unpack_job, package, target, session_actor),
                         self._unpacked, "Cannot open the package")

    def _unpacked(self, result: tuple[Path, list[dict]]) -> None:
        path, left_out = result
        self.caseUnpacked.emit(str(path))
        if left_out:   # as merge lists them: else the user learns it only later
            self._show("Opened with items left out",
                       f"{len(left_out)} thing(s) of the package are not in the new case:",
                       [f"skipped ({kind_word(item.get('kind', ''))} {item.get('id')}):"
                        f" {item.get('reason')}" for item in left_out])

    # -- a signed copy for sharing (docs/credentials.md) ------------------------------

    def signed_copy_dialog(self, evidence_id: str | None) -> None:
        session = self._session()
        if session is None or not evidence_id:
            self._status("Choose a frame or a comparison picture first.")
            return
        out = choose_to_save(self.window, "Save a signed copy for sharing",
                             str(session.path.parent), "PNG picture (*.png)", ".png")
        if out is not None:
            self.start_signed_copy(evidence_id, out)

    def start_signed_copy(self, evidence_id: str, out: Path) -> bool:
        """Write a frame's or derived picture's copy with Content Credentials, off-thread."""
        session = self._session()
        if session is None:
            return False
        return self._run("Signing a copy", Job(jobs.signed_copy_job, session.path,
                                               session.actor, evidence_id, out),
                         self._signed_copy_written, "Cannot save a signed copy")

    def _signed_copy_written(self, copy: SignedCopy) -> None:
        self._show("Signed copy", (
            f"<b>Written:</b> {html.escape(str(copy.path))}<br>SHA-256"
            f" <code>{copy.sha256}</code><br>Its Content Credentials name the item it was"
            f" made from by hash and what was done ({html.escape(', '.join(copy.actions))})."
            f"<br>They are {html.escape(PROVES)}: a C2PA reader shows them as valid,"
            " untrusted."), [])
        self._status(f"Saved a signed copy: {copy.path}")

    # -- plumbing -------------------------------------------------------------------

    # What other sharing dialogs (public_dialog.py) use of this one's runner and display.
    def run_job(self, title: str, job: Job, finished: Callable, failure_title: str) -> bool:
        return self._run(title, job, finished, failure_title)

    def show_result(self, title: str, heading: str, lines: list[str]) -> None:
        self._show(title, heading, lines)

    def show_status(self, message: str) -> None:
        self._status(message)

    def _run(self, title: str, job: Job, finished: Callable, failure_title: str,
             failed: Callable[[JobFailure], None] | None = None) -> bool:
        started = self.runner.run(title, job, finished, failed or (
            lambda failure: self._error(failure_title, failure.message)))
        if not started:
            self._status("Another job is running: wait for it or cancel it.")
        return started

    def _show(self, title: str, heading: str, lines: list[str]) -> None:
        self.last_dialog = ProblemsDialog(title, lines, self.window, heading=heading)
        if not lines:
            self.last_dialog.text.hide()
            self.last_dialog.resize(620, 160)
        self.last_dialog.open()

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 15000)
