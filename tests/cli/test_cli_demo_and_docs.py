"""`reviewer demo` run again, and README's command-line section against the parser."""

from __future__ import annotations

from pathlib import Path

from cli_support import query


def test_demo_run_again_reopens_the_case_and_never_rebuilds_it(cli, demo_case, tmp_path):
    assert demo_case == tmp_path / "demo.case"
    audit = query(demo_case, "SELECT count(*), max(hash) FROM audit")
    media = sorted(p.name for p in (demo_case / "media").rglob("*"))

    again = cli("demo", tmp_path)

    assert again.stderr == ""
    assert str(demo_case) in again.stdout and f"reviewer {demo_case}" in again.stdout
    assert "already there" in again.stdout
    document = cli("demo", tmp_path, "--json").json()
    assert document["existing"] is True and Path(document["path"]) == demo_case
    assert document["evidence"] > 0 and document["incidents"] == 2
    assert query(demo_case, "SELECT count(*), max(hash) FROM audit") == audit
    assert sorted(p.name for p in (demo_case / "media").rglob("*")) == media
