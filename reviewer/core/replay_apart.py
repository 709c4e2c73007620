"""The replay and comparison of a case's history (replay.py) and the walk of its audit
chain (audit.py), beside the rest of verify: on a thread, or for a big case in
processes of their own.

The replay is Python, so it holds the GIL, and so do the audit chain walk and the
hashing loop that verify runs meanwhile: on threads they took turns on one core while
the other idled (docs/performance.md). This module is what those processes import, so
it stays light (no Qt, no image libraries): ~0.1 s to start a process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sqlite3
import sys
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.synchronize import Event
from pathlib import Path

from reviewer.core import worker_exit
from reviewer.core.audit import ChainProblem, check_chain
from reviewer.core.replay import Replayed, Unexplained, compare, replay

# From this size of database on the replay gets a process (a small case's replay takes
# less than starting one).
APART_BYTES = 32 * 1024 * 1024
# How long verify waits for the replay's process to start before going on without it.
START_WAIT_SECONDS = 5.0


class HistoryCheck:
    """The replay, comparison and chain walk of the case at `db_path`, started at once:
    `chain()` and `history()` give their results, `close()` ends the processes."""

    def __init__(self, db_path: Path, side: ThreadPoolExecutor) -> None:
        self._db_path = db_path
        self._pool: ProcessPoolExecutor | None = None
        self._chain: Future[list[ChainProblem]] | None = None
        self._history: Future[tuple[Replayed, list[Unexplained]]] | None = None
        if db_path.stat().st_size >= APART_BYTES:
            self._start_processes()
        if self._history is None:
            self._history = side.submit(replay_apart, db_path)

    def _start_processes(self) -> None:
        # The same pool set-up as the importer's: never fork a process that may run Qt
        # threads.
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        try:
            worker_exit.start_helpers(method)
            context = multiprocessing.get_context(method)
            started = context.Event()
            self._pool = ProcessPoolExecutor(
                max_workers=2, mp_context=context, initializer=_start_worker,
                initargs=(os.getpid(), started))
            self._history = self._pool.submit(replay_in_process, self._db_path)
            # The replay is the longest part of verify: it must not start late. Started
            # beside verify's hashing threads and SQLite's check, the new process got a
            # share of two busy cores and took 0.2-0.4 s to begin (~0.05 s alone).
            started.wait(START_WAIT_SECONDS)
            self._chain = self._pool.submit(chain_apart, self._db_path)
        except (OSError, RuntimeError, ValueError):
            pass    # whatever did not start is done here (chain(), history())

    @property
    def in_processes(self) -> bool:
        """Whether the replay runs in a process of its own (a big case)."""
        return self._pool is not None

    def chain(self, conn: sqlite3.Connection) -> list[ChainProblem]:
        """The audit chain's problems: walked in its process, or here on `conn` (a small
        case, or its process died)."""
        if self._chain is not None:
            try:
                return self._chain.result()
            except (BrokenProcessPool, OSError):
                pass
        return check_chain(conn)

    def history(self) -> tuple[Replayed, list[Unexplained]]:
        """The replayed history and every row it does not explain."""
        assert self._history is not None
        try:
            return self._history.result()
        except (BrokenProcessPool, OSError):
            # Its process killed or out of memory: verify never ends without it.
            return replay_apart(self._db_path)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _start_worker(owner_pid: int, started: Event) -> None:
    worker_exit.start_worker(owner_pid)
    started.set()


def chain_apart(db_path: Path) -> list[ChainProblem]:
    """The audit chain walk (audit.py) on a read-only connection of its own."""
    conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return check_chain(conn)
    finally:
        conn.close()


def replay_apart(db_path: Path, lean: bool = False) -> tuple[Replayed, list[Unexplained]]:
    """Replay the log's after-states and find every row of the tables it does not explain.
    `lean`: without the replayed rows (from another process, only the findings travel)."""
    conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        replayed = replay(conn)
        unexplained = compare(conn, replayed)
        if lean:
            replayed.state = {}
        return replayed, unexplained
    finally:
        conn.close()


def replay_in_process(db_path: Path) -> tuple[Replayed, list[Unexplained]]:
    """`replay_apart` in a process of its own, lean, without the cycle collector: the
    replay keeps every row of the case alive and makes no cycles, so each collection
    only walked those rows again (~5% of the replay)."""
    gc.disable()
    try:
        return replay_apart(db_path, lean=True)
    finally:
        gc.enable()
