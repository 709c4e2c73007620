"""Opening a case on a 1366 x 768 laptop: the window must not grow taller than the screen.

The app sizes its window to the screen (1346 x 728 here) before any case is open; when
the docks are first laid out the Metadata dock is briefly narrow, and a page of wrapped
labels then asked for 548 px of height: the window grew to 808 px, its bottom rows
(the Map/Timeline tabs, the Incidents buttons, the status bar) below the screen's edge.
"""

from __future__ import annotations

ROOM = (1346, 728)      # resize_to_fit on a 1366 x 768 screen


def test_opening_a_case_keeps_the_window_within_a_laptop_screen(window, qtbot, tmp_path):
    from reviewer.demo import build_demo_case

    window.resize(*ROOM)
    qtbot.wait(50)
    assert window.open_case(build_demo_case(tmp_path, actor="setup"))
    workspace = window.workspace
    qtbot.waitUntil(lambda: bool(workspace.current_id), timeout=5000)
    qtbot.wait(300)          # the layout restored on the next turn of the event loop
    assert window.height() <= ROOM[1], f"the window grew to {window.height()} px"
    assert window.minimumSizeHint().height() <= ROOM[1]
