"""Export for publication: redacted copies of chosen items, never their originals.

`export_public` renders each chosen image with its redaction regions covered
(redact_render.py), re-encoded from pixels so no metadata block survives, and writes a
ZIP with the images, a report saying what was removed, and positions rounded to the
precision asked (public_data.py). Like the ordinary export, the package is written
under a temporary name and renamed only when complete.

Only then does the private case record what was published: each derivative becomes
an item of kind 'derived' (the very bytes published) linked to its original by hash,
with the regions covered, the method and the renderer version in its derivation, and
one `case.publish` record names the package, the precision and every image.

Items with no redaction decided (no redact region, not marked reviewed) are not
published silently: the caller is told which and chooses (`undecided=`).
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import shutil
import zipfile
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from reviewer import __version__
from reviewer.core import leftovers, media_store
from reviewer.core.atomic import replacing
from reviewer.core.case import Case
from reviewer.core.clock import new_id, utc_now
from reviewer.core.credentials_out import (
    Ingredient,
    action,
    polygon_change,
    region_change,
    signed_bytes,
)
from reviewer.core.errors import MediaError, PackageError, ReviewerError, ValidationError
from reviewer.core.evidence import Evidence, get_evidence, media_path
from reviewer.core.ids import resolve_id
from reviewer.core.imaging import THUMB_SIZE, encode_thumbnail
from reviewer.core.incidents import get_incident, resolve_incident_id
from reviewer.core.ingest import thumbnail_path
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.public_data import (
    PRECISIONS,
    PublishedImage,
    geojson,
    public_incident,
    removed_lines,
    report_html,
    round_position,
)
from reviewer.core.redact_render import RENDERER_VERSION, Rendered, render_redacted
from reviewer.core.redaction import mark_reviewed_in
from reviewer.core.redaction import undecided as undecided_of
from reviewer.core.regions import Region, list_regions
from reviewer.core.shape import Polygon

FORMAT = "reviewer-public"
FORMAT_VERSION = 1
PUBLISHABLE = ("photo", "frame", "derived")


class UndecidedItemsError(ReviewerError):
    """Some chosen items have no redaction decided; `items` names them."""

    def __init__(self, items: list[Evidence]) -> None:
        super().__init__(f"{len(items)} item(s)", "no redaction decided")
        self.items = items


@dataclass
class PublicExportReport:
    path: str | None = None
    precision: str = "1km"
    images: list[dict[str, Any]] = field(default_factory=list)   # original -> published
    skipped: list[dict[str, str]] = field(default_factory=list)  # id, name, reason
    failed: list[dict[str, str]] = field(default_factory=list)   # could not be rendered
    removed: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "precision": self.precision, "images": self.images,
                "skipped": self.skipped, "failed": self.failed, "removed": self.removed,
                "cancelled": self.cancelled}


# -- choosing ------------------------------------------------------------------------------

def _is_redaction_derivative(case: Case, item: Evidence) -> bool:
    row = case.conn.execute("SELECT recipe FROM derivations WHERE evidence_id = ?",
                            (item.id,)).fetchone()
    return row is not None and "redaction" in json.loads(row[0])


def choose_items(case: Case, item_ids: Sequence[str] = (), incident_ids: Sequence[str] = (),
                 *, include_confidential: bool = False
                 ) -> tuple[list[Evidence], list[dict[str, str]]]:
    """The images a publication of these items / incidents (none: the whole case) holds,
    and the items left out with why. A video stands for the frames taken from it; an item
    whose security restriction is confidential is left out unless `include_confidential`."""
    ids: list[str] = []
    for text in item_ids:
        ids.append(resolve_id(case.conn, "evidence", text, "item"))
    for text in incident_ids:
        incident_id = resolve_incident_id(case, text)
        ids += [row[0] for row in case.conn.execute(
            "SELECT evidence_id FROM incident_evidence WHERE incident_id = ?"
            " UNION SELECT r.evidence_id FROM incident_regions ir JOIN regions r"
            " ON r.id = ir.region_id WHERE ir.incident_id = ?", (incident_id, incident_id))]
    if not item_ids and not incident_ids:
        ids = [row[0] for row in case.conn.execute(
            "SELECT id FROM evidence ORDER BY taken_at_utc, imported_at, id")]
    chosen: list[Evidence] = []
    left_out: list[dict[str, str]] = []
    seen: set[str] = set()
    for evidence_id in ids:
        item = get_evidence(case, evidence_id)
        if item.kind == "video":
            frames = [row[0] for row in case.conn.execute(
                "SELECT id FROM evidence WHERE parent_id = ? ORDER BY frame_time_ms",
                (item.id,))]
            if not frames and (item_ids or incident_ids):
                left_out.append(_skip(item, "a video is published as frames taken from it;"
                                            " it has none (keep a frame: K in the app)"))
            members = [get_evidence(case, frame) for frame in frames]
        else:
            members = [item]
        for member in members:
            if member.id in seen:
                continue
            seen.add(member.id)
            if _is_redaction_derivative(case, member):
                continue     # an earlier publication's copy, not evidence to publish again
            reason = _withheld(member, include_confidential)
            if reason:
                left_out.append(_skip(member, reason))
            else:
                chosen.append(member)
    return chosen, left_out


CONFIDENTIAL_REASON = ("confidential (its security restriction): left out; publish it only"
                       " if you mean to (--include-confidential)")


def _withheld(item: Evidence, include_confidential: bool) -> str | None:
    """Why an item is not published, or None: not an image, or confidential (the
    investigator must say so to publish it, issue 17's restriction)."""
    if item.kind not in PUBLISHABLE:
        return f"a {item.kind} cannot be published as an image"
    if item.restriction == "confidential" and not include_confidential:
        return CONFIDENTIAL_REASON
    return None


def _skip(item: Evidence, reason: str) -> dict[str, str]:
    return {"id": item.id, "name": item.original_name, "reason": reason}


# -- the derivative ------------------------------------------------------------------------

def derivative_bytes(case: Case, item: Evidence, regions: Sequence[Region],
                     rendered: Rendered, *, named: bool = False) -> bytes:
    """The one place a published derivative's final bytes are made: the package and the
    private case both keep exactly these bytes (same SHA-256).

    They carry Content Credentials signed with the investigator's key: the original as
    ingredient by its SHA-256 only (no name: a file name can expose a witness), each
    covered region's outline (not its label) as a `c2pa.edited` change (C2PA's
    `c2pa.redacted` means removing an assertion, not covering pixels). Unless `named`, the
    certificate names only the key's fingerprint.
    """
    mime = "image/jpeg" if rendered.format == "JPEG" else "image/png"
    # Outlines only: a covered area's label ("person", "licence plate") stays home.
    changes = [polygon_change(list(shape.points), "covered")
               if isinstance(shape := region.shape_value, Polygon)
               else region_change(*region.bbox, "covered")
               for region in regions]
    original_type = mimetypes.guess_type(item.original_name)[0] or "application/octet-stream"
    return signed_bytes(
        rendered.data, mime=mime, title="published image",
        ingredients=[Ingredient("original", item.sha256, original_type)],
        actions=[action("c2pa.edited", description=f"{len(regions)} area(s) covered",
                        changes=changes)],
        identity=case.signer, named=named)


@dataclass
class _Made:
    item: Evidence
    regions: list[Region]
    data_path: Path
    sha256: str
    format: str
    width: int
    height: int
    covered: int
    thumbnail: bytes


def _make(case: Case, item: Evidence, source: Path, regions: list[Region],
          scratch: Path, named: bool) -> _Made:
    """Runs on a worker thread: touches files only, never the case's connection."""
    rendered = render_redacted(source, regions, item.display_rotation)
    data = derivative_bytes(case, item, [r for r in regions if r.redact], rendered,
                            named=named)
    target = scratch / f"{item.id}.bin"
    target.write_bytes(data)
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))
        small = image.convert("RGB")
        small.thumbnail((THUMB_SIZE, THUMB_SIZE))
    return _Made(item, regions, target, hashlib.sha256(data).hexdigest(), rendered.format,
                 rendered.width, rendered.height, rendered.covered, encode_thumbnail(small))


