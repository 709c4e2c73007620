"""UI test setup: a window with its own settings file, and no thread left running."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QThreadPool


@pytest.fixture
def settings(tmp_path):
    from reviewer.core import keys
    from reviewer.ui.settings import AppSettings

    # The app records the key's name (as the CLI does): the investigator has a key so named.
    if not keys.has_identity():
        keys.create_identity("Investigator A")
    app_settings = AppSettings(QSettings(str(tmp_path / "settings.ini"),
                                         QSettings.Format.IniFormat))
    app_settings.investigator = "Investigator A"
    return app_settings


@pytest.fixture
def window(qtbot, settings):
    from reviewer.ui.main_window import MainWindow

    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.resize(1400, 900)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close_case()


@pytest.fixture(autouse=True)
def no_dangling_threads(qapp):
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(20_000), "a worker thread was still running after the test"


@pytest.fixture
def small_case(tmp_path, photo_factory):
    """A case on disk with three street photos, closed again (the window opens it)."""
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    case = create_case(tmp_path / "street", title="Street", actor="setup")
    import_paths(case, [photo_factory(size=(1200, 800)), photo_factory(size=(1200, 800)),
                        photo_factory(size=(1200, 800), gps=None)])
    path = case.path
    case.close()
    return path


@pytest.fixture
def answer_box():
    """Schedule a click on `button` of the next message box; its text goes into `asked`."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def schedule(button: QMessageBox.StandardButton, asked: list[str]) -> None:
        def answer() -> None:
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                asked.append(box.text())
                box.button(button).click()

        QTimer.singleShot(0, answer)

    return schedule
