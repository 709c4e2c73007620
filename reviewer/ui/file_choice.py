"""A file name typed or chosen for writing: its extension, and asking before replacing;
the exact path of a file dropped on the window."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote_to_bytes

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def with_suffix(text: str, suffix: str) -> Path | None:
    """The typed name as a path ending in `suffix` (".zip"), or None when empty."""
    text = text.strip()
    if not text:
        return None
    path = Path(text).expanduser()
    return path if path.name.lower().endswith(suffix) else path.with_name(path.name + suffix)


def choose_to_save(parent: QWidget, title: str, start: str, file_filter: str,
                   suffix: str) -> Path | None:
    """The save dialog (which itself asks before replacing a file), with `suffix` added."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, start, file_filter)
    return with_suffix(chosen, suffix) if chosen else None


def may_replace(parent: QWidget, path: Path, already_asked: Path | None) -> bool:
    """True if `path` is free or the user agrees to replace it (asked once per path)."""
    if not path.exists() or path == already_asked:
        return True
    answer = QMessageBox.question(
        parent, "Replace the file?", f"{path} already exists. Replace it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def dropped_path(url: QUrl) -> str:
    """The local path a dropped `file:` URL names, exactly, even where the name is not
    UTF-8: QUrl.toLocalFile() turns such bytes (sent as %FF) into U+FFFD, a path that
    does not exist. Those bytes come back as the OS name (os.fsdecode's escapes)."""
    exact = unquote_to_bytes(url.path(QUrl.ComponentFormattingOption.FullyEncoded))
    try:
        exact.decode("utf-8")
    except UnicodeDecodeError:
        return os.fsdecode(exact)
    return url.toLocalFile()     # also right for Windows drive letters and UNC hosts
