"""Where and when every item was captured, as compact arrays for the map and timeline.

One query reads the whole case (100,000 items in a fraction of a second) into numpy
arrays indexed alike: the map and the timeline hold these, not rows or widgets, and
hit-test and draw from them. No Qt here.

Trust in a time: `taken_at_utc` is a moment (the source gave a zone or the telemetry
is UTC); an item with only a local clock reading, or none, has no trustworthy time and
the timeline sets it apart. Times that disagree by more than a minute are flagged:
the camera's clock (EXIF, in UTC) against the GPS clock written in the same file, and
a video frame's telemetry time against its video's start plus the frame's offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.core.case import Case, open_case
from reviewer.core.incidents import Incident, list_incidents
from reviewer.core.progress import CancelFlag, ProgressCallback, no_progress

KIND_CODES = {"photo": 0, "frame": 1, "video": 2, "derived": 3}
DISAGREE_S = 60.0
_EPOCH = "round((julianday({}) - 2440587.5) * 86400.0, 3)"   # ms: julianday is ~20 µs off

# A frame's telemetry time against its video's clock: both as written, so zones cancel.
_QUERY = f"""
SELECT e.id, e.kind, e.parent_id, e.frame_time_ms, e.gps_lat, e.gps_lon,
       {_EPOCH.format('e.taken_at_utc')}, e.duration_s,
       {_EPOCH.format('e.gps_time')} - {_EPOCH.format('e.taken_at_utc')},
       CASE WHEN e.parent_id IS NOT NULL THEN
            (julianday(e.taken_at) - julianday(p.taken_at)) * 86400.0
            - e.frame_time_ms / 1000.0 END,
       e.taken_at_offset
FROM evidence e LEFT JOIN evidence p ON p.id = e.parent_id
ORDER BY e.rowid
"""


@dataclass
class GeoTime:
    """Per item (same index in every array): id, kind code, position, capture time."""
    ids: list[str]
    kind: np.ndarray          # uint8, KIND_CODES
    lat: np.ndarray           # float64, NaN without a position
    lon: np.ndarray
    time: np.ndarray          # float64 seconds since 1970 UTC, NaN without a trusted time
    duration: np.ndarray      # float64 seconds (videos), NaN otherwise
    disagree: np.ndarray      # float64: the largest clock disagreement in s, 0 when none
    offsets: list[str | None]  # the local offset ("+02:00") where the source gave one
    tracks: dict[str, np.ndarray] = field(default_factory=dict)   # video id -> frame indices
    incidents: list[Incident] = field(default_factory=list)
    index_of: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def positioned(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.lat))

    def timed(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.time))

    def indices(self, evidence_ids) -> np.ndarray:
        found = [self.index_of[i] for i in evidence_ids if i in self.index_of]
        return np.asarray(found, dtype=np.int64)


def read_geotime(case: Case) -> GeoTime:
    """Every item's position and time, frames joined per video as tracks, and incidents."""
    rows = case.conn.execute(_QUERY).fetchall()
    count = len(rows)
    ids = [row[0] for row in rows]
    columns = list(zip(*rows, strict=True)) if rows else [()] * 11

    def floats(column: int) -> np.ndarray:
        return np.array(columns[column], dtype=np.float64) if count else np.zeros(0)

    kind = np.fromiter((KIND_CODES.get(k, 3) for k in columns[1]), dtype=np.uint8, count=count)
    gps_gap = np.abs(np.nan_to_num(floats(8)))
    telemetry_gap = np.abs(np.nan_to_num(floats(9)))
    disagree = np.maximum(gps_gap, telemetry_gap)
    disagree[disagree <= DISAGREE_S] = 0.0
    data = GeoTime(ids, kind, floats(4), floats(5), floats(6), floats(7), disagree,
                   list(columns[10]), index_of={i: n for n, i in enumerate(ids)})
    data.lat[np.isnan(data.lon)] = np.nan
    data.tracks = _tracks(data, columns[2], floats(3))
    data.incidents = list_incidents(case)
    return data


def _tracks(data: GeoTime, parents: Any, offsets_ms: np.ndarray) -> dict[str, np.ndarray]:
    """Each video's positioned frames in time order: its flight track."""
    frames = np.flatnonzero((data.kind == KIND_CODES["frame"]) & ~np.isnan(data.lat))
    by_video: dict[str, list[int]] = {}
    for index in frames.tolist():
        parent = parents[index]
        if parent is not None:
            by_video.setdefault(parent, []).append(index)
    tracks = {}
    for video, members in by_video.items():
        if len(members) > 1:
            chosen = np.asarray(members, dtype=np.int64)
            tracks[video] = chosen[np.argsort(offsets_ms[chosen], kind="stable")]
    return tracks


def load_geotime(case_path: Path, *, progress: ProgressCallback = no_progress,
                 cancel: CancelFlag | None = None) -> GeoTime:
    """`read_geotime` on a connection of its own: the app runs it off the UI thread."""
    with open_case(case_path, actor="reader") as case:
        return read_geotime(case)


def incident_span(incident: Incident) -> tuple[float, float] | None:
    """An incident's interval in seconds since 1970 UTC (one end stands for both)."""
    from datetime import datetime

    ends = []
    for text in (incident.time_from, incident.time_to):
        if not text:
            continue
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        ends.append(moment.timestamp())
    if not ends:
        return None
    return min(ends), max(ends)


def in_polygon(xs: np.ndarray, ys: np.ndarray, polygon: list[tuple[float, float]]
               ) -> np.ndarray:
    """Which points lie inside a polygon (even-odd rule), vectorised over the points."""
    inside = np.zeros(len(xs), dtype=bool)
    if len(polygon) < 3 or not len(xs):
        return inside
    px = np.array([p[0] for p in polygon])
    py = np.array([p[1] for p in polygon])
    box = (xs >= px.min()) & (xs <= px.max()) & (ys >= py.min()) & (ys <= py.max())
    candidates = np.flatnonzero(box)
    x, y = xs[candidates], ys[candidates]
    hit = np.zeros(len(candidates), dtype=bool)
    for i in range(len(px)):
        x1, y1, x2, y2 = px[i - 1], py[i - 1], px[i], py[i]
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        hit ^= crosses & (x < (x2 - x1) * (y - y1) / (y2 - y1) + x1)
    inside[candidates] = hit
    return inside


def nearest(xs: np.ndarray, ys: np.ndarray, x: float, y: float, within: float) -> int | None:
    """The index of the point nearest (x, y) no farther than `within`, else None."""
    if not len(xs):
        return None
    d2 = (xs - x) ** 2 + (ys - y) ** 2
    best = int(np.nanargmin(d2)) if not np.all(np.isnan(d2)) else None
    return best if best is not None and d2[best] <= within * within else None
