"""`reviewer demo` run again and with --open; README's and the design brief's command lines
against the parser."""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
from pathlib import Path

import pytest
from cli_support import TIMEOUT, cli_env, query, reviewer_argv

from reviewer.core import video


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


# -- README's command list is the parser's ---------------------------------------------

REPO = Path(__file__).resolve().parents[2]
EVERY_COMMAND = {"--help", "--json", "--actor"}   # described once, under the list


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
              ) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command and action ("incident add") with its parser."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, (*path, name))
                found.update(nested or {(*path, name): sub})
    return found


def _readme_lines(command: tuple[str, ...]) -> str:
    """The README's command-list entry for `command`, continuation lines included."""
    block = README.split("## Command line", 1)[1].split("```", 2)[1]
    entry, taking = [], False
    for line in block.splitlines():
        if line.startswith("reviewer "):
            words = line.split()[1:1 + len(command)]
            taking = tuple(words) == command
        if taking:
            entry.append(line)
    return "\n".join(entry)


README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_option_of_every_command():
    from reviewer.cli.parser import build_parser

    missing = []
    commands = _commands(build_parser())
    assert ("label", "add") in commands and ("export",) in commands
    for command, parser in commands.items():
        entry = _readme_lines(command)
        assert entry, f"README's command list has no line for reviewer {' '.join(command)}"
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option not in EVERY_COMMAND \
                        and option not in entry:
                    missing.append(f"reviewer {' '.join(command)} {option}")
    assert missing == []
    assert "--version" in README and "--actor NAME" in README and "--json" in README


def test_readme_quotes_the_warnings_a_video_with_irregular_timing_gets(cli, new_case, corpus):
    """README qualifies "ffmpeg's frames" and quotes the warnings: they must be the real ones."""
    text = " ".join(README.split())
    assert "up to two frames from the one ffmpeg picks" in text
    clip = corpus / "video" / "hevc_h265_portrait_sample.mp4"
    report = cli("import", new_case(), clip, "--frames-every", "5", "--json", expect=1).json()
    warnings = [item["warning"] for item in report["warnings"]]
    assert len(warnings) == 2, warnings
    for warning in warnings:
        generic = re.sub(r"backwards \d+ time", "backwards N time", warning)
        assert f'"{generic}"' in text, generic
    # The third one quoted, for a rate that changes without the container saying so.
    steps = "frame steps differ from the nominal"
    assert f'"variable frame rate: N {steps} ... ms"' in text
    assert steps in " ".join(inspect.getsource(video).split())


def test_demo_open_says_it_is_opening_the_new_case_not_how_to_open_it(tmp_path):
    """Here no window can open (no display): the case is made, then the app says why not."""
    env = {k: v for k, v in cli_env().items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(reviewer_argv("demo", tmp_path, "--open"), env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=TIMEOUT)
    case = tmp_path / "demo.case"
    assert (case / "case.sqlite").is_file(), result.stderr
    assert f"Demo case ready: {case}" in result.stdout
    assert "Opening it." in result.stdout and "Open it with" not in result.stdout
    assert result.returncode == 2 and "no display" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_and_option_of_the_design_briefs_contract_exists():
    """DESIGN.md (the founders' brief, beside the corpus in ../shared) names the command
    line scripts rely on: each command form and option it names is one the parser has."""
    brief = REPO.parent / "shared" / "DESIGN.md"
    if not brief.is_file():
        pytest.skip("the design brief (../shared/DESIGN.md) is not present")
    from reviewer.cli.parser import build_parser

    block = brief.read_text(encoding="utf-8").split("## Command line", 1)[1].split("```")[1]
    commands = _commands(build_parser())
    missing, command = [], None
    for line in block.splitlines():
        words = line.split()
        if words[:1] == ["reviewer"]:   # "reviewer incident add CASE", "reviewer [CASE]"
            command = next((c for c in (tuple(words[1:3]), tuple(words[1:2]))
                            if c in commands), None)
            if command is None and words[1].isalpha():
                missing.append(" ".join(words[:3]))
        if command:
            options = {o for a in commands[command]._actions for o in a.option_strings}
            missing += [f"reviewer {' '.join(command)} {option}"
                        for option in re.findall(r"--[a-z][a-z-]*", line)
                        if option not in options]
    assert ("incident", "list") in commands and missing == []
