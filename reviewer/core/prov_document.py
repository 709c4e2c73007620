"""`provenance.jsonld`: a package's history as W3C PROV, in PROV-JSONLD, with Dublin Core.

Written from the package's own snapshot (so a partial export describes only what it
shares). Entities: every item (originals as imported, frames, derived images), every
tag, the package. Activities: import, frame extraction, derivation, tagging,
verification steps, the export. Agents: the investigators, by their key's fingerprint
where the audit log names it, and the app with its version. Items carry Dublin Core
terms: `dcterms:identifier` (urn:sha256:...), `created`, `spatial` (a geo: URI),
`source`, `language`, `accessRights`, and this app's provenance fields (`er:`).

The shape is the one the W3C PROV-JSONLD submission gives and the `prov` package reads
(`ProvDocument.deserialize(format="jsonld")`); tests load it that way.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from reviewer import __version__
from reviewer.core.case import Case
from reviewer.core.rows import as_dicts

PROVENANCE_DOCUMENT = "provenance.jsonld"   # its name in the package
CONTEXT = "https://openprovenance.org/prov-jsonld/context.jsonld"
NAMESPACES = {
    "uuid": "urn:uuid:",
    "key": "urn:x-minisign-key:",
    "person": "urn:x-evidence-reviewer:person:",
    "er": "urn:x-evidence-reviewer:",
    "dcterms": "http://purl.org/dc/terms/",
}
APP_AGENT = "er:app"
# How the audit log names a signer: "Name (FINGERPRINT)" (keys.Identity.audit_name).
_SIGNED = re.compile(r"^(?P<name>.*) \((?P<fp>[0-9A-Fa-f]{16})\)$")
_ITEM_TYPES = {"photo": "er:Original", "video": "er:Original", "frame": "er:Frame",
               "derived": "er:Derivative"}
# Item columns written as Dublin Core terms or as this app's terms (er:).
_ITEM_TERMS = (("mime", "dcterms:format"), ("language", "dcterms:language"),
               ("restriction", "dcterms:accessRights"), ("acquired_from", "er:acquiredFrom"),
               ("collected_by", "er:collectedBy"), ("collected_at", "er:collectedAt"),
               ("collection_tool", "er:collectionTool"), ("generation", "er:generation"),
               ("original_location", "er:originalLocation"),
               ("verification", "er:verification"), ("bytes", "er:bytes"))


def _values(*values: Any) -> list[dict[str, Any]]:
    return [{"@value": v} for v in values]


class _Graph:
    def __init__(self, actors: dict[str, str]) -> None:
        self.statements: list[dict[str, Any]] = []
        self.actors = actors      # display name -> key fingerprint
        self.agents: set[str] = set()

    def add(self, kind: str, **fields: Any) -> None:
        self.statements.append({"@type": kind, **fields})

    def agent(self, name: str | None) -> str:
        """The agent id of an actor: by key fingerprint where known, else by name."""
        name = name or "unknown"
        match = _SIGNED.match(name)
        fingerprint = match["fp"] if match else self.actors.get(name)
        label = match["name"] if match else name
        agent = f"key:{fingerprint.upper()}" if fingerprint else f"person:{quote(label, safe='')}"
        if agent not in self.agents:
            self.agents.add(agent)
            attrs: dict[str, Any] = {"type": ["prov:Person"], "label": _values(label)}
            if fingerprint:
                attrs["er:keyFingerprint"] = _values(fingerprint.upper())
            self.add("Agent", **{"@id": agent}, **attrs)
        return agent

    def activity(self, activity: str, label: str, at: str | None, actor: str | None,
                 **attrs: Any) -> None:
        times = {"startTime": at, "endTime": at} if at else {}
        self.add("Activity", **{"@id": activity}, **times, label=_values(label), **attrs)
        self.add("Association", activity=activity, agent=self.agent(actor))
        self.add("Association", activity=activity, agent=APP_AGENT)


def _actors(conn: Any) -> dict[str, str]:
    """Display name -> fingerprint, from the audit log's signed actor names."""
    found: dict[str, str] = {}
    for (actor,) in conn.execute("SELECT DISTINCT actor FROM audit"):
        match = _SIGNED.match(actor or "")
        if match:
            found.setdefault(match["name"], match["fp"].upper())
    return found


def _item(graph: _Graph, row: dict[str, Any]) -> None:
    attrs: dict[str, Any] = {"type": [_ITEM_TYPES.get(row["kind"], "prov:Entity")],
                             "label": _values(row["original_name"]),
                             "dcterms:identifier": _values(f"urn:sha256:{row['sha256']}")}
    created = row.get("taken_at_utc") or row.get("taken_at")
    if created:
        attrs["dcterms:created"] = _values(created)
    if row.get("gps_lat") is not None and row.get("gps_lon") is not None:
        attrs["dcterms:spatial"] = _values(f"geo:{row['gps_lat']},{row['gps_lon']}")
    if row.get("source_url"):
        attrs["dcterms:source"] = _values(row["source_url"])
    for column, term in _ITEM_TERMS:
        if row.get(column) not in (None, ""):
            attrs[term] = _values(row[column])
    if row.get("graphic"):
        attrs["er:graphic"] = _values(True)
    graph.add("Entity", **{"@id": f"uuid:{row['id']}"}, **attrs)


