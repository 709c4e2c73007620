"""Provenance in the app (issue 17): the form edits a selection as one undo step, the
browser filters on verification status, graphic items are blurred until revealed."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDockWidget

from reviewer.core.case import open_case
from reviewer.core.verify import verify_case


def _rows(case_path, sql: str) -> list[tuple]:
    with open_case(case_path, actor="check") as case:
        return case.conn.execute(sql).fetchall()


def _show_provenance_page(window, qtbot):
    workspace = window.workspace
    dock = next(d for d in window.findChildren(QDockWidget) if d.widget() is workspace.metadata)
    dock.show()
    dock.raise_()
    bar = workspace.metadata.pages.tabBar()
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert workspace.metadata.pages.currentIndex() == 1
    return workspace.metadata.provenance


def test_bulk_edit_of_a_selection_is_one_undo_step(window, qtbot, small_case):
    window.open_case(small_case)
    workspace = window.workspace
    workspace.browser.view.setFocus()
    qtbot.keyClick(workspace.browser.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    form = _show_provenance_page(window, qtbot)
    assert len(form.ids) == 3 and "of 3 items" in form.title()

    qtbot.mouseClick(form.texts["acquired_from"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(form.texts["acquired_from"], "a witness")
    qtbot.keyClicks(form.texts["source_url"], "told by phone")
    assert form.source_flag.isVisible() and "flagged" in form.source_flag.text()
    combo = form.choices["verification"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "verified"
    qtbot.keyClicks(form.notes["technical_analysis"], "shadows fit")
    steps = window.session.undo_stack.count()
    qtbot.mouseClick(form.apply_button, Qt.MouseButton.LeftButton)

    assert window.session.undo_stack.count() == steps + 1
    # The selection survives the reload the edit causes: the form still edits all three.
    assert len(workspace.browser.selected_ids()) == 3 and len(form.ids) == 3
    assert _rows(small_case, "SELECT DISTINCT acquired_from, source_url, verification"
                             " FROM evidence") == [("a witness", "told by phone", "verified")]
    assert _rows(small_case, "SELECT count(*), min(technical_analysis) FROM verifications") \
        == [(3, "shadows fit")]

    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _rows(small_case, "SELECT DISTINCT acquired_from, verification FROM evidence") \
        == [("", "unverified")]
    assert _rows(small_case, "SELECT count(*) FROM verifications") == [(0,)]
    with open_case(small_case, actor="check") as case:
        assert verify_case(case).ok


def test_browser_filters_on_verification_status(window, qtbot, small_case):
    window.open_case(small_case)
    workspace = window.workspace
    form = _show_provenance_page(window, qtbot)
    assert len(form.ids) == 1
    combo = form.choices["verification"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)            # in-review
    qtbot.mouseClick(form.apply_button, Qt.MouseButton.LeftButton)
    status = workspace.browser.filters.verification
    status.setFocus()
    qtbot.keyClick(status, Qt.Key.Key_Down)           # Unverified
    assert workspace.model.rowCount() == 2
    qtbot.keyClick(status, Qt.Key.Key_Down)           # In-review
    assert workspace.model.rowCount() == 1
    assert workspace.model.ids() == form.ids


def test_a_graphic_item_is_blurred_until_revealed(window, qtbot, small_case):
    from reviewer.ui.evidence_model import ThumbnailRole

    window.open_case(small_case)
    workspace = window.workspace
    form = _show_provenance_page(window, qtbot)
    current = workspace.current_id
    assert not workspace.graphic_bar.isVisible()
    qtbot.mouseClick(form.graphic, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, form.graphic.height() // 2))     # on its box
    qtbot.mouseClick(form.apply_button, Qt.MouseButton.LeftButton)
    assert _rows(small_case, f"SELECT graphic FROM evidence WHERE id = '{current}'") == [(1,)]
    qtbot.waitUntil(workspace.graphic_bar.isVisible, timeout=5000)
    assert workspace.center.graphicsEffect() is not None
    index = workspace.model.index(workspace.model.row_of(current))
    qtbot.waitUntil(lambda: index.data(ThumbnailRole) is not None, timeout=20_000)
    hidden = index.data(ThumbnailRole).toImage()
    # Blurred: neighbouring pixels barely differ.
    assert abs(hidden.pixelColor(40, 40).red() - hidden.pixelColor(41, 40).red()) <= 8

    qtbot.mouseClick(workspace.graphic_bar.reveal_button, Qt.MouseButton.LeftButton)
    assert not workspace.graphic_bar.isVisible() and workspace.center.graphicsEffect() is None
    assert index.data(ThumbnailRole).toImage() != hidden

    workspace.model.graphic.revealed.clear()
    workspace.show_evidence(current)
    assert workspace.graphic_bar.isVisible() and index.data(ThumbnailRole).toImage() == hidden
    window.blur_action.trigger()                      # View > Blur graphic content: off
    assert not workspace.graphic_bar.isVisible() and workspace.center.graphicsEffect() is None
    assert index.data(ThumbnailRole).toImage() != hidden
    assert window.settings.blur_graphic is False


def test_incident_form_offers_the_case_vocabulary(window, qtbot, small_case):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from reviewer.core.incidents import list_incidents
    from reviewer.ui.incident_form import IncidentForm

    window.open_case(small_case)
    workspace = window.workspace

    def fill_form():
        form = QApplication.activeModalWidget()
        assert isinstance(form, IncidentForm)
        qtbot.keyClicks(form.title, "Barrel bomb on the market")
        form.violation.setFocus()
        qtbot.keyClick(form.violation, Qt.Key.Key_Down)      # the first term
        munitions = form.munitions
        row = next(r for r in range(munitions.count())
                   if munitions.item(r).text() == "barrel bomb")
        munitions.scrollToItem(munitions.item(row))
        rect = munitions.visualItemRect(munitions.item(row))
        qtbot.mouseClick(munitions.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.left() + 10, rect.center().y()))
        form.accept()

    QTimer.singleShot(50, fill_form)
    qtbot.mouseClick(workspace.incidents.new_button, Qt.MouseButton.LeftButton)
    with open_case(small_case, actor="check") as case:
        [incident] = list_incidents(case)
        first = case.conn.execute("SELECT term FROM vocabulary WHERE kind = 'violation'"
                                  " ORDER BY term COLLATE NOCASE").fetchone()[0]
    assert incident.violation == first
    assert incident.munitions == '["barrel bomb"]'
    workspace.show_incident(incident.id)
    shown = workspace.incident_page.details.toPlainText()
    assert f"Violation: {first}" in shown and "Weapons/munitions: barrel bomb" in shown


def test_a_label_flagged_graphic_blurs_the_items_it_tags(window, qtbot, small_case):
    from PySide6.QtWidgets import QPushButton

    from reviewer.core.regions import add_region
    from reviewer.core.shape import parse_box
    from reviewer.ui.dialogs import GRAPHIC_MARK, LabelsDialog

    item = _rows(small_case, "SELECT id FROM evidence ORDER BY original_name")[0][0]
    with open_case(small_case, actor="setup") as case:
        add_region(case, item, "person", "rect", parse_box("5,5,50,50"))
    window.open_case(small_case)
    workspace = window.workspace
    workspace.go_to(item)
    qtbot.waitUntil(workspace.splitter.isVisible, timeout=5000)   # shown by a queued call
    assert not workspace.graphic_bar.isVisible()
    dialog = LabelsDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    # "person" redacts by default (issue 15): its row reads "… person · redact".
    row = next(r for r in range(dialog.list.count())
               if dialog.list.item(r).text().split("] ")[-1].startswith("person"))
    rect = dialog.list.visualItemRect(dialog.list.item(row))
    qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    toggle = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Graphic on/off")
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)

    shown = dialog.list.currentItem().text()
    assert "person" in shown and shown.endswith(GRAPHIC_MARK)
    assert workspace.graphic_bar.isVisible()
    assert _rows(small_case, "SELECT name FROM labels WHERE graphic") == [("person",)]
    window.session.undo_stack.undo()
    assert not workspace.graphic_bar.isVisible()
    with open_case(small_case, actor="check") as case:
        assert verify_case(case).ok


def test_apply_is_in_view_on_a_laptop_screen_without_scrolling(window, qtbot, small_case):
    # In a 1366 x 768 window the Metadata dock is about 490 x 440 px: the button sat under
    # the form's last rows and the history, below the fold; an investigator who filled
    # the form did not see how to save it.
    window.open_case(small_case)
    form = _show_provenance_page(window, qtbot)
    dock = next(d for d in window.findChildren(QDockWidget)
                if d.widget() is window.workspace.metadata)
    dock.setFloating(True)
    dock.resize(490, 440)
    button = form.apply_button
    qtbot.waitUntil(lambda: button.isVisible() and not button.visibleRegion().isEmpty(),
                    timeout=5000)
    assert button.isEnabled()
    assert button.visibleRegion().boundingRect().size() == button.size()
    qtbot.mouseClick(form.texts["acquired_from"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(form.texts["acquired_from"], "a colleague")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert ("a colleague",) in _rows(small_case, "SELECT acquired_from FROM evidence")
