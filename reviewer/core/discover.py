"""Turn the paths a user gave into the list of files to import.

Folders are walked (recursively on request) following symlinks, with loop
detection: a link back to an ancestor folder is reported, not followed forever.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".tif", ".tiff", ".webp",
    ".heic", ".heif", ".hif", ".avif", ".bmp", ".gif",
})
VIDEO_SUFFIXES = frozenset({
    ".mp4", ".mov", ".m4v", ".avi", ".mkv", ".mts", ".m2ts", ".3gp", ".webm", ".wmv", ".mpg",
    ".mpeg", ".ts",
})
MEDIA_SUFFIXES = IMAGE_SUFFIXES | VIDEO_SUFFIXES


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # files in folders that are not media
    hidden: list[str] = field(default_factory=list)    # media files in folders named ".x.jpg"


def media_suffix(path: Path) -> str:
    """The lowercase extension that says what a file is: ".jpg" for "..jpg" too, whose
    name Python calls hidden and suffix-less when it is only dots and an extension."""
    stem = path.name.lstrip(".")
    if stem and "." not in stem and path.name != stem:
        return "." + stem.lower()
    return path.suffix.lower()


def _dots_only(name: str) -> bool:
    # "..jpg" or ".jpg": a name whose letters were lost (a messaging app, a script that
    # kept only ASCII), not a file hidden on purpose.
    stem = name.lstrip(".")
    return bool(stem) and "." not in stem


def discover(paths: list[str | Path], recursive: bool = False) -> Discovery:
    found = Discovery()
    seen_files: set[Path] = set()

    def add(path: Path) -> None:
        key = path.absolute()
        if key not in seen_files:
            seen_files.add(key)
            found.files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            _walk(path, recursive, found, add, ancestors={})
        elif path.is_file():
            add(path)
        elif path.exists() or path.is_symlink():
            reason = "a broken symbolic link" if path.is_symlink() else "not a regular file"
            found.errors.append((str(path), reason))
        else:
            found.errors.append((str(path), "no such file or folder"))
    return found


def _walk(folder: Path, recursive: bool, found: Discovery, add,
          ancestors: dict[tuple[int, int], Path]) -> None:
    try:
        info = folder.stat()
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        found.errors.append((str(folder), f"cannot list folder: {error.strerror or error}"))
        return
    key = (info.st_dev, info.st_ino)
    ancestors = {**ancestors, key: folder}
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
            is_file = not is_dir and entry.is_file(follow_symlinks=True)
        except OSError as error:
            found.errors.append((str(path), f"cannot read: {error.strerror or error}"))
            continue
        if entry.name.startswith(".") and not (is_file and _dots_only(entry.name)):
            # Hidden folders (.git, .thumbnails) are not walked; a hidden media file is
            # counted, never dropped unseen: naming it imports it.
            if is_file and media_suffix(path) in MEDIA_SUFFIXES:
                found.hidden.append(str(path))
            continue
        if is_dir:
            if not recursive or (path / "case.sqlite").exists():
                continue
            try:
                sub = path.stat()
            except OSError as error:
                found.errors.append((str(path), f"cannot read: {error.strerror or error}"))
                continue
            loop_to = ancestors.get((sub.st_dev, sub.st_ino))
            if loop_to is not None:
                found.errors.append(
                    (str(path), f"folder loop: it leads back to {loop_to}; not followed"))
                continue
            _walk(path, recursive, found, add, ancestors)
        elif is_file:
            if media_suffix(path) in MEDIA_SUFFIXES:
                add(path)
            else:
                found.skipped.append(str(path))
        elif entry.is_symlink():
            found.errors.append((str(path), "a broken symbolic link"))
