"""Ask how often to keep a frame of a video: every N seconds (any N) or at scene changes."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class FramesDialog(QDialog):
    """`every_s()` is the interval chosen, or None for "at each scene change"."""

    def __init__(self, parent: QWidget | None = None, seconds: float = 2.0) -> None:
        super().__init__(parent)
        self.setWindowTitle("Extract frames")
        self.every = QRadioButton("Keep the frames at 0, N, 2N … seconds, N =")
        self.every.setChecked(True)
        self.seconds = QDoubleSpinBox()
        # From a hundredth of a second (a blast, a muzzle flash) to an hour (a long static
        # shot); milliseconds, as the CLI's --frames-every accepts any number.
        self.seconds.setRange(0.01, 3600.0)
        self.seconds.setDecimals(3)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(seconds)
        self.seconds.setAccessibleName("Seconds between frames")
        self.scenes = QRadioButton("Keep a frame at each scene change")
        self.seconds.valueChanged.connect(lambda _: self.every.setChecked(True))
        row = QHBoxLayout()
        row.addWidget(self.every)
        row.addWidget(self.seconds)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Each kept frame becomes an evidence item of its own."))
        layout.addLayout(row)
        layout.addWidget(self.scenes)
        layout.addWidget(buttons)

    def every_s(self) -> float | None:
        return None if self.scenes.isChecked() else self.seconds.value()
