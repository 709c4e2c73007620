"""An item kept damaged says so in the browser, above the image and in the metadata panel."""

from __future__ import annotations

from PySide6.QtCore import Qt

from reviewer.core.case import create_case
from reviewer.core.importer import import_paths
from reviewer.ui.browser import item_badges
from reviewer.ui.evidence_model import RowRole


def _click_item(qtbot, window, name: str) -> None:
    view = window.workspace.browser.view
    model = view.model()
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    index = next(model.index(r, 0) for r in range(model.rowCount())
                 if model.index(r, 0).data() == name)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: window.workspace.current_id == index.data(RowRole)["id"],
                    timeout=5000)


def test_a_damaged_photo_is_flagged_in_browser_viewer_and_metadata(
        window, qtbot, tmp_path, corpus, photo_factory):
    cut = tmp_path / "IMG_cut.jpg"
    cut.write_bytes((corpus / "photos_gps" / "iphone6_hdr.jpg").read_bytes()[:1_000_000])
    case = create_case(tmp_path / "received", actor="setup")
    import_paths(case, [cut, photo_factory(name="sound.jpg")])
    path = case.path
    case.close()
    window.open_case(path)
    qtbot.waitUntil(window.workspace.splitter.isVisible, timeout=5000)

    _click_item(qtbot, window, "IMG_cut.jpg")
    bar = window.workspace.damage_bar
    assert bar.isVisible() and bar.text().startswith("Damaged, kept as received: damaged JPEG")
    assert not window.workspace.metadata.damage.isHidden()
    assert "cut short" in window.workspace.metadata.damage.text()
    index = window.workspace.browser.view.currentIndex()
    assert index.data(Qt.ItemDataRole.ToolTipRole).startswith("Damaged, kept as received")
    assert "DAMAGED" in [text for text, _colour in item_badges(index.data(RowRole), {})]

    _click_item(qtbot, window, "sound.jpg")
    assert not bar.isVisible() and window.workspace.metadata.damage.isHidden()
    index = window.workspace.browser.view.currentIndex()
    assert "DAMAGED" not in [text for text, _colour in item_badges(index.data(RowRole), {})]
