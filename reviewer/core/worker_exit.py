"""Import workers end when the process that started the import dies.

A killed import (`kill -9`, a crash, the app closed from the task manager) must not
leave its workers running: nothing would ever send them work or collect them, and they
keep the forkserver and the resource tracker alive with them. Each worker watches the
importing process itself: on Linux through a pidfd (woken the moment it exits, immune
to pid reuse), elsewhere by checking it is still there once a second. On Linux the
kernel also kills the worker if its own parent (the forkserver) dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_PR_SET_PDEATHSIG = 1
POLL_SECONDS = 1.0


def start_helpers(method: str) -> None:
    """Start the pool's forkserver and resource tracker so they run this process's code.

    Both are started as `python -c ...`, which puts the current folder first on sys.path
    (CPython 3.11's forkserver ignores the parent's sys.path): run from a checkout of this
    project, or any folder holding a `reviewer/` package, they would import that instead.
    So they start with the current folder off their path and this package's folder first.
    Warnings are off in them: after a `kill -9` of the importer, the orphaned tracker would
    warn about "leaked semaphore objects" on the user's terminal.
    """
    from multiprocessing import resource_tracker

    with _child_environment():
        resource_tracker.ensure_running()
        if method == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()


@contextlib.contextmanager
def _child_environment() -> Iterator[None]:
    package_root = str(Path(__file__).resolve().parents[2])
    wanted = {
        "PYTHONSAFEPATH": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                    os.environ.get("PYTHONPATH")])),
        "PYTHONWARNINGS": "ignore",
    }
    saved = {name: os.environ.get(name) for name in wanted}
    with _environment_lock:
        os.environ.update(wanted)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


_environment_lock = threading.Lock()


def start_worker(owner_pid: int) -> None:
    """A pool initializer: ignore Ctrl+C (the importer decides how to stop), die with it."""
    # Ctrl+C reaches the whole process group; only the writer decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    threading.Thread(target=_watch, args=(owner_pid,), name="watch-importer",
                     daemon=True).start()


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch(owner_pid: int) -> None:
    pidfd = _open_pidfd(owner_pid)
    if pidfd is not None:
        # A pidfd becomes readable when the process exits.
        select.select([pidfd], [], [])
    else:
        while owner_alive(owner_pid):
            time.sleep(POLL_SECONDS)
    # Not sys.exit: that would wait for the task in hand. Its temporary copy carries the
    # importer's pid, so the next import or opening of the case removes it.
    os._exit(1)


def _open_pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)   # the importer died before this worker started
    except (AttributeError, OSError):
        return None


def owner_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one we may not signal still exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
