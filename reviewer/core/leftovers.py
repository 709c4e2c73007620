"""Temporary files named after the process that made them, and removed once it is dead.

Exports, merges, unpacking and verification work in temporary places (named by
`atomic.temporary_beside`): a hidden
`.NAME.zip.<pid>-<rand>.part` beside the package being written, a staging
`.NAME.case.<pid>-<rand>.part` folder, and scratch folders `reviewer-<kind>-<pid>-…`
in the system's temporary folder holding copies of a case database. A process killed
mid-way cannot remove them, so the next run of the same kind (and opening a case) does:
only names of exactly these forms, and only when the process named in them is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from reviewer.core.worker_exit import owner_alive

SCRATCH_KINDS = ("export", "merge", "unpack", "verify")
_SCRATCH = re.compile(r"^reviewer-(?P<kind>[a-z]+)-(?P<pid>\d+)-[^/]+$")
_PART = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.part$")


def sweep_parts(folder: Path, suffix: str) -> int:
    """Remove `.NAME<suffix>.<pid>-<rand>.part` files or folders of dead processes."""
    removed = 0
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            match = _PART.match(entry.name)
            if match and match["name"].endswith(suffix) and _abandoned(match["pid"]):
                remove_tree(entry)
                removed += 1
    return removed


@contextlib.contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A temporary folder for one job of `kind`, removed after; sweeps dead ones first."""
    sweep_scratch((kind,))
    folder = Path(tempfile.mkdtemp(prefix=f"reviewer-{kind}-{os.getpid()}-"))
    try:
        yield folder
    finally:
        remove_tree(folder)


def sweep_scratch(kinds: tuple[str, ...] = SCRATCH_KINDS) -> int:
    """Remove scratch folders of `kinds` whose process is gone; returns how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for entry in Path(tempfile.gettempdir()).iterdir():
            match = _SCRATCH.match(entry.name)
            if (match and match["kind"] in kinds and _abandoned(match["pid"])
                    and entry.is_dir() and not entry.is_symlink()):
                remove_tree(entry)
                removed += 1
    return removed


def _abandoned(pid_text: str) -> bool:
    pid = int(pid_text)
    return pid != os.getpid() and not owner_alive(pid)


def remove_tree(path: Path) -> None:
    """Remove a file or folder; originals in a staged case are read-only, so allow writes."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        return
    for inner in path.rglob("*"):
        with contextlib.suppress(OSError):
            if not inner.is_symlink():
                inner.chmod(0o700 if inner.is_dir() else 0o600)
    shutil.rmtree(path, ignore_errors=True)
