"""`export-annotations --public`: the tags on redacted derivatives, for people who may not
see the originals.

Nothing here renders or screens on its own: the items are screened by
public_export.screen_for_publication (confidential and undecided items) and rendered by
public_export.rendered_in_order, the very code `export --public` runs, so the copies are
the same bytes a publication would hold (covered areas filled, re-encoded from pixels,
no metadata but ICC, turned as displayed, Content Credentials naming only the key).

What the folder must not say: the tags of covered regions (their label is often the very
thing covered: "face", "licence plate"), original file names, item, region, incident or
case ids. Copies are named image-001.jpg, image-002.jpg ... in the order of the data set.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from reviewer.core.annotations.dataset import Dataset, TaggedImage, collect
from reviewer.core.case import Case
from reviewer.core.evidence import Evidence, get_evidence
from reviewer.core.progress import CancelFlag, Progress, ProgressCallback
from reviewer.core.public_export import rendered_in_order, screen_for_publication


class Stopped(Exception):
    """The person cancelled: nothing is kept."""


@dataclass
class PublicPlan:
    items: list[Evidence]                  # to render, in the data set's order
    skipped: list[dict[str, str]]          # id, name, reason (left out, undecided)
    decided_now: list[str]                 # undecided items published on purpose
    covered_tags: int = 0                  # tags of covered regions, left out
    made: list = field(default_factory=list)   # public_export's renderings, as written


def plan_public(case: Case, dataset: Dataset, *, undecided: str,
                include_confidential: bool) -> PublicPlan:
    """Screen the data set's images as `export --public` does (ConfidentialItemsError,
    UndecidedItemsError: nothing written) and drop the tags of covered regions. Labels
    left with no tag are dropped from the classes too, even when asked for by name (the
    app asks for every ticked label): a covered area's label must not travel even as an
    empty class."""
    chosen = [get_evidence(case, image.evidence_id) for image in dataset.images]
    kept, skipped, decided_now = screen_for_publication(
        case, chosen, undecided=undecided, include_confidential=include_confidential)
    keep = {item.id for item in kept}
    dataset.public = True
    dataset.images = [image for image in dataset.images if image.evidence_id in keep]
    covered = 0
    for image in dataset.images:
        covered += sum(tag.redact for tag in image.tags)
        image.tags = [tag for tag in image.tags if not tag.redact]
    dataset.images = [image for image in dataset.images if image.tags]
    _renumber_classes(dataset)
    by_id = {item.id: item for item in kept}
    return PublicPlan([by_id[image.evidence_id] for image in dataset.images], skipped,
                      decided_now, covered)


def public_candidates(case: Case, labels: Sequence[str] = (),
                      incidents: Sequence[str] = ()) -> list[Evidence]:
    """The items a public export of these tags would publish, before screening: what
    the app asks the person about (confidential, undecided) before it starts."""
    return [get_evidence(case, image.evidence_id)
            for image in collect(case, labels, incidents).images]


def _renumber_classes(dataset: Dataset) -> None:
    used = {tag.category for image in dataset.images for tag in image.tags}
    kept = [index for index in range(len(dataset.labels)) if index in used]
    new_index = {old: new for new, old in enumerate(kept)}
    dataset.labels = [dataset.labels[index] for index in kept]
    for image in dataset.images:
        image.tags = [replace(tag, category=new_index[tag.category]) for tag in image.tags]


def write_copies(case: Case, dataset: Dataset, public: PublicPlan, folder: Path,
                 scratch: Path, missing: list[dict[str, str]], progress: ProgressCallback,
                 cancel: CancelFlag) -> None:
    """Write the redacted copies into `folder` as image-NNN.jpg/png; an image that cannot
    be rendered (or not at the size its tags were drawn on) goes to `missing` and leaves
    the data set. public.made keeps the renderings written, for the case's record."""
    images = {image.evidence_id: image for image in dataset.images}
    kept: list[TaggedImage] = []
    total = len(public.items) + 1
    for done, (item, result) in enumerate(_rendered(case, public.items, scratch, cancel)):
        if cancel.is_set():
            raise Stopped
        progress(Progress(done, total, item.original_name, len(missing)))
        image = images[item.id]
        if isinstance(result, BaseException):
            missing.append({"id": item.id, "path": item.original_name,
                            "detail": f"cannot be rendered: {result}; its tags were left out"})
            continue
        if (result.width, result.height) != (image.width, image.height):
            missing.append({"id": item.id, "path": item.original_name,
                            "detail": f"renders at {result.width}x{result.height}, not the"
                                      f" {image.width}x{image.height} its tags were drawn"
                                      " on; left out"})
            continue
        name = f"image-{len(kept) + 1:03d}.{'png' if result.format == 'PNG' else 'jpg'}"
        shutil.copyfile(result.data_path, folder / name)
        image.file_name = name
        kept.append(image)
        public.made.append(result)
    if cancel.is_set():
        raise Stopped
    dataset.images = kept


def _rendered(case: Case, items: list[Evidence], scratch: Path,
              cancel: CancelFlag) -> Iterator[tuple[Evidence, object]]:
    # named=False: the Content Credentials name only the key's fingerprint, as a
    # publication without --actors does.
    yield from rendered_in_order(case, items, scratch, cancel, False)


def published_undecided(public: PublicPlan) -> list[str]:
    """The undecided items actually published (a copy that failed to render was not)."""
    published = {made.item.id for made in public.made}
    return [item_id for item_id in public.decided_now if item_id in published]


def public_manifest(dataset: Dataset, fmt: str, public: PublicPlan, app: str) -> dict:
    """What the public folder says about itself: no case, item or incident id."""
    return {"app": app, "format": fmt, "public": True, "labels": dataset.labels,
            "images": len(dataset.images), "tags": dataset.tag_count,
            "covered_tags_left_out": public.covered_tags,
            "files": [image.file_name for image in dataset.images]}
