"""The replay and comparison of a case's history (replay.py) on a connection of its own,
beside the rest of verify: on a thread, or for a big case in a process of its own.

The replay is Python, so it holds the GIL, and so do the audit chain walk and the
hashing loop that verify runs meanwhile: on threads they took turns on one core while
the other idled (docs/performance.md). This module is what that process imports, so it
stays light (no Qt, no image libraries): ~0.1 s to start a process.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from reviewer.core import worker_exit
from reviewer.core.audit import ChainProblem, check_chain
from reviewer.core.replay import Replayed, Unexplained, compare, replay

# From this size of database on the replay gets a process (a small case's replay takes
# less than starting one).
APART_BYTES = 32 * 1024 * 1024


def start_replay(db_path: Path, side: ThreadPoolExecutor
                 ) -> tuple[Future, Future | None, ProcessPoolExecutor | None]:
    """(the replay, the audit chain walk or None, the pool to shut down or None): the
    replay on a thread of `side`, the chain left to the caller; or for a big case each
    in a process of its own (the same pool set-up as the importer's: never fork a
    process that may run Qt threads)."""
    if db_path.stat().st_size < APART_BYTES:
        return side.submit(replay_apart, db_path), None, None
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    try:
        worker_exit.start_helpers(method)
        pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context(method),
                                   initializer=worker_exit.start_worker,
                                   initargs=(os.getpid(),))
        return pool.submit(replay_apart, db_path, True), pool.submit(chain_apart, db_path), pool
    except (OSError, RuntimeError, ValueError):
        return side.submit(replay_apart, db_path), None, None


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
