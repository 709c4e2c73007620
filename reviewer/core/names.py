"""File names as the OS gives them, kept exactly and shown readably.

Linux allows any bytes but "/" and NUL in a name; Python hands undecodable bytes over
as lone surrogates ("\\udcff"), which SQLite text, JSON and a UTF-8 terminal refuse.
So a record keeps two forms: the display form, valid UTF-8 with each undecodable byte
written as ``\\xff``, and, only where that differs from the name, the exact bytes as hex.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator


def display_name(name: str | os.PathLike[str]) -> str:
    """`name` as valid UTF-8: bytes that are not UTF-8 shown as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def exact_bytes_hex(name: str | os.PathLike[str]) -> str | None:
    """The name's bytes as hex where the display form does not say them exactly, else None."""
    raw = os.fsencode(name)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.hex()
    return None


def from_record(display: str, exact_hex: str | None) -> str:
    """The name as the OS knows it (for opening the file), from a record's two forms."""
    return os.fsdecode(bytes.fromhex(exact_hex)) if exact_hex else display


@contextlib.contextmanager
def utf8_alias(path: str | os.PathLike[str]) -> Iterator[str]:
    """A name for `path` that C libraries given UTF-8 can open: the path itself, or for a
    name that is not UTF-8 a symbolic link to it in a temporary folder.

    OpenCV crashes (SIGSEGV) on a Python string holding undecodable bytes. A decoder opens
    the file when it starts, so the link may go once the capture is made.
    """
    if exact_bytes_hex(path) is None:
        yield os.fspath(path)
        return
    suffix = os.path.splitext(os.fsencode(path))[1]
    suffix = suffix.decode("ascii") if suffix.isascii() else ""
    with tempfile.TemporaryDirectory(prefix="reviewer-name-") as folder:
        alias = os.path.join(folder, "media" + suffix)
        os.symlink(os.path.abspath(os.fsencode(path)), os.fsencode(alias))
        yield alias
