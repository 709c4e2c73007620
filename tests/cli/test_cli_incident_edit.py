"""`reviewer incident edit`: every field of the app's incident form, from the terminal."""

from __future__ import annotations

import json

from cli_support import one_error_line, query

from reviewer.core.incidents import EDITABLE


def _incident(cli, case, incident_id: str) -> dict:
    [row] = [r for r in cli("incident", "list", case, "--json").json()["incidents"]
             if r["id"] == incident_id]
    return row


def test_every_field_of_the_form_can_be_edited_and_cleared(cli, new_case):
    case = new_case()
    added = cli("incident", "add", case, "--title", "Shelling", "--json").json()
    short = added["id"][:8]                   # as `incident list` prints it
    edited = cli("incident", "edit", case, short, "--title", "Shelling of the market",
                 "--category", "shelling", "--from", "2024-03-01T14:30+02:00",
                 "--to", "2024-03-01T15:00+02:00", "--place", "Old market",
                 "--lat", "36.2021", "--lon", "37.1343", "--radius", "150",
                 "--status", "confirmed", "--description", "Three impacts",
                 "--sources", "Witness A; video V2", "--violation", "indiscriminate attack",
                 "--munition", "artillery shell", "--json").json()
    assert sorted(edited["changed"]) == sorted(EDITABLE)          # every one of the form's
    row = _incident(cli, case, added["id"])
    assert (row["title"], row["category"], row["place_name"], row["status"]) == (
        "Shelling of the market", "shelling", "Old market", "confirmed")
    assert (row["lat"], row["lon"], row["radius_m"]) == (36.2021, 37.1343, 150)
    assert row["time_from"].startswith("2024-03-01T14:30") and row["time_to"]
    assert (row["description"], row["sources"]) == ("Three impacts", "Witness A; video V2")

    text = cli("incident", "edit", case, short, "--clear", "position", "--clear", "to").stdout
    assert "Changed" in text and "lat" in text and "time_to" in text
    row = _incident(cli, case, added["id"])
    assert (row["lat"], row["lon"], row["radius_m"], row["time_to"]) == (None, None, None, None)
    assert row["title"] == "Shelling of the market"               # the rest untouched
    [(details,)] = query(case, "SELECT details FROM audit WHERE action = 'incident.update'"
                               " ORDER BY seq DESC LIMIT 1")
    assert set(json.loads(details)["changed"]) == {"lat", "lon", "radius_m", "time_to"}


def test_a_bad_edit_says_why_in_one_line_and_changes_nothing(cli, new_case):
    case = new_case()
    added = cli("incident", "add", case, "--title", "Shelling", "--from", "2024-03-01",
                "--json").json()
    bad = cli("incident", "edit", case, added["id"], "--to", "2023-01-01", expect=2)
    one_error_line(bad, "2023-01-01", "before the start")
    half = cli("incident", "edit", case, added["id"], "--lat", "36.2", expect=2)
    one_error_line(half, "latitude and longitude")
    nothing = cli("incident", "edit", case, added["id"], expect=2)
    one_error_line(nothing, "nothing to change")
    missing = cli("incident", "edit", case, "no-such-incident", "--title", "X", expect=2)
    one_error_line(missing, "no-such-incident")
    assert _incident(cli, case, added["id"])["time_to"] is None
    assert query(case, "SELECT count(*) FROM audit WHERE action = 'incident.update'") == [(0,)]
