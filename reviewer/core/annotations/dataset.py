"""What an annotation export holds: the chosen labels (the classes) and, for every image
with a tag of one of them, its tags and the incidents they belong to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.core.case import Case
from reviewer.core.evidence import get_evidence, media_path
from reviewer.core.incidents import Incident, get_incident, resolve_incident_id
from reviewer.core.labels import find_label, list_labels
from reviewer.core.regions import list_regions
from reviewer.core.shape import Shape


@dataclass(frozen=True)
class Tag:
    region_id: str
    label: str
    category: int          # index of the label in Dataset.labels
    shape: Shape           # in displayed pixels
    note: str = ""
    redact: bool = False   # covered in public exports: never exported with --public


@dataclass
class TaggedImage:
    evidence_id: str
    original_name: str
    source: Path
    width: int             # as displayed
    height: int
    rotation: int = 0      # the display turn the tags were drawn on (evidence.display_rotation)
    tags: list[Tag] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    file_name: str = ""    # of the upright copy, once written (images.py)


@dataclass
class Dataset:
    labels: list[str]
    images: list[TaggedImage]
    incident_ids: list[str]
    public: bool = False   # the writers leave out every case, item and region id

    @property
    def tag_count(self) -> int:
        return sum(len(image.tags) for image in self.images)

    def summary(self) -> dict[str, Any]:
        return {"labels": self.labels, "incidents": self.incident_ids,
                "images": len(self.images), "tags": self.tag_count}


def _chosen_labels(case: Case, labels: Sequence[str]) -> list[tuple[str, str]]:
    """(id, name) of the labels asked for, or of every label of the case, by name."""
    found = [find_label(case, name) for name in labels] if labels else list_labels(case)
    unique = {label.id: label.name for label in found}
    return sorted(unique.items(), key=lambda item: item[1].casefold())


def collect(case: Case, labels: Sequence[str] = (), incidents: Sequence[str] = ()) -> Dataset:
    """The tags to export; NotFoundError naming an unknown label or incident."""
    chosen = _chosen_labels(case, labels)
    incident_ids = list(dict.fromkeys(resolve_incident_id(case, i) for i in incidents))
    category = {label_id: index for index, (label_id, _) in enumerate(chosen)}
    in_incidents: set[str] | None = None
    if incident_ids:
        marks = ",".join("?" * len(incident_ids))
        in_incidents = {row[0] for row in case.conn.execute(
            f"SELECT region_id FROM incident_regions WHERE incident_id IN ({marks})",
            incident_ids)}
    images: dict[str, TaggedImage] = {}
    for region in list_regions(case):
        if region.label_id not in category:
            continue
        if in_incidents is not None and region.id not in in_incidents:
            continue
        image = images.get(region.evidence_id)
        if image is None:
            row = get_evidence(case, region.evidence_id)
            image = images[region.evidence_id] = TaggedImage(
                row["id"], row["original_name"], media_path(case, row),
                int(row["width"]), int(row["height"]), row.display_rotation or 0)
        image.tags.append(Tag(region.id, region.label, category[region.label_id],
                              region.shape_value, region.note, bool(region.redact)))
    for image in images.values():
        image.incidents = _incidents_of(case, image, incident_ids)
    return Dataset([name for _, name in chosen], list(images.values()), incident_ids)


def _incidents_of(case: Case, image: TaggedImage, chosen: list[str]) -> list[Incident]:
    """The incidents the image's exported tags, or the image itself, belong to (only the
    chosen ones when some were)."""
    region_ids = [tag.region_id for tag in image.tags]
    marks = ",".join("?" * len(region_ids))
    rows = case.conn.execute(
        f"SELECT incident_id FROM incident_regions WHERE region_id IN ({marks})"
        " UNION SELECT incident_id FROM incident_evidence WHERE evidence_id = ?",
        [*region_ids, image.evidence_id])
    ids = sorted({row[0] for row in rows if not chosen or row[0] in chosen})
    return [get_incident(case, incident_id) for incident_id in ids]
