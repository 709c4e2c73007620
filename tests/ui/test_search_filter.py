"""The browser's search box: a word from a tag note or an incident shows its item."""

from __future__ import annotations

from PySide6.QtCore import Qt

from reviewer.core.case import open_case
from reviewer.core.incidents import add_incident, link_to_incident
from reviewer.core.regions import add_region


def _ids_by_name(small_case) -> dict[str, str]:
    with open_case(small_case, actor="setup") as case:
        return dict(case.conn.execute("SELECT original_name, id FROM evidence").fetchall())


def test_typing_a_word_from_a_tag_note_shows_its_item(window, qtbot, small_case):
    ids = _ids_by_name(small_case)
    with open_case(small_case, actor="setup") as case:
        add_region(case, ids["photo_0001.jpg"], "crater", "point", {"x": 5, "y": 5},
                   note="Impact crater near the bakery's door")
        incident = add_incident(case, "Shelling of Tariq street")
        link_to_incident(case, incident.id, evidence_ids=[ids["photo_0002.jpg"]])
    window.open_case(small_case)
    model = window.workspace.model
    search = window.workspace.browser.filters.text
    assert model.rowCount() == 3
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "baker")
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3000)
    assert model.ids() == [ids["photo_0001.jpg"]]
    search.clear()
    qtbot.keyClicks(search, "tariq")
    qtbot.waitUntil(lambda: model.ids() == [ids["photo_0002.jpg"]], timeout=3000)
    # Query syntax typed by hand is just text: no error, nothing matches.
    search.clear()
    qtbot.keyClicks(search, 'AND( "')
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=3000)
    search.clear()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=3000)


def test_the_damaged_tick_narrows_the_grid(window, qtbot, small_case):
    window.open_case(small_case)
    filters = window.workspace.browser.filters
    model = window.workspace.model
    assert model.rowCount() == 3
    filters.damaged.click()
    assert filters.damaged.isChecked()
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=3000)
    filters.damaged.click()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=3000)


def test_the_map_and_timeline_hooks_narrow_with_the_search(window, qtbot, small_case):
    ids = _ids_by_name(small_case)       # two photos at the fixture's GPS, one without
    window.open_case(small_case)
    filters = window.workspace.browser.filters
    model = window.workspace.model
    filters.set_area((37.0, 36.0, 37.3, 36.3))
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=3000)
    assert ids["photo_0002.jpg"] not in model.ids()
    filters.set_period("2024-03-02", "2024-03-31")       # the photos were taken on 1 March
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=3000)
    filters.set_period("2024-03-01", "2024-03-01")
    qtbot.mouseClick(filters.text, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(filters.text, "photo_0001")
    qtbot.waitUntil(lambda: model.ids() == [ids["photo_0001.jpg"]], timeout=3000)
    filters.reset()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=3000)


def test_the_camera_list_narrows_to_that_camera(window, qtbot, tmp_path, photo_factory):
    from reviewer.core.case import create_case
    from reviewer.core.importer import import_paths

    case = create_case(tmp_path / "cams", title="Cameras", actor="setup")
    import_paths(case, [photo_factory(make="Canon", model="Canon EOS 40D"),
                        photo_factory(make="Apple", model="iPhone 12"),
                        photo_factory(make="Apple", model="iPhone 12")])
    folder = case.path
    case.close()
    window.open_case(folder)
    filters = window.workspace.browser.filters
    model = window.workspace.model
    names = [filters.camera.itemText(i) for i in range(filters.camera.count())]
    assert names == ["Any camera", "Apple iPhone 12", "Canon EOS 40D"]
    filters.camera.setFocus()
    qtbot.keyClick(filters.camera, Qt.Key.Key_Down)        # to "Apple iPhone 12"
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=3000)
    qtbot.keyClick(filters.camera, Qt.Key.Key_Down)        # to "Canon EOS 40D"
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3000)
    qtbot.keyClick(filters.camera, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=3000)


def test_a_search_keeps_the_case_order_and_scrolls_to_the_item_kept_current(
        window, qtbot, tmp_path, photo_factory):
    """The grid lays its tiles out a batch at a time (ui/browser.EvidenceGrid): the item
    that stays current is still brought into view once its tile is placed, and a search
    lists its items in the case's order, as `reviewer list --search` does."""
    from datetime import datetime, timedelta

    from reviewer.core.case import create_case
    from reviewer.core.evidence import EvidenceFilter, list_evidence_ids
    from reviewer.core.importer import import_paths

    case = create_case(tmp_path / "many", title="Many", actor="setup")
    # Imported newest first, so the case's order (capture time) is not the import order.
    import_paths(case, [photo_factory(size=(64, 48), make="Canon" if n % 2 else "Nikon",
                                      taken=datetime(2024, 3, 1) - timedelta(minutes=n))
                        for n in range(24)])
    expected = list_evidence_ids(case, EvidenceFilter(search="canon"))
    case.close()
    window.resize(900, 600)
    window.open_case(tmp_path / "many")
    browser, model = window.workspace.browser, window.workspace.model
    browser.view.setBatchSize(2)
    last_canon = expected[-1]
    assert browser.select(last_canon)
    qtbot.mouseClick(browser.filters.text, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(browser.filters.text, "canon")
    qtbot.waitUntil(lambda: model.rowCount() == 12, timeout=3000)
    assert model.ids() == expected
    assert browser.current_id() == last_canon

    def current_in_view() -> bool:
        shown = browser.view.viewport().rect()
        return shown.contains(browser.view.visualRect(browser.view.currentIndex()))

    qtbot.waitUntil(current_in_view, timeout=3000)
    assert browser.view.verticalScrollBar().value() > 0


def test_items_an_import_committed_unannounced_show_at_the_next_search(
        window, qtbot, small_case, photo_factory):
    # An import commits batch by batch on its own connection; one that stops on a full
    # disk announces nothing. The grid keeps the case's order between searches, so it
    # must notice the items that came in meanwhile.
    from reviewer.core.importer import import_paths

    window.open_case(small_case)
    model = window.workspace.model
    assert model.rowCount() == 3
    with open_case(small_case, actor="setup") as case:
        import_paths(case, [photo_factory("late_arrival.jpg", size=(1200, 800))])
    search = window.workspace.browser.filters.text
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "late")
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3000)
    search.clear()
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=3000)
