"""The bundle's entry point: `reviewer` as PyInstaller freezes it.

A frozen app has no Python to run `-c` snippets, so multiprocessing's helpers (the
forkserver that import uses, the resource tracker) are started by re-running this
executable; freeze_support() spots those runs and turns them into the helper before
the app starts a second time.
"""

import multiprocessing

multiprocessing.freeze_support()

from reviewer.cli import main  # noqa: E402  (after freeze_support: helpers start fast)

raise SystemExit(main())
