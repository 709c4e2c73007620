"""Files shipped inside the package (vocabulary, templates, icons), found by name."""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any


def resource(name: str) -> Traversable:
    """The shipped resource `name` (e.g. "labels.json"); raises if it is not there.

    A missing resource is a packaging bug, so it fails loudly instead of degrading.
    """
    item = files("reviewer").joinpath("resources", *name.split("/"))
    if not item.is_file():
        raise FileNotFoundError(f"resource {name!r} is missing from the installed package")
    return item


def load_json(name: str) -> Any:
    return json.loads(resource(name).read_text(encoding="utf-8"))
