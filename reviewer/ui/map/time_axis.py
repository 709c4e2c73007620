"""Tick marks for a time axis from years down to seconds (plain functions, no Qt)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

DAY = 86_400.0
# (seconds between ticks, label format) from seconds to decades; months and years are
# counted on the calendar, not as fixed seconds.
STEPS: tuple[tuple[float, str], ...] = (
    (1, "%H:%M:%S"), (2, "%H:%M:%S"), (5, "%H:%M:%S"), (10, "%H:%M:%S"), (15, "%H:%M:%S"),
    (30, "%H:%M:%S"), (60, "%d %b %H:%M"), (120, "%d %b %H:%M"), (300, "%d %b %H:%M"),
    (600, "%d %b %H:%M"), (900, "%d %b %H:%M"), (1800, "%d %b %H:%M"),
    (3600, "%d %b %H:%M"), (3 * 3600, "%d %b %H:%M"), (6 * 3600, "%d %b %H:%M"),
    (12 * 3600, "%d %b %H:%M"), (DAY, "%Y-%m-%d"), (2 * DAY, "%Y-%m-%d"),
    (7 * DAY, "%Y-%m-%d"), (14 * DAY, "%Y-%m-%d"), (30 * DAY, "%b %Y"), (91 * DAY, "%b %Y"),
    (182 * DAY, "%b %Y"), (365 * DAY, "%Y"), (2 * 365 * DAY, "%Y"), (5 * 365 * DAY, "%Y"),
    (10 * 365 * DAY, "%Y"), (20 * 365 * DAY, "%Y"),
)
MIN_SPAN_S = 2.0
MAX_SPAN_S = 60 * 365 * DAY


def ticks(start: float, end: float, width_px: float, spacing_px: float = 110
          ) -> list[tuple[float, str]]:
    """(seconds since 1970 UTC, label) of ticks at least `spacing_px` apart."""
    if end <= start or width_px <= 0:
        return []
    wanted = (end - start) * spacing_px / width_px
    step, form = next(((s, f) for s, f in STEPS if s >= wanted), STEPS[-1])
    if step >= 28 * DAY:
        months = 12 * round(step / (365 * DAY)) if step >= 365 * DAY else round(step / (30 * DAY))
        return [(t, _utc(t).strftime(form)) for t in _month_ticks(start, end, max(months, 1))]
    first = math.ceil(start / step) * step
    count = int((end - first) / step) + 1
    return [(first + k * step, _utc(first + k * step).strftime(form))
            for k in range(max(count, 0))][:500]


def _month_ticks(start: float, end: float, months: int) -> list[float]:
    moment = _utc(max(start, -62e9))
    index = moment.year * 12 + moment.month - 1
    index = -(-index // months) * months
    found: list[float] = []
    while len(found) < 500:
        year, month = divmod(index, 12)
        if year > 9999:
            break
        at = datetime(year, month + 1, 1, tzinfo=UTC).timestamp()
        if at > end:
            break
        if at >= start:
            found.append(at)
        index += months
    return found


def _utc(seconds: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def moment_text(seconds: float, offset: str | None) -> str:
    """"2018-04-07 16:32:10 UTC", and the local time with its offset where one is known."""
    utc = _utc(seconds)
    text = f"{utc:%Y-%m-%d %H:%M:%S} UTC"
    if offset:
        try:
            sign = -1 if offset.startswith("-") else 1
            hours, minutes = offset.lstrip("+-").split(":")
            local = utc + sign * timedelta(hours=int(hours), minutes=int(minutes))
            text += f"\nlocal {local:%Y-%m-%d %H:%M:%S} ({offset})"
        except ValueError:
            pass
    else:
        text += "\nlocal time: offset not recorded"
    return text


def iso(seconds: float) -> str:
    """The UTC moment as the case writes it (taken_at_utc)."""
    return f"{_utc(seconds):%Y-%m-%dT%H:%M:%S}Z"
