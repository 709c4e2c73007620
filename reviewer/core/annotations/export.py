"""`export_annotations`: the case's tags as a training data set or as XMP sidecars, in a
new folder. The folder is filled under a temporary name beside it and put in place only
when complete: a cancel or a failure leaves no folder, never half of one."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from reviewer import __version__
from reviewer.core import leftovers, media_store
from reviewer.core.annotations import coco, cvat, voc, xmp, yolo
from reviewer.core.annotations.dataset import Dataset, collect
from reviewer.core.annotations.images import write_upright_copy
from reviewer.core.annotations.public import (
    PublicPlan,
    plan_public,
    public_manifest,
    published_undecided,
    write_copies,
)
from reviewer.core.annotations.public import Stopped as _Stop
from reviewer.core.atomic import publish_folder, temporary_beside, write_atomically
from reviewer.core.case import Case
from reviewer.core.errors import MediaError, PackageError, ValidationError
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.public_export import store_derivative
from reviewer.core.redact_render import RENDERER_VERSION
from reviewer.core.redaction import mark_reviewed_in

WRITERS: dict[str, ModuleType] = {"coco": coco, "yolo": yolo, "voc": voc, "cvat": cvat,
                                  "xmp": xmp}
FORMATS = tuple(WRITERS)
# Written into every export: what it holds, and the mark that lets --force replace it
# (a folder without it is never removed).
MANIFEST = "reviewer-annotations.json"


@dataclass
class AnnotationReport:
    path: str | None = None
    format: str = ""
    labels: list[str] = field(default_factory=list)
    images: int = 0
    tags: int = 0
    points_left_out: int = 0          # box formats cannot hold a point
    public: bool = False              # redacted copies, no ids (public.py)
    covered_tags_left_out: int = 0    # with public: tags of covered regions
    skipped: list[dict[str, str]] = field(default_factory=list)   # with public: undecided
    missing: list[dict[str, str]] = field(default_factory=list)   # id, path, detail
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.missing and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "labels": self.labels,
                "images": self.images, "tags": self.tags,
                "points_left_out": self.points_left_out, "missing": self.missing,
                "warnings": self.warnings, "cancelled": self.cancelled,
                "public": self.public, "covered_tags_left_out": self.covered_tags_left_out,
                "skipped": self.skipped}


def check_target(out: Path, overwrite: bool) -> None:
    """Refuse an OUT that exists (without `overwrite`), or that is not an earlier export."""
    if not out.parent.is_dir():
        raise PackageError(out, "the folder to write the export in does not exist")
    if out.exists() or out.is_symlink():
        if not overwrite:
            raise PackageError(out, "already exists; nothing was written (choose another"
                                    " name, or replace it: --force)")
        if not (out.is_dir() and (out / MANIFEST).is_file()):
            raise PackageError(out, "exists and is not an annotation export; it is never"
                                    " replaced, even with --force")


def export_annotations(
    case: Case, out: str | Path, fmt: str, *, labels: Sequence[str] = (),
    incidents: Sequence[str] = (), public: bool = False, undecided: str = "refuse",
    include_confidential: bool = False, overwrite: bool = False,
    progress: ProgressCallback = no_progress, cancel: CancelFlag | None = None,
) -> AnnotationReport:
    """Write the folder `out` with the tags of `labels` (default: all) on `incidents`'
    images (default: every tagged image) in format `fmt`, with upright image copies.

    With `public`: redacted derivatives named image-001.jpg ..., no ids, no tags of
    covered regions (public.py); `undecided` and `include_confidential` as for
    export_public (UndecidedItemsError, ConfidentialItemsError: nothing written).

    NotFoundError for an unknown label or incident, PackageError for an `out` that
    exists (or cannot be written), ValidationError for an unknown format or XMP with
    `public`. An image whose original is missing or does not decode is left out and
    listed in report.missing; the rest goes on.
    """
    if fmt not in WRITERS:
        raise ValidationError(fmt, f"unknown annotation format; use one of {', '.join(FORMATS)}")
    if public and fmt == "xmp":
        raise ValidationError("--format xmp", "cannot be public: its sidecars carry the"
                                              " incidents' places and keywords; use coco,"
                                              " yolo, voc or cvat with --public")
    out = Path(out)
    check_target(out, overwrite)
    dataset = collect(case, labels, incidents)
    cancel = cancel or NeverCancel()
    plan = (plan_public(case, dataset, undecided=undecided,
                        include_confidential=include_confidential) if public else None)
    report = AnnotationReport(format=fmt, labels=dataset.labels, public=public)
    if plan:
        report.covered_tags_left_out = plan.covered_tags
        report.skipped = plan.skipped
        if plan.covered_tags:
            report.warnings.append(f"{plan.covered_tags} tag(s) of covered regions left out:"
                                   " their labels do not travel")
    if not dataset.images:
        report.warnings.append(f"no tags of {', '.join(dataset.labels) or 'any label'}"
                               + (" on these incidents" if incidents else "")
                               + ": the files are written empty")
    part = temporary_beside(out)
    # Public copies are rendered into scratch first: the case keeps those very bytes.
    scratch_dir = leftovers.scratch_dir("public") if plan else contextlib.nullcontext(None)
    with scratch_dir as scratch:
        try:
            part.mkdir()
            _fill(part, case, dataset, WRITERS[fmt], report, progress, cancel, plan, scratch)
            publish_folder(part, out, replace=overwrite)
        except _Stop:
            shutil.rmtree(part, ignore_errors=True)
            report.cancelled = True
            return report
        except FileExistsError:
            shutil.rmtree(part, ignore_errors=True)
            raise PackageError(out, "already exists; nothing was written") from None
        except OSError as error:
            shutil.rmtree(part, ignore_errors=True)
            raise PackageError(out, f"cannot write the export: {error.strerror or error};"
                                    " nothing was written") from error
        except BaseException:
            shutil.rmtree(part, ignore_errors=True)
            raise
        report.path = str(out)
        _record(case, out, fmt, dataset, report, plan)
    return report


def _record(case: Case, out: Path, fmt: str, dataset: Dataset, report: AnnotationReport,
            plan: PublicPlan | None) -> None:
    """Chain of custody: who took which tags out, when; with public, each copy as a
    derived item of the case (as `export --public` keeps them) and the undecided items
    published on purpose marked decided."""
    details = {"folder": out.name, "format": fmt, "labels": dataset.labels,
               "incidents": dataset.incident_ids, "images": report.images,
               "tags": report.tags, "missing": [m["id"] for m in report.missing]}
    parts: list[Path] = []
    try:
        with case.write() as tx:
            if plan:
                mark_reviewed_in(tx, published_undecided(plan))
                copies = [{"original_id": made.item.id, "sha256": made.sha256,
                           "derived_id": store_derivative(case, tx, made, parts),
                           "file": image.file_name, "covered": made.covered}
                          for made, image in zip(plan.made, dataset.images, strict=True)]
                details.update(public=True, copies=copies, renderer=RENDERER_VERSION,
                               covered_tags_left_out=report.covered_tags_left_out,
                               skipped=[s["id"] for s in report.skipped])
            tx.record("annotations.export", case.id, details)
    finally:
        for part in parts:
            media_store.discard(part)


def _fill(folder: Path, case: Case, dataset: Dataset, writer: ModuleType,
          report: AnnotationReport, progress: ProgressCallback, cancel: CancelFlag,
          plan: PublicPlan | None, scratch: Path | None) -> None:
    images = folder / writer.IMAGE_FOLDER
    images.mkdir()
    if plan and scratch:
        write_copies(case, dataset, plan, images, scratch, report.missing, progress, cancel)
    else:
        _copy_upright(images, dataset, report, progress, cancel)
    kept = dataset.images
    report.warnings += writer.write(dataset, folder) or []
    report.images = len(kept)
    if not writer.HOLDS_POINTS:
        report.points_left_out = sum(t.shape.is_marker for i in kept for t in i.tags)
    report.tags = dataset.tag_count - report.points_left_out
    if report.points_left_out:
        report.warnings.append(f"{report.points_left_out} point tag(s) left out: the"
                               f" {report.format.upper()} format cannot hold a point")
    app = f"Evidence Reviewer {__version__}"
    if plan:   # no case id, no item ids, no names of missing originals
        about = public_manifest(dataset, report.format, plan, app)
    else:
        about = {"app": app, "case": case.id, "format": report.format,
                 **dataset.summary(), "items": {i.file_name: i.evidence_id for i in kept},
                 "missing": report.missing}
    write_atomically(folder / MANIFEST, json.dumps(about, ensure_ascii=False,
                                                   indent=1).encode())
    total = len(kept) + len(report.missing) + 1
    progress(Progress(total, total, "", len(report.missing)))


def _copy_upright(images: Path, dataset: Dataset, report: AnnotationReport,
                  progress: ProgressCallback, cancel: CancelFlag) -> None:
    kept = []
    total = len(dataset.images) + 1
    for done, image in enumerate(dataset.images):
        if cancel.is_set():
            raise _Stop
        progress(Progress(done, total, image.original_name, len(report.missing)))
        try:
            image.file_name = write_upright_copy(image.source, images, image.evidence_id,
                                                 image.original_name,
                                                 (image.width, image.height),
                                                 image.rotation)
        except MediaError as error:
            report.missing.append({"id": image.evidence_id, "path": str(image.source),
                                   "detail": f"{error.reason}; its tags were left out"})
            continue
        kept.append(image)
    dataset.images = kept
