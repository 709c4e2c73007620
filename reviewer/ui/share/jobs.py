"""Sharing jobs as they run on a worker thread: each opens its own connection to the case."""

from __future__ import annotations

from pathlib import Path

from reviewer.core.annotations.export import AnnotationReport, export_annotations
from reviewer.core.case import open_case
from reviewer.core.credentials_out import SignedCopy
from reviewer.core.credentials_share import save_shared_copy
from reviewer.core.export import ExportReport, export_case
from reviewer.core.merge import MergeReport, merge_package
from reviewer.core.package_verify import verify_package
from reviewer.core.progress import CancelFlag, ProgressCallback
from reviewer.core.unpack import left_out_on_unpack, unpack_package
from reviewer.core.verify import VerifyReport, verify_case


def export_job(case_path: Path, actor: str, out: Path, incidents: list[str], media: bool,
               replace: bool, title: str | None = None, *, progress: ProgressCallback,
               cancel: CancelFlag) -> ExportReport:
    with open_case(case_path, actor=actor) as case:
        return export_case(case, out, incidents=incidents, media=media, progress=progress,
                           cancel=cancel, overwrite=replace, title=title)


def annotations_job(case_path: Path, actor: str, out: Path, fmt: str, labels: list[str],
                    incidents: list[str], replace: bool, screening: dict | None = None, *,
                    progress: ProgressCallback, cancel: CancelFlag) -> AnnotationReport:
    """`screening`: None for an export with the originals' copies; for a public one,
    export_annotations' undecided and include_confidential."""
    with open_case(case_path, actor=actor) as case:
        return export_annotations(case, out, fmt, labels=labels, incidents=incidents,
                                  public=screening is not None, **(screening or {}),
                                  overwrite=replace, progress=progress, cancel=cancel)


def merge_job(case_path: Path, actor: str, package: Path, accept_untrusted: bool, *,
              progress: ProgressCallback, cancel: CancelFlag) -> MergeReport:
    with open_case(case_path, actor=actor) as case:
        return merge_package(case, package, progress=progress, cancel=cancel,
                             accept_untrusted=accept_untrusted)


def verify_case_job(case_path: Path, actor: str, *, progress: ProgressCallback,
                    cancel: CancelFlag) -> VerifyReport:
    with open_case(case_path, actor=actor) as case:
        return verify_case(case, progress=progress, cancel=cancel)


def verify_package_job(package: Path, *, progress: ProgressCallback,
                       cancel: CancelFlag) -> VerifyReport:
    return verify_package(package, progress=progress, cancel=cancel)


def unpack_job(package: Path, target: Path, actor: str, *, progress: ProgressCallback,
               cancel: CancelFlag) -> tuple[Path, list[dict]]:
    """The new case's folder, and what of the package it could not take (see
    left_out_on_unpack: items sent without their originals, and their tags)."""
    with unpack_package(package, target, actor=actor, progress=progress,
                        cancel=cancel) as case:
        return case.path, left_out_on_unpack(case)


def signed_copy_job(case_path: Path, actor: str, evidence_id: str, out: Path, *,
                    progress: ProgressCallback, cancel: CancelFlag) -> SignedCopy:
    del progress, cancel   # one picture: too short to report or stop
    with open_case(case_path, actor=actor) as case:
        return save_shared_copy(case, evidence_id, out)