def _rendered_in_order(case: Case, items: list[Evidence], scratch: Path,
                       cancel: CancelFlag, named: bool):
    """(item, _Made or the MediaError) in order, two at a time: decoding and encoding run
    outside the GIL, and at most three images are held at once."""
    workers = max(1, min(2, os.cpu_count() or 1))
    _ = case.signer     # the key is loaded here, once, not by the workers
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[Evidence, Future[_Made]]] = deque()
        queue = iter(items)
        while True:
            while len(pending) <= workers and not cancel.is_set():
                item = next(queue, None)
                if item is None:
                    break
                pending.append((item, pool.submit(_make, case, item, media_path(case, item),
                                                  list_regions(case, item.id), scratch,
                                                  named)))
            if not pending:
                return
            item, future = pending.popleft()
            try:
                yield item, future.result()
            except (MediaError, OSError, ValueError, Image.DecompressionBombError) as error:
                yield item, error


# -- the package ---------------------------------------------------------------------------

def export_public(
    case: Case, out: str | Path, *, item_ids: Sequence[str] = (),
    incident_ids: Sequence[str] = (), precision: str = "1km", actors: bool = False,
    undecided: str = "refuse", overwrite: bool = False, include_confidential: bool = False,
    progress: ProgressCallback = no_progress, cancel: CancelFlag | None = None,
) -> PublicExportReport:
    """Write a package for publication at `out`; record what was published in the case.

    `undecided`: what to do with chosen items that have no redaction decided: "refuse"
    (raise UndecidedItemsError naming them, nothing written), "include" or "skip".
    Confidential items are left out (listed as skipped) unless `include_confidential`.
    """
    cancel = cancel or NeverCancel()
    if precision not in PRECISIONS:
        raise ValidationError(precision, "precision is one of " + ", ".join(PRECISIONS))
    out = Path(out)
    if out.exists() and not overwrite:
        raise PackageError(out, "already exists; nothing was written (choose another name,"
                                " or replace it: --force)")
    items, skipped = choose_items(case, item_ids, incident_ids,
                                  include_confidential=include_confidential)
    open_ones = set(undecided_of(case, [item.id for item in items]))
    if open_ones and undecided == "refuse":
        raise UndecidedItemsError([item for item in items if item.id in open_ones])
    if undecided == "skip":
        skipped += [_skip(item, "no redaction decided: left out") for item in items
                    if item.id in open_ones]
        items = [item for item in items if item.id not in open_ones]
    report = PublicExportReport(precision=precision, skipped=skipped,
                                removed=removed_lines(precision, actors))
    if not items:
        raise ValidationError(str(out), "nothing to publish: no image among the chosen items")
    try:
        with leftovers.scratch_dir("public") as scratch:
            with replacing(out, durable=True) as part:
                made = _write(case, part, scratch, items, report, precision, actors,
                              progress, cancel)
            report.path = str(out)
            # Publishing an undecided item as it is was a person's decision: recorded.
            decided_now = sorted(open_ones) if undecided == "include" else []
            _record(case, out, made, report, precision, actors, decided_now)
    except _Cancelled:
        report.cancelled = True
    return report


