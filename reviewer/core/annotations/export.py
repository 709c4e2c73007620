"""`export_annotations`: the case's tags as a training data set or as XMP sidecars, in a
new folder. The folder is filled under a temporary name beside it and put in place only
when complete: a cancel or a failure leaves no folder, never half of one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from reviewer import __version__
from reviewer.core.annotations import coco, cvat, voc, xmp, yolo
from reviewer.core.annotations.dataset import Dataset, collect
from reviewer.core.annotations.images import write_upright_copy
from reviewer.core.atomic import publish_folder, temporary_beside, write_atomically
from reviewer.core.case import Case
from reviewer.core.errors import MediaError, PackageError, ValidationError
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress

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
                "warnings": self.warnings, "cancelled": self.cancelled}


class _Stop(Exception):
    pass


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
    incidents: Sequence[str] = (), public: bool = False, overwrite: bool = False,
    progress: ProgressCallback = no_progress, cancel: CancelFlag | None = None,
) -> AnnotationReport:
    """Write the folder `out` with the tags of `labels` (default: all) on `incidents`'
    images (default: every tagged image) in format `fmt`, with upright image copies.

    NotFoundError for an unknown label or incident, PackageError for an `out` that
    exists (or cannot be written), ValidationError for an unknown format or `public`
    (redacted copies are not available yet). An image whose original is missing or
    does not decode is left out and listed in report.missing; the rest goes on.
    """
    if fmt not in WRITERS:
        raise ValidationError(fmt, f"unknown annotation format; use one of {', '.join(FORMATS)}")
    if public:
        raise ValidationError("--public", "redacted copies are not available yet; export"
                                          " without --public only to people who may see"
                                          " the originals")
    out = Path(out)
    check_target(out, overwrite)
    dataset = collect(case, labels, incidents)
    cancel = cancel or NeverCancel()
    report = AnnotationReport(format=fmt, labels=dataset.labels)
    if not dataset.images:
        report.warnings.append(f"no tags of {', '.join(dataset.labels) or 'any label'}"
                               + (" on these incidents" if incidents else "")
                               + ": the files are written empty")
    part = temporary_beside(out)
    try:
        part.mkdir()
        _fill(part, case, dataset, WRITERS[fmt], report, progress, cancel)
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
    with case.write() as tx:   # chain of custody: who took which tags out, when
        tx.record("annotations.export", case.id, {
            "folder": out.name, "format": fmt, "labels": dataset.labels,
            "incidents": dataset.incident_ids, "images": report.images, "tags": report.tags,
            "missing": [m["id"] for m in report.missing]})
    return report


def _fill(folder: Path, case: Case, dataset: Dataset, writer: ModuleType,
          report: AnnotationReport, progress: ProgressCallback, cancel: CancelFlag) -> None:
    images = folder / writer.IMAGE_FOLDER
    images.mkdir()
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
    report.warnings += writer.write(dataset, folder) or []
    report.images = len(kept)
    if not writer.HOLDS_POINTS:
        report.points_left_out = sum(t.shape.is_marker for i in kept for t in i.tags)
    report.tags = dataset.tag_count - report.points_left_out
    if report.points_left_out:
        report.warnings.append(f"{report.points_left_out} point tag(s) left out: the"
                               f" {report.format.upper()} format cannot hold a point")
    write_atomically(folder / MANIFEST, json.dumps({
        "app": f"Evidence Reviewer {__version__}", "case": case.id, "format": report.format,
        **dataset.summary(),
        "items": {i.file_name: i.evidence_id for i in kept},
        "missing": report.missing}, ensure_ascii=False, indent=1).encode())
    progress(Progress(total, total, "", len(report.missing)))
