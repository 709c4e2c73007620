"""Open a package as a case of its own: verify it, unpack it, record where it came from.

The new case is the sender's case as exported (same case id, same items, the whole
audit log), continued by one `case.unpack` record naming the package and its SHA-256.
A package of some incidents (a partial history) becomes a new case that merges it.
It is assembled in a hidden folder beside the target and renamed into place only when
complete, so a failure leaves no half case behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from reviewer.core import leftovers, media_store
from reviewer.core.atomic import temporary_beside
from reviewer.core.case import CASE_SUFFIX, DB_NAME, Case, create_case, open_case
from reviewer.core.errors import Cancelled, CaseError, PackageError, PackageMismatchError
from reviewer.core.package_verify import open_verified
from reviewer.core.package_zip import extract_entry, open_zip
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress


def unpack_package(package: str | Path, target: str | Path, *, actor: str | None = None,
                   progress: ProgressCallback = no_progress,
                   cancel: CancelFlag | None = None) -> Case:
    """Verify `package` and unpack it as the new case folder `target` (NAME.case); open it.

    Raises NewerCaseError, PackageMismatchError or PackageError (nothing is created),
    and PackageError when cancelled.
    """
    cancel = cancel or NeverCancel()
    package = Path(package)
    folder = Path(target)
    if folder.suffix != CASE_SUFFIX:
        folder = folder.with_name(folder.name + CASE_SUFFIX)
    if folder.exists():
        raise CaseError(folder, "already exists; choose another name for the unpacked case")
    if not folder.parent.is_dir():
        raise CaseError(folder, "the folder to unpack into does not exist")
    leftovers.sweep_parts(folder.parent, CASE_SUFFIX)   # of unpacking that was killed
    staging = temporary_beside(folder)   # a folder: filled, opened as a case, then renamed
    try:
        with leftovers.scratch_dir("unpack") as scratch:
            checked = open_verified(package, scratch, progress=progress, cancel=cancel)
            if checked.database is None:
                raise PackageMismatchError(package, "holds no case database")
            if (checked.manifest.get("audit_tree") or {}).get("partial"):
                return _unpack_partial(package, folder, staging, checked.manifest, actor,
                                       progress, cancel)
            (staging / "media").mkdir(parents=True)
            shutil.copyfile(checked.database, staging / DB_NAME)
        _unpack_media(package, checked.manifest, staging, progress, cancel)
        package_sha256 = media_store.sha256_file(package)
        with open_case(staging, actor=actor) as case:
            _record_unpack(case, package, package_sha256, checked.manifest)
        os.replace(staging, folder)
    except OSError as error:
        _remove(staging)
        raise PackageError(package, f"cannot unpack into {folder}:"
                                    f" {error.strerror or error}; nothing was created") from error
    except BaseException:
        _remove(staging)
        raise
    return open_case(folder, actor=actor)


def _unpack_partial(package: Path, folder: Path, staging: Path, manifest: dict,
                    actor: str | None, progress: ProgressCallback, cancel: CancelFlag) -> Case:
    """A package of some incidents carries only part of the sender's history, which cannot
    continue as a case's own chain: it becomes a new case (its own id and history) that
    merges the package, keeping the sender's records and their proofs as any merge does."""
    from reviewer.core.merge import merge_package

    staging.mkdir()
    inner = staging / folder.name
    with create_case(inner, title=manifest.get("case_title"), actor=actor) as case:
        # Opening a package does not ask about trust: the signer is shown, as verify does.
        report = merge_package(case, package, progress=progress, cancel=cancel,
                               accept_untrusted=True)
        if report.cancelled:
            raise Cancelled(package, "unpacking was cancelled; nothing was created")
    os.replace(inner, folder)
    _remove(staging)
    return open_case(folder, actor=actor)


def _remove(staging: Path) -> None:
    if staging.exists():
        # Originals are made read-only in the store; rmtree needs write access to remove them.
        for path in staging.rglob("*"):
            with contextlib.suppress(OSError):
                path.chmod(0o700 if path.is_dir() else 0o600)
        shutil.rmtree(staging, ignore_errors=True)


def _unpack_media(package: Path, manifest: dict, staging: Path, progress: ProgressCallback,
                  cancel: CancelFlag) -> None:
    entries = [f for f in manifest["files"] if f["path"].startswith("media/")]
    with open_zip(package) as zf:
        for done, entry in enumerate(entries, 1):
            if cancel.is_set():
                raise Cancelled(package, "unpacking was cancelled; nothing was created")
            target = staging / entry["path"]
            if staging.resolve() not in target.resolve().parents:
                raise PackageMismatchError(package, f"{entry['path']}: refused, outside the case")
            target.parent.mkdir(parents=True, exist_ok=True)
            if extract_entry(zf, zf.getinfo(entry["path"]), target) != entry["sha256"]:
                raise PackageMismatchError(package, f"{entry['path']}: changed since it was"
                                                    " verified; nothing was created")
            target.chmod(0o444)
            progress(Progress(done, len(entries), entry["path"]))


def _record_unpack(case: Case, package: Path, package_sha256: str, manifest: dict) -> None:
    included = {e["id"]: e["path"] for e in manifest.get("linked_originals") or []
                if e.get("included") and e.get("path")}
    with case.write() as tx:
        for evidence_id, path in included.items():
            # The package carried the bytes of an original the sender had only linked.
            tx.conn.execute("UPDATE evidence SET stored_path = ? WHERE id = ?",
                            (path, evidence_id))
        tx.record("case.unpack", case.id, {
            "package": package.name, "package_sha256": package_sha256,
            "exported_at": manifest.get("exported_at"), "exporter": manifest.get("exporter"),
            "selection": manifest.get("selection"), "copied_linked_originals":
            sorted(included)})


def left_out_on_unpack(case: Case) -> list[dict]:
    """What a package of some incidents held but its new case could not take (an item
    whose original the package left out, and its tags): the `skipped` of the merge that
    made the case, each {kind, id, reason}. Empty for a whole case."""
    rows = case.conn.execute("SELECT summary FROM merges ORDER BY merged_at LIMIT 1").fetchall()
    if not rows:
        return []
    try:
        skipped = json.loads(rows[0][0]).get("skipped") or []
    except (ValueError, AttributeError):
        return []
    return [s for s in skipped if isinstance(s, dict)]
