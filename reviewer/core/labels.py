"""The case's label vocabulary: what a tag can say (gas cylinder, toppled column...)."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from reviewer.core.changes import NO_CHANGES, Changes, added, record_changes, removed, updated
from reviewer.core.errors import NotFoundError, ValidationError
from reviewer.core.resources import load_json
from reviewer.core.rows import as_records

if TYPE_CHECKING:   # case.py makes the default labels with this module: no runtime cycle
    from reviewer.core.case import Case, Transaction

# Default labels get the same id in every case (derived from the name), so two
# investigators' cases started from the defaults merge label for label.
_DEFAULT_LABEL_NAMESPACE = uuid.UUID("5d1f0b8e-7a52-4c1e-9a43-3c6f1e0d2b77")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The keys the app binds to labels while tagging (letters pick the drawing tools).
SHORTCUT_KEYS = tuple("123456789")
# Used in turn for labels added without a colour.
_SPARE_COLOURS = ["#469990", "#dcbeff", "#800000", "#aaffc3", "#ffd8b1", "#000000", "#bfef45"]


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    colour: str
    shortcut: str | None
    description: str
    # New regions with this label are marked redact unless told otherwise ("person").
    redact_default: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_label_id(name: str) -> str:
    return str(uuid.uuid5(_DEFAULT_LABEL_NAMESPACE, name.strip().lower()))


def add_default_labels(tx: Transaction) -> None:
    # A case made at an older schema (as tests make them) has no redact_default column.
    redacting = any(row[1] == "redact_default"
                    for row in tx.conn.execute("PRAGMA table_info(labels)"))
    for item in load_json("labels.json")["labels"]:
        _insert(tx, Label(default_label_id(item["name"]), item["name"], item["colour"],
                          item["shortcut"], item["description"],
                          redacting and bool(item.get("redact_default", False))))


def _insert(tx: Transaction, label: Label, *, created_at: str | None = None,
            created_by: str | None = None) -> Changes:
    row = {"id": label.id, "name": label.name, "colour": label.colour,
           "shortcut": label.shortcut, "description": label.description,
           "created_at": created_at or tx.at, "created_by": created_by or tx.actor}
    if label.redact_default:   # written only when set: older schemas lack the column
        row["redact_default"] = 1
    tx.conn.execute(f"INSERT INTO labels ({', '.join(row)})"
                    f" VALUES ({', '.join('?' * len(row))})", list(row.values()))
    changes = added(tx.conn, "label", label.id)
    record_changes(tx, "label.add", changes, label.id, label.to_dict())
    return changes


def _labels(cursor: sqlite3.Cursor) -> list[Label]:
    return [replace(label, redact_default=bool(label.redact_default))
            for label in as_records(Label, cursor)]


_COLUMNS = "id, name, colour, shortcut, description, redact_default"


def list_labels(case: Case | Transaction) -> list[Label]:
    return _labels(case.conn.execute(f"SELECT {_COLUMNS} FROM labels ORDER BY shortcut IS NULL,"
                                     " shortcut, name COLLATE NOCASE"))


def find_label(case: Case | Transaction, name_or_id: str) -> Label:
    """A label by name (any case) or id; the error lists the names the case has."""
    found = _labels(case.conn.execute(
        f"SELECT {_COLUMNS} FROM labels WHERE id = ? OR name = ? COLLATE NOCASE",
        (name_or_id, name_or_id.strip())))
    if not found:
        known = ", ".join(label.name for label in list_labels(case))
        raise NotFoundError(name_or_id, f"no such label in this case (labels: {known})")
    return found[0]


def check_shortcut(shortcut: str | None) -> None:
    """Refuse a shortcut the app does not bind (it binds 1 to 9)."""
    if shortcut is not None and shortcut not in SHORTCUT_KEYS:
        raise ValidationError(shortcut, "a label's shortcut is one of the keys 1 to 9")


def label_with_shortcut(case: Case, shortcut: str) -> Label | None:
    """The label a shortcut picks now, if any (giving the key to another takes it away)."""
    found = _labels(case.conn.execute(f"SELECT {_COLUMNS} FROM labels WHERE shortcut = ?",
                                      (shortcut,)))
    return found[0] if found else None


def _check(name: str, colour: str | None) -> None:
    if not name.strip():
        raise ValidationError(name, "a label needs a name")
    if colour is not None and not _COLOUR.match(colour):
        raise ValidationError(colour, "a colour is written #rrggbb")


def add_label(
    case: Case, name: str, colour: str | None = None, shortcut: str | None = None,
    description: str = "", *, redact_default: bool = False,
) -> Label:
    with case.write() as tx:
        changes = add_label_in(tx, name, colour, shortcut, description,
                               redact_default=redact_default)
    return find_label(case, str(changes.ids("label", "added")[0]))


def add_label_in(
    tx: Transaction, name: str, colour: str | None = None, shortcut: str | None = None,
    description: str = "", *, redact_default: bool = False,
) -> Changes:
    _check(name, colour)
    check_shortcut(shortcut)
    if tx.conn.execute("SELECT 1 FROM labels WHERE name = ? COLLATE NOCASE",
                       (name.strip(),)).fetchone():
        raise ValidationError(name, "a label with this name already exists")
    if colour is None:
        count = tx.conn.execute("SELECT count(*) FROM labels").fetchone()[0]
        colour = _SPARE_COLOURS[count % len(_SPARE_COLOURS)]
    label = Label(str(uuid.uuid4()), name.strip(), colour, shortcut, description,
                  bool(redact_default))
    changes = NO_CHANGES
    if shortcut is not None:
        changes |= _release_shortcut(tx, shortcut)
    return changes | _insert(tx, label)


def _release_shortcut(tx: Transaction, shortcut: str) -> Changes:
    """A shortcut picks one label: giving it to a new one takes it from the old (audited)."""
    holders = [row[0] for row in tx.conn.execute("SELECT id FROM labels WHERE shortcut = ?",
                                                 (shortcut,))]
    changes = NO_CHANGES
    for label_id in holders:
        tx.conn.execute("UPDATE labels SET shortcut = NULL WHERE id = ?", (label_id,))
        step = updated(tx.conn, "label", label_id)
        record_changes(tx, "label.update", step, label_id,
                       {"changed": {"shortcut": [shortcut, None]}})
        changes |= step
    return changes


def update_label(
    case: Case, label_id: str, *, name: str | None = None, colour: str | None = None,
    shortcut: str | None = None, description: str | None = None,
    redact_default: bool | None = None,
) -> Label:
    with case.write() as tx:
        update_label_in(tx, label_id, name=name, colour=colour, shortcut=shortcut,
                        description=description, redact_default=redact_default)
    return find_label(case, label_id)


def update_label_in(
    tx: Transaction, label_id: str, *, name: str | None = None, colour: str | None = None,
    shortcut: str | None = None, description: str | None = None,
    redact_default: bool | None = None,
) -> Changes:
    old = find_label(tx, label_id)
    new = Label(old.id, (name or old.name).strip(), colour or old.colour,
                shortcut if shortcut is not None else old.shortcut,
                description if description is not None else old.description,
                old.redact_default if redact_default is None else bool(redact_default))
    if shortcut is not None:
        check_shortcut(shortcut)   # a key kept from an older version stays as it is
    return put_label_in(tx, new)


def put_label_in(tx: Transaction, new: Label) -> Changes:
    """Give a label exactly these values (a shortcut may be None): what undo writes back."""
    old = find_label(tx, new.id)
    _check(new.name, new.colour)
    clash = tx.conn.execute("SELECT 1 FROM labels WHERE name = ? COLLATE NOCASE AND id <> ?",
                            (new.name, old.id)).fetchone()
    if clash:
        raise ValidationError(new.name, "a label with this name already exists")
    changes = NO_CHANGES
    if new.shortcut and new.shortcut != old.shortcut:
        changes |= _release_shortcut(tx, new.shortcut)
    tx.conn.execute(
        "UPDATE labels SET name = ?, colour = ?, shortcut = ?, description = ?,"
        " redact_default = ? WHERE id = ?",
        (new.name, new.colour, new.shortcut, new.description, int(new.redact_default),
         old.id),
    )
    changed = {k: [v, getattr(new, k)] for k, v in old.to_dict().items()
               if getattr(new, k) != v}
    step = updated(tx.conn, "label", old.id)
    record_changes(tx, "label.update", step, old.id, {"changed": changed})
    return changes | step


def delete_label_in(tx: Transaction, label_id: str) -> Changes:
    """Remove a label no region uses (undo of adding one)."""
    label = find_label(tx, label_id)
    if tx.conn.execute("SELECT 1 FROM regions WHERE label_id = ?", (label.id,)).fetchone():
        raise ValidationError(label.name, "regions are tagged with this label: merge it into"
                                          " another instead")
    changes = removed(tx.conn, "label", label.id)
    tx.conn.execute("DELETE FROM labels WHERE id = ?", (label.id,))
    record_changes(tx, "label.delete", changes, label.id, label.to_dict())
    return changes


def merge_labels(case: Case, source_id: str, target_id: str) -> int:
    """Retag every region of `source` as `target` and drop `source`; returns regions moved."""
    with case.write() as tx:
        changes = merge_labels_in(tx, source_id, target_id)
    return len(changes.ids("region"))


def merge_labels_in(tx: Transaction, source_id: str, target_id: str) -> Changes:
    """Retag every region of `source` as `target` and drop `source`."""
    source, target = find_label(tx, source_id), find_label(tx, target_id)
    if source.id == target.id:
        raise ValidationError(source.name, "cannot merge a label into itself")
    region_ids = [row[0] for row in tx.conn.execute(
        "SELECT id FROM regions WHERE label_id = ? ORDER BY id", (source.id,))]
    tx.conn.execute(
        "UPDATE regions SET label_id = ?, updated_at = ?, updated_by = ? WHERE label_id = ?",
        (target.id, tx.at, tx.actor, source.id),
    )
    changes = updated(tx.conn, "region", *region_ids) | removed(tx.conn, "label", source.id)
    tx.conn.execute("DELETE FROM labels WHERE id = ?", (source.id,))
    record_changes(tx, "label.merge", changes, source.id, {
        "into": target.id, "source_name": source.name, "target_name": target.name,
        "regions": len(region_ids)})
    return changes


def restore_label_in(tx: Transaction, row: Mapping[str, Any]) -> Changes:
    """Put back a label as it was stored (same id and creation): undo of a delete or a
    merge, redo of an add. Its shortcut, if another label took it meanwhile, comes back."""
    label = Label(row["id"], row["name"], row["colour"], row["shortcut"], row["description"],
                  bool(row.get("redact_default", 0)))
    changes = NO_CHANGES
    if label.shortcut:
        changes |= _release_shortcut(tx, label.shortcut)
    return changes | _insert(tx, label, created_at=row["created_at"],
                             created_by=row["created_by"])


def unmerge_labels_in(tx: Transaction, merge: Changes) -> Changes:
    """Undo of a merge: the dropped label back (same id and creation), its regions
    retagged with it."""
    row = merge.of("label", "removed")[0].row
    changes = restore_label_in(tx, row)
    source = find_label(tx, row["id"])
    region_ids = [str(key) for key in merge.ids("region")]
    for region_id in region_ids:
        tx.conn.execute("UPDATE regions SET label_id = ?, updated_at = ?, updated_by = ?"
                        " WHERE id = ?", (source.id, tx.at, tx.actor, region_id))
    step = updated(tx.conn, "region", *region_ids)
    record_changes(tx, "label.unmerge", step, source.id, {"regions": len(region_ids)})
    return changes | step
