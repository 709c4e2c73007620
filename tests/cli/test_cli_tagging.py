"""Tagging and linking from the command line as a new user meets it: the ids the listings
print, several links at once, label shortcuts, what can be tagged, negative coordinates."""

from __future__ import annotations

import re
from pathlib import Path

from cli_support import Cli, one_error_line, query

from reviewer.core.case import open_case
from reviewer.core.regions import add_region, get_region


def _item(cli: Cli, case: Path, name: str) -> dict:
    [row] = [r for r in cli("list", case, "--json").json()["evidence"]
             if r["original_name"] == name]
    return row


def _shown_region_ids(cli: Cli, case: Path, item: str) -> list[str]:
    """The region ids `reviewer show` prints (8 characters each), as a user copies them."""
    text = cli("show", case, item).stdout
    return re.findall(r"^ {18}([0-9a-f]{8}) ", text, re.M)


def _incident(cli: Cli, case: Path, title_start: str) -> dict:
    [row] = [r for r in cli("incident", "list", case, "--json").json()["incidents"]
             if r["title"].startswith(title_start)]
    return row


def _links(case: Path, incident_id: str) -> list[str]:
    return sorted(r[0] for r in query(case, "SELECT region_id FROM incident_regions"
                                            " WHERE incident_id = ?", (incident_id,)))


# -- region ids as `show` prints them ------------------------------------------------

def test_the_region_ids_show_prints_are_accepted_by_incident_link(cli, demo_case):
    street = _item(cli, demo_case, "street_04.jpg")
    [short] = _shown_region_ids(cli, demo_case, street["id"][:8])
    colonnade = _incident(cli, demo_case, "Destruction")
    before = _links(demo_case, colonnade["id"])

    result = cli("incident", "link", demo_case, colonnade["id"][:8], "--region", short,
                 "--json")

    [link] = result.json()["links"]
    assert link["linked"] is True and link["region_id"].startswith(short)
    assert len(link["region_id"]) == 36          # the full id, as stored
    assert _links(demo_case, colonnade["id"]) == sorted([*before, link["region_id"]])


def test_an_unknown_or_ambiguous_region_prefix_is_one_line_and_links_nothing(cli, demo_case):
    street = _item(cli, demo_case, "street_04.jpg")
    with open_case(demo_case, actor="test") as case:
        twins = [add_region(case, street["id"], "debris", "point", {"x": 10 + n, "y": 10},
                            region_id=f"abcdef12-0000-4000-8000-00000000000{n}").id
                 for n in (1, 2)]
    colonnade = _incident(cli, demo_case, "Destruction")
    before = _links(demo_case, colonnade["id"])

    ambiguous = cli("incident", "link", demo_case, colonnade["id"], "--region", "abcdef12",
                    expect=2)
    one_error_line(ambiguous, "abcdef12", "more than one region")
    unknown = cli("incident", "link", demo_case, colonnade["id"], "--region", "ffffffff",
                  expect=2)
    one_error_line(unknown, "ffffffff", "no such region")
    assert _links(demo_case, colonnade["id"]) == before
    # More of the id picks one.
    cli("incident", "link", demo_case, colonnade["id"], "--region", twins[0][:-1] + "1")
    assert twins[0] in _links(demo_case, colonnade["id"])
    with open_case(demo_case) as case:
        assert get_region(case, twins[1]).id == twins[1]


# -- several links at once: all or nothing ---------------------------------------------

def _audit(case: Path) -> list[tuple]:
    return query(case, "SELECT seq, at, action FROM audit ORDER BY seq")


def test_a_failing_link_in_a_batch_saves_none_of_them(cli, demo_case):
    street = _item(cli, demo_case, "street_04.jpg")
    [region] = _shown_region_ids(cli, demo_case, street["id"])
    colonnade = _incident(cli, demo_case, "Destruction")
    links_before, audit_before = _links(demo_case, colonnade["id"]), _audit(demo_case)

    for args in (["--region", region, "--region", "ffffffff"],
                 ["--region", region, "--evidence", street["id"][:8], "--evidence", "nope"]):
        failed = cli("incident", "link", demo_case, colonnade["id"], *args, expect=2)
        one_error_line(failed, "no such")
        assert _links(demo_case, colonnade["id"]) == links_before
        assert _audit(demo_case) == audit_before

    done = cli("incident", "link", demo_case, colonnade["id"], "--region", region,
               "--evidence", street["id"][:8], "--json").json()["links"]
    assert [link["linked"] for link in done] == [True, True]
    added = _audit(demo_case)[len(audit_before):]
    assert [action for _, _, action in added] == ["incident.link_region",
                                                  "incident.link_evidence"]
    assert len({at for _, at, _ in added}) == 1      # one change, saved at once


