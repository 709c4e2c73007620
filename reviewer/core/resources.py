"""Files shipped with the app (vocabulary, templates, icons), found by name.

They live in the checkout's top-level `resources/` and are installed as the package
`reviewer.resources` (pyproject's package-dir), so a wheel and the desktop bundle carry
them. Run from a checkout that is not installed, that package does not exist and the
folder is read where it is. The desktop bundle puts them in reviewer/resources (see
packaging/reviewer.spec), found as the package or, failing that, as that folder.
"""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

_CODE = Path(__file__).resolve().parents[1]   # the folder of the reviewer package
CHECKOUT_RESOURCES = _CODE.parent / "resources"
BUNDLED_RESOURCES = _CODE / "resources"


def resources_root() -> Traversable:
    """The folder of shipped files: the installed package, else the checkout's folder."""
    try:
        return files("reviewer.resources")
    except ModuleNotFoundError:
        return BUNDLED_RESOURCES if BUNDLED_RESOURCES.is_dir() else CHECKOUT_RESOURCES


def resource(name: str) -> Traversable:
    """The shipped resource `name` (e.g. "labels.json"); raises if it is not there.

    A missing resource is a packaging bug, so it fails loudly instead of degrading.
    """
    item = resources_root()
    for part in name.split("/"):   # one at a time: a namespace package's path takes one
        item = item.joinpath(part)
    if not item.is_file():
        raise FileNotFoundError(f"resource {name!r} is missing from the installed package")
    return item


def load_json(name: str) -> Any:
    return json.loads(resource(name).read_text(encoding="utf-8"))
