"""A package's layout and reading its ZIP safely: names, bombs, symlinks, raw streaming.

A package is a ZIP holding `manifest.json` (every other file's path, size, SHA-256),
`case.sqlite` (a snapshot of the case database), `media/ab/<sha256>.<ext>` (originals,
stored uncompressed), `report/` and `data/`. Everything read from a package is
hostile until checked: entry names are refused if they could land outside the target
folder, symlink entries are refused, and no entry is read past its declared size or
past a compression ratio no honest file reaches.
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reviewer.core.errors import PackageError

MANIFEST = "manifest.json"
DATABASE = "case.sqlite"
FORMAT = "evidence-reviewer-package"
FORMAT_VERSION = 1

# Reads of this size keep the disk streaming and the per-call cost negligible.
READ_CHUNK = 4 << 20
# Deflate cannot do better than ~1032:1; a case database or report compresses far less.
# An entry claiming more than this ratio (beyond a small floor) is refused as a bomb.
MAX_RATIO = 200
RATIO_FLOOR = 16 << 20
MAX_MANIFEST_BYTES = 64 << 20
# The ratio alone still lets an entry just under it unpack to 200x the package. Nothing a
# package compresses (database, report, data) comes near this; media are stored, not
# compressed, so they are bounded by the package's own size.
MAX_INFLATED_BYTES = 4 << 30
# Left free on a disk after unpacking to it, for the system and the case's own writes.
FREE_SPACE_MARGIN = 64 << 20

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"


@dataclass(frozen=True)
class EntryProblem:
    name: str
    detail: str


# What a ZIP file starts with: a local file header, or the end record of an empty archive.
_ZIP_STARTS = (_LOCAL_SIGNATURE, b"PK\x05\x06")


def is_zip_file(path: Path) -> bool:
    """Whether `path` is a file that starts as a ZIP does (a truncated package still does)."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(4) in _ZIP_STARTS
    except OSError as error:
        raise PackageError(path, f"cannot read the file: {error.strerror or error}") from error


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a package's ZIP or raise PackageError saying why it cannot be read."""
    if not path.is_file():
        raise PackageError(path, "no such package file")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise PackageError(path, f"not a readable ZIP (truncated or damaged?): {error}") from error
    except (OSError, EOFError, ValueError) as error:
        raise PackageError(path, f"cannot read the package: {error}") from error


def unsafe_name(name: str) -> str | None:
    """Why an entry name could escape the folder it is unpacked into, or None if it is safe."""
    if not name or "\x00" in name:
        return "an empty or NUL-containing name"
    if "\\" in name:
        return "a backslash in the name (a Windows path)"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    parts = PurePosixPath(name).parts
    if any(part in ("..", ".") for part in name.rstrip("/").split("/")):
        return "a '..' or '.' path component"
    if not parts:
        return "an empty path"
    return None


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def entry_problems(zf: zipfile.ZipFile) -> list[EntryProblem]:
    """Every entry that must not be read: unsafe names, symlinks, duplicates, bombs."""
    problems: list[EntryProblem] = []
    seen: set[str] = set()
    for info in zf.infolist():
        name = info.filename
        reason = unsafe_name(name)
        if reason:
            problems.append(EntryProblem(name, f"refused: {reason}"))
            continue
        if is_symlink(info):
            problems.append(EntryProblem(name, "refused: a symbolic link entry"))
            continue
        if name in seen:
            problems.append(EntryProblem(name, "refused: the name appears twice in the ZIP"))
            continue
        seen.add(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.append(EntryProblem(name, f"refused: compression method"
                                               f" {info.compress_type} is not used by packages"))
        elif info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            problems.append(EntryProblem(name, "refused: a stored entry whose sizes disagree"))
        elif (info.file_size > RATIO_FLOOR
              and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            problems.append(EntryProblem(
                name, f"refused as a ZIP bomb: {info.compress_size:,} bytes claim to unpack to"
                      f" {info.file_size:,}"))
        elif info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_INFLATED_BYTES:
            problems.append(EntryProblem(
                name, f"refused: unpacks to {info.file_size:,} bytes, more than any package"
                      f" entry may ({MAX_INFLATED_BYTES:,})"))
    return problems


def _stored_data_offset(handle, info: zipfile.ZipInfo) -> int:
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        raise zipfile.BadZipFile(f"{info.filename}: bad local file header")
    fields = _LOCAL_HEADER.unpack(header)
    name_length, extra_length = fields[-2], fields[-1]
    name = handle.read(name_length)
    flags = fields[3]
    encoding = "utf-8" if flags & 0x800 else "cp437"
    if name.decode(encoding, "replace") != info.orig_filename:
        raise zipfile.BadZipFile(f"{info.filename}: local header names another file")
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length


def iter_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, chunk: int = READ_CHUNK,
               ) -> Iterator[memoryview | bytes]:
    """The entry's bytes in chunks, never more than its declared size.

    Stored entries (the media) are read raw from the file with large reads, without
    zipfile's per-read overhead and CRC: the caller hashes them with SHA-256, which is
    the check that matters. Compressed ones go through zipfile, which stops at the
    declared size and checks the CRC.
    """
    if info.compress_type == zipfile.ZIP_STORED:
        assert zf.filename is not None
        with open(zf.filename, "rb", buffering=0) as handle:
            handle.seek(_stored_data_offset(handle, info))
            left = info.file_size
            buffer = bytearray(min(chunk, max(left, 1)))
            view = memoryview(buffer)
            while left > 0:
                n = handle.readinto(view[:min(left, len(buffer))])
                if not n:
                    raise zipfile.BadZipFile(f"{info.filename}: the ZIP ends inside this entry"
                                             " (truncated)")
                left -= n
                yield view[:n]
        return
    with zf.open(info) as stream:
        read = 0
        while data := stream.read(chunk):
            read += len(data)
            if read > info.file_size:
                raise zipfile.BadZipFile(f"{info.filename}: unpacks to more than its declared"
                                         " size")
            yield data


def ensure_room(info: zipfile.ZipInfo, folder: Path) -> None:
    """Refuse to unpack an entry into `folder` unless the disk keeps room to spare after it.

    Checked before each entry is written, so what a whole package unpacks to is bounded
    by the free space too, not only each entry by the ratio and the absolute limit.
    """
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_INFLATED_BYTES:
        raise PackageError(info.filename, f"refused: unpacks to {info.file_size:,} bytes, more"
                                          f" than any package entry may ({MAX_INFLATED_BYTES:,})")
    free = shutil.disk_usage(folder).free
    if info.file_size + FREE_SPACE_MARGIN > free:
        raise PackageError(info.filename, f"unpacks to {info.file_size:,} bytes, but {folder}"
                                          f" has only {free:,} bytes free; nothing was written")


def extract_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> str:
    """Copy one entry to `target` (a new file), fsynced; return the SHA-256 of its bytes."""
    import hashlib

    ensure_room(info, target.parent)
    digest = hashlib.sha256()
    with open(target, "xb") as out:
        for data in iter_entry(zf, info):
            digest.update(data)
            out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()
