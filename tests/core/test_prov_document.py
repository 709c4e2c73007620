"""Every package carries `provenance.jsonld` (W3C PROV, Dublin Core), loaded here with the
`prov` package; items' provenance travels in the package, a partial one only for what it
shares."""

from __future__ import annotations

import json
import sqlite3
import zipfile

import prov.model as pm
from package_support import rows

from reviewer.core.export import export_case
from reviewer.core.package_verify import verify_package
from reviewer.core.provenance import set_provenance

DCT = pm.Namespace("dcterms", "http://purl.org/dc/terms/")
ER = pm.Namespace("er", "urn:x-evidence-reviewer:")


def _document(package) -> pm.ProvDocument:
    with zipfile.ZipFile(package) as zf:
        text = zf.read("provenance.jsonld").decode("utf-8")
        manifest = json.loads(zf.read("manifest.json"))
    assert "provenance.jsonld" in {f["path"] for f in manifest["files"]}
    return pm.ProvDocument.deserialize(content=text, format="jsonld")


def _one(record, attribute):
    values = list(record.get_attribute(attribute))
    assert len(values) == 1, (record, attribute, values)
    return values[0]


def test_the_whole_case_as_prov_entities_activities_and_agents(demo, tmp_path):
    items = rows(demo, "SELECT id, kind, sha256, parent_id FROM evidence")
    photo = next(i for i in items if i["kind"] == "photo")
    set_provenance(demo, [photo["id"]], {"source_url": "https://example.org/post/7",
                                         "verification": "verified", "language": "ar"},
                   {"content_analysis": "landmarks match"})
    export_case(demo, tmp_path / "out.zip")
    document = _document(tmp_path / "out.zip")

    entities = {str(r.identifier): r for r in document.get_records(pm.ProvEntity)}
    for item in items:
        entity = entities[f"uuid:{item['id']}"]
        assert _one(entity, DCT["identifier"]) == f"urn:sha256:{item['sha256']}"
    shown = entities[f"uuid:{photo['id']}"]
    assert _one(shown, DCT["source"]) == "https://example.org/post/7"
    assert _one(shown, ER["verification"]) == "verified"
    assert _one(shown, DCT["language"]) == "ar"
    assert "er:package" in entities

    activities = [r for r in document.get_records(pm.ProvActivity)]
    labels = {str(_one(a, pm.PROV_LABEL)) for a in activities}
    assert {"import", "tagging", "verification", "export"} <= labels
    frames = [i for i in items if i["kind"] == "frame"]
    if frames:
        assert "extraction" in labels
        derived = {(str(d.get_attribute(pm.PROV_ATTR_GENERATED_ENTITY).pop()),
                    str(d.get_attribute(pm.PROV_ATTR_USED_ENTITY).pop()))
                   for d in document.get_records(pm.ProvDerivation)}
        assert (f"uuid:{frames[0]['id']}", f"uuid:{frames[0]['parent_id']}") in derived

    agents = {str(r.identifier): r for r in document.get_records(pm.ProvAgent)}
    assert f"key:{demo.signer.fingerprint.upper()}" in agents
    app = agents["er:app"]
    assert pm.PROV["SoftwareAgent"] in set(app.get_attribute(pm.PROV_TYPE))


def test_a_partial_package_describes_and_carries_only_what_it_shares(demo, tmp_path):
    incident = rows(demo, "SELECT id FROM incidents ORDER BY title LIMIT 1")[0]["id"]
    shared = {r["evidence_id"] for r in rows(
        demo, "SELECT r.evidence_id FROM incident_regions ir JOIN regions r"
              " ON r.id = ir.region_id WHERE ir.incident_id = ? UNION SELECT evidence_id"
              " FROM incident_evidence WHERE incident_id = ?", (incident, incident))}
    others = [r["id"] for r in rows(demo, "SELECT id FROM evidence")
              if r["id"] not in shared]
    assert shared and others
    set_provenance(demo, sorted(shared) + others, {"verification": "in-review",
                                                   "acquired_from": "a witness"})
    export_case(demo, tmp_path / "part.zip", incidents=[incident])
    assert verify_package(tmp_path / "part.zip").ok

    entities = {str(r.identifier) for r in _document(tmp_path / "part.zip")
                .get_records(pm.ProvEntity)}
    assert all(f"uuid:{i}" in entities for i in shared)
    assert not any(f"uuid:{i}" in entities for i in others)
    with zipfile.ZipFile(tmp_path / "part.zip") as zf:
        (tmp_path / "db.sqlite").write_bytes(zf.read("case.sqlite"))
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    carried = {row[0] for row in conn.execute("SELECT evidence_id FROM verifications")}
    fields = set(conn.execute("SELECT acquired_from FROM evidence").fetchall())
    conn.close()
    assert carried == shared and fields == {("a witness",)}


def test_merge_brings_verification_steps_and_new_terms(demo, tmp_path):
    from reviewer.core.case import create_case
    from reviewer.core.merge import merge_package
    from reviewer.core.provenance import verification_history
    from reviewer.core.verify import verify_case
    from reviewer.core.vocabulary import add_term, list_terms

    item = rows(demo, "SELECT id FROM evidence WHERE kind = 'photo' LIMIT 1")[0]["id"]
    set_provenance(demo, [item], {"verification": "disputed", "collected_by": "Ana"},
                   {"source_analysis": "account created the day before"})
    add_term(demo, "munition", "sling stone")
    export_case(demo, tmp_path / "out.zip")
    with create_case(tmp_path / "colleague", actor="bob") as colleague:
        merge_package(colleague, tmp_path / "out.zip", accept_untrusted=True)
        [step] = verification_history(colleague, item)
        assert (step.status, step.source_analysis) == ("disputed",
                                                       "account created the day before")
        assert "sling stone" in [t.term for t in list_terms(colleague, "munition")]
        assert rows(colleague, "SELECT collected_by FROM evidence WHERE id = ?",
                    (item,)) == [{"collected_by": "Ana"}]
        assert verify_case(colleague).ok
