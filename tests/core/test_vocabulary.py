"""Incidents' kind of violation and munitions observed, from the case's own vocabulary."""

from __future__ import annotations

import json
import sqlite3

import pytest

from reviewer.core.errors import ValidationError
from reviewer.core.incidents import add_incident, update_incident
from reviewer.core.verify import verify_case
from reviewer.core.vocabulary import add_term, list_terms, munitions_of, vocabulary_sources


def test_a_new_case_is_seeded_from_resources_with_its_sources_noted(case):
    violations = [t.term for t in list_terms(case, "violation")]
    munitions = [t.term for t in list_terms(case, "munition")]
    assert "attack on cultural property" in violations and "cluster munition" in munitions
    sources = vocabulary_sources()
    assert "Rome Statute" in sources["violation"] and "licence" in sources


def test_incident_terms_are_spelt_as_the_vocabulary_has_them(case):
    incident = add_incident(case, "Strike", violation="Attack On Civilians",
                            munitions=["Barrel bomb", "barrel bomb", "submunition"])
    assert incident.violation == "attack on civilians"
    assert munitions_of(incident.munitions) == ["barrel bomb", "submunition"]
    changed = update_incident(case, incident.id, munitions=None, violation=None)
    assert changed.violation == "" and json.loads(changed.munitions) == []


def test_a_term_not_in_the_vocabulary_is_refused_until_added(case):
    incident = add_incident(case, "Strike")
    with pytest.raises(ValidationError, match="not in the case's munition vocabulary"):
        update_incident(case, incident.id, munitions=["sling stone"])
    add_term(case, "munition", "sling stone", "a stone")
    assert munitions_of(update_incident(case, incident.id, munitions=["sling stone"]).munitions
                        ) == ["sling stone"]
    with pytest.raises(ValidationError, match="already in"):
        add_term(case, "munition", "Sling Stone")


def test_vocabulary_edits_replay_and_a_hand_edit_is_named(case):
    add_term(case, "violation", "attack on journalists")
    assert verify_case(case).ok
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("UPDATE vocabulary SET term = 'nothing' WHERE term = 'pillage'")
    raw.close()
    details = [p["detail"] for p in verify_case(case).problems if p["kind"] == "history"]
    assert any(d.startswith("vocabulary ") and "term is \"nothing\"" in d for d in details)
