"""Redaction decisions: which items an investigator has looked at before publishing.

An item is "decided" when it has a region marked redact, or when someone recorded that
it needs nothing (more) covered (a `redaction_reviews` row). A public export takes
decided items without asking; it names the others, one line each, and lets the person
choose (nothing is published unreviewed without a person saying so).
"""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.core.case import Case, Transaction
from reviewer.core.changes import NO_CHANGES, Changes, added, record_changes, removed
from reviewer.core.evidence import get_evidence


def mark_reviewed_in(tx: Transaction, evidence_ids: Iterable[str]) -> Changes:
    """Record that these items were looked at for redaction (one edit)."""
    changes = NO_CHANGES
    for evidence_id in evidence_ids:
        item = get_evidence(tx, evidence_id)
        if tx.conn.execute("SELECT 1 FROM redaction_reviews WHERE evidence_id = ?",
                           (item.id,)).fetchone():
            continue
        tx.conn.execute("INSERT INTO redaction_reviews (evidence_id, reviewed_at, reviewed_by)"
                        " VALUES (?, ?, ?)", (item.id, tx.at, tx.actor))
        step = added(tx.conn, "redaction_review", item.id)
        record_changes(tx, "redaction.reviewed", step, item.id, {})
        changes |= step
    return changes


def unmark_reviewed_in(tx: Transaction, evidence_ids: Iterable[str]) -> Changes:
    """Take back "looked at for redaction" (undo of mark_reviewed_in)."""
    changes = NO_CHANGES
    for evidence_id in evidence_ids:
        step = removed(tx.conn, "redaction_review", evidence_id)
        if not step.of("redaction_review")[0].row:
            continue
        tx.conn.execute("DELETE FROM redaction_reviews WHERE evidence_id = ?", (evidence_id,))
        record_changes(tx, "redaction.unreviewed", step, evidence_id, {})
        changes |= step
    return changes


def mark_reviewed(case: Case, evidence_ids: Iterable[str]) -> Changes:
    with case.write() as tx:
        return mark_reviewed_in(tx, list(evidence_ids))


def is_decided(case: Case | Transaction, evidence_id: str) -> bool:
    return case.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM regions WHERE evidence_id = ? AND redact = 1)"
        " OR EXISTS (SELECT 1 FROM redaction_reviews WHERE evidence_id = ?)",
        (evidence_id, evidence_id)).fetchone()[0] == 1


def undecided(case: Case | Transaction, evidence_ids: Iterable[str]) -> list[str]:
    """The items among `evidence_ids` with no redaction decided, in the order given."""
    return [evidence_id for evidence_id in evidence_ids if not is_decided(case, evidence_id)]
