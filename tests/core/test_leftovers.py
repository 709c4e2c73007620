"""An export or merge killed mid-way: its temporary files go at the next run or opening.

The jobs are really killed (SIGKILL from inside their own progress callback, so the
moment is exact): what is left is what a crash or `kill -9` leaves.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reviewer.core.case import open_case
from reviewer.core.export import export_case
from reviewer.core.merge import merge_package

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def temp_folder(tmp_path, monkeypatch) -> Path:
    """A private system temporary folder, for this process and the ones it starts."""
    import tempfile

    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _killed_midway(code: str, when: str) -> None:
    """Run `code` (it calls a job with progress=kill_when) in a child that kills itself."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        from reviewer.core.case import open_case
        def kill_when(progress):
            if {when}:
                os.kill(os.getpid(), signal.SIGKILL)
    """) + textwrap.dedent(code)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                           text=True, timeout=300, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr


def _ours(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(("reviewer-", ".")))


def test_a_killed_export_leaves_files_the_next_export_removes(demo, tmp_path, temp_folder):
    out = tmp_path / "out"
    out.mkdir()
    demo.close()
    _killed_midway(f"""
        from reviewer.core.export import export_case
        export_case(open_case({str(demo.path)!r}), {str(out / "sent.zip")!r},
                    progress=kill_when)
    """, when="progress.done == 2")
    left_beside = _ours(out)
    left_in_temp = _ours(temp_folder)
    assert len(left_beside) == 1 and left_beside[0].startswith(".sent.zip.")
    assert len(left_in_temp) == 1 and left_in_temp[0].startswith("reviewer-export-")
    assert (temp_folder / left_in_temp[0] / "case.sqlite").is_file()   # a copy of the case
    # Not ours, or of a process still running (this one): kept.
    others = [out / ".notes.txt.part", out / f".other.zip.{os.getpid()}-0123abcd.part",
              temp_folder / f"reviewer-export-{os.getpid()}-live", temp_folder / "reviewer-x"]
    for path in others:
        path.mkdir() if "reviewer-" in path.name else path.write_bytes(b"keep")

    case = open_case(demo.path)
    report = export_case(case, out / "again.zip")
    case.close()
    assert report.ok
    assert _ours(out) == sorted(p.name for p in others[:2])
    assert _ours(temp_folder) == sorted(p.name for p in others[2:])


def test_a_killed_merge_leaves_files_that_opening_the_case_removes(
        demo, tmp_path, temp_folder):
    package = tmp_path / "sent.zip"
    export_case(demo, package)
    receiver = tmp_path / "receiver"
    from reviewer.core.case import create_case

    create_case(receiver, actor="bob").close()
    receiver = receiver.with_suffix(".case")
    _killed_midway(f"""
        from reviewer.core.merge import merge_package
        merge_package(open_case({str(receiver)!r}), {str(package)!r}, progress=kill_when)
    """, when="str(progress.item).startswith('copying') and progress.done == 2")
    incoming = receiver / "media" / ".incoming"
    assert len(list(incoming.iterdir())) >= 1
    [scratch] = _ours(temp_folder)
    assert scratch.startswith("reviewer-merge-")
    assert (temp_folder / scratch / "case.sqlite").is_file()
    live = incoming / f"{os.getpid()}-0123.part"
    live.write_bytes(b"a merge still running in this process")

    case = open_case(receiver)
    assert sorted(incoming.iterdir()) == [live]
    assert _ours(temp_folder) == []
    live.unlink()
    report = merge_package(case, package)   # and the merge itself still works
    assert report.added["evidence"] > 0
    case.close()
