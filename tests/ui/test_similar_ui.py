"""The Similar items dock and the Duplicates tab, driven with real clicks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from reviewer.core.case import create_case, open_case
from reviewer.core.importer import import_paths

ORIGINAL = "photos_gps/nikon_coolpix_p6000_DSCN0010.jpg"
UNRELATED = "photos_misc/kodak_kodim03_photo.png"


@pytest.fixture
def copies_case(tmp_path, corpus) -> tuple[Path, dict[str, str]]:
    picture = Image.open(corpus / ORIGINAL).convert("RGB")
    copy = tmp_path / "forwarded_copy.jpg"
    picture.resize((picture.width // 2, picture.height // 2)).save(copy, "JPEG", quality=40)
    case = create_case(tmp_path / "copies", title="Copies", actor="setup")
    report = import_paths(case, [corpus / ORIGINAL, corpus / UNRELATED, copy])
    ids = {Path(item["path"]).name: item["id"] for item in report.imported}
    path = case.path
    case.close()
    return path, ids


def _show_dock(window, title: str) -> None:
    for dock in window.docks:
        if dock.windowTitle() == title:
            dock.show()
            dock.raise_()


def test_the_similar_panel_lists_the_copy_and_a_click_opens_it(window, qtbot, copies_case):
    path, ids = copies_case
    assert window.open_case(path)
    workspace = window.workspace
    assert workspace.browser.select(ids[Path(ORIGINAL).name])
    _show_dock(window, "Similar items")
    panel = workspace.similar
    qtbot.waitUntil(panel.isVisible)
    qtbot.waitUntil(lambda: len(panel.names()) == 1)   # once the hashes are read
    names = panel.names()
    assert len(names) == 1 and names[0].startswith("forwarded_copy.jpg\ndistance ")
    assert UNRELATED.split("/")[-1] not in "".join(names)
    entry = panel.list.item(0)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.list.visualItemRect(entry).center())
    qtbot.waitUntil(lambda: workspace.current_id == ids["forwarded_copy.jpg"])
    assert workspace.browser.current_id() == ids["forwarded_copy.jpg"]
    # From the copy, the original is listed.
    assert panel.names()[0].startswith(Path(ORIGINAL).name)
    workspace.browser.select(ids[Path(UNRELATED).name])
    assert panel.names() == [] and "No similar items" in panel.heading.text()


def test_the_duplicates_tab_groups_and_marks_the_best_source_undoably(window, qtbot,
                                                                     copies_case):
    path, ids = copies_case
    window.open_case(path)
    workspace = window.workspace
    tabs = workspace.left
    tab_bar = tabs.tabBar()
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == "Duplicates")
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(index).center())
    view = workspace.duplicates
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 1, timeout=10_000)
    assert sorted(view.group_names()[0]) == sorted([Path(ORIGINAL).name, "forwarded_copy.jpg"])
    group = view.tree.topLevelItem(0)
    copy_row = next(group.child(i) for i in range(group.childCount())
                    if group.child(i).text(0) == "forwarded_copy.jpg")
    view.tree.scrollToItem(copy_row)
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.tree.visualItemRect(copy_row).center())
    qtbot.mouseClick(view.best_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 1
                    and view.tree.topLevelItem(0).child(0).text(2) == "best source")
    assert view.group_names()[0][0] == "forwarded_copy.jpg"
    with open_case(path, actor="check") as case:
        marked = case.conn.execute("SELECT evidence_id FROM best_sources").fetchall()
    assert marked == [(ids["forwarded_copy.jpg"],)]
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 1
                    and view.tree.topLevelItem(0).child(0).text(2) == "")
    with open_case(path, actor="check") as case:
        assert case.conn.execute("SELECT count(*) FROM best_sources").fetchone()[0] == 0
    # Double-clicking an item opens it in the viewer.
    original_row = view.tree.topLevelItem(0).child(0)
    at = view.tree.visualItemRect(original_row).center()
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.mouseDClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=at)
    wanted = original_row.data(0, Qt.ItemDataRole.UserRole)
    qtbot.waitUntil(lambda: workspace.current_id == wanted)


def test_names_sharing_a_long_start_stay_told_apart_in_a_narrow_duplicates_tab(
        window, qtbot, copies_case):
    """A video's frames are all "<video>_frame000…": cut at the end they read the same."""
    path, _ids = copies_case
    window.open_case(path)
    workspace = window.workspace
    tabs = workspace.left
    tab_bar = tabs.tabBar()
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == "Duplicates")
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(index).center())
    view = workspace.duplicates
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 1, timeout=10_000)
    assert view.tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert workspace.similar.list.textElideMode() == Qt.TextElideMode.ElideMiddle
    group = view.tree.topLevelItem(0)
    for i in range(group.childCount()):
        row = group.child(i)
        assert row.toolTip(0).startswith(row.text(0) + "\n")     # the whole name on hover
