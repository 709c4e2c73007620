"""The command line's house: one registry of handlers, modules that import on their own,
and one way to end a cancelled command (README, "Exit codes")."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import cli_env

from reviewer.cli import commands, commands_share, main
from reviewer.cli.handlers import HANDLERS
from reviewer.cli.parser import COMMANDS
from reviewer.cli.support import CANCELLED
from reviewer.core.case import create_case
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths

COMMAND_MODULES = ("reviewer.cli.commands", "reviewer.cli.commands_share",
                   "reviewer.cli.commands_compare", "reviewer.cli.commands_conflicts",
                   "reviewer.cli.handlers", "reviewer.cli")


def test_every_command_of_the_grammar_has_a_handler():
    assert sorted(HANDLERS) == sorted(COMMANDS)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_each_command_module_imports_first(module):
    """Whichever CLI module a script (or a test) imports first, it imports: the handlers
    no longer lean on a circle through commands.py."""
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                            text=True, timeout=120, env=cli_env())
    assert result.returncode == 0, result.stderr[-1500:]


@contextlib.contextmanager
def _already_cancelled() -> Iterator[threading.Event]:
    """Ctrl+C pressed before the job's first step."""
    cancel = threading.Event()
    cancel.set()
    yield cancel


@pytest.fixture
def shared(tmp_path: Path, photo_factory) -> dict[str, Path]:
    case = create_case(tmp_path / "c", title="Cancel", actor="tester")
    import_paths(case, [photo_factory("a.jpg"), photo_factory("b.jpg")])
    package = tmp_path / "c.zip"
    export_case(case, package)
    case.close()
    return {"case": tmp_path / "c.case", "package": package, "photo": photo_factory("new.jpg"),
            "out": tmp_path / "out.zip", "target": tmp_path / "unpacked"}


CANCELLABLE = {
    "import": ["import", "{case}", "{photo}"],
    "verify": ["verify", "{case}"],
    "export": ["export", "{case}", "{out}"],
    "verify PACKAGE": ["verify", "{package}"],
    "merge": ["merge", "{case}", "{package}"],
    "unpack": ["unpack", "{package}", "{target}"],
}


@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("command", CANCELLABLE)
def test_a_cancelled_command_exits_130_with_one_cancelled_line(command, json, shared,
                                                               monkeypatch, capsys):
    for module in (commands, commands_share):
        monkeypatch.setattr(module, "cancel_on_interrupt", _already_cancelled)
    argv = [part.format(**shared) for part in CANCELLABLE[command]] + (["--json"] if json
                                                                       else [])
    code = main(argv)
    stderr = capsys.readouterr().err.splitlines()
    assert code == CANCELLED, stderr
    assert [line for line in stderr if line.startswith("cancelled: ")] == stderr
    assert len(stderr) == 1
    # What a cancelled command promises: nothing half-made is left.
    assert not shared["out"].exists() and not shared["target"].exists()


def test_ctrl_c_in_a_command_without_a_cancel_flag_ends_the_same_way(shared, monkeypatch,
                                                                       capsys):
    """`reviewer list` (no cancel flag) stopped by Ctrl+C: exit 130 and one `cancelled:`
    line, not a traceback."""
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(HANDLERS, "list", interrupted)
    assert main(["list", str(shared["case"])]) == CANCELLED
    assert capsys.readouterr().err.splitlines() == [
        "cancelled: interrupted; a change not yet saved was not made"]
