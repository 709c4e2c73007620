"""The case's incident vocabulary: kinds of violation and weapons/munitions observed.

A new case (or one migrated to schema 11) starts from resources/vocabulary.json; an
investigator adds terms of their own. Incidents name terms from it (`incidents.violation`,
`incidents.munitions`), so a report and a colleague's merge read the same words.
Seeded terms have ids derived from kind and term, so two cases seeded apart agree.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from reviewer.core.case import Case, Transaction
from reviewer.core.changes import Changes, added, record_changes
from reviewer.core.errors import ValidationError
from reviewer.core.resources import load_json
from reviewer.core.rows import as_records
from reviewer.core.vocabulary_seed import VOCABULARY_KINDS, term_id


@dataclass(frozen=True)
class Term:
    id: str
    kind: str
    term: str
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def vocabulary_sources() -> dict[str, str]:
    """Where the shipped lists come from, and their licence (shown by `vocabulary list`)."""
    shipped = load_json("vocabulary.json")
    return {**shipped["sources"], "licence": shipped["licence"]}


def _check_kind(kind: str) -> None:
    if kind not in VOCABULARY_KINDS:
        raise ValidationError(kind, f"a vocabulary is one of {', '.join(VOCABULARY_KINDS)}")


def list_terms(case: Case | Transaction, kind: str) -> list[Term]:
    _check_kind(kind)
    return as_records(Term, case.conn.execute(
        "SELECT id, kind, term, description FROM vocabulary WHERE kind = ?"
        " ORDER BY term COLLATE NOCASE", (kind,)))


def find_term(case: Case | Transaction, kind: str, text: str) -> str:
    """The term as the vocabulary spells it, or a one-line error naming some allowed."""
    _check_kind(kind)
    row = case.conn.execute("SELECT term FROM vocabulary WHERE kind = ? AND term = ?"
                            " COLLATE NOCASE", (kind, text.strip())).fetchone()
    if row is None:
        known = [t.term for t in list_terms(case, kind)]
        shown = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
        raise ValidationError(text, f"not in the case's {kind} vocabulary ({shown}); add it"
                                    f" with: reviewer vocabulary add CASE {kind} TERM")
    return str(row[0])


def add_term_in(tx: Transaction, kind: str, term: str, description: str = "") -> Changes:
    _check_kind(kind)
    term = term.strip()
    if not term:
        raise ValidationError(kind, "a term cannot be empty")
    if tx.conn.execute("SELECT 1 FROM vocabulary WHERE kind = ? AND term = ? COLLATE NOCASE",
                       (kind, term)).fetchone():
        raise ValidationError(term, f"already in the case's {kind} vocabulary")
    new = term_id(kind, term)
    tx.conn.execute("INSERT INTO vocabulary (id, kind, term, description) VALUES (?, ?, ?, ?)",
                    (new, kind, term, description))
    changes = added(tx.conn, "vocabulary", new)
    record_changes(tx, "vocabulary.add", changes, new, {"kind": kind, "term": term})
    return changes


def add_term(case: Case, kind: str, term: str, description: str = "") -> Term:
    with case.write() as tx:
        changes = add_term_in(tx, kind, term, description)
    row = changes.of("vocabulary")[0].row
    return Term(row["id"], row["kind"], row["term"], row["description"])


def munitions_of(text: str | None) -> list[str]:
    """An incident's `munitions` column as a list (it holds a JSON array)."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def incident_vocabulary(case: Case | Transaction) -> dict[str, list[str]]:
    """The case's terms by kind, as an incident form offers them."""
    return {kind: [t.term for t in list_terms(case, kind)] for kind in VOCABULARY_KINDS}
