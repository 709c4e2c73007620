"""The case folder and its database: create, open, and the one way to write.

Every change to a case goes through `Case.write()`: it opens an IMMEDIATE
transaction, lets the caller apply the change, and refuses to commit unless the
caller appended at least one audit record in that same transaction.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from reviewer import __version__
from reviewer.core import leftovers, media_store, replay
from reviewer.core.audit import AuditAppender, AuditRecord
from reviewer.core.clock import default_actor, new_id, utc_now
from reviewer.core.errors import CaseError, NewerCaseError, ValidationError
from reviewer.core.head_signature import sign_head
from reviewer.core.keys import Identity, ensure_identity, identity_name
from reviewer.core.schema import (
    APPLICATION_ID,
    MIGRATIONS,
    REPLAY_VERSION,
    SCHEMA_VERSION,
    versions_after,
)

CASE_SUFFIX = ".case"
DB_NAME = "case.sqlite"


@dataclass
class Transaction:
    """An open write: apply changes with `conn`/`db`, then `record` what was done."""

    conn: sqlite3.Connection
    db: sqlite_utils.Database
    actor: str
    at: str
    _appender: AuditAppender = field(repr=False)
    # The audit log names the signer, not just a display name (docs/custody.md).
    audit_actor: str = ""

    def record(
        self, action: str, object_id: str | None, details: dict[str, Any] | None = None,
    ) -> AuditRecord:
        # Every write of user text (titles, notes, labels, names, sources) is recorded
        # here, so this is where a NUL byte is refused: other programs reading the case,
        # its exports or its reports would cut the text short at it.
        details = details or {}
        # A snapshot holds rows already in the case, whatever they hold.
        where = (None if action == replay.SNAPSHOT_ACTION else _nul_in(details)) \
            or ("actor" if "\x00" in self.actor else None)
        if where:
            raise ValidationError(where, "contains a NUL byte (\\0), which text here cannot"
                                         " hold; nothing was changed")
        # The record carries the after-state of every row written so far (replay.py).
        replay.ensure_capture(self.conn)
        return self._appender.append(self.at, self.audit_actor or self.actor, action,
                                     object_id, replay.with_after_state(self.conn, details))


def _nul_in(value: Any, where: str = "") -> str | None:
    """The key path of the first string in `value` holding a NUL byte, or None."""
    if isinstance(value, str):
        return (where or "the text") if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, (list, tuple)) else ()
    for key, inner in items:
        if isinstance(key, str) and "\x00" in key:
            return key.replace("\x00", "\\0")
        found = _nul_in(inner, str(key) if isinstance(key, str) else where)
        if found:
            return found
    return None


class Case:
    """An open case. Not thread-safe: use one `Case` per thread (SQLite's rule too)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, actor: str,
                 signer: Identity | None = None) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.actor = actor
        # Unlocked at the first write, so reading a case never needs the key.
        self._signer = signer
        # Temporary copies of a killed import removed on opening (verify says so).
        self.removed_leftovers: list[str] = []

    @property
    def signer(self) -> Identity:
        if self._signer is None:
            self._signer = ensure_identity(self.actor)
        return self._signer

    # -- locations ---------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    @property
    def media_dir(self) -> Path:
        return self.path / "media"

    @property
    def cache_dir(self) -> Path:
        return self.path / "cache"

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def id(self) -> str:
        return self.meta("case_id") or ""

    @property
    def title(self) -> str:
        return self.meta("title") or self.path.stem

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": str(self.path),
            "title": self.title,
            "schema_version": int(self.meta("schema_version") or 0),
            "created_at": self.meta("created_at"),
            "created_by": self.meta("created_by"),
        }

    # -- writing -----------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Transaction]:
        """One atomic change with its audit record(s); a failure leaves the case as it was."""
        conn = self.conn
        signer = self.signer
        if not self.db_path.exists():
            # SQLite would happily write into the unlinked file and lose the edit.
            raise CaseError(self.db_path, "the case folder has been moved or deleted;"
                                          " the change was not saved")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise CaseError(self.db_path, f"cannot write to the case: {error}") from error
        try:
            replay.forget_touched(conn)
        except sqlite3.Error as error:
            _rollback(conn)
            raise CaseError(self.db_path, f"cannot write to the case: {error}") from error
        changes_before = conn.total_changes
        try:
            appender = AuditAppender(conn)
            tx = Transaction(conn, self.db, self.actor, utc_now(), appender,
                             signer.actor(self.actor))
            yield tx
            if conn.total_changes != changes_before and appender.appended == 0:
                raise RuntimeError("a change to the case was made without an audit record")
            if appender.appended and replay.pending(conn):
                tx.record(replay.ROWS_ACTION, None, {})
            if appender.appended:
                appender.store_head()
                sign_head(conn, signer, f"{appender.seq}:{appender.head}", tx.at)
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            _rollback(conn)
            raise CaseError(self.db_path, f"the change was not saved: {error}") from error
        except BaseException:
            _rollback(conn)
            raise

    @contextlib.contextmanager
    def write_within(self, tx: Transaction | None) -> Iterator[Transaction]:
        """`write()`, or, given a write already open on this case, that one.

        Lets a core function be one step of a larger change (its caller's transaction
        commits or rolls back the lot, with every step's audit records).
        """
        if tx is None:
            with self.write() as opened:
                yield opened
            return
        if tx.conn is not self.conn or not self.conn.in_transaction:
            raise RuntimeError("write_within() was given a transaction that is not open on"
                               " this case")
        yield tx

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, timeout=15)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def case_folder(path: str | Path) -> Path:
    """The case folder a user meant: `x.case`, or `x` when `x.case` exists."""
    path = Path(path)
    if not (path / DB_NAME).exists() and path.suffix != CASE_SUFFIX:
        candidate = path.with_name(path.name + CASE_SUFFIX)
        if candidate.exists():
            return candidate
    return path


