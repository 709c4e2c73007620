"""What a new user's trial of the integrated build found, each tried through the real CLI."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import TIMEOUT, Cli, cli_env, query, wait_for_rows

# The `reviewer` script pip installs: its own folder, not the current one, leads sys.path.
ENTRY_POINT = ("import sys\nfrom reviewer.cli import main\n"
               "if __name__ == '__main__':\n    sys.exit(main())\n")


def _run_installed(script: Path, cwd: Path, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *map(str, args)], cwd=cwd,
                          env=cli_env(), capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)


def test_import_from_a_folder_holding_another_reviewer_package_imports_the_photos(
        cli: Cli, new_case, photo_factory, tmp_path):
    # A checkout of this project (README tells users to clone it) has a `reviewer/` folder.
    checkout = tmp_path / "checkout"
    (checkout / "reviewer").mkdir(parents=True)
    (checkout / "reviewer" / "__init__.py").write_text("")
    script = tmp_path / "bin" / "reviewer"
    script.parent.mkdir()
    script.write_text(ENTRY_POINT)
    case = new_case()
    photos = [photo_factory(f"p{n}.jpg", seed=n) for n in range(6)]   # enough for a pool
    result = _run_installed(script, checkout, "import", case, *photos)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert query(case, "SELECT count(*) FROM evidence")[0][0] == 6


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_worker_killed_mid_import_gives_one_clear_line_and_keeps_what_was_committed(
        cli: Cli, new_case, photo_factory, tmp_path):
    case = new_case()
    photo = photo_factory(size=(2400, 1800))
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(300):
        shutil.copyfile(photo, folder / f"copy{n:03}.jpg")
    process = cli.start("import", case, folder)
    try:
        wait_for_rows(case, process, 1)   # something committed, then a worker dies
        # The workers are forked by the forkserver, a child of the importer.
        workers = [pid for helper in _children(process.pid) for pid in _children(helper)]
        assert workers, "no worker process found"
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode != 0
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    errors = stderr.strip().splitlines()
    assert len(errors) == 1 and "worker process" in errors[0], stderr
    assert "not imported:" in stdout
    assert query(case, "SELECT count(*) FROM evidence")[0][0] == 1   # the same photo, kept
    assert cli("verify", case).code == 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_killed_import_prints_nothing_on_the_terminal_afterwards(
        cli: Cli, new_case, photo_factory, tmp_path):
    case = new_case()
    photo = photo_factory(size=(2400, 1800))
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(300):
        shutil.copyfile(photo, folder / f"copy{n:03}.jpg")
    process = cli.start("import", case, folder)
    try:
        wait_for_rows(case, process, 1)
        os.kill(process.pid, signal.SIGKILL)   # the importer alone, as `kill -9` does
        # The pipes close when the last process of the group holding them has ended.
        _stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert stderr == "", stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_verify_names_the_files_a_killed_import_left_in_media_and_still_passes(
        cli: Cli, new_case, photo_factory, tmp_path):
    case = new_case()
    # Distinct photos: each is copied into the case.
    photos = [photo_factory(f"many/p{n:03}.jpg", size=(1600, 1200), seed=n)
              for n in range(200)]
    folder = photos[0].parent
    process = cli.start("import", case, folder)
    try:
        wait_for_rows(case, process, 1)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=TIMEOUT)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    recorded = {case / row[0] for row in query(case, "SELECT stored_path FROM evidence")}
    unrecorded = {p for p in (case / "media").rglob("*") if p.is_file()} - recorded
    assert unrecorded, "the import ended without leaving anything half done: kill it sooner"
    result = cli("verify", case)
    assert result.code == 0 and "INTACT" in result.stdout
    for path in unrecorded:
        assert f"note: {path}: " in result.stderr, result.stderr
    assert "interrupted import" in result.stderr


def test_incident_titles_with_a_bidi_override_are_printed_escaped(cli: Cli, new_case):
    case = new_case()
    title = "Attack \u202eevil\u202c on market"
    added = cli("incident", "add", case, "--title", title)
    assert "\u202e" not in added.stdout and "\\u202e" in added.stdout
    incident_id = cli("incident", "list", case, "--json").json()["incidents"][0]["id"]
    edited = cli("incident", "edit", case, incident_id, "--title", title + "!")
    assert "\u202e" not in edited.stdout and "\\u202e" in edited.stdout


def test_import_names_each_skipped_file_and_words_a_damaged_exif_block_plainly(
        cli: Cli, new_case, tmp_path, corpus):
    case = new_case()
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "notes.txt").write_text("from the field")
    shutil.copyfile(corpus / "broken" / "broken_png_header.png", folder / "header.png")
    result = cli("import", case, folder, expect=None)
    assert f"skipped: {folder / 'notes.txt'}: " in result.stderr, result.stderr
    assert "1 non-media file skipped" in result.stdout
    header_lines = [line for line in result.error_lines if "header.png" in line]
    assert header_lines and all("Error" not in line and "codec" not in line
                                for line in header_lines), header_lines
    assert any("EXIF unreadable (damaged EXIF block)" in line for line in header_lines)


def test_show_and_the_regions_csv_print_numbers_without_rounding_noise(
        cli: Cli, new_case, photo_factory, tmp_path):
    import csv
    import io
    import zipfile

    case = new_case()
    photo = photo_factory("gps.jpg", gps=(34.551, 36.2021, 410.0))
    evidence_id = cli("import", case, photo, "--json").json()["imported"][0]["id"]
    assert query(case, "SELECT gps_lat FROM evidence")[0][0] != 34.551   # stored as read
    shown = cli("show", case, evidence_id).stdout
    assert "gps_lat: 34.551\n" in shown, shown
    cli("tag", case, evidence_id, "--label", "debris", "--box", "10,10,217.9,50.3")
    # What the app's drawing arithmetic stores (0.1 px steps summed in binary floats).
    import sqlite3

    with sqlite3.connect(case / "case.sqlite") as conn:
        conn.execute("UPDATE regions SET w = ?", (217.89999999999998,))
    conn.close()
    package = tmp_path / "out.zip"
    cli("export", case, package)
    with zipfile.ZipFile(package) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("data/regions.csv").decode())))
    assert rows[0]["w"] == "217.9"