class _Cancelled(Exception):
    pass


def _write(case: Case, part: Path, scratch: Path, items: list[Evidence],
           report: PublicExportReport, precision: str, actors: bool,
           progress: ProgressCallback, cancel: CancelFlag) -> list[_Made]:
    made: list[_Made] = []
    published: list[PublishedImage] = []
    incident_ids: list[str] = []
    with zipfile.ZipFile(part, "x", allowZip64=True) as zf:
        for done, (item, result) in enumerate(_rendered_in_order(case, items, scratch,
                                                                 cancel, actors), 1):
            if cancel.is_set():
                raise _Cancelled
            if isinstance(result, BaseException):
                report.failed.append(_skip(item, f"cannot be rendered: {result}"))
                continue
            name = f"images/image-{len(made) + 1:03d}.{'png' if result.format == 'PNG' else 'jpg'}"
            zf.write(result.data_path, name, zipfile.ZIP_STORED)
            made.append(result)
            published.append(_published(case, result, name, precision, incident_ids))
            progress(Progress(done, len(items) + 1, item.original_name, len(report.failed)))
        if cancel.is_set():
            raise _Cancelled
        if not made:
            raise ValidationError(str(part), "nothing could be published: "
                                  + "; ".join(f["reason"] for f in report.failed))
        incidents = [public_incident(get_incident(case, i), precision, actors)
                     for i in dict.fromkeys(incident_ids)]
        now = utc_now()
        exporter = case.actor if actors else None
        files = {"report.html": report_html(case.title if actors else "Published images",
                                            published, incidents, precision, report.removed,
                                            now, exporter),
                 "data/images.json": _json([image.to_json() for image in published]),
                 "data/incidents.json": _json(incidents),
                 "data/positions.geojson": geojson(published, incidents)}
        for name, data in files.items():
            zf.writestr(name, data, zipfile.ZIP_DEFLATED)
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                    "app_version": __version__, "published_at": now, "precision": precision,
                    "removed": report.removed, "exporter": exporter,
                    "files": [{"path": image.file, "sha256": image.sha256}
                              for image in published]
                    + [{"path": name, "sha256": hashlib.sha256(data).hexdigest()}
                       for name, data in files.items()]}
        zf.writestr("manifest.json", _json(manifest), zipfile.ZIP_DEFLATED)
        progress(Progress(len(items) + 1, len(items) + 1, "report", len(report.failed)))
    return made


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=1, ensure_ascii=False).encode("utf-8")


