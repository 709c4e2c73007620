"""Every tagging and incident edit as an undoable command over core functions."""

from __future__ import annotations

import contextlib
from typing import Any

from reviewer.core import conflicts as conflict_ops
from reviewer.core import incidents as incident_ops
from reviewer.core import regions as region_ops
from reviewer.core import rotation as rotation_ops
from reviewer.core.errors import ReviewerError
from reviewer.ui.session import CaseSession, EditCommand


class AddRegion(EditCommand):
    def __init__(self, session: CaseSession, evidence_id: str, label_id: str, shape: str,
                 geometry: dict[str, Any], incident_id: str | None = None) -> None:
        super().__init__(session, f"Tag {shape}")
        self.evidence_id = evidence_id
        self.args = (label_id, shape, geometry)
        self.incident_id = incident_id
        self.region: region_ops.Region | None = None

    def apply(self) -> None:
        if self.region is None:
            self.region = region_ops.add_region(
                self.session.case, self.evidence_id, *self.args, incident_id=self.incident_id)
        else:
            region_ops.restore_region(self.session.case, self.region,
                                      [self.incident_id] if self.incident_id else [])
        self.session.regionsChanged.emit(self.evidence_id)
        if self.incident_id:
            self.session.incidentsChanged.emit()

    def revert(self) -> None:
        assert self.region is not None
        region_ops.delete_region(self.session.case, self.region.id)
        self.session.regionsChanged.emit(self.evidence_id)
        if self.incident_id:
            self.session.incidentsChanged.emit()


class DeleteRegions(EditCommand):
    def __init__(self, session: CaseSession, region_ids: list[str]) -> None:
        super().__init__(session, f"Delete {len(region_ids)} region(s)")
        self.region_ids = region_ids
        self.removed: list[tuple[region_ops.Region, list[str]]] = []

    def apply(self) -> None:
        self.removed = region_ops.delete_regions(self.session.case, self.region_ids)
        self._changed()

    def revert(self) -> None:
        for region, incidents in self.removed:
            region_ops.restore_region(self.session.case, region, incidents)
        self._changed()

    def _changed(self) -> None:
        for evidence_id in {region.evidence_id for region, _ in self.removed}:
            self.session.regionsChanged.emit(evidence_id)
        if any(incidents for _, incidents in self.removed):
            self.session.incidentsChanged.emit()


class EditRegion(EditCommand):
    """Move, resize, relabel or change a region's confidence or note."""

    def __init__(self, session: CaseSession, region_id: str, before: dict[str, Any],
                 after: dict[str, Any], text: str = "Edit region") -> None:
        super().__init__(session, text)
        self.region_id = region_id
        self.before, self.after = before, after

    def _set(self, values: dict[str, Any]) -> None:
        region = region_ops.update_region(self.session.case, self.region_id, **values)
        self.session.regionsChanged.emit(region.evidence_id)
        if "label" in values:
            self.session.incidentsChanged.emit()

    def apply(self) -> None:
        self._set(self.after)

    def revert(self) -> None:
        self._set(self.before)


class RotateDisplay(EditCommand):
    """Turn an image's display (and its regions) by quarter turns; the original stays."""

    def __init__(self, session: CaseSession, evidence_id: str, degrees: int) -> None:
        super().__init__(session, "Rotate clockwise" if degrees > 0 else "Rotate anticlockwise")
        self.evidence_id, self.degrees = evidence_id, degrees

    def _turn(self, degrees: int) -> None:
        rotation_ops.rotate_display(self.session.case, self.evidence_id, degrees)
        self.session.evidenceChanged.emit()
        self.session.regionsChanged.emit(self.evidence_id)

    def apply(self) -> None:
        self._turn(self.degrees)

    def revert(self) -> None:
        self._turn(-self.degrees)


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

    def apply(self) -> None:
        case = self.session.case
        if self.incident is None:
            values = dict(self.values)
            incident = incident_ops.add_incident(case, values.pop("title"), **values)
            try:
                incident_ops.link_to_incident(case, incident.id, self.region_ids,
                                              self.evidence_ids)
            except ReviewerError:        # a tag deleted meanwhile: no half-made incident
                incident_ops.delete_incident(case, incident.id)
                raise
            self.incident = incident
        else:
            incident_ops.restore_incident(case, self.incident, self.region_ids,
                                          self.evidence_ids)
        self.session.incidentsChanged.emit()

    def revert(self) -> None:
        assert self.incident is not None
        incident_ops.delete_incident(self.session.case, self.incident.id)
        self.session.incidentsChanged.emit()


