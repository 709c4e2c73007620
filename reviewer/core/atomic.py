"""Writing a file so that it is either all there or not there: written under a temporary
name beside its target, then renamed onto it (a rename within a folder is atomic). A
crash, a full disk or a cancel leaves the old file or none, never half of one; the
temporary is removed on any failure, and its name carries the writer's pid."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_beside(target: Path) -> Path:
    """A fresh hidden name in `target`'s folder (`.NAME.PID-RANDOM.part`): same file
    system, so the final rename cannot become a copy."""
    return target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")


@contextmanager
def replacing(target: Path, *, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; when the block ends without an error it replaces
    `target`, else it is removed. `durable` syncs the bytes to disk before the rename (for
    what a record will point to; thumbnails and caches need not wait for the disk)."""
    temporary = temporary_beside(target)
    try:
        yield temporary
        if durable:
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, data: bytes, *, durable: bool = False,
                     mode: int | None = None) -> None:
    """`target` holds `data`, entirely, or is left as it was. With `mode` (e.g. 0o600 for a
    private key) the file has that mode from its creation: never readable by others, not
    even for a moment."""
    with replacing(target, durable=durable) as temporary:
        if mode is None:
            temporary.write_bytes(data)
            return
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)


def publish_folder(temporary: Path, target: Path, *, replace: bool = False) -> None:
    """Put a folder filled under a temporary name (temporary_beside) in place as `target`.
    With `replace`, an existing `target` is first moved aside and removed only once the
    new one is in place; without it, an existing `target` raises FileExistsError."""
    import shutil

    aside = None
    if target.exists() or target.is_symlink():
        if not replace:
            raise FileExistsError(target)
        aside = temporary_beside(target)
        os.rename(target, aside)
    try:
        os.rename(temporary, target)
    except BaseException:
        if aside is not None:
            os.rename(aside, target)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
