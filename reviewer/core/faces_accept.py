"""Accepting face suggestions: a person's decision turns them into redaction regions.

Kept apart from faces.py (which only looks at pixels and writes nothing): this is an
edit of the case, one transaction, one `Changes`, each region's own audit record
carrying its after-state, so `reviewer verify` replays it like any tag.
"""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.core.case import Transaction
from reviewer.core.changes import NO_CHANGES, Changes
from reviewer.core.faces import FaceSuggestion
from reviewer.core.regions import add_region_in

# The default vocabulary's label for people; a case may name another with --label.
FACE_LABEL = "person"


def face_note(suggestion: FaceSuggestion) -> str:
    """What a region made from a suggestion says of its origin (kept in the region's row
    and so in the history: which detector proposed it, with what score)."""
    return f"face suggested by {suggestion.detector}, score {suggestion.score:.2f}"


def accept_faces_in(tx: Transaction, suggestions: Iterable[FaceSuggestion], *,
                    label: str = FACE_LABEL) -> Changes:
    """Add each suggestion (as it is, or as the investigator adjusted it) as a redaction
    region of `label`, covered by an opaque fill (whatever the label's default: a face is
    the kind of area blur and pixelation fail to hide); its score is the region's
    confidence. One edit: one undo step."""
    changes = NO_CHANGES
    for suggestion in suggestions:
        changes |= add_region_in(
            tx, suggestion.evidence_id, label, "rect",
            {"x": suggestion.x, "y": suggestion.y, "w": suggestion.w, "h": suggestion.h},
            confidence=round(min(max(suggestion.score, 0.0), 1.0), 4),
            note=face_note(suggestion), redact=True, redact_method="fill")
    return changes
