"""File names as the OS gives them, kept exactly and shown readably.

Linux allows any bytes but "/" and NUL in a name; Python hands undecodable bytes over
as lone surrogates ("\\udcff"), which SQLite text, JSON and a UTF-8 terminal refuse.
So a record keeps two forms: the display form, valid UTF-8 with each undecodable byte
written as ``\\xff``, and, only where that differs from the name, the exact bytes as hex.
"""

from __future__ import annotations

import os


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
