"""Helpers for the command-line tests: run the real `reviewer` command as a subprocess."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SETPRIV = "/usr/bin/setpriv"
NO_DAC = "-dac_override,-dac_read_search"

# Generous: a run is normally well under a second; a hung command must not hang CI.
TIMEOUT = 120
# The checkout these tests belong to: its `reviewer` is the one under test, even where the
# environment has another copy installed (an editable install of a different worktree).
REPO = Path(__file__).resolve().parents[2]


def reviewer_argv(*args: object) -> list[str]:
    return [sys.executable, "-m", "reviewer", *map(str, args)]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REVIEWER_DEBUG", None)   # the one-line error contract is what users see
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


@dataclass
class Result:
    argv: list[str]
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:
            raise AssertionError(f"stdout is not one JSON document ({error}):\n{self}") from None

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.strip().splitlines()

    def __str__(self) -> str:
        return (f"$ {' '.join(self.argv[2:])}\nexit {self.code}\n--- stdout\n{self.stdout[:4000]}"
                f"\n--- stderr\n{self.stderr[:4000]}")


class Cli:
    """`cli("import", case, path, "--json")` runs `python -m reviewer ...` in a work folder."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(self, *args: object, expect: int | None = 0,
                 prefix: list[str] | None = None) -> Result:
        argv = reviewer_argv(*args)
        completed = subprocess.run([*(prefix or []), *argv], cwd=self.cwd, env=cli_env(),
                                   capture_output=True, text=True, timeout=TIMEOUT, check=False)
        result = Result(argv, completed.returncode, completed.stdout, completed.stderr)
        if expect is not None:
            assert result.code == expect, f"expected exit {expect}\n{result}"
        assert "Traceback" not in result.stderr, str(result)
        return result

    def start(self, *args: object) -> subprocess.Popen:
        """Start a command in its own process group (its workers are in it too).

        It prints only when it ends, so reading its pipes with communicate() then is safe.
        """
        return subprocess.Popen(reviewer_argv(*args), cwd=self.cwd, env=cli_env(), text=True,
                                start_new_session=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(case: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the case database read-only, the way an outside checker would."""
    conn = sqlite3.connect(f"{(case / 'case.sqlite').as_uri()}?mode=ro", uri=True, timeout=15)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def wait_for_rows(case: Path, process: subprocess.Popen, minimum: int,
                  timeout: float = 60) -> int:
    """Poll the case database (read-only) until `minimum` evidence rows are committed."""
    deadline = time.monotonic() + timeout
    conn = None
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(
                    f"the import ended (exit {process.returncode}) before {minimum} row(s) were"
                    " seen: make the batch bigger so the test can interrupt it")
            try:
                if conn is None:
                    conn = sqlite3.connect(f"{(case / 'case.sqlite').as_uri()}?mode=ro",
                                           uri=True, timeout=1)
                count = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
            except sqlite3.OperationalError:
                count = 0   # the writer is still setting up; try again
            if count >= minimum:
                return count
            time.sleep(0.005)
    finally:
        if conn is not None:
            conn.close()
    raise AssertionError(f"no {minimum} evidence row(s) after {timeout} s")


def signal_group(process: subprocess.Popen, signum: int) -> None:
    """Signal the command and every process it started (as Ctrl+C or a kill would)."""
    os.killpg(process.pid, signum)


def privilege_drop(tmp_path: Path) -> list[str]:
    """A command prefix under which chmod 000 really denies reading (root reads anything)."""
    if os.geteuid() != 0:
        return []
    if not os.path.exists(SETPRIV):
        pytest.skip(f"running as root and {SETPRIV} is missing: chmod 000 cannot deny root")
    prefix = [SETPRIV, f"--bounding-set={NO_DAC}", f"--inh-caps={NO_DAC}", "--"]
    probe = tmp_path / "probe"
    probe.write_bytes(b"secret")
    probe.chmod(0)
    check = subprocess.run([*prefix, sys.executable, "-c", f"open({str(probe)!r}).read()"],
                           capture_output=True, text=True, check=False)
    if check.returncode == 0 or "PermissionError" not in check.stderr:
        pytest.skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here"
                    f" (exit {check.returncode}: {check.stderr.strip()[-200:]})")
    return prefix


def one_error_line(result: Result, *words: str) -> str:
    """The result's only error line, which names each of `words`."""
    lines = result.error_lines
    assert len(lines) == 1, f"expected ONE error line\n{result}"
    assert lines[0].startswith("error: "), lines[0]
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    return lines[0]
