"""Rows read from the case as values: one way from a cursor to a dataclass or a dict.

A record class's fields are the columns it knows; `extra` (when the class has that
field) keeps any other column the query returned, so a column a later schema adds
still reaches `--json` and the package, whichever version wrote the query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def column_names(cursor: sqlite3.Cursor) -> list[str]:
    return [d[0] for d in cursor.description]


def as_dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """Every row left in `cursor` as {column name: value}."""
    names = column_names(cursor)
    return [dict(zip(names, row, strict=True)) for row in cursor]


def as_record(cls: Callable[..., T], names: Sequence[str], values: Iterable[Any]) -> T:
    """A `cls` from one row: columns by name; columns it has no field for go to `extra`."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    given, extra = {}, {}
    for name, value in zip(names, values, strict=True):
        (given if name in known else extra)[name] = value
    if extra:
        if "extra" not in known:
            raise ValueError(f"{cls.__name__} has no field for {', '.join(extra)}")  # type: ignore[attr-defined]
        given["extra"] = extra
    return cls(**given)


def as_records(cls: Callable[..., T], cursor: sqlite3.Cursor) -> list[T]:
    names = column_names(cursor)
    return [as_record(cls, names, row) for row in cursor]


def first_record(cls: Callable[..., T], cursor: sqlite3.Cursor) -> T | None:
    row = cursor.fetchone()
    return None if row is None else as_record(cls, column_names(cursor), row)


class ColumnAccess:
    """`record["column"]` and `.get()` on a record, as on the dicts reads returned before.

    App code reads attributes; this keeps scripts, tests and branches written against
    the dict rows working while they move over. Only what `to_json()` holds is found.
    """

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def __getitem__(self, column: str) -> Any:
        return self.to_json()[column]

    def get(self, column: str, default: Any = None) -> Any:
        return self.to_json().get(column, default)

    def keys(self) -> list[str]:
        return list(self.to_json())
