"""`reviewer list --search … [--from --to --bbox --camera --damaged]` on the demo case."""

from __future__ import annotations

from pathlib import Path

import pytest


def _ids(result) -> set[str]:
    return {row["id"] for row in result.json()["evidence"]}


def test_a_word_from_a_tag_note_lists_its_item(cli, demo_case):
    everything = cli("list", demo_case, "--json").json()["evidence"]
    found = cli("list", demo_case, "--search", "capital", "--json").json()["evidence"]
    # "stump, drums and capital on the ground": the toppled columns' notes, on the after photo.
    assert found and len(found) < len(everything)
    assert any(row["regions"] > 0 for row in found)
    lines = cli("list", demo_case, "--search", "capital").stdout.splitlines()
    assert lines[-1].startswith(f"{len(found)} item(s)")


def test_filters_narrow_and_combine(cli, demo_case):
    rows = cli("list", demo_case, "--json").json()["evidence"]
    placed = [row for row in rows if row["gps_lat"] is not None]
    assert placed, "the demo case has positioned items"
    lat, lon = placed[0]["gps_lat"], placed[0]["gps_lon"]
    box = f"{lon - 0.0001},{lat - 0.0001},{lon + 0.0001},{lat + 0.0001}"
    inside = _ids(cli("list", demo_case, "--bbox", box, "--json"))
    assert placed[0]["id"] in inside and len(inside) < len(rows)
    assert _ids(cli("list", demo_case, "--from", "2999-01-01", "--json")) == set()
    assert _ids(cli("list", demo_case, "--to", "1900-01-01", "--json")) == set()
    assert _ids(cli("list", demo_case, "--camera", "no such camera", "--json")) == set()
    assert _ids(cli("list", demo_case, "--damaged", "--json")) == set()


def test_a_phrase_an_or_and_a_word_left_out(cli, demo_case):
    capital = _ids(cli("list", demo_case, "--search", "capital", "--json"))
    everything = _ids(cli("list", demo_case, "--json"))
    assert _ids(cli("list", demo_case, "--search", "-capital", "--json")) == everything - capital
    either = _ids(cli("list", demo_case, "--search", "capital OR zzzznothing", "--json"))
    assert either == capital
    assert _ids(cli("list", demo_case, "--search", '"capital zzzz"', "--json")) == set()


@pytest.mark.parametrize("text", ['"', "AND(", "*", 'col:"x', "NEAR(", "-", 'OR -"'])
def test_search_syntax_is_never_a_traceback(cli, demo_case, text):
    result = cli("list", demo_case, "--search", text, "--json")
    assert "evidence" in result.json()


@pytest.mark.parametrize(("option", "value", "reason"), [
    ("--bbox", "1,2,3", "W,S,E,N"),
    ("--bbox", "east,2,3,4", "number"),
    ("--bbox", "0,60,1,50", "latitudes"),
    ("--from", "last tuesday", "not a date"),
    ("--to", "2024-13", "not a date"),
])
def test_a_bad_filter_is_one_line(cli, demo_case, option, value, reason):
    result = cli("list", demo_case, option, value, expect=2)
    assert len(result.error_lines) == 1 and reason in result.stderr
    assert result.stderr.startswith("error: list: ")


def test_only_a_search_text_is_joined_to_its_option(cli, demo_case, tmp_path):
    # An option after --search is not taken for the text (as before: a usage error) ...
    result = cli("list", demo_case, "--search", "--json", expect=2)
    assert "--search" in result.stderr and len(result.error_lines) == 1
    # ... and after "--" a folder may be named --search.
    from PIL import Image

    folder = cli.cwd / "--search"
    folder.mkdir()
    Image.new("RGB", (32, 32), "red").save(folder / "red.jpg")
    imported = cli("import", demo_case, "--json", "--", "--search").json()
    assert [Path(i["path"]).name for i in imported["imported"]] == ["red.jpg"]