def _evidence(graph: _Graph, conn: Any) -> list[str]:
    ids = []
    rows = as_dicts(conn.execute("SELECT * FROM evidence ORDER BY imported_at, id"))
    for row in rows:
        entity = f"uuid:{row['id']}"
        ids.append(entity)
        _item(graph, row)
        if row["kind"] == "frame" and row.get("parent_id"):
            step = f"er:extraction/{row['id']}"
            graph.activity(step, "extraction", row["imported_at"], row["imported_by"],
                           **{"er:frameIndex": _values(row.get("frame_index")),
                              "er:timeOffsetMs": _values(row.get("frame_time_ms"))})
            graph.add("Usage", activity=step, entity=f"uuid:{row['parent_id']}")
            graph.add("Derivation", generatedEntity=entity, usedEntity=f"uuid:{row['parent_id']}",
                      activity=step)
        else:
            step = f"er:import/{row['id']}"
            graph.activity(step, "derivation" if row["kind"] == "derived" else "import",
                           row["imported_at"], row["imported_by"])
        graph.add("Generation", entity=entity, activity=step, time=row["imported_at"])
        graph.add("Attribution", entity=entity, agent=graph.agent(row["imported_by"]))
    for evidence_id, sources in conn.execute("SELECT evidence_id, sources FROM derivations"):
        for source in _sources(sources):
            graph.add("Derivation", generatedEntity=f"uuid:{evidence_id}",
                      usedEntity=f"uuid:{source}")
    return ids


def _sources(text: str) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    items = value if isinstance(value, list) else []
    return [str(s.get("id")) if isinstance(s, dict) else str(s) for s in items
            if (s.get("id") if isinstance(s, dict) else s)]


def _tags(graph: _Graph, conn: Any) -> None:
    for row in as_dicts(conn.execute(
            "SELECT r.id, r.evidence_id, r.shape, r.created_at, r.created_by, l.name AS label"
            " FROM regions r LEFT JOIN labels l ON l.id = r.label_id ORDER BY r.created_at")):
        entity, step = f"uuid:{row['id']}", f"er:tagging/{row['id']}"
        graph.add("Entity", **{"@id": entity}, type=["er:Tag"],
                  label=_values(row["label"] or ""), **{"er:shape": _values(row["shape"])})
        graph.activity(step, "tagging", row["created_at"], row["created_by"])
        graph.add("Usage", activity=step, entity=f"uuid:{row['evidence_id']}")
        graph.add("Generation", entity=entity, activity=step, time=row["created_at"])


def _verifications(graph: _Graph, conn: Any) -> None:
    for row in as_dicts(conn.execute("SELECT * FROM verifications ORDER BY recorded_at")):
        step = f"er:verification/{row['id']}"
        notes = {f"er:{name}": _values(row[name]) for name in (
            "source_analysis", "technical_analysis", "content_analysis", "note") if row[name]}
        graph.activity(step, "verification", row["recorded_at"], row["recorded_by"],
                       **{"er:status": _values(row["status"])}, **notes)
        graph.add("Usage", activity=step, entity=f"uuid:{row['evidence_id']}")


def provenance_jsonld(view: Case, package: dict[str, Any]) -> bytes:
    """The PROV-JSONLD document of the package `package` (its manifest's fields so far)
    written from the snapshot `view`."""
    conn = view.conn
    graph = _Graph(_actors(conn))
    graph.add("Agent", **{"@id": APP_AGENT}, type=["prov:SoftwareAgent"],
              label=_values(f"Evidence Reviewer {__version__}"),
              **{"er:version": _values(__version__)})
    items = _evidence(graph, conn)
    _tags(graph, conn)
    _verifications(graph, conn)
    exported_at = package["exported_at"]
    entity, step = "er:package", "er:export"
    graph.add("Entity", **{"@id": entity}, type=["er:Package"],
              label=_values(package.get("case_title") or ""),
              **{"dcterms:identifier": _values(f"urn:uuid:{package['case_id']}"),
                 "dcterms:created": _values(exported_at),
                 "er:selection": _values(json.dumps(package.get("selection") or {}))})
    graph.activity(step, "export", exported_at, package.get("exporter"))
    for item in items:
        graph.add("Usage", activity=step, entity=item)
    graph.add("Generation", entity=entity, activity=step, time=exported_at)
    document = {"@context": [NAMESPACES, CONTEXT], "@graph": graph.statements}
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
