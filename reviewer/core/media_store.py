"""The content-addressed media store: `media/ab/<sha256>.<ext>`, read-only, never rewritten.

Files arrive in `media/.incoming/` under a temporary name and are renamed into
place only when complete, so the store never holds a partial original.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import uuid
from pathlib import Path
from typing import BinaryIO

from reviewer.core.worker_exit import owner_alive

CHUNK = 1 << 20
INCOMING = ".incoming"
PART_SUFFIX = ".part"


def stored_relpath(sha256: str, ext: str) -> str:
    """Where an original with this hash lives, relative to the case folder."""
    return f"media/{sha256[:2]}/{sha256}.{ext}"


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def hash_and_copy(source: BinaryIO, target: BinaryIO | None) -> tuple[str, int]:
    """Stream `source` once: hash it, and copy it to `target` when given."""
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    while n := source.readinto(buffer):
        digest.update(view[:n])
        if target is not None:
            target.write(view[:n])
        size += n
    return digest.hexdigest(), size


def incoming_part(case_path: Path, owner_pid: int) -> Path:
    """A fresh temporary name in the incoming folder, tagged with the writing process."""
    folder = case_path / "media" / INCOMING
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{owner_pid}-{uuid.uuid4().hex}{PART_SUFFIX}"


def place(case_path: Path, part: Path, relpath: str) -> None:
    """Move a complete temporary copy into the store, read-only. Idempotent on the hash."""
    target = case_path / relpath
    if target.exists():
        # Same name means same SHA-256: an earlier, interrupted import already put it there.
        part.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # The bytes reach the disk before the database can say the original is there. The
    # single writer does this, not the workers: it is idle while they decode.
    with open(part, "rb") as handle:
        os.fsync(handle.fileno())
    os.chmod(part, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(part, target)


def discard(part: str | Path | None) -> None:
    if part:
        with contextlib.suppress(OSError):
            Path(part).unlink(missing_ok=True)


def abandoned_parts(case_path: Path) -> list[Path]:
    """Temporary copies whose import is no longer running (it was killed)."""
    folder = case_path / "media" / INCOMING
    if not folder.is_dir():
        return []
    return [part for part in sorted(folder.glob(f"*{PART_SUFFIX}"))
            if not (part.name.split("-", 1)[0].isdigit()
                    and _alive(int(part.name.split("-", 1)[0])))]


def sweep_abandoned_parts(case_path: Path) -> int:
    """Remove temporary copies left by an import that was killed; returns how many."""
    parts = abandoned_parts(case_path)
    for part in parts:
        discard(part)
    return len(parts)


def _alive(pid: int) -> bool:
    return pid == os.getpid() or owner_alive(pid)
