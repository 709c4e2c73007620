"""A saved comparison exported as a picture: into the case as derived evidence, or a file.

The caption names both images, their capture times, SHA-256 prefixes and the
alignment figures, so a reader of a report can find and check the originals. The
picture carries no export time, so exporting the same view again gives the same
bytes, and the case keeps one item for it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from reviewer import __version__
from reviewer.core.case import Case
from reviewer.core.compare_render import MAX_WIDTH, MIN_WIDTH, MODES, render_comparison
from reviewer.core.comparisons import Comparison, get_comparison, image_item, item_pixels
from reviewer.core.credentials_out import Ingredient, action, sign_derivative
from reviewer.core.derived import Source, add_derived_image, encode_png
from reviewer.core.difference import DEFAULT_THRESHOLD
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import Evidence

DEFAULT_WIDTH = 2400


@dataclass(frozen=True)
class Exported:
    image: Image.Image
    evidence: Evidence | None     # the derived item's row, when stored in the case
    path: Path | None                   # the file written, when asked for one


def _describe_item(role: str, row: Evidence) -> str:
    taken = row.taken_at or "capture time unknown"
    return (f"{role}: {row.original_name} | taken {taken} | SHA-256 {row.sha256[:16]}..."
            f" | item {row.id[:8]}")


def describe_alignment(comparison: Comparison) -> str:
    """The alignment in one sentence for a caption or a status line."""
    alignment = comparison.get_alignment()
    if alignment is None:
        return "Not aligned."
    if alignment.method == "none":
        return "Taken as already aligned (no alignment computed)."
    verdict = "" if alignment.good else f" POOR: {alignment.problem}."
    if alignment.method == "manual":
        return (f"Aligned by hand from {alignment.inliers} point pairs, RMS error"
                f" {alignment.reprojection_error_px:.2f} px.{verdict}")
    return (f"Aligned automatically: {alignment.inliers} of {alignment.matches} feature matches"
            f" agree ({alignment.inlier_ratio:.0%}), RMS error"
            f" {alignment.reprojection_error_px:.2f} px over {alignment.refined} full-scale"
            f" points.{verdict}")


def caption_lines(comparison: Comparison, before: Evidence, after: Evidence,
                  mode: str) -> list[str]:
    lines = [_describe_item("Before", before), _describe_item("After", after),
             describe_alignment(comparison)]
    if comparison.note:
        lines.append(f"Note: {comparison.note}")
    view = {"side": "side by side", "swipe": "swipe", "difference": "difference"}[mode]
    lines.append(f"Comparison {comparison.id}, {view} view, made with Evidence Reviewer"
                 f" {__version__}.")
    return lines


def check_export(mode: str = "side", width: int = DEFAULT_WIDTH,
                 out_path: str | Path | None = None) -> None:
    """Refuse a view, width or file an export cannot use, before anything is drawn or saved.

    The file is a PNG, the picture kept in the case plus its Content Credentials (which
    name the kept picture's SHA-256): its name must end in .png, in a folder that exists
    and may be written.
    """
    if mode not in MODES:
        raise ValidationError(mode, f"unknown view: choose one of {', '.join(MODES)}")
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValidationError(str(width), f"the width must be {MIN_WIDTH} to {MAX_WIDTH} pixels")
    if out_path is None:
        return
    path = Path(out_path)
    if path.is_dir():
        raise ValidationError(path, "is a folder: give a file name ending in .png")
    if path.suffix.lower() != ".png":
        raise ValidationError(path, "the picture is written as PNG, the copy kept in the case"
                                    " with its Content Credentials: give a name ending in"
                                    " .png")
    folder = path.parent
    if not folder.is_dir():
        raise ValidationError(path, "the folder to write the picture in does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError(path, "cannot write in this folder (permission denied)")


def export_comparison(case: Case, comparison_id: str, mode: str = "side",
                      width: int = DEFAULT_WIDTH, *, swipe_at: float = 0.5,
                      threshold: float = DEFAULT_THRESHOLD, out_path: str | Path | None = None,
                      store: bool = True) -> Exported:
    """Render a comparison; store it in the case as derived evidence and/or write a PNG."""
    check_export(mode, width, out_path)
    comparison = get_comparison(case, comparison_id)
    before = image_item(case, comparison.before_id)
    after = image_item(case, comparison.after_id)
    image = render_comparison(
        item_pixels(case, before), item_pixels(case, after),
        comparison.transform, mode, width, caption=caption_lines(comparison, before, after, mode),
        swipe_at=swipe_at, threshold=threshold)
    path = Path(out_path) if out_path is not None else None
    row = None
    if store:
        recipe = {"mode": mode, "width": width, "transform": comparison.transform,
                  "alignment": comparison.alignment}
        if mode == "swipe":
            recipe["swipe_at"] = swipe_at
        if mode == "difference":
            recipe["threshold"] = threshold
        name = (f"comparison_{Path(before.original_name).stem}_"
                f"{Path(after.original_name).stem}_{mode}.png")
        row = add_derived_image(
            case, image, name,
            [Source(before.id, before.sha256, "before"),
             Source(after.id, after.sha256, "after")],
            recipe, comparison_id=comparison.id, action="comparison.export")
    if path is not None:
        _write_file(case, path, image, comparison, before, after, mode, row)
    return Exported(image, row, path)


def _write_file(case: Case, path: Path, image: Image.Image, comparison: Comparison,
                before: Evidence, after: Evidence, mode: str, row: Evidence | None) -> None:
    """The shared PNG: the case's picture with Content Credentials naming both images by
    hash (docs/credentials.md), written under a temporary name and renamed."""
    data = encode_png(image)
    sign_derivative(
        data, path, mime="image/png", identity=case.signer,
        ingredients=[Ingredient(before.original_name, before.sha256, before.mime or "",
                                before.id, "parentOf"),
                     Ingredient(after.original_name, after.sha256, after.mime or "",
                                after.id, "componentOf")],
        actions=[action("c2pa.edited", description=(
            f"before/after comparison, {mode} view, drawn with its caption"))],
        details={"comparison_id": comparison.id, "view": mode,
                 "case_item": {"id": row.id if row else None,
                               "sha256": hashlib.sha256(data).hexdigest(),
                               "note": "the picture kept in the case: these pixels, without"
                                       " this manifest"}})