# -- label shortcuts: the keys the app binds -------------------------------------------

def _labels(cli: Cli, case: Path) -> dict[str, str | None]:
    return {label["name"]: label["shortcut"]
            for label in cli("label", "list", case, "--json").json()["labels"]}


def test_a_shortcut_the_app_does_not_bind_is_refused(cli, new_case):
    case = new_case()
    before = _labels(cli, case)
    for key in ("x", "0", "10", "R", "F1"):
        refused = cli("label", "add", case, f"wreck {key}", "--shortcut", key, expect=2)
        one_error_line(refused, key, "1 to 9")
    assert _labels(cli, case) == before


def test_a_shortcut_another_label_has_moves_and_the_user_is_told(cli, new_case):
    case = new_case()
    assert _labels(cli, case)["crater"] == "3"
    audit_before = len(query(case, "SELECT seq FROM audit"))

    added = cli("label", "add", case, "shell crater", "--shortcut", "3")

    assert "'crater'" in added.stdout and "3" in added.stdout
    labels = _labels(cli, case)
    assert labels["shell crater"] == "3" and labels["crater"] is None
    actions = [row[0] for row in query(case, "SELECT action FROM audit WHERE seq > ?",
                                       (audit_before,))]
    assert sorted(actions) == ["label.add", "label.update"]   # the key taken is recorded too
    document = cli("label", "add", case, "gas", "--shortcut", "3", "--json").json()
    assert document["shortcut"] == "3"
    assert document["shortcut_taken_from"]["name"] == "shell crater"


def test_listing_by_a_label_the_case_lacks_says_so_as_tagging_does(cli, demo_case):
    """A typo ("cylinder") is one error line naming the labels, not an empty listing."""
    result = cli("list", demo_case, "--label", "cylinder", expect=2)
    line = one_error_line(result, "cylinder", "no such label", "gas cylinder")
    assert result.stdout == "" and line == one_error_line(
        cli("tag", demo_case, _item(cli, demo_case, "street_01.jpg")["id"], "--label",
            "cylinder", "--box", "1,1,5,5", expect=2))
    found = cli("list", demo_case, "--label", " Gas Cylinder", "--json").json()["evidence"]
    assert len(found) == 4


# -- what can be tagged ----------------------------------------------------------------

def test_a_video_cannot_be_tagged_but_its_frame_can(cli, demo_case):
    video = _item(cli, demo_case, "DJI_0042.MP4")
    frame = _item(cli, demo_case, "DJI_0042_frame000072.png")
    regions_before = query(demo_case, "SELECT count(*) FROM regions")

    refused = cli("tag", demo_case, video["id"][:8], "--label", "debris", "--box", "10,10,50,40",
                  expect=2)

    one_error_line(refused, "DJI_0042.MP4", "video cannot be tagged", "frame")
    assert query(demo_case, "SELECT count(*) FROM regions") == regions_before
    cli("tag", demo_case, frame["id"][:8], "--label", "debris", "--box", "10,10,50,40")


# -- negative coordinates --------------------------------------------------------------

def test_a_negative_coordinate_is_read_as_a_coordinate(cli, demo_case):
    street = _item(cli, demo_case, "street_04.jpg")["id"][:8]
    for option, value in (("--point", "-10,10"), ("--box", "-5,10,40,40"),
                          ("--polygon", "-1,0,50,0,50,50")):
        for args in ([option, value], [f"{option}={value}"]):
            result = cli("tag", demo_case, street, "--label", "debris", *args, expect=2)
            # The image's own refusal, not argparse's "expected one argument".
            one_error_line(result, "outside the image", value.split(",")[0] + ",")
    tagged = cli("tag", demo_case, street, "--label", "debris", "--point", "-0,10",
                 "--json").json()
    assert tagged["geometry"] == {"x": 0.0, "y": 10.0}
