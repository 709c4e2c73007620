"""Every tagging, incident and label edit as an undoable command over core functions.

Each command's apply and revert write in the one transaction the session opens and
return the core's Changes; the session refreshes the views from that value.
"""

from __future__ import annotations

from typing import Any

from reviewer.core import conflicts as conflict_ops
from reviewer.core import incidents as incident_ops
from reviewer.core import labels as label_ops
from reviewer.core import redaction as redaction_ops
from reviewer.core import regions as region_ops
from reviewer.core import rotation as rotation_ops
from reviewer.core.case import Transaction
from reviewer.core.changes import Changes
from reviewer.core.shape import shape_noun
from reviewer.ui.session import CaseSession, EditCommand


class AddRegion(EditCommand):
    def __init__(self, session: CaseSession, evidence_id: str, label_id: str, shape: str,
                 geometry: dict[str, Any], incident_id: str | None = None,
                 redact: bool | None = None) -> None:
        # What undo says: "Undo Tag gas cylinder (box)", in the user's words.
        label = label_ops.find_label(session.case, label_id).name
        super().__init__(session, f"Tag {label} ({shape_noun(shape)})")
        self.evidence_id = evidence_id
        self.args = (label_id, shape, geometry)
        self.incident_id = incident_id
        self.redact = redact        # None: as the label says
        self.region: region_ops.Region | None = None

    def apply(self, tx: Transaction) -> Changes:
        if self.region is not None:
            return region_ops.restore_region_in(
                tx, self.region, [self.incident_id] if self.incident_id else [])
        changes = region_ops.add_region_in(tx, self.evidence_id, *self.args,
                                           incident_id=self.incident_id, redact=self.redact)
        self.region = region_ops.get_region(tx, str(changes.ids("region")[0]))
        return changes

    def revert(self, tx: Transaction) -> Changes:
        assert self.region is not None
        return region_ops.delete_regions_in(tx, [self.region.id])


class DeleteRegions(EditCommand):
    def __init__(self, session: CaseSession, region_ids: list[str]) -> None:
        super().__init__(session, f"Delete {len(region_ids)} region(s)")
        self.region_ids = region_ids
        self.removed: list[tuple[region_ops.Region, list[str]]] = []

    def apply(self, tx: Transaction) -> Changes:
        regions = [region_ops.get_region(tx, region_id) for region_id in self.region_ids]
        changes = region_ops.delete_regions_in(tx, self.region_ids)
        links = changes.ids("incident_region", "removed")
        self.removed = [(region, [str(key[0]) for key in links if key[1] == region.id])
                        for region in regions]
        return changes

    def revert(self, tx: Transaction) -> Changes:
        changes = Changes()
        for region, incidents in self.removed:
            changes |= region_ops.restore_region_in(tx, region, incidents)
        return changes


class EditRegion(EditCommand):
    """Move, resize, relabel or change a region's confidence or note."""

    def __init__(self, session: CaseSession, region_id: str, before: dict[str, Any],
                 after: dict[str, Any], text: str = "Edit region") -> None:
        super().__init__(session, text)
        self.region_id = region_id
        self.before, self.after = before, after

    def apply(self, tx: Transaction) -> Changes:
        return region_ops.update_region_in(tx, self.region_id, **self.after)

    def revert(self, tx: Transaction) -> Changes:
        return region_ops.update_region_in(tx, self.region_id, **self.before)


class RelabelRegions(EditCommand):
    """Give every selected region one label: one undo step however many there are."""

    def __init__(self, session: CaseSession, regions: list[region_ops.Region],
                 label_id: str) -> None:
        moving = [region for region in regions if region.label_id != label_id]
        super().__init__(session, f"Relabel {len(moving)} region(s)")
        self.before = {region.id: region.label_id for region in moving}
        self.label_id = label_id

    def apply(self, tx: Transaction) -> Changes:
        return region_ops.relabel_regions_in(tx, list(self.before), self.label_id)

    def revert(self, tx: Transaction) -> Changes:
        changes = Changes()
        for region_id, label_id in self.before.items():
            changes |= region_ops.update_region_in(tx, region_id, label=label_id)
        return changes


class SetRedaction(EditCommand):
    """Mark (or unmark) regions for redaction: one undo step however many there are."""

    def __init__(self, session: CaseSession, regions: list[region_ops.Region],
                 redact: bool) -> None:
        # A point marks a spot and covers nothing: left out of a redaction.
        changing = [region for region in regions if region.redact != redact
                    and not (redact and region.shape_value.is_marker)]
        super().__init__(session, f"{'Redact' if redact else 'Unredact'}"
                                  f" {len(changing)} region(s)")
        self.region_ids = [region.id for region in changing]
        self.redact = redact

    def apply(self, tx: Transaction) -> Changes:
        return region_ops.set_redact_in(tx, self.region_ids, self.redact)

    def revert(self, tx: Transaction) -> Changes:
        return region_ops.set_redact_in(tx, self.region_ids, not self.redact)


