"""A copy of an item the app made (a frame, a derived picture), signed for sharing.

The case keeps such items as plain PNGs identified by their SHA-256 (a frame must
match what ffmpeg gives, and the same view exported twice must be the same item);
the copy written here for sharing carries Content Credentials naming the source
item(s) by hash and the kept item's own hash (docs/credentials.md says why).
"""

from __future__ import annotations

from pathlib import Path

from reviewer.core.case import Case
from reviewer.core.credentials_out import (
    Ingredient,
    SignedCopy,
    action,
    moment_change,
    sign_derivative,
)
from reviewer.core.derived import derivation
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import Evidence, get_evidence, media_path


def _check_target(out_path: Path, item: Evidence) -> None:
    if out_path.is_dir():
        raise ValidationError(out_path, "is a folder: give a file name ending in .png")
    if out_path.suffix.lower() != ".png":
        raise ValidationError(out_path, f"{item.original_name} is a PNG: give a name ending"
                                        " in .png")
    if not out_path.parent.is_dir():
        raise ValidationError(out_path, "the folder to write the copy in does not exist")


def _frame_recipe(case: Case, frame: Evidence) -> tuple[list[Ingredient], list[dict]]:
    video = get_evidence(case, str(frame.parent_id))
    time_ms = int(frame.frame_time_ms or 0)
    return ([Ingredient(video.original_name, video.sha256, video.mime or "video/mp4",
                        video.id)],
            [action("c2pa.cropped", description=(
                f"frame {frame.frame_index} at {time_ms / 1000:.3f} s taken from the video,"
                " decoded and kept as a lossless PNG"),
                changes=[moment_change(time_ms, f"frame {frame.frame_index}")])])


def _derived_recipe(case: Case, item: Evidence) -> tuple[list[Ingredient], list[dict]]:
    made = derivation(case, item.id)
    if made is None:
        raise ValidationError(item.id, "this derived item has no record of its sources")
    ingredients = []
    for n, source in enumerate(made["sources"]):
        row = get_evidence(case, source["id"])
        ingredients.append(Ingredient(row.original_name, source["sha256"], row.mime or "",
                                      row.id, "parentOf" if n == 0 else "componentOf"))
    recipe = made["recipe"]
    view = recipe.get("mode", "derived")
    return ingredients, [action("c2pa.edited", description=(
        f"made by Evidence Reviewer {made['app_version']}: {view} view"))]


def save_shared_copy(case: Case, evidence_id: str, out_path: str | Path) -> SignedCopy:
    """Write a frame's or a derived picture's copy with Content Credentials to `out_path`."""
    item = get_evidence(case, evidence_id)
    if item.kind not in ("frame", "derived"):
        raise ValidationError(item.id, f"is a {item.kind} as received: share the original"
                                       " itself (its own credentials, if any, travel with it)")
    out = Path(out_path)
    _check_target(out, item)
    ingredients, actions = (_frame_recipe(case, item) if item.kind == "frame"
                            else _derived_recipe(case, item))
    return sign_derivative(
        media_path(case, item), out, mime="image/png", identity=case.signer,
        title=item.original_name, ingredients=ingredients, actions=actions,
        details={"case_item": {"id": item.id, "kind": item.kind, "sha256": item.sha256,
                               "note": "the item kept in the case: these pixels, without"
                                       " this manifest"}})
