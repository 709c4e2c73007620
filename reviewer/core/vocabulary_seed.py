"""The incident vocabulary shipped in resources/vocabulary.json, as rows to seed a case
with (the schema's migration writes them; core/vocabulary.py edits them later)."""

from __future__ import annotations

import uuid

from reviewer.core.resources import load_json

VOCABULARY_KINDS = ("violation", "munition")
_NAMESPACE = uuid.UUID("6b1f1c8e-3f57-4d0e-9a53-0c7c0f1e2a11")


def term_id(kind: str, term: str) -> str:
    """A term's id, from kind and term: two cases seeded apart (or adding the same term)
    agree on it, so their packages merge without duplicates."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{term.strip().lower()}"))


def seed_rows() -> list[tuple[str, str, str, str]]:
    """(id, kind, term, description) of every shipped term."""
    shipped = load_json("vocabulary.json")
    return [(term_id(kind, item["term"]), kind, item["term"], item.get("description", ""))
            for kind in VOCABULARY_KINDS for item in shipped[kind]]
