"""Every command's handler, registered one way: each commands module has a HANDLERS table
(command name -> function(args) -> exit code) and this joins them. The modules import
only support.py and terminal.py from the CLI, never each other's registration."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from reviewer.cli import (
    commands,
    commands_annotations,
    commands_compare,
    commands_conflicts,
    commands_credentials,
    commands_faces,
    commands_keys,
    commands_map,
    commands_provenance,
    commands_share,
    commands_similar,
)

Handler = Callable[[argparse.Namespace], int]


def _joined(*tables: dict[str, Handler]) -> dict[str, Handler]:
    joined: dict[str, Handler] = {}
    for table in tables:
        twice = joined.keys() & table.keys()
        if twice:
            raise RuntimeError(f"commands registered twice: {sorted(twice)}")
        joined.update(table)
    return joined


HANDLERS = _joined(commands.HANDLERS, commands_share.HANDLERS, commands_compare.HANDLERS,
                   commands_conflicts.HANDLERS, commands_keys.HANDLERS,
                   commands_annotations.HANDLERS, commands_similar.HANDLERS,
                   commands_provenance.HANDLERS,
                   commands_map.HANDLERS,
                   commands_credentials.HANDLERS,
                   commands_faces.HANDLERS)
