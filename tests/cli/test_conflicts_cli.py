"""`reviewer conflicts`: list a case's merge conflicts and settle one, as a script would."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, query

from reviewer.core.case import open_case
from reviewer.core.incidents import update_incident


@pytest.fixture
def conflicted(cli: Cli, new_case, photo_factory, tmp_path) -> tuple[Path, str]:
    """Bob merged Alice's case, both edited its incident, Bob merged her second package."""
    alice = new_case("alice")
    cli("import", alice, photo_factory())
    item = cli("list", alice, "--json").json()["evidence"][0]["id"]
    incident = cli("incident", "add", alice, "--title", "Strike on the bakery",
                   "--json").json()["id"]
    cli("tag", alice, item, "--label", "crater", "--box", "10,10,50,40", "--incident", incident)
    cli("export", alice, tmp_path / "first.zip")
    bob = new_case("bob")
    cli("merge", bob, tmp_path / "first.zip")
    for folder, actor, text in ((alice, "alice", "two craters"), (bob, "bob", "one crater")):
        with open_case(folder, actor=actor) as case:
            update_incident(case, incident, description=text)
    cli("export", alice, tmp_path / "alice-2.zip")
    merged = cli("merge", bob, tmp_path / "alice-2.zip", "--json").json()
    assert [c["kind"] for c in merged["conflicts"]] == ["incident"]
    return bob, incident


def test_list_and_settle_keeping_theirs(cli: Cli, conflicted):
    bob, incident = conflicted
    listed = cli("conflicts", bob, "--json").json()["conflicts"]
    assert len(listed) == 1
    conflict = listed[0]
    assert (conflict["kind"], conflict["local_id"], conflict["package_name"]) == (
        "incident", incident, "alice-2.zip")
    assert conflict["resolved_at"] is None and conflict["merged_at"]
    assert conflict["versions"]["differ"] == ["description"]
    assert conflict["versions"]["theirs"]["description"] == "two craters"
    text = cli("conflicts", bob).stdout
    assert conflict["id"][:8] in text and "'Strike on the bakery'" in text
    assert "they differ in: description" in text and "1 open conflict(s)" in text

    settled = cli("conflicts", bob, "--settle", conflict["id"][:8], "--keep", "theirs",
                  "--json").json()
    assert settled["id"] == conflict["id"] and settled["kept"] == "theirs"
    assert settled["resolved_at"] and settled["removed_id"] == conflict["incoming_id"]
    assert query(bob, "SELECT description FROM incidents") == [("two craters",)]
    assert query(bob, "SELECT count(*) FROM incident_regions WHERE incident_id = ?",
                 (incident,)) == [(1,)]
    assert cli("conflicts", bob, "--json").json() == {"conflicts": []}
    everything = cli("conflicts", bob, "--all").stdout
    assert "settled (theirs)" in everything and "0 open conflict(s), 1 settled" in everything
    assert cli("verify", bob).code == 0


def test_settle_keeping_both_in_text(cli: Cli, conflicted):
    bob, _ = conflicted
    conflict = cli("conflicts", bob, "--json").json()["conflicts"][0]
    result = cli("conflicts", bob, "--settle", conflict["id"], "--keep", "both")
    assert "kept both" in result.stdout and "two incidents" in result.stdout
    assert query(bob, "SELECT count(*) FROM incidents") == [(2,)]
    assert query(bob, "SELECT action FROM audit ORDER BY seq DESC LIMIT 1") == [
        ("merge_conflict.settle",)]


def test_wrong_id_settled_twice_and_bad_arguments_are_one_line_exit_2(cli: Cli, conflicted):
    bob, _ = conflicted
    conflict = cli("conflicts", bob, "--json").json()["conflicts"][0]
    wrong = cli("conflicts", bob, "--settle", "0123456789abcdef", "--keep", "mine", expect=2)
    assert len(wrong.error_lines) == 1 and "no such merge conflict" in wrong.stderr
    assert wrong.stdout == ""
    alone = cli("conflicts", bob, "--settle", conflict["id"], expect=2)
    assert len(alone.error_lines) == 1 and "--keep" in alone.stderr
    bad = cli("conflicts", bob, "--settle", conflict["id"], "--keep", "newest", expect=2)
    assert len(bad.error_lines) == 1
    cli("conflicts", bob, "--settle", conflict["id"], "--keep", "mine")
    again = cli("conflicts", bob, "--settle", conflict["id"], "--keep", "theirs", "--json",
                expect=2)
    assert len(again.error_lines) == 1 and "settled already (mine" in again.stderr
    assert query(bob, "SELECT count(*) FROM incidents") == [(1,)]
