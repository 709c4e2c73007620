"""Rows read from the case as values: one way from a cursor to a dataclass or a dict.

A record class's fields are the columns it knows; `extra` (when the class has that
field) keeps any other column the query returned, so a column a later schema adds
still reaches `--json` and the package, whichever version wrote the query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    return _maker(cls, names)(tuple(values))


def as_records(cls: Callable[..., T], cursor: sqlite3.Cursor,
               convert: Mapping[str, Callable[[Any], Any]] | None = None) -> list[T]:
    """Every row left in `cursor` as a `cls`; `convert` turns a column's stored value
    into the field's (JSON text into a dict, 0/1 into a bool) on the way."""
    make = _maker(cls, column_names(cursor), convert)
    return [make(row) for row in cursor]


def _maker(cls: Callable[..., T], names: Sequence[str],
           convert: Mapping[str, Callable[[Any], Any]] | None = None
           ) -> Callable[[tuple], T]:
    """A function from a row's values to a `cls`, the column-to-field split made once per
    cursor, not per row (a thousand regions were a thousand `fields()` calls)."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    named = [(at, name) for at, name in enumerate(names) if name in known]
    unknown = [(at, name) for at, name in enumerate(names) if name not in known]
    if unknown and "extra" not in known:
        raise ValueError(f"{cls.__name__} has no field for"  # type: ignore[attr-defined]
                         f" {', '.join(name for _, name in unknown)}")
    converted = [(at, name, (convert or {}).get(name)) for at, name in named]
    width = len(names)

    def make(values: tuple) -> T:
        if len(values) != width:
            raise ValueError(f"a row of {len(values)} values for {width} columns")
        given = {name: values[at] if how is None else how(values[at])
                 for at, name, how in converted}
        if unknown:
            given["extra"] = {name: values[at] for at, name in unknown}
        return cls(**given)

    return make


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