def _published(case: Case, made: _Made, name: str, precision: str,
               incident_ids: list[str]) -> PublishedImage:
    item = made.item
    lat, lon = round_position(item.gps_lat, item.gps_lon, precision)
    tags = [{"label": r.label, "box": [round(v, 1) for v in r.bbox]}
            for r in made.regions if not r.redact]
    linked = [row[0] for row in case.conn.execute(
        "SELECT incident_id FROM incident_evidence WHERE evidence_id = ? UNION"
        " SELECT ir.incident_id FROM incident_regions ir JOIN regions r ON r.id = ir.region_id"
        " WHERE r.evidence_id = ? AND r.redact = 0", (item.id, item.id))]
    incident_ids += linked
    return PublishedImage(name, made.sha256, made.width, made.height, item.taken_at, lat, lon,
                          made.covered, tags, linked)


# -- the private record --------------------------------------------------------------------

def _record(case: Case, out: Path, made: list[_Made], report: PublicExportReport,
            precision: str, actors: bool, decided_now: list[str]) -> None:
    """Each derivative as a derived item linked to its original, and one publish record."""
    parts: list[Path] = []
    try:
        with case.write() as tx:
            mark_reviewed_in(tx, decided_now)
            for index, one in enumerate(made, 1):
                name = f"image-{index:03d}.{'png' if one.format == 'PNG' else 'jpg'}"
                derived_id = _store_derivative(case, tx, one, parts)
                report.images.append({"original_id": one.item.id,
                                      "original_sha256": one.item.sha256,
                                      "derived_id": derived_id, "sha256": one.sha256,
                                      "file": f"images/{name}", "covered": one.covered})
            tx.record("case.publish", None, {
                "package": out.name, "package_sha256": media_store.sha256_file(out),
                "precision": precision, "actors": actors, "images": report.images,
                "skipped": report.skipped, "failed": report.failed,
                "renderer": RENDERER_VERSION})
    finally:
        for part in parts:
            media_store.discard(part)


def _store_derivative(case: Case, tx: Any, one: _Made, parts: list[Path]) -> str:
    existing = tx.conn.execute("SELECT id FROM evidence WHERE sha256 = ? AND kind = 'derived'",
                               (one.sha256,)).fetchone()
    if existing:
        return str(existing[0])
    ext = "png" if one.format == "PNG" else "jpg"
    part = media_store.incoming_part(case.path, os.getpid())
    parts.append(part)
    shutil.move(one.data_path, part)   # scratch may be on another file system
    stored = media_store.stored_relpath(one.sha256, ext)
    media_store.place(case.path, part, stored)
    target = thumbnail_path(case.path, one.sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as temporary:
        temporary.write_bytes(one.thumbnail)
    covered = [{"id": r.id, "label": r.label, "shape": r.shape, "geometry": r.geometry,
                "method": r.redact_method} for r in one.regions if r.redact]
    recipe = {"redaction": {"regions": covered, "renderer": RENDERER_VERSION,
                            "encoding": one.format, "metadata": "none kept but ICC"}}
    sources = [{"id": one.item.id, "sha256": one.item.sha256, "role": "original"}]
    derived_id = new_id()
    row = {"id": derived_id, "kind": "derived", "sha256": one.sha256,
           "bytes": os.path.getsize(case.path / stored),
           "original_name": f"{Path(one.item.original_name).stem} (redacted).{ext}",
           "stored_path": stored, "mime": "image/png" if ext == "png" else "image/jpeg",
           "format": one.format, "width": one.width, "height": one.height,
           "parent_id": None, "imported_at": tx.at, "imported_by": tx.actor}
    tx.conn.execute(f"INSERT INTO evidence ({', '.join(row)}) VALUES"
                    f" ({', '.join('?' * len(row))})", list(row.values()))
    tx.conn.execute("INSERT INTO derivations (evidence_id, comparison_id, sources, recipe,"
                    " app_version) VALUES (?, NULL, ?, ?, ?)",
                    (derived_id, json.dumps(sources), json.dumps(recipe), __version__))
    tx.record("evidence.redact", derived_id, {"sha256": one.sha256, "sources": sources,
                                              "recipe": recipe, "app_version": __version__})
    return derived_id