class SetRedactionMethod(EditCommand):
    """Cover the regions (marked redact) by fill, blur or pixelation: one undo step."""

    def __init__(self, session: CaseSession, regions: list[region_ops.Region],
                 method: str) -> None:
        changing = [region for region in regions if region.redact_method != method]
        super().__init__(session, f"Redaction by {method}: {len(changing)} region(s)")
        self.before = {region.id: (region.redact, region.redact_method) for region in changing}
        self.method = method

    def apply(self, tx: Transaction) -> Changes:
        return region_ops.set_redact_in(tx, list(self.before), True, self.method)

    def revert(self, tx: Transaction) -> Changes:
        changes = Changes()
        for region_id, (redact, method) in self.before.items():
            changes |= region_ops.update_region_in(tx, region_id, redact=redact,
                                                   redact_method=method)
        return changes


class MarkReviewed(EditCommand):
    """Record that items were looked at for redaction and need nothing (more) covered."""

    def __init__(self, session: CaseSession, evidence_ids: list[str]) -> None:
        super().__init__(session, f"Reviewed for redaction: {len(evidence_ids)} item(s)")
        self.evidence_ids = evidence_ids
        self.marked: list[str] = []

    def apply(self, tx: Transaction) -> Changes:
        changes = redaction_ops.mark_reviewed_in(tx, self.evidence_ids)
        self.marked = [str(key) for key in changes.ids("redaction_review")]
        return changes

    def unchanged(self) -> str:
        return "Already reviewed for redaction: nothing to record"

    def revert(self, tx: Transaction) -> Changes:
        return redaction_ops.unmark_reviewed_in(tx, self.marked)


class RotateDisplay(EditCommand):
    """Turn an image's display (and its regions) by quarter turns; the original stays."""

    def __init__(self, session: CaseSession, evidence_id: str, degrees: int) -> None:
        super().__init__(session, "Rotate clockwise" if degrees > 0 else "Rotate anticlockwise")
        self.evidence_id, self.degrees = evidence_id, degrees

    def apply(self, tx: Transaction) -> Changes:
        return rotation_ops.rotate_display_in(tx, self.evidence_id, self.degrees)

    def revert(self, tx: Transaction) -> Changes:
        return rotation_ops.rotate_display_in(tx, self.evidence_id, -self.degrees)


def region_values(region: region_ops.Region, keys: list[str]) -> dict[str, Any]:
    """The editable values of a region, in update_region's terms, for an EditRegion."""
    source = {"label": region.label_id, "shape": region.shape, "geometry": region.geometry,
              "confidence": region.confidence, "note": region.note}
    return {key: source[key] for key in keys}


class AddIncident(EditCommand):
    def __init__(self, session: CaseSession, values: dict[str, Any],
                 region_ids: list[str] | None = None,
                 evidence_ids: list[str] | None = None) -> None:
        super().__init__(session, f"New incident {values.get('title', '')!r}")
        self.values = dict(values)
        self.region_ids = region_ids or []
        self.evidence_ids = evidence_ids or []
        self.incident: incident_ops.Incident | None = None

    def apply(self, tx: Transaction) -> Changes:
        if self.incident is not None:
            return incident_ops.restore_incident_in(tx, self.incident, self.region_ids,
                                                    self.evidence_ids)
        values = dict(self.values)
        # One transaction: a tag deleted meanwhile leaves no half-made incident.
        changes = incident_ops.add_incident_in(tx, values.pop("title"),
                                               region_ids=self.region_ids,
                                               evidence_ids=self.evidence_ids, **values)
        self.incident = incident_ops.get_incident(tx, str(changes.ids("incident")[0]))
        return changes

    def revert(self, tx: Transaction) -> Changes:
        assert self.incident is not None
        return incident_ops.delete_incident_in(tx, self.incident.id)


class EditIncident(EditCommand):
    def __init__(self, session: CaseSession, incident_id: str, before: dict[str, Any],
                 after: dict[str, Any]) -> None:
        super().__init__(session, "Edit incident")
        self.incident_id = incident_id
        self.before, self.after = before, after

    def apply(self, tx: Transaction) -> Changes:
        return incident_ops.update_incident_in(tx, self.incident_id, **self.after)

    def revert(self, tx: Transaction) -> Changes:
        return incident_ops.update_incident_in(tx, self.incident_id, **self.before)

    def unchanged(self) -> str:
        return "The incident already says that: nothing to save"


