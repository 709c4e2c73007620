"""A package's `data/` folder: regions and incidents as CSV, incidents as GeoJSON.

Column names are the database's, so a spreadsheet, a script and `--json` share one
vocabulary. A text cell a spreadsheet would run as a formula (starting with `=`, `+`,
`-`, `@`, a tab or a carriage return: OWASP's list) gets a leading apostrophe, which
spreadsheets show as text; numbers (coordinates, confidence) are written as numbers and
never changed. `raw=True` writes every value exactly as stored, for scripts.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from reviewer.core.case import Case
from reviewer.core.incidents import incident_evidence_ids, incident_region_ids, list_incidents
from reviewer.core.rows import as_dicts

REGION_COLUMNS = (
    "id", "evidence_id", "evidence_sha256", "original_name", "label", "shape", "geometry",
    "x", "y", "w", "h", "confidence", "note", "incidents", "created_at", "created_by",
    "updated_at", "updated_by",
)
INCIDENT_COLUMNS = (
    "id", "title", "category", "time_from", "time_to", "place_name", "lat", "lon", "radius_m",
    "description", "sources", "status", "regions", "evidence", "created_at", "created_by",
    "updated_at", "updated_by",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Printed at the precision the values mean (the app stores boxes to 0.1 px; 7 decimals of
# a degree is about 1 cm), not binary rounding noise (w=217.89999999999998).
PIXEL_DIGITS = 1
COORDINATE_DIGITS = 7
DIGITS = {"x": PIXEL_DIGITS, "y": PIXEL_DIGITS, "w": PIXEL_DIGITS, "h": PIXEL_DIGITS,
          "lat": COORDINATE_DIGITS, "lon": COORDINATE_DIGITS}


def tidy_number(value: Any, digits: int) -> Any:
    """A float rounded to `digits` (its repr then has no noise); anything else as it is."""
    return round(value, digits) if isinstance(value, float) else value


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that would start a formula, prefixed with an apostrophe; else `value`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]], raw: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        row = {k: tidy_number(v, DIGITS[k]) if k in DIGITS else v for k, v in row.items()}
        writer.writerow(row if raw else {k: spreadsheet_safe(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def regions_csv(case: Case, *, raw: bool = False) -> bytes:
    cursor = case.conn.execute(
        "SELECT r.id, r.evidence_id, e.sha256 AS evidence_sha256, e.original_name,"
        " l.name AS label, r.shape, r.geometry, r.x, r.y, r.w, r.h, r.confidence, r.note,"
        " (SELECT group_concat(incident_id, ';') FROM incident_regions ir"
        "  WHERE ir.region_id = r.id) AS incidents,"
        " r.created_at, r.created_by, r.updated_at, r.updated_by"
        " FROM regions r JOIN labels l ON l.id = r.label_id JOIN evidence e"
        " ON e.id = r.evidence_id ORDER BY e.original_name, r.created_at, r.id")
    return _csv(REGION_COLUMNS, as_dicts(cursor), raw)


def incidents_csv(case: Case, *, raw: bool = False) -> bytes:
    return _csv(INCIDENT_COLUMNS, [incident.to_json() for incident in list_incidents(case)], raw)


def incidents_geojson(case: Case) -> bytes:
    """Incidents with a position as GeoJSON points (RFC 7946: longitude first)."""
    features = []
    for row in (incident.to_json() for incident in list_incidents(case)):
        if row["lat"] is None or row["lon"] is None:
            continue
        properties = {k: v for k, v in row.items() if k not in ("lat", "lon")}
        properties["region_ids"] = incident_region_ids(case, row["id"])
        properties["evidence_ids"] = incident_evidence_ids(case, row["id"])
        features.append({"type": "Feature", "id": row["id"],
                         "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                         "properties": properties})
    document = {"type": "FeatureCollection", "features": features}
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
