"""Merge conflicts in the app: both versions marked in the panels, settled by clicks, undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from reviewer.core.case import create_case, open_case
from reviewer.core.conflicts import list_conflicts
from reviewer.core.evidence import list_evidence
from reviewer.core.export import export_case
from reviewer.core.incidents import add_incident, list_incidents, update_incident
from reviewer.core.merge import merge_package
from reviewer.core.regions import add_region, list_regions, update_region
from reviewer.core.shape import parse_box
from reviewer.ui.conflicts import MARK, SettleConflictDialog


@pytest.fixture
def conflicted(small_case: Path, tmp_path: Path) -> tuple[Path, str, str, str]:
    """Bob's case holding Alice's incident and tag; both edited both; her second package merged.

    Returns (Bob's case folder, incident id, region id, evidence id).
    """
    with open_case(small_case, actor="alice") as alice:
        evidence_id = list_evidence(alice)[0]["id"]
        incident = add_incident(alice, "Shelling of the market", place_name="Old souq")
        region = add_region(alice, evidence_id, "crater", "rect", parse_box("10,10,100,80"),
                            incident_id=incident.id, note="fresh crater")
        export_case(alice, tmp_path / "alice-1.zip")
        bob = create_case(tmp_path / "bob", title="Bob", actor="bob")
        merge_package(bob, tmp_path / "alice-1.zip")
        update_incident(bob, incident.id, description="bob: two shells", status="disputed")
        update_incident(alice, incident.id, description="alice: one shell")
        update_region(bob, region.id, note="bob: crater 2 m wide")
        update_region(alice, region.id, note="alice: crater 3 m wide")
        export_case(alice, tmp_path / "alice-2.zip")
        report = merge_package(bob, tmp_path / "alice-2.zip")
        assert sorted(c["kind"] for c in report.conflicts) == ["incident", "region"]
        path = bob.path
        bob.close()
    return path, incident.id, region.id, evidence_id


def _titles(panel) -> list[str]:
    model = panel.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def _click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_conflicting_incident_is_marked_and_settled_by_keeping_theirs(window, qtbot,
                                                                        conflicted):
    path, incident_id, _, _ = conflicted
    window.open_case(path)
    panel = window.workspace.incidents
    qtbot.waitUntil(panel.isVisible)
    titles = _titles(panel)
    assert sorted(titles) == [f"{MARK} [from alice-2.zip] Shelling of the market",
                              f"{MARK} [yours] Shelling of the market"]
    mine_row = next(r for r, t in enumerate(titles) if "[yours]" in t)
    index = panel.model.index(mine_row, 2)
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "This is yours" in tip and "alice-2.zip" in tip and "description, status" in tip
    assert panel.settle_button.isVisible()

    _click_row(qtbot, panel.table, mine_row)
    assert panel.current_id() == incident_id and panel.settle_button.isEnabled()
    qtbot.mouseClick(panel.settle_button, Qt.MouseButton.LeftButton)
    dialog = panel.conflict_dialog
    assert isinstance(dialog, SettleConflictDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.differ == ["description", "status"]
    table = dialog.table
    cells = {table.verticalHeaderItem(r).text(): (table.item(r, 0), table.item(r, 1))
             for r in range(table.rowCount())}
    mine, theirs = cells["Description"]
    assert (mine.text(), theirs.text()) == ("bob: two shells", "alice: one shell")
    assert mine.font().bold() and not cells["Title"][0].font().bold()
    assert (cells["Status"][0].text(), cells["Status"][1].text()) == ("disputed", "open")

    qtbot.mouseClick(dialog.keep_theirs, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.kept == "theirs"
    case = window.session.case
    incidents = list_incidents(case)
    assert [(i["id"], i["description"], i["status"], i["regions"]) for i in incidents] == [
        (incident_id, "alice: one shell", "open", 2)]    # the copy's tag came along
    assert _titles(panel) == ["Shelling of the market"]
    assert panel.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert not panel.settle_button.isVisible()

    # Edit > Undo brings back both versions, marked again, the conflict open.
    window.undo_action.trigger()
    assert sorted(_titles(panel)) == sorted(titles)
    assert [c.kind for c in list_conflicts(case)] == ["incident", "region"]
    window.redo_action.trigger()
    assert _titles(panel) == ["Shelling of the market"]


def test_a_conflicting_region_is_marked_and_settled_from_the_context_menu(window, qtbot,
                                                                         conflicted):
    path, _, region_id, evidence_id = conflicted
    window.open_case(path)
    workspace = window.workspace
    workspace.open_region(evidence_id, region_id)
    panel = workspace.regions
    qtbot.waitUntil(panel.isVisible)
    labels = _titles(panel)
    assert sorted(labels) == [f"{MARK} [from alice-2.zip] crater", f"{MARK} [yours] crater"]
    assert panel.settle_button.isVisible()
    table = panel.table
    row = panel.model.row_of(region_id)
    table.customContextMenuRequested.emit(table.visualRect(panel.model.index(row, 0)).center())
    menu = next(m for m in table.findChildren(QMenu) if m.isVisible())
    settle = next(a for a in menu.actions() if "Settle merge conflict" in a.text())
    settle.trigger()
    menu.close()
    dialog = panel.conflict_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.differ == ["note"]
    qtbot.mouseClick(dialog.keep_mine, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    regions = list_regions(window.session.case, evidence_id)
    assert [(r.id, r.note) for r in regions] == [(region_id, "bob: crater 2 m wide")]
    assert _titles(panel) == ["crater"]
    assert not panel.settle_button.isVisible()


def test_cancel_changes_nothing(window, qtbot, conflicted):
    path, incident_id, _, _ = conflicted
    window.open_case(path)
    panel = window.workspace.incidents
    dialog = panel.settle_conflict(incident_id)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert len(list_incidents(window.session.case)) == 2
    assert len(list_conflicts(window.session.case)) == 2
    assert not window.session.undo_stack.canUndo()
    # The context menu offers it too, on a conflicting row only.
    menu = panel.context_menu(incident_id)
    assert any("Settle merge conflict" in a.text() for a in menu.actions())


def test_the_incident_page_says_so_and_settles_from_there(window, qtbot, conflicted):
    path, incident_id, _, _ = conflicted
    window.open_case(path)
    workspace = window.workspace
    workspace.incidents.select(incident_id)
    qtbot.mouseClick(workspace.incidents.open_button, Qt.MouseButton.LeftButton)
    page = workspace.incident_page
    qtbot.waitUntil(page.isVisible)
    assert page.heading.text() == f"{MARK} [yours] Shelling of the market"
    assert page.conflict_bar.isVisible() and page.settle_button.isVisible()
    text = page.conflict_text.text()
    assert "alice-2.zip" in text and "description, status" in text
    assert "tags were edited on both sides" in text          # its crater tag too
    crops = [page.crops.item(row).text() for row in range(page.crops.count())]
    assert any(crop.startswith(f"{MARK} [yours] crater") for crop in crops)

    qtbot.mouseClick(page.settle_button, Qt.MouseButton.LeftButton)
    dialog = workspace.incidents.conflict_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.keep_mine, Qt.MouseButton.LeftButton)
    assert page.heading.text() == "Shelling of the market"
    assert "description, status" not in page.conflict_text.text()
    assert not page.settle_button.isVisible()
