"""One comparison on screen: the modes, alignment (automatic or by points), note, export.

The comparison lives in the case from the moment it is made; every change here
(alignment, reset, note) is saved at once, through the undo stack.
Decoding, alignment and warping run on worker threads; the window stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QImage, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSlider,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.align import Alignment, align_from_points, auto_align
from reviewer.core.case import open_case
from reviewer.core.compare_export import describe_alignment, export_comparison
from reviewer.core.comparisons import get_comparison, image_item
from reviewer.core.difference import (
    DEFAULT_THRESHOLD,
    changed_mask,
    difference_heat,
    display_pair,
    heat_overlay,
)
from reviewer.core.errors import MediaError
from reviewer.core.evidence import Evidence, camera_name, media_path
from reviewer.core.imaging import decode_pixels
from reviewer.core.labels import list_labels
from reviewer.core.progress import CancelFlag, ProgressCallback
from reviewer.core.regions import list_regions
from reviewer.ui.compare.compare_view import MODE_NAMES, MODES, CompareView, Pane
from reviewer.ui.compare.edits import EditNote, SetAlignment
from reviewer.ui.compare.export_dialog import ExportComparisonDialog
from reviewer.ui.session import CaseSession
from reviewer.ui.shortcut_passage import ShortcutPassage
from reviewer.ui.viewer import RegionDisplay
from reviewer.ui.window_fit import resize_to_fit
from reviewer.ui.workers import Job, Jobs


@dataclass
class _Pixels:
    before: np.ndarray
    after: np.ndarray


@dataclass
class _Display:
    after: QImage
    pair_after: np.ndarray
    heat: np.ndarray


def _load_job(before: tuple[str, Path, int], after: tuple[str, Path, int], *,
              progress: ProgressCallback, cancel: CancelFlag) -> _Pixels:
    """Both images at full scale, turned as displayed; a failure names the item as the
    user knows it."""
    decoded = []
    for name, path, rotation in (before, after):
        try:
            decoded.append(decode_pixels(path, rotation))
        except MediaError as error:
            raise MediaError(f"{name} ({path})", error.reason) from error
    return _Pixels(*decoded)


def _align_job(pixels: _Pixels, subject: str, *, progress: ProgressCallback,
               cancel: CancelFlag) -> Alignment:
    return auto_align(pixels.before, pixels.after, subject=subject)


def _display_job(pixels: _Pixels, transform: np.ndarray, *, progress: ProgressCallback,
                 cancel: CancelFlag) -> _Display:
    pair = display_pair(pixels.before, pixels.after, transform)
    heat = difference_heat(pair.before, pair.after, pair.valid)
    return _Display(rgb_image(pair.after), pair.after, heat)


def _export_job(case_path: Path, actor: str, comparison_id: str, mode: str, width: int,
                swipe_at: float, threshold: float, out_path: Path | None, *,
                progress: ProgressCallback, cancel: CancelFlag) -> dict:
    with open_case(case_path, actor=actor) as case:
        exported = export_comparison(case, comparison_id, mode, width, swipe_at=swipe_at,
                                     threshold=threshold, out_path=out_path)
        return {"evidence": exported.evidence, "path": exported.path}


def rgb_image(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, pixels.strides[0],
                  QImage.Format.Format_RGB888).copy()


def _caption(row: Evidence) -> str:
    parts = [row.original_name, row.taken_at or "time unknown",
             camera_name(row.make, row.model), f"SHA-256 {row.sha256[:12]}…"]
    return " · ".join(part for part in parts if part)


class CompareWindow(QMainWindow):
    closed = Signal(str)            # the comparison id

    def __init__(self, session: CaseSession, comparison_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.comparison = get_comparison(session.case, comparison_id)
        self.before_row = image_item(session.case, self.comparison.before_id)
        self.after_row = image_item(session.case, self.comparison.after_id)
        self.setWindowTitle(f"Compare: {self.before_row.original_name} → "
                            f"{self.after_row.original_name} — {session.path.name}")
        self.view = CompareView()
        self.pixels: _Pixels | None = None
        self.display: _Display | None = None
        self._jobs = Jobs()
        self._aligning = False
        self._threshold = DEFAULT_THRESHOLD
        self.changed_share = 0.0
        self._threshold_timer = QTimer(self, singleShot=True, interval=60)
        self._threshold_timer.timeout.connect(self._show_heat)
        self._build()
        self.view.set_panes(self._pane(self.before_row), self._pane(self.after_row))
        self._comparison_changed()
        self.set_mode("side")
        session.comparisonsChanged.connect(self._reload)
        session.regionsChanged.connect(self._regions_changed)
        self._start(Job(_load_job, *((row.original_name, media_path(session.case, row),
                                      row.display_rotation)
                                     for row in (self.before_row, self.after_row))),
                    self._loaded, self._load_failed)
        resize_to_fit(self, 1400, 860)

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        bar = QToolBar("Compare")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.mode_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for number, mode in enumerate(MODES, start=1):
            action = QAction(MODE_NAMES[mode], self, checkable=True)
            action.setShortcut(QKeySequence(str(number)))
            action.setToolTip(f"{MODE_NAMES[mode]} ({number})")
            action.triggered.connect(lambda _=False, m=mode: self.set_mode(m))
            group.addAction(action)
            bar.addAction(action)
            self.mode_actions[mode] = action
        bar.addSeparator()
        self.slider_label = QLabel()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setFixedWidth(180)
        self.slider.valueChanged.connect(self._slider_moved)
        # A widget in a tool bar hides through its action, not setVisible.
        self._slider_actions = [bar.addWidget(self.slider_label), bar.addWidget(self.slider)]
        bar.addSeparator()
        self.align_action = bar.addAction("Align automatically", self.align_automatically)
        self.align_action.setShortcut(QKeySequence("A"))
        self.points_action = bar.addAction("Align by points…", self.pick_points)
        self.points_action.setShortcut(QKeySequence("P"))
        self.points_action.setCheckable(True)
        self.reset_action = bar.addAction("Reset alignment", self.reset_alignment)
        bar.addSeparator()
        self.export_action = bar.addAction("Export image…", self.export_image)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        undo = self.session.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.session.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        # A window opened from the main one closes as dialogs do: Escape, or Ctrl+W.
        close = QAction("Close", self)
        close.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")])
        close.triggered.connect(self._escape)
        self.addActions([undo, redo, close])

        # Shown while picking points: what to do next, and the buttons that finish it.
        self.points_bar = QWidget()
        row = QHBoxLayout(self.points_bar)
        row.setContentsMargins(8, 4, 8, 4)
        self.points_hint = QLabel()
        self.points_apply = QPushButton("Apply")
        self.points_apply.clicked.connect(self.apply_points)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.stop_picking)
        row.addWidget(self.points_hint, 1)
        row.addWidget(self.points_apply)
        row.addWidget(cancel)
        self.points_bar.setVisible(False)
        self.view.picker.pairsChanged.connect(self._pairs_changed)
        self.view.overlay.dividerDragged.connect(self._divider_dragged)

        self.note = QLineEdit()
        self.note.setPlaceholderText("Note on this comparison (saved when you press Enter"
                                     " or leave the field)")
        self.note.editingFinished.connect(self._save_note)
        # Enter: the note is done, the keys (1-4, A, P) go back to the comparison.
        self.note.returnPressed.connect(self.view.before_view.setFocus)
        ShortcutPassage(self.note, [self.export_action])
        self.alignment_label = QLabel()
        self.alignment_label.setWordWrap(True)
        self.alignment_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(8, 4, 8, 6)
        bottom_layout.addWidget(self.alignment_label)
        bottom_layout.addWidget(self.note)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.points_bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(bottom)
        self.setCentralWidget(central)

    def _pane(self, row: Evidence) -> Pane:
        path = media_path(self.session.case, row)
        error = None if path.exists() else f"The original is missing: {path}"
        return Pane(path, row.width or 0, row.height or 0, _caption(row),
                    self._regions(row.id), error)

    def _regions(self, evidence_id: str) -> list[RegionDisplay]:
        colours = {label.id: label.colour for label in list_labels(self.session.case)}
        return [RegionDisplay(r.id, r.shape, r.geometry, r.label,
                              colours.get(r.label_id, "#ff0000"))
                for r in list_regions(self.session.case, evidence_id)]

    # -- jobs -------------------------------------------------------------------------

    def _start(self, job: Job, finished, failed) -> None:
        self._jobs.run(job, finished, failed)

    def _loaded(self, pixels: _Pixels) -> None:
        self.pixels = pixels
        self._refresh_display()
        self._update_actions()

    def _load_failed(self, message: str) -> None:
        self.alignment_label.setText(f"<b>Cannot compare the pixels:</b> {message}")
        self._update_actions()

    # -- what is shown ----------------------------------------------------------------

    def _transform(self) -> np.ndarray | None:
        return (None if self.comparison.transform is None
                else np.array(self.comparison.transform, dtype=float))

    def _comparison_changed(self) -> None:
        self.view.set_transform(self._transform())
        self.note.setText(self.comparison.note)
        alignment = self.comparison.get_alignment()
        text = describe_alignment(self.comparison)
        if alignment is not None and not alignment.good:
            text = f"<span style='color:#c62828'><b>{text}</b></span>"
        elif alignment is None:
            text += (" Swipe, blend and difference need an alignment: press Align"
                     " automatically (A) or Align by points (P).")
        self.alignment_label.setText(text)
        self._refresh_display()
        self._update_actions()

    def _refresh_display(self) -> None:
        self.display = None
        self.view.set_overlay(None, None)
        transform = self._transform()
        if self.pixels is None or transform is None:
            return
        self._start(Job(_display_job, self.pixels, transform), self._displayed,
                    lambda message: self.alignment_label.setText(message))

    def _displayed(self, display: _Display) -> None:
        if self._transform() is None:
            return
        self.display = display
        self.view.set_overlay(display.after, None)
        self._show_heat()

    def _show_heat(self) -> None:
        if self.display is None:
            return
        mask = changed_mask(self.display.heat, self.threshold())
        self.changed_share = float(mask.mean())
        painted = heat_overlay(self.display.pair_after, self.display.heat, mask)
        self.view.overlay.set_heat(rgb_image(painted))
        if self.view.mode == "difference":
            self.slider_label.setText(f"Threshold {self.threshold():.2f}"
                                      f" ({self.changed_share:.1%} changed)")

    def threshold(self) -> float:
        return self._threshold

    # -- modes and the slider ----------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        if mode != "side" and self._transform() is None:
            self.statusBar().showMessage(f"{MODE_NAMES[mode]} needs the images aligned:"
                                         " align them first (A or P).", 6000)
            mode = "side"
        self.mode_actions[mode].setChecked(True)
        self.view.set_mode(mode)
        self.slider.blockSignals(True)
        if mode == "swipe":
            self.slider.setValue(round(self.view.overlay.divider * 100))
            self.slider_label.setText("Divider")
        elif mode == "blend":
            self.slider.setValue(round(self.view.overlay.opacity * 100))
            self.slider_label.setText("After opacity")
        elif mode == "difference":
            self.slider.setValue(round(self._threshold * 100))
            self._show_heat()
            if self.display is None:
                self.slider_label.setText("Threshold")
        self.slider.blockSignals(False)
        for action in self._slider_actions:
            action.setVisible(mode != "side")

    def _divider_dragged(self, fraction: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(fraction * 100))
        self.slider.blockSignals(False)

    def _slider_moved(self, value: int) -> None:
        mode = self.view.mode
        if mode == "swipe":
            self.view.overlay.set_divider(value / 100)
        elif mode == "blend":
            self.view.overlay.set_opacity(value / 100)
        elif mode == "difference":
            self._threshold = max(0.01, value / 100)
            self._threshold_timer.start()

    # -- alignment --------------------------------------------------------------------

    def _update_actions(self) -> None:
        ready = self.pixels is not None and not self._aligning
        self.align_action.setEnabled(ready)
        self.points_action.setEnabled(ready)
        self.reset_action.setEnabled(self.comparison.aligned and not self._aligning)
        self.export_action.setEnabled(self.pixels is not None)
        for mode in ("swipe", "blend", "difference"):
            self.mode_actions[mode].setEnabled(self.comparison.aligned)

    def align_automatically(self) -> None:
        if self.pixels is None or self._aligning:
            return
        self._aligning = True
        self._update_actions()
        self.alignment_label.setText("Aligning… (features, matching, refinement at full"
                                     " scale)")
        subject = f"{self.before_row.original_name} / {self.after_row.original_name}"
        self._start(Job(_align_job, self.pixels, subject), self._aligned, self._align_failed)

    def _aligned(self, alignment: Alignment) -> None:
        self._aligning = False
        self._apply(alignment, "Align automatically")

    def _align_failed(self, message: str) -> None:
        self._aligning = False
        self._comparison_changed()
        self.alignment_label.setText(f"<span style='color:#c62828'><b>Automatic alignment"
                                     f" refused:</b> {message}</span>")
        self._warn("Automatic alignment refused", message)

    def _apply(self, alignment: Alignment | None, text: str) -> None:
        self.session.push(SetAlignment(self.session, self.comparison.id, alignment, text))
        self._reload()

    def reset_alignment(self) -> None:
        if self.comparison.aligned:
            self.set_mode("side")
            self._apply(None, "Reset alignment")

    def pick_points(self) -> None:
        if self.view.picker.active:
            self.stop_picking()
            return
        self.set_mode("side")
        self.view.picker.clear()
        self.view.picker.start()
        self.points_action.setChecked(True)
        self.points_bar.setVisible(True)
        self._pairs_changed(0)

    def _escape(self) -> None:
        """Escape while picking points ends the picking; otherwise it closes the window."""
        if self.view.picker.active:
            self.stop_picking()
        else:
            self.close()

    def stop_picking(self) -> None:
        self.view.picker.stop()
        self.view.picker.clear()
        self.points_action.setChecked(False)
        self.points_bar.setVisible(False)

    def _pairs_changed(self, pairs: int) -> None:
        side = "before (left)" if self.view.picker.expected_side() == 0 else "after (right)"
        self.points_hint.setText(
            f"<b>Align by points:</b> click a feature in the {side} image, then the same"
            f" feature in the other. {pairs} pair(s); 4 or more needed, spread out."
            " Backspace takes the last click back; drag to pan.")
        self.points_apply.setEnabled(pairs >= 4 and self.view.picker.expected_side() == 0)

    def apply_points(self) -> None:
        pairs = self.view.picker.pairs()
        subject = f"{self.before_row.original_name} / {self.after_row.original_name}"
        try:
            alignment = align_from_points(
                [b for b, _ in pairs], [a for _, a in pairs],
                before_shape=(self.before_row.height, self.before_row.width),
                after_shape=(self.after_row.height, self.after_row.width),
                subject=subject)
        except Exception as error:  # AlignmentError: the user fixes the clicks
            self._warn("Alignment by points refused", str(error))
            return
        self.stop_picking()
        self._apply(alignment, "Align by points")
        if not alignment.good:
            self._warn("Poor alignment", describe_alignment(self.comparison))

    # -- note, export -------------------------------------------------------------------

    def _save_note(self) -> None:
        text = self.note.text().strip()
        if text == self.comparison.note:
            return
        self.session.push(EditNote(self.session, self.comparison.id, text))

    def export_image(self) -> None:
        dialog = ExportComparisonDialog(self, self.comparison.aligned,
                                        self.view.mode if self.view.mode != "blend" else "side")
        if not dialog.exec():
            return
        choice = dialog.choice()
        self.export_action.setEnabled(False)
        self.statusBar().showMessage("Exporting the comparison…")
        self._start(Job(_export_job, self.session.path, self.session.actor, self.comparison.id,
                        choice.mode, choice.width, self.view.overlay.divider, self._threshold,
                        choice.path), self._exported, self._export_failed)

    def _exported(self, result: dict) -> None:
        self.export_action.setEnabled(True)
        self.session.evidenceChanged.emit()
        where = f" and written to {result['path']}" if result["path"] else ""
        name = result["evidence"].original_name if result["evidence"] else "image"
        self.statusBar().showMessage(f"Exported: {name} kept in the case as derived"
                                     f" evidence{where}.", 15000)

    def _export_failed(self, message: str) -> None:
        self.export_action.setEnabled(True)
        self.statusBar().clearMessage()
        self._warn("Export failed", message)

    def _warn(self, title: str, message: str) -> None:
        # Window-modal and non-blocking: the comparison stays visible behind it.
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    # -- the case changed -------------------------------------------------------------

    def _reload(self) -> None:
        try:
            self.comparison = get_comparison(self.session.case, self.comparison.id)
        except Exception:  # deleted (undo of its creation, or from the list)
            self.close()
            return
        self._comparison_changed()
        if self.view.mode != "side" and not self.comparison.aligned:
            self.set_mode("side")

    def _regions_changed(self, evidence_id: str) -> None:
        if evidence_id in ("", self.before_row.id, self.after_row.id):
            self.view.set_panes(self._pane(self.before_row), self._pane(self.after_row))
            if self.display is not None:
                self.view.set_overlay(self.display.after, None)
                self._show_heat()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._jobs.cancel_all()
        self.closed.emit(self.comparison.id)
        super().closeEvent(event)

