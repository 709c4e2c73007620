"""The Import files chooser offers what the importer takes: photos and videos."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from reviewer.core.discover import VIDEO_SUFFIXES
from reviewer.ui.window_fit import media_file_filter


def test_the_import_chooser_lists_videos_and_camera_upper_case_names(tmp_path, qtbot):
    for name in ("DJI_0042.MP4", "street.jpg", "IMG_0001.HEIC", "clip.mov", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    dialog = QFileDialog(None, "Import files", str(tmp_path), media_file_filter())
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    first = dialog.nameFilters()[0]
    assert first.startswith("Photos and videos")
    for suffix in VIDEO_SUFFIXES:
        assert f"*{suffix}" in first and f"*{suffix.upper()}" in first
    assert "*.jpg" in first and "*.HEIC" in first
