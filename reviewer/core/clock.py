"""Ids, times and the actor: the small facts every change records."""

from __future__ import annotations

import getpass
import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A random UUID: ids from different investigators' cases never collide on merge."""
    return str(uuid.uuid4())


def utc_now() -> str:
    """Now as ISO 8601 UTC with milliseconds, e.g. 2026-11-25T09:00:00.123Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_actor() -> str:
    """The OS user, used as the audit actor unless the investigator names themself."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
