"""What a publication says besides its images: positions rounded to the precision the
investigator chose, no notes, no file names, no actors unless asked, and a report that
lists what was removed.

Rounding snaps a coordinate to a grid of decimal degrees (3 decimals: about 100 m of
latitude, 2: about 1 km, 1: about 10 km), so the published number says no more than
the precision: 36.2021 at 1 km is published as 36.2, not as a nearby exact point.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from reviewer.core.credentials_out import PROVES

PRECISIONS = ("exact", "100m", "1km", "10km", "none")
_DECIMALS = {"100m": 3, "1km": 2, "10km": 1}

# Named in every report: what a public package never holds, whatever was chosen.
ALWAYS_REMOVED = (
    "the original files (only redacted copies, re-encoded from their pixels)",
    "every metadata block of the images: EXIF (camera serial numbers, GPS, times, maker"
    " notes), XMP, IPTC, comments, embedded thumbnails and previews (the ICC colour"
    " profile is kept)",
    "original file names and paths (images are named image-001, image-002, ...)",
    "notes on items and tags, and the labels of covered areas (their outlines, which the"
    " black areas show anyway, are in each image's Content Credentials)",
    "drone telemetry (SRT) and home points, attachments, the case file and its history",
    "hashes of the originals, but for one: each image's Content Credentials name the"
    " original it was made from by its SHA-256, which proves the link to whoever holds"
    " that original and shows nothing of it",
)


def round_position(lat: float | None, lon: float | None, precision: str
                   ) -> tuple[float | None, float | None]:
    """(lat, lon) as published at `precision` (None, None where there is none to give)."""
    if lat is None or lon is None or precision == "none":
        return None, None
    if precision == "exact":
        return lat, lon
    decimals = _DECIMALS[precision]
    return round(lat, decimals), round(lon, decimals)


def removed_lines(precision: str, actors: bool) -> list[str]:
    lines = list(ALWAYS_REMOVED)
    if precision == "none":
        lines.append("every position (precision: none)")
    elif precision != "exact":
        lines.append(f"position detail finer than {precision} (coordinates rounded to"
                     f" {_DECIMALS[precision]} decimal degrees; place names left out)")
    if not actors:
        lines.append("the names of the investigators who recorded and exported the case")
    return lines


@dataclass(frozen=True)
class PublishedImage:
    file: str                      # path in the package
    sha256: str
    width: int
    height: int
    taken_at: str | None
    lat: float | None
    lon: float | None
    covered: int                   # areas covered
    tags: list[dict[str, Any]]     # label and box of each tag left visible
    incidents: list[str]           # ids of incidents it belongs to

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "width": self.width,
                "height": self.height, "taken_at": self.taken_at, "lat": self.lat,
                "lon": self.lon, "covered_areas": self.covered, "tags": self.tags,
                "incidents": self.incidents}


def public_incident(incident: Any, precision: str, actors: bool) -> dict[str, Any]:
    lat, lon = round_position(incident.lat, incident.lon, precision)
    out = {"id": incident.id, "title": incident.title, "category": incident.category,
           "time_from": incident.time_from, "time_to": incident.time_to,
           "description": incident.description, "lat": lat, "lon": lon}
    if precision == "exact":
        out["place_name"] = incident.place_name
    if actors:
        out["recorded_by"] = incident.created_by
    return out


def geojson(images: list[PublishedImage], incidents: list[dict[str, Any]]) -> bytes:
    """Images and incidents that have a (rounded) position, as GeoJSON points."""
    features = []
    for image in images:
        if image.lat is not None and image.lon is not None:
            features.append({"type": "Feature", "geometry": {
                "type": "Point", "coordinates": [image.lon, image.lat]},
                "properties": {"kind": "image", "file": image.file,
                               "taken_at": image.taken_at}})
    for incident in incidents:
        if incident["lat"] is not None and incident["lon"] is not None:
            features.append({"type": "Feature", "id": incident["id"], "geometry": {
                "type": "Point", "coordinates": [incident["lon"], incident["lat"]]},
                "properties": {"kind": "incident", **{k: v for k, v in incident.items()
                                                     if k not in ("lat", "lon")}}})
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1,
                      ensure_ascii=False).encode("utf-8")


def _position(lat: float | None, lon: float | None) -> str:
    return "not published" if lat is None or lon is None else f"{lat:g}, {lon:g}"


def report_html(title: str, images: list[PublishedImage], incidents: list[dict[str, Any]],
                precision: str, removed: list[str], exported_at: str,
                exporter: str | None) -> bytes:
    """A plain page a reader opens first: the images, the incidents, what was removed."""
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
             f"<title>{e(title)}</title></head><body dir='auto'>",
             f"<h1>{e(title)}</h1>",
             f"<p>Published {e(exported_at)}"
             + (f" by {e(exporter)}" if exporter else "")
             + f". Positions at precision: {e(precision)}.</p>",
             "<h2>What was removed</h2><ul>"]
    parts += [f"<li>{e(line)}</li>" for line in removed]
    parts.append("</ul><h2>Content Credentials</h2>")
    parts.append(f"<p>Each image carries a C2PA manifest (read it with any Content"
                 f" Credentials tool, e.g. <code>c2patool image-001.jpg</code>): the original"
                 f" it was made from, named by its SHA-256, and the areas covered, as"
                 f" <code>c2pa.edited</code> changes. It was {e(PROVES)}.</p>")
    parts.append("<h2>Incidents</h2>")
    if not incidents:
        parts.append("<p>None.</p>")
    for incident in incidents:
        when = " to ".join(t for t in (incident["time_from"], incident["time_to"]) if t)
        parts.append(f"<h3>{e(incident['title'])}</h3><p>{e(incident['category'])}"
                     f" {e(when)}<br>Position: {_position(incident['lat'], incident['lon'])}"
                     f"</p><p>{e(incident['description'])}</p>")
    parts.append("<h2>Images</h2>")
    for image in images:
        tags = ", ".join(sorted({t["label"] for t in image.tags})) or "none"
        parts.append(
            f"<figure><img src='{e(image.file)}' style='max-width:100%'>"
            f"<figcaption>{e(image.file)}: taken {e(image.taken_at or 'unknown')};"
            f" position {_position(image.lat, image.lon)}; {image.covered} area(s)"
            f" covered; tags shown: {e(tags)}; SHA-256 {image.sha256}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")
