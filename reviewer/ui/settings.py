"""What the app remembers between runs: the investigator's name, recent cases, layout."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from reviewer.core import keys
from reviewer.core.clock import default_actor

RECENT_LIMIT = 8


class AppSettings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or _default_settings()

    @property
    def investigator(self) -> str:
        """The key's display name (what the CLI records too); before a key, the name given."""
        return (keys.identity_name() or str(self.settings.value("investigator", ""))
                or default_actor())

    @investigator.setter
    def investigator(self, name: str) -> None:
        name = " ".join(name.split())
        self.settings.setValue("investigator", name)
        # One name everywhere: renaming oneself in the app renames the key, as `key rename`.
        if name and keys.has_identity() and keys.identity_name() != name:
            keys.rename_identity(name)

    def recent_cases(self) -> list[str]:
        value = self.settings.value("recent_cases", []) or []
        items = [value] if isinstance(value, str) else list(value)
        return [item for item in items if Path(item).exists()]

    def add_recent(self, path: Path) -> None:
        items = [str(path)] + [p for p in self.recent_cases() if p != str(path)]
        self.settings.setValue("recent_cases", items[:RECENT_LIMIT])

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self.settings.value("geometry"), self.settings.value("state")

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self.settings.setValue("geometry", geometry)
        self.settings.setValue("state", state)

    # Graphic content (issues 15, 17) is blurred until revealed unless this is turned off.
    @property
    def blur_graphic(self) -> bool:
        return str(self.settings.value("blur_graphic", "true")).lower() != "false"

    @blur_graphic.setter
    def blur_graphic(self, blur: bool) -> None:
        self.settings.setValue("blur_graphic", "true" if blur else "false")

    # File dialogs start where the last one ended: evidence arrives in one folder at a time.
    def last_folder(self) -> str:
        folder = str(self.settings.value("last_folder", "") or "")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def remember_folder(self, chosen: str | Path) -> None:
        """Remember the folder of a chosen file (or the chosen folder itself)."""
        path = Path(chosen)
        self.settings.setValue("last_folder", str(path if path.is_dir() else path.parent))

    # The evidence | viewer split: the main window's state does not cover its centre.
    def splitter_state(self) -> QByteArray | None:
        return self.settings.value("splitter")

    def save_splitter_state(self, state: QByteArray) -> None:
        self.settings.setValue("splitter", state)

    # Where the investigator was in each case, so reopening it returns there.
    @staticmethod
    def _place_key(case_path: Path) -> str:
        digest = hashlib.sha1(str(Path(case_path).resolve()).encode()).hexdigest()[:16]
        return f"last_item/{digest}"

    def last_item(self, case_path: Path) -> str:
        return str(self.settings.value(self._place_key(case_path), "") or "")

    def set_last_item(self, case_path: Path, evidence_id: str) -> None:
        if evidence_id:
            self.settings.setValue(self._place_key(case_path), evidence_id)


def _default_settings() -> QSettings:
    # REVIEWER_CONFIG_DIR moves keys elsewhere (tests, trials, a second investigator on one
    # account): the app's settings go with them, never touching the real ones.
    if os.environ.get(keys.CONFIG_ENV):
        return QSettings(str(keys.config_dir() / "reviewer.conf"), QSettings.Format.IniFormat)
    return QSettings("Evidence Reviewer", "reviewer")
