"""Reading evidence items: one by id, filtered pages of them, their EXIF tags.

Items are `Evidence` values whose fields are the database's column names, the same
keys the command line prints with --json (`Evidence.to_json()`), so a script learns
one vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from reviewer.core.case import Case, Transaction
from reviewer.core.credentials import filter_clause
from reviewer.core.ids import resolve_id
from reviewer.core.names import from_record
from reviewer.core.rows import ColumnAccess, as_records, first_record
from reviewer.core.search import matching_clause, search_matches

KINDS = ("photo", "video", "frame", "derived")


@dataclass(frozen=True, kw_only=True)
class Evidence(ColumnAccess):
    """One item as stored (the `evidence` table's columns)."""

    id: str
    kind: str
    sha256: str
    bytes: int
    original_name: str
    original_path: str | None = None
    stored_path: str | None = None
    linked_path: str | None = None
    mime: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None
    taken_at_utc: str | None = None
    taken_at_offset: str | None = None
    make: str | None = None
    model: str | None = None
    orientation: int | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    gps_time: str | None = None
    gps_source: str | None = None
    duration_s: float | None = None
    fps: float | None = None
    frame_count: int | None = None
    codec: str | None = None
    parent_id: str | None = None
    frame_index: int | None = None
    frame_time_ms: int | None = None
    imported_at: str = ""
    imported_by: str = ""
    note: str = ""
    # Kept as received though damaged (schema 5), with why; a name's exact bytes where
    # they are not UTF-8 (hex; None when the text is exact).
    damaged: int = 0
    damage_reason: str | None = None
    original_name_hex: str | None = None
    original_path_hex: str | None = None
    linked_path_hex: str | None = None
    # Quarter turns (clockwise) the display adds where orientation data is wrong (schema 6).
    display_rotation: int = 0
    # Provenance and verification (schema 11, core/provenance.py).
    source_url: str = ""
    acquired_from: str = ""
    collected_by: str = ""
    collected_at: str | None = None
    collection_tool: str = ""
    generation: str | None = None
    original_location: str = ""
    restriction: str = "restricted"
    graphic: int = 0
    language: str = ""
    verification: str = "unverified"
    extra: Mapping[str, Any] = field(default_factory=dict)   # columns added since
    # Counts list_evidence adds: how many regions; how many match the filter's label/incident.
    regions: int | None = None
    matching_regions: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The columns by name (and the counts a listing added), as --json prints them."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_COLUMNS}
        out.update(self.extra)
        for name in ("regions", "matching_regions"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


_NOT_COLUMNS = ("extra", "regions", "matching_regions")


@dataclass(frozen=True)
class EvidenceFilter:
    kind: str | None = None
    label: str | None = None          # label name or id: items with a region of that label
    incident: str | None = None       # items linked to the incident, whole or by a region
    text: str | None = None           # in original name or note
    untagged: bool = False
    has_gps: bool | None = None
    verification: str | None = None   # one status of provenance.VERIFICATION_STATUSES
    # A span of capture time in UTC (ISO 8601), brushed on the timeline: items whose
    # trustworthy time (taken_at_utc) falls in it, ends included.
    taken_from: str | None = None
    taken_to: str | None = None
    # Full-text search (core/search.py): every word, as a prefix, in what is written about
    # the item: name, note, camera, its tags' notes and labels, its incidents' text.
    search: str | None = None
    time_from: str | None = None      # capture time (UTC, ISO 8601) from this, inclusive
    time_to: str | None = None        # ... to this; a bare date includes its whole day
    bbox: tuple[float, float, float, float] | None = None   # west, south, east, north
    camera: str | None = None         # in the camera's make or model
    damaged: bool | None = None       # kept as received though damaged (or not)
    credentials: str | None = None    # 'any', 'none' or a state (core/credentials.FILTERS)

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        self._more_where(clauses, params)
        if self.kind:
            clauses.append("e.kind = ?")
            params.append(self.kind)
        if self.label:
            clauses.append(
                "e.id IN (SELECT r.evidence_id FROM regions r JOIN labels l ON l.id = r.label_id"
                " WHERE l.id = ? OR l.name = ? COLLATE NOCASE)")
            params += [self.label, self.label]
        if self.incident:
            clauses.append(
                "(e.id IN (SELECT evidence_id FROM incident_evidence WHERE incident_id = ?)"
                " OR e.id IN (SELECT r.evidence_id FROM regions r JOIN incident_regions ir"
                " ON ir.region_id = r.id WHERE ir.incident_id = ?))")
            params += [self.incident, self.incident]
        if self.text:
            clauses.append("(e.original_name LIKE ? ESCAPE '\\' OR e.note LIKE ? ESCAPE '\\')")
            pattern = "%" + self.text.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            params += [pattern, pattern]
        if self.untagged:
            clauses.append("NOT EXISTS (SELECT 1 FROM regions r WHERE r.evidence_id = e.id)")
        if self.has_gps is True:
            clauses.append("e.gps_lat IS NOT NULL")
        elif self.has_gps is False:
            clauses.append("e.gps_lat IS NULL")
        if self.verification:
            clauses.append("e.verification = ?")
            params.append(self.verification)
        if self.taken_from or self.taken_to:
            clauses.append("julianday(e.taken_at_utc) BETWEEN julianday(?) AND julianday(?)")
            params += [self.taken_from or "0000-01-01", self.taken_to or "9999-12-31"]
        if self.credentials:
            clause, values = filter_clause(self.credentials)
            clauses.append(clause)
            params += values
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _more_where(self, clauses: list[str], params: list[Any]) -> None:
        """The search and the filters the map, the timeline and `list` add."""
        if self.search:
            clause, words = matching_clause(self.search)
            if clause:
                clauses.append(clause)
                params += words
        taken = "coalesce(e.taken_at_utc, e.taken_at)"
        if self.time_from:
            clauses.append(f"{taken} >= ?")
            params.append(self.time_from)
        if self.time_to:
            bare_date = len(self.time_to) == 10
            clauses.append(f"{taken} < date(?, '+1 day')" if bare_date else f"{taken} <= ?")
            params.append(self.time_to)
        if self.bbox:
            west, south, east, north = self.bbox
            clauses.append("e.gps_lat BETWEEN ? AND ?")
            params += [south, north]
            if west <= east:
                clauses.append("e.gps_lon BETWEEN ? AND ?")
                params += [west, east]
            else:   # across the antimeridian
                clauses.append("(e.gps_lon >= ? OR e.gps_lon <= ?)")
                params += [west, east]
        if self.camera:
            clauses.append("(coalesce(e.make, '') || ' ' || coalesce(e.model, ''))"
                           " LIKE ? ESCAPE '\\'")
            params.append("%" + _escape_like(self.camera) + "%")
        if self.damaged is not None:
            clauses.append("e.damaged = ?")
            params.append(int(self.damaged))

    def region_where(self) -> tuple[str, list[Any]]:
        """What makes an item's region `r` match the label and incident asked for ("" where
        neither is): with both, a region of that label attached to that incident."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.label:
            clauses.append("r.label_id IN (SELECT id FROM labels WHERE id = ?"
                           " OR name = ? COLLATE NOCASE)")
            params += [self.label, self.label]
        if self.incident:
            clauses.append("r.id IN (SELECT region_id FROM incident_regions"
                           " WHERE incident_id = ?)")
            params.append(self.incident)
        return " AND ".join(clauses), params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Items in capture-time order, each video's kept frames right after it (by frame).
_GROUP = " LEFT JOIN evidence g ON g.id = coalesce(e.parent_id, e.id)"
_ORDER = (" ORDER BY coalesce(g.taken_at_utc, g.taken_at, g.imported_at), g.original_name, g.id,"
          " e.frame_index IS NOT NULL, e.frame_index, e.id")


def list_evidence(case: Case, where: EvidenceFilter | None = None, *, limit: int | None = None,
                  offset: int = 0) -> list[Evidence]:
    """Evidence rows in capture-time order, each with its `regions` count; where the filter
    names a label or an incident, also `matching_regions`: how many of the item's regions
    have that label / are attached to that incident (see EvidenceFilter.region_where)."""
    where = where or EvidenceFilter()
    sql, params = where.where()
    matching, matching_params = where.region_where()
    count = ("" if not matching else ", (SELECT count(*) FROM regions r WHERE r.evidence_id"
             f" = e.id AND {matching}) AS matching_regions")
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    cursor = case.conn.execute(
        "SELECT e.*, (SELECT count(*) FROM regions r WHERE r.evidence_id = e.id) AS regions"
        f"{count} FROM evidence e{_GROUP}{sql}{_ORDER}{page}", [*matching_params, *params])
    return as_records(Evidence, cursor)


def list_evidence_ids(case: Case, where: EvidenceFilter | None = None) -> list[str]:
    """Only the ids, in display order: what a view needs to page through a large case."""
    sql, params = (where or EvidenceFilter()).where()
    return [row[0] for row in case.conn.execute(
        f"SELECT e.id FROM evidence e{_GROUP}{sql}{_ORDER}", params)]


def items_stamp(case: Case) -> tuple[int, int]:
    """Changes when items are added or removed, whoever writes (an import commits batch
    by batch on a connection of its own): a view that keeps the list of items checks it
    before it trusts that list. Cheap: the count and the last row number."""
    count, last = case.conn.execute("SELECT count(*), max(rowid) FROM evidence").fetchone()
    return count, last or 0


def matching_evidence_ids(case: Case, where: EvidenceFilter) -> set[str]:
    """The ids the filter lets through, in no order. A view that keeps the unfiltered
    order (list_evidence_ids) filters it with this set: sorting 100,000 items again for
    every word typed in the search box is most of a search's time."""
    if where.search and where == EvidenceFilter(search=where.search):
        found = search_matches(case.conn, where.search)     # no evidence row to read
        if found is not None:
            return found
    sql, params = where.where()
    return {row[0] for row in case.conn.execute(f"SELECT e.id FROM evidence e{sql}", params)}


def get_evidence(case: Case | Transaction, evidence_id: str) -> Evidence:
    """One item by id, or by a unique id prefix of at least 8 characters (handy on the CLI)."""
    full_id = resolve_id(case.conn, "evidence", evidence_id, "evidence item")
    item = first_record(Evidence, case.conn.execute("SELECT * FROM evidence WHERE id = ?",
                                                    (full_id,)))
    assert item is not None     # resolve_id found it
    return item


def evidence_exif(case: Case, evidence_id: str) -> dict[str, str]:
    rows = case.conn.execute("SELECT tag, value FROM exif WHERE evidence_id = ? ORDER BY tag",
                             (evidence_id,))
    return dict(rows.fetchall())


def media_path(case: Case, item: Evidence) -> Path:
    """Where the original's bytes are: in the store, or where a linked file lies."""
    return stored_file(case, item.stored_path, item.linked_path, item.linked_path_hex)


def stored_file(case: Case, stored_path: str | None, linked_path: str | None,
                linked_path_hex: str | None = None) -> Path:
    """A file the case keeps: in its folder (`stored_path`), or linked where it lies (by its
    exact bytes where the name is not UTF-8)."""
    if stored_path:
        return case.path / stored_path
    return Path(from_record(linked_path or "", linked_path_hex))


def camera_name(make: str | None, model: str | None) -> str:
    """'Canon EOS 40D', not 'Canon Canon EOS 40D': many models repeat the make."""
    make, model = (make or "").strip(), (model or "").strip()
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return " ".join(filter(None, [make, model]))


def _flagged_sql(alias: str) -> str:
    """An item flagged graphic itself, or through a tag whose label is flagged graphic."""
    return (f"({alias}.graphic OR EXISTS (SELECT 1 FROM regions r JOIN labels l"
            f" ON l.id = r.label_id WHERE r.evidence_id = {alias}.id AND l.graphic))")


# Whether item `e` is shown blurred: flagged, or made from a flagged item (a frame of a
# graphic video, the published copy or comparison of a graphic photo, or a frame's copy):
# the same picture, so the same care for whoever looks at it.
_SOURCE_SQL = (f"(SELECT 1 FROM evidence p WHERE p.id = {{0}}.parent_id AND {_flagged_sql('p')})")
GRAPHIC_SQL = (
    f"({_flagged_sql('e')} OR EXISTS {_SOURCE_SQL.format('e')}"
    " OR EXISTS (SELECT 1 FROM derivations d, json_each(d.sources) s"
    " JOIN evidence o ON o.id = json_extract(s.value, '$.id') WHERE d.evidence_id = e.id"
    f" AND ({_flagged_sql('o')} OR EXISTS {_SOURCE_SQL.format('o')})))"
)

_SUMMARY_SQL = (
    "SELECT e.id, e.kind, e.sha256, e.original_name, e.stored_path, e.linked_path, e.width,"
    " e.height, e.taken_at, e.make, e.model, e.gps_lat, e.gps_lon, e.note, e.parent_id,"
    " e.frame_index, e.damaged, e.damage_reason, e.linked_path_hex, e.display_rotation,"
    f" e.verification, {GRAPHIC_SQL} AS graphic,"
    " (SELECT group_concat(c.state) FROM credentials c WHERE c.evidence_id = e.id)"
    " AS credentials"
    " FROM evidence e"
    " WHERE e.id IN ({})"
)
_LABEL_COUNTS_SQL = (
    "SELECT r.evidence_id, l.name, l.colour, count(*) FROM regions r JOIN labels l"
    " ON l.id = r.label_id WHERE r.evidence_id IN ({}) GROUP BY r.evidence_id, l.id"
)


def evidence_summaries(case: Case, ids: list[str]) -> dict[str, dict[str, Any]]:
    """What a browser tile shows for each of `ids` (at most a page of them, SQLite's limit
    on parameters), by id: the item's columns and `labels`, {label name: (tags, colour)}."""
    marks = ",".join("?" * len(ids))
    rows = {row["id"]: {**row, "labels": {}}
            for row in case.db.query(_SUMMARY_SQL.format(marks), ids)}   # sqlite-utils: dicts
    for evidence_id, name, colour, count in case.conn.execute(
            _LABEL_COUNTS_SQL.format(marks), ids):
        rows[evidence_id]["labels"][name] = (count, colour)
    return rows
