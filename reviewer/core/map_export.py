"""The case for the map tools investigators use: KML (Google Earth) and GeoJSON (QGIS).

Three kinds of feature, in both files:
- items with a GPS position: points, with their capture time;
- flight tracks: the positioned frames of one video, ordered by their time in it, as
  a line (a drone's path), with its first and last time;
- incidents with a position: the uncertainty circle (a polygon of `radius_m`, or a point
  where no radius is given), with the incident's interval.

KML carries time as `TimeStamp`/`TimeSpan` (Google Earth's time slider); GeoJSON as
`start`/`end` properties (QGIS's temporal controller reads a start and an end field).
Coordinates are longitude first (RFC 7946, KML), 7 decimals (about 1 cm).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reviewer.core.atomic import write_atomically
from reviewer.core.case import Case
from reviewer.core.incidents import resolve_incident_id
from reviewer.core.package_data import COORDINATE_DIGITS

CIRCLE_VERTICES = 72          # one every 5 degrees: round at any zoom a circle is read at
_METRES_PER_DEGREE = 111_320.0
FORMATS = (".kml", ".geojson")


@dataclass
class MapFeatures:
    items: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.items or self.tracks or self.incidents)


@dataclass
class MapExport:
    path: Path
    items: int
    tracks: int
    incidents: int
    warnings: list[str] = field(default_factory=list)


def _round(value: float) -> float:
    return round(value, COORDINATE_DIGITS)


def map_features(case: Case, incidents: Sequence[str] = ()) -> MapFeatures:
    """What the map files show: everything positioned, or only `incidents` and their items
    (linked whole or by a tag)."""
    chosen = [resolve_incident_id(case, text) for text in incidents]
    where, params = "", []
    if chosen:
        marks = ",".join("?" * len(chosen))
        where = (f" AND (e.id IN (SELECT evidence_id FROM incident_evidence WHERE incident_id"
                 f" IN ({marks})) OR e.id IN (SELECT r.evidence_id FROM regions r JOIN"
                 f" incident_regions ir ON ir.region_id = r.id WHERE ir.incident_id IN"
                 f" ({marks})))")
        params = [*chosen, *chosen]
    rows = case.conn.execute(
        "SELECT e.id, e.kind, e.original_name, e.sha256, e.gps_lat, e.gps_lon, e.gps_alt,"
        " coalesce(e.taken_at_utc, e.taken_at) AS time, e.parent_id, e.frame_time_ms,"
        " p.original_name FROM evidence e LEFT JOIN evidence p ON p.id = e.parent_id"
        f" WHERE e.gps_lat IS NOT NULL AND e.gps_lon IS NOT NULL{where}"
        " ORDER BY coalesce(e.taken_at_utc, e.taken_at, e.imported_at), e.original_name, e.id",
        params).fetchall()
    features = MapFeatures()
    frames: dict[str, list[tuple[Any, ...]]] = {}
    for (evidence_id, kind, name, sha256, lat, lon, alt, time, parent, at_ms,
         parent_name) in rows:
        features.items.append({"id": evidence_id, "kind": kind, "name": name,
                               "sha256": sha256, "lat": _round(lat), "lon": _round(lon),
                               "alt": alt, "time": time})
        if kind == "frame" and parent:
            frames.setdefault(parent, []).append((at_ms or 0, lon, lat, time, parent_name))
    for video_id, points in sorted(frames.items()):
        if len(points) < 2:
            continue        # one frame is a point, not a path
        points.sort(key=lambda point: point[0])
        times = [point[3] for point in points if point[3]]
        features.tracks.append({
            "id": video_id, "name": points[0][4] or video_id,
            "coordinates": [[_round(lon), _round(lat)] for _, lon, lat, _, _ in points],
            "start": min(times) if times else None, "end": max(times) if times else None})
    incident_where = f" AND id IN ({','.join('?' * len(chosen))})" if chosen else ""
    for row in case.conn.execute(
            "SELECT id, title, category, time_from, time_to, place_name, lat, lon, radius_m,"
            " description, status FROM incidents WHERE lat IS NOT NULL AND lon IS NOT NULL"
            f"{incident_where} ORDER BY coalesce(time_from, created_at), title", chosen):
        (incident_id, title, category, start, end, place, lat, lon, radius,
         description, status) = row
        features.incidents.append({
            "id": incident_id, "title": title, "category": category, "place_name": place,
            "description": description, "status": status, "lat": _round(lat),
            "lon": _round(lon), "radius_m": radius, "start": start, "end": end or start,
            "circle": circle(lat, lon, radius) if radius else None})
    return features


def circle(lat: float, lon: float, radius_m: float) -> list[list[float]]:
    """A closed ring of points `radius_m` around a place (lon, lat pairs). Flat-earth
    offsets: exact enough for the metres to kilometres an uncertainty is given in."""
    north = radius_m / _METRES_PER_DEGREE
    east = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    ring = [[_round(lon + east * math.sin(a)), _round(lat + north * math.cos(a))]
            for a in (2 * math.pi * k / CIRCLE_VERTICES for k in range(CIRCLE_VERTICES))]
    return [*ring, ring[0]]


# -- GeoJSON ----------------------------------------------------------------------------
def geojson(features: MapFeatures) -> bytes:
    out = []
    for item in features.items:
        position = [item["lon"], item["lat"]]
        out.append({"type": "Feature", "id": item["id"],
                    "geometry": {"type": "Point", "coordinates": position},
                    "properties": {"feature": "item", "name": item["name"],
                                   "kind": item["kind"], "sha256": item["sha256"],
                                   "alt": item["alt"], "start": item["time"],
                                   "end": item["time"]}})
    for track in features.tracks:
        out.append({"type": "Feature", "id": f"track-{track['id']}",
                    "geometry": {"type": "LineString", "coordinates": track["coordinates"]},
                    "properties": {"feature": "track", "name": track["name"],
                                   "video_id": track["id"], "start": track["start"],
                                   "end": track["end"]}})
    for incident in features.incidents:
        geometry = ({"type": "Polygon", "coordinates": [incident["circle"]]}
                    if incident["circle"] else
                    {"type": "Point", "coordinates": [incident["lon"], incident["lat"]]})
        properties = {k: incident[k] for k in ("title", "category", "place_name",
                                                "description", "status", "lat", "lon",
                                                "radius_m", "start", "end")}
        out.append({"type": "Feature", "id": incident["id"], "geometry": geometry,
                    "properties": {"feature": "incident", "name": incident["title"],
                                   **properties}})
    document = {"type": "FeatureCollection", "features": out}
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")


# -- KML ---------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return escape(str(value)) if value is not None else ""


def _when(start: str | None, end: str | None) -> str:
    if start and end and start != end:
        return (f"<TimeSpan><begin>{_text(start)}</begin>"
                f"<end>{_text(end)}</end></TimeSpan>")
    if start or end:
        return f"<TimeStamp><when>{_text(start or end)}</when></TimeStamp>"
    return ""


def _coordinates(points: list[list[float]]) -> str:
    return " ".join(f"{lon},{lat}" for lon, lat in points)


def kml(features: MapFeatures, title: str) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
             f"<name>{_text(title)}</name>", "<Folder><name>Incidents</name>"]
    for incident in features.incidents:
        centre = f"<Point><coordinates>{incident['lon']},{incident['lat']}</coordinates></Point>"
        shape = (f"<MultiGeometry>{centre}<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                 f"{_coordinates(incident['circle'])}</coordinates></LinearRing>"
                 f"</outerBoundaryIs></Polygon></MultiGeometry>" if incident["circle"]
                 else centre)
        radius = f" (within {incident['radius_m']:g} m)" if incident["radius_m"] else ""
        parts.append(f"<Placemark id=\"{_text(incident['id'])}\">"
                     f"<name>{_text(incident['title'])}</name>"
                     f"<description>{_text(incident['place_name'] + radius)}"
                     f"{_text(' ' + incident['description'] if incident['description'] else '')}"
                     f"</description>{_when(incident['start'], incident['end'])}{shape}"
                     "</Placemark>")
    parts.append("</Folder><Folder><name>Items</name>")
    for item in features.items:
        height = f",{item['alt']}" if item["alt"] is not None else ""
        parts.append(f"<Placemark id=\"{_text(item['id'])}\"><name>{_text(item['name'])}</name>"
                     f"<description>{_text(item['kind'])} SHA-256 {_text(item['sha256'])}"
                     f"</description>{_when(item['time'], item['time'])}<Point><coordinates>"
                     f"{item['lon']},{item['lat']}{height}</coordinates></Point></Placemark>")
    parts.append("</Folder><Folder><name>Flight tracks</name>")
    for track in features.tracks:
        parts.append(f"<Placemark id=\"track-{_text(track['id'])}\">"
                     f"<name>{_text(track['name'])}</name>"
                     f"{_when(track['start'], track['end'])}<LineString><coordinates>"
                     f"{_coordinates(track['coordinates'])}</coordinates></LineString>"
                     "</Placemark>")
    parts.append("</Folder></Document></kml>")
    return "\n".join(parts).encode("utf-8")


def export_map(case: Case, out: str | Path, incidents: Sequence[str] = ()) -> MapExport:
    """Write `out` (.kml or .geojson) atomically; ValueError naming the suffix for any other.

    A case with nothing positioned gives a valid empty file and a warning, not an error.
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path.name}: the map file must end in .kml or .geojson")
    features = map_features(case, incidents)
    data = kml(features, case.meta("title") or case.path.stem) if suffix == ".kml" \
        else geojson(features)
    write_atomically(path, data)
    report = MapExport(path, len(features.items), len(features.tracks),
                       len(features.incidents))
    if features.empty():
        report.warnings.append(f"{path.name}: nothing in the case has a position (no GPS on"
                               " any item, no incident placed): the file is empty")
    return report