class DeleteIncident(EditCommand):
    def __init__(self, session: CaseSession, incident_id: str) -> None:
        super().__init__(session, "Delete incident")
        self.incident_id = incident_id
        self.removed: tuple[incident_ops.Incident, list[str], list[str]] | None = None

    def apply(self, tx: Transaction) -> Changes:
        incident = incident_ops.get_incident(tx, self.incident_id)
        changes = incident_ops.delete_incident_in(tx, self.incident_id)
        self.removed = (incident,
                        [str(key[1]) for key in changes.ids("incident_region")],
                        [str(key[1]) for key in changes.ids("incident_evidence")])
        return changes

    def revert(self, tx: Transaction) -> Changes:
        assert self.removed is not None
        return incident_ops.restore_incident_in(tx, *self.removed)


class LinkToIncident(EditCommand):
    """Attach regions and/or whole items to an incident (only those not yet attached)."""

    def __init__(self, session: CaseSession, incident_id: str, region_ids: list[str],
                 evidence_ids: list[str]) -> None:
        super().__init__(session, "Attach to incident")
        self.incident_id = incident_id
        self.region_ids, self.evidence_ids = region_ids, evidence_ids
        self.linked = Changes()

    def apply(self, tx: Transaction) -> Changes:
        self.linked = incident_ops.link_to_incident_in(tx, self.incident_id, self.region_ids,
                                                       self.evidence_ids)
        return self.linked

    def unchanged(self) -> str:
        return "Already attached to this incident: nothing to add"

    def revert(self, tx: Transaction) -> Changes:
        return incident_ops.unlink_all_in(tx, self.linked)


class AddLabel(EditCommand):
    def __init__(self, session: CaseSession, name: str) -> None:
        super().__init__(session, f"New label {name!r}")
        self.name = name
        self.added: dict[str, Any] = {}

    def apply(self, tx: Transaction) -> Changes:
        if self.added:      # redo: the very same label
            return label_ops.restore_label_in(tx, self.added)
        changes = label_ops.add_label_in(tx, self.name)
        self.added = dict(changes.of("label", "added")[0].row)
        return changes

    def revert(self, tx: Transaction) -> Changes:
        return label_ops.delete_label_in(tx, self.added["id"])


class EditLabel(EditCommand):
    """Rename, recolour or give a shortcut to a label; undo also gives a shortcut back to
    the label it was taken from."""

    def __init__(self, session: CaseSession, label_id: str, text: str, **values: Any) -> None:
        super().__init__(session, text)
        self.label_id, self.values = label_id, values
        self.before: list[label_ops.Label] = []

    def apply(self, tx: Transaction) -> Changes:
        labels = {label.id: label for label in label_ops.list_labels(tx)}
        changes = label_ops.update_label_in(tx, self.label_id, **self.values)
        self.before = [labels[str(key)] for key in changes.ids("label")]
        return changes

    def revert(self, tx: Transaction) -> Changes:
        changes = Changes()
        # The edited label first: it gives back the key before its old holder takes it.
        for label in sorted(self.before, key=lambda lb: lb.id != self.label_id):
            changes |= label_ops.put_label_in(tx, label)
        return changes


class MergeLabels(EditCommand):
    def __init__(self, session: CaseSession, source_id: str, target_id: str) -> None:
        super().__init__(session, "Merge labels")
        self.source_id, self.target_id = source_id, target_id
        self.merged = Changes()

    def apply(self, tx: Transaction) -> Changes:
        self.merged = label_ops.merge_labels_in(tx, self.source_id, self.target_id)
        return self.merged

    def revert(self, tx: Transaction) -> Changes:
        return label_ops.unmerge_labels_in(tx, self.merged)


class SettleConflict(EditCommand):
    """Settle a merge conflict (keep mine, theirs or both); undo reopens it as it was."""

    def __init__(self, session: CaseSession, conflict_id: str, keep: str) -> None:
        super().__init__(session, f"Settle merge conflict (keep {keep})")
        self.conflict_id, self.keep = conflict_id, keep
        self.settlement: conflict_ops.Settlement | None = None

    def apply(self, tx: Transaction) -> Changes:
        self.settlement = conflict_ops.settle_conflict_in(tx, self.conflict_id, self.keep)
        return self.settlement.changes

    def revert(self, tx: Transaction) -> Changes:
        assert self.settlement is not None
        return conflict_ops.undo_settlement_in(tx, self.settlement)