def create_case(path: str | Path, title: str | None = None, actor: str | None = None,
                signer: Identity | None = None) -> Case:
    """Make `NAME.case/` with its database, media and cache folders and the default labels."""
    from reviewer.core.labels import add_default_labels

    folder = Path(path)
    if folder.suffix != CASE_SUFFIX:
        folder = folder.with_name(folder.name + CASE_SUFFIX)
    if folder.exists() and any(folder.iterdir()):
        raise CaseError(folder, "already exists and is not empty; choose another name")
    created_folder = not folder.exists()
    try:
        for sub in ("", "media", "cache"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        conn = _connect(folder / DB_NAME)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        case = Case(folder, conn, actor or identity_name() or default_actor(), signer)
        with case.write() as tx:
            for version in sorted(MIGRATIONS):
                MIGRATIONS[version](conn)
            case_id = new_id()
            meta = {
                "case_id": case_id,
                "title": title or folder.stem,
                "created_at": tx.at,
                "created_by": tx.actor,
                "app_version": __version__,
                "schema_version": str(SCHEMA_VERSION),
            }
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
            tx.record("case.create", case_id, {"title": meta["title"],
                                                "schema_version": SCHEMA_VERSION})
            add_default_labels(tx)
    except OSError as error:
        if created_folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise CaseError(folder, f"cannot create the case: {error.strerror or error}") from error
    except BaseException:
        if created_folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return case


def _inspect(db_path: Path) -> int:
    """Check, without writing anything, that this is a case we can open; return its version."""
    try:
        # With no write-ahead log present, open immutable: no -shm/-wal files are
        # created, so a refused case is left exactly as it was. With one, the case is
        # in use (or was not closed) and its log must be read.
        wal = db_path.with_name(db_path.name + "-wal")
        flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
        conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?{flags}", uri=True)
    except sqlite3.Error as error:
        raise CaseError(db_path, f"cannot open the case database: {error}") from error
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if application_id != APPLICATION_ID:
            raise CaseError(db_path, "not an Evidence Reviewer case database")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            raise CaseError(db_path, "damaged case database: it has no schema version")
        version = int(row[0])
        conn.execute("SELECT count(*) FROM evidence").fetchone()
    except sqlite3.DatabaseError as error:
        raise CaseError(db_path, f"damaged case database: {error}") from error
    except (ValueError, TypeError) as error:     # TypeError: NULL or bytes put in by hand
        raise CaseError(db_path, "damaged case database: bad schema version") from error
    finally:
        conn.close()
    if version > SCHEMA_VERSION:
        raise NewerCaseError(
            db_path,
            f"made by a newer version of Evidence Reviewer (case schema {version}, this"
            f" version reads up to {SCHEMA_VERSION}); update the app to open it",
        )
    return version


def open_case(path: str | Path, actor: str | None = None,
              signer: Identity | None = None) -> Case:
    """Open an existing case; migrate it forward if it is older. Refuse anything else."""
    folder = case_folder(path)
    db_path = folder / DB_NAME
    if not folder.is_dir():
        raise CaseError(folder, "no such case folder")
    if not db_path.is_file():
        raise CaseError(folder, f"not a case folder (it has no {DB_NAME})")
    version = _inspect(db_path)
    try:
        conn = _connect(db_path)
    except sqlite3.Error as error:
        raise CaseError(db_path, f"cannot open the case database: {error}") from error
    case = Case(folder, conn, actor or identity_name() or default_actor(), signer)
    # The immutable look ignored a write-ahead log; read the version again for real.
    version = int(case.meta("schema_version") or version)
    if version > SCHEMA_VERSION:
        case.close()
        raise NewerCaseError(db_path, f"made by a newer version of Evidence Reviewer (case"
                                      f" schema {version}); update the app to open it")
    if version < SCHEMA_VERSION:
        _migrate(case, version)
    for sub in ("media", "cache"):
        (folder / sub).mkdir(exist_ok=True)
    # What a killed import, merge or export left: the case's own temporary copies of
    # originals, and database copies in the temporary folder (dead processes' only).
    case.removed_leftovers = [str(part) for part in media_store.abandoned_parts(folder)]
    media_store.sweep_abandoned_parts(folder)
    leftovers.sweep_scratch()
    return case


def _migrate(case: Case, version: int) -> None:
    previous = version
    for target in versions_after(version):
        with case.write() as tx:
            MIGRATIONS[target](tx.conn)
            tx.conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(target),))
            tx.record("case.migrate", case.id, {"from": previous, "to": target})
            if target == REPLAY_VERSION:
                # History before this is not replayable: keep, signed, what was found.
                tx.record(replay.SNAPSHOT_ACTION, case.id,
                          {"snapshot": replay.snapshot_rows(tx.conn)})
        previous = target