class EditIncident(EditCommand):
    def __init__(self, session: CaseSession, incident_id: str, before: dict[str, Any],
                 after: dict[str, Any]) -> None:
        super().__init__(session, "Edit incident")
        self.incident_id = incident_id
        self.before, self.after = before, after

    def apply(self) -> None:
        incident_ops.update_incident(self.session.case, self.incident_id, **self.after)
        self.session.incidentsChanged.emit()

    def revert(self) -> None:
        incident_ops.update_incident(self.session.case, self.incident_id, **self.before)
        self.session.incidentsChanged.emit()


class DeleteIncident(EditCommand):
    def __init__(self, session: CaseSession, incident_id: str) -> None:
        super().__init__(session, "Delete incident")
        self.incident_id = incident_id
        self.removed: tuple[incident_ops.Incident, list[str], list[str]] | None = None

    def apply(self) -> None:
        self.removed = incident_ops.delete_incident(self.session.case, self.incident_id)
        self.session.incidentsChanged.emit()

    def revert(self) -> None:
        assert self.removed is not None
        incident_ops.restore_incident(self.session.case, *self.removed)
        self.session.incidentsChanged.emit()


class LinkToIncident(EditCommand):
    """Attach regions and/or whole items to an incident (only those not yet attached)."""

    def __init__(self, session: CaseSession, incident_id: str, region_ids: list[str],
                 evidence_ids: list[str]) -> None:
        super().__init__(session, "Attach to incident")
        self.incident_id = incident_id
        self.region_ids, self.evidence_ids = region_ids, evidence_ids
        self.linked_regions: list[str] = []
        self.linked_evidence: list[str] = []

    def apply(self) -> None:
        links = incident_ops.link_to_incident(self.session.case, self.incident_id,
                                              self.region_ids, self.evidence_ids)
        self.linked_regions = [link["region_id"] for link in links
                               if link["linked"] and "region_id" in link]
        self.linked_evidence = [link["evidence_id"] for link in links
                                if link["linked"] and "evidence_id" in link]
        self.session.incidentsChanged.emit()

    def unchanged(self) -> str:
        if self.linked_regions or self.linked_evidence:
            return ""
        return "Already attached to this incident: nothing to add"

    def revert(self) -> None:
        case = self.session.case
        for region_id in self.linked_regions:
            incident_ops.unlink_region(case, self.incident_id, region_id)
        for evidence_id in self.linked_evidence:
            incident_ops.unlink_evidence(case, self.incident_id, evidence_id)
        self.session.incidentsChanged.emit()


class SettleConflict(EditCommand):
    """Settle a merge conflict (keep mine, theirs or both); undo reopens it as it was."""

    def __init__(self, session: CaseSession, conflict_id: str, keep: str) -> None:
        super().__init__(session, f"Settle merge conflict (keep {keep})")
        self.conflict_id, self.keep = conflict_id, keep
        self.settlement: conflict_ops.Settlement | None = None

    def apply(self) -> None:
        self.settlement = conflict_ops.settle_conflict(self.session.case, self.conflict_id,
                                                       self.keep)
        self._changed()

    def revert(self) -> None:
        assert self.settlement is not None
        conflict_ops.undo_settlement(self.session.case, self.settlement)
        self._changed()

    def _changed(self) -> None:
        assert self.settlement is not None
        conflict = self.settlement.conflict
        if conflict.kind == "region":
            removed = self.settlement.removed_region
            evidence_id = removed[0].evidence_id if removed else ""
            for region_id in (conflict.local_id, conflict.incoming_id):
                if not evidence_id:
                    with contextlib.suppress(ReviewerError):
                        evidence_id = region_ops.get_region(self.session.case,
                                                            region_id).evidence_id
            self.session.regionsChanged.emit(evidence_id)
        self.session.incidentsChanged.emit()    # links, tag counts and the marks
