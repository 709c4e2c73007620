"""What `show` and `list` print for a person to read (scripts use --json)."""

from __future__ import annotations

from pathlib import Path

from cli_support import Cli

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
