"""What `show` and `list` print for a person to read (scripts use --json)."""

from __future__ import annotations

import re
from pathlib import Path

from cli_support import Cli

from reviewer.core.evidence import camera_name

COLUMNS = 100   # a terminal of this width shows every line whole


def _item(cli: Cli, case: Path, name: str) -> dict:
    [row] = [r for r in cli("list", case, "--json").json()["evidence"]
             if r["original_name"] == name]
    return row


def _words(text: str) -> str:
    return " ".join(text.split())


# -- show: each tag's note and confidence -------------------------------------------

def test_show_prints_each_tags_note_and_confidence_within_100_columns(cli, demo_case):
    street = _item(cli, demo_case, "street_03.jpg")
    note = ("Crater about three metres across, scorch marks on the kerb; the cylinder lies"
            " some twenty metres further down the road, seen from the north-east corner\n"
            "Second source: https://example.org/a/very/long/link/that/must/stay/whole")
    tagged = cli("tag", demo_case, street["id"], "--label", "crater", "--box", "10,20,300,200",
                 "--confidence", "0.75", "--note", note, "--json").json()
    regions = cli("show", demo_case, street["id"], "--json").json()["regions"]
    assert len(regions) == 3 and all(r["note"] for r in regions)

    text = cli("show", demo_case, street["id"]).stdout
    section = text.split("regions:", 1)[1].split("EXIF tags:", 1)[0]

    for region in regions:
        assert f" note: {_words(region['note'])}" in _words(section), region["note"]
    assert "confidence: 0.75" in section
    # The new tag's block: its line, its confidence, its note, in that order.
    block = section.split(tagged["id"][:8], 1)[1]
    assert block.index("confidence: 0.75") < block.index("note: Crater")
    assert "https://example.org/a/very/long/link/that/must/stay/whole" in block
    too_wide = [line for line in section.splitlines()
                if len(line) > COLUMNS and "https://" not in line]
    assert too_wide == []


# -- list --incident / --label: a column that counts what was asked for ----------------

def _table(text: str) -> dict[str, dict[str, str]]:
    """`list`'s text output as {NAME: {header: cell}} (columns are 2 or more spaces apart)."""
    lines = text.splitlines()
    headers = re.split(r" {2,}", lines[0].strip())
    table = {}
    for line in lines[1:-1]:
        cells = re.split(r" {2,}", line.strip())
        assert len(cells) == len(headers), line
        row = dict(zip(headers, cells, strict=True))
        table[row["NAME"]] = row
    return table


def test_list_by_incident_or_label_counts_the_tags_in_it_beside_all_tags(cli, demo_case):
    [colonnade] = [i for i in cli("incident", "list", demo_case, "--json").json()["incidents"]
                   if i["title"].startswith("Destruction")]
    after = _item(cli, demo_case, "colonnade_after.jpg")
    # One more tag on the after photo, in no incident and of another label.
    cli("tag", demo_case, after["id"], "--label", "debris", "--box", "5,5,40,40")

    listed = cli("list", demo_case, "--incident", colonnade["id"][:8])
    table = _table(listed.stdout)
    # The before photo is in the incident as a whole item: none of its 8 tags is.
    assert (table["colonnade_before.jpg"]["IN INCIDENT"], table["colonnade_before.jpg"]["TAGS"]
            ) == ("0", "8")
    assert (table["colonnade_after.jpg"]["IN INCIDENT"], table["colonnade_after.jpg"]["TAGS"]
            ) == ("3", "4")
    assert f"IN INCIDENT: each item's tags attached to incident {colonnade['id'][:8]}" \
        in listed.stdout.splitlines()[-1]

    table = _table(cli("list", demo_case, "--label", "Toppled Column").stdout)
    assert (table["colonnade_after.jpg"]["WITH LABEL"], table["colonnade_after.jpg"]["TAGS"]
            ) == ("3", "4")

    table = _table(cli("list", demo_case, "--label", "debris", "--incident",
                       colonnade["id"]).stdout)
    assert table["colonnade_after.jpg"]["MATCHING"] == "0"

    # Scripts: the same count under its own key; `regions` still counts all tags.
    [row] = [r for r in cli("list", demo_case, "--label", "toppled column", "--json"
                            ).json()["evidence"] if r["id"] == after["id"]]
    assert (row["matching_regions"], row["regions"]) == (3, 4)
    assert "matching_regions" not in cli("list", demo_case, "--json").json()["evidence"][0]
    assert "IN INCIDENT" not in cli("list", demo_case).stdout


# -- list: camera names readable, columns as wide as their contents ------------------

def test_list_shows_long_camera_names_whole_or_cut_in_the_middle(cli, new_case, corpus,
                                                                 photo_factory):
    case = new_case()
    long_model = "iPhone 12 Pro Max back triple camera with a lens name beside it"
    phone = photo_factory("phone.jpg", make="Apple", model=long_model)
    cli("import", case, corpus / "photos_misc", phone, "--json")

    listed = cli("list", case)
    lines = listed.stdout.splitlines()
    header, rows = lines[0], lines[1:-1]
    items = cli("list", case, "--json").json()["evidence"]
    assert len(rows) == len(items) > 10
    # Scripts read the whole name from --json, as before.
    [phone_row] = [r for r in items if r["original_name"] == "phone.jpg"]
    assert (phone_row["make"], phone_row["model"]) == ("Apple", long_model)

    # Every camera of the corpus is shown whole (the old 24-character column cut
    # "OLYMPUS IMAGING CORP. C7070WZ" to "OLYMPUS IMAGING CORP. C7").
    by_name = {line.rsplit("  ", 1)[-1]: line for line in rows}
    for item in items:
        camera = camera_name(item["make"], item["model"])
        if item["original_name"] != "phone.jpg" and camera:
            assert f"  {camera}  " in by_name[item["original_name"]]
    assert "OLYMPUS IMAGING CORP. C7070WZ  " in by_name["olympus_c7070_camera.tif"]
    # One too long for any column is cut in the middle: its make and its end both show.
    phone_line = by_name["phone.jpg"]
    assert "  Apple iPhone 12 " in phone_line and "s name beside it  " in phone_line
    assert "…" in phone_line

    # The columns line up under their headers, whatever the lengths.
    for title in ("CAMERA", "GPS", "NAME"):
        start = header.index(title)
        assert all(line[start - 2:start] == "  " and line[start] != " " for line in rows), title
    assert max(len(line) - len(line.rsplit("  ", 1)[-1]) for line in rows) <= 120
