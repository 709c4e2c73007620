"""Evidence the app made (kind 'derived'), stored like an original and traced to its sources.

A derived image is a PNG in the content-addressed media store with its own SHA-256
(so verify re-hashes it like any original), a thumbnail in the cache, and a row in
`derivations`: the sources by id, hash and role, the recipe that made it, and the app
version. Making the same image again (same bytes) gives back the item already there.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from typing import Any

from PIL import Image

from reviewer import __version__
from reviewer.core import media_store
from reviewer.core.atomic import replacing
from reviewer.core.case import Case
from reviewer.core.clock import new_id
from reviewer.core.evidence import Evidence, get_evidence
from reviewer.core.imaging import THUMB_SIZE
from reviewer.core.ingest import thumbnail_path


@dataclass(frozen=True)
class Source:
    evidence_id: str
    sha256: str
    role: str            # 'before', 'after', ...

    def to_dict(self) -> dict[str, str]:
        return {"id": self.evidence_id, "sha256": self.sha256, "role": self.role}


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def _write_thumbnail(case: Case, sha256: str, image: Image.Image) -> None:
    small = image.convert("RGB")
    small.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    target = thumbnail_path(case.path, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as temporary:
        small.save(temporary, "JPEG", quality=85)


def derivation(case: Case, evidence_id: str) -> dict[str, Any] | None:
    """What a derived item was made from: sources, recipe, app version (None: not derived)."""
    row = case.conn.execute(
        "SELECT evidence_id, comparison_id, sources, recipe, app_version FROM derivations"
        " WHERE evidence_id = ?", (evidence_id,)).fetchone()
    if row is None:
        return None
    return {"evidence_id": row[0], "comparison_id": row[1], "sources": json.loads(row[2]),
            "recipe": json.loads(row[3]), "app_version": row[4]}


def made_from(case: Case, evidence_id: str) -> list[dict[str, Any]]:
    """The derived items made from an item (published copies, comparisons, shared copies):
    each {'id', 'name', 'recipe'}, oldest first, so `show` tells an original's history."""
    rows = case.conn.execute(
        "SELECT d.evidence_id, e.original_name, d.recipe FROM derivations d"
        " JOIN evidence e ON e.id = d.evidence_id, json_each(d.sources) s"
        " WHERE json_extract(s.value, '$.id') = ? ORDER BY e.imported_at, e.id",
        (evidence_id,)).fetchall()
    return [{"id": row[0], "name": row[1], "recipe": json.loads(row[2])} for row in rows]


def describe_recipe(recipe: dict[str, Any]) -> str:
    """One line for what a derivation did: the areas a publication covered, and how."""
    covered = recipe.get("redaction")
    if isinstance(covered, dict):
        regions = covered.get("regions") or []
        methods = sorted({str(r.get("method", "fill")) for r in regions}) or ["none"]
        return (f"redacted copy for publication: {len(regions)} area(s) covered"
                f" ({', '.join(methods)}), metadata: {covered.get('metadata', 'stripped')}")
    return ", ".join(sorted(recipe)) or "derived"


def add_derived_image(case: Case, image: Image.Image, name: str, sources: list[Source],
                      recipe: dict[str, Any], *, comparison_id: str | None = None,
                      action: str = "evidence.derive") -> Evidence:
    """Store `image` as a derived evidence item (PNG) with its derivation; returns its row."""
    data = encode_png(image)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = case.conn.execute(
        "SELECT id FROM evidence WHERE sha256 = ? AND kind = 'derived'", (sha256,)).fetchone()
    if existing:
        return get_evidence(case, existing[0])
    part = media_store.incoming_part(case.path, os.getpid())
    try:
        with open(part, "wb") as handle:
            handle.write(data)
        _write_thumbnail(case, sha256, image)
        stored = media_store.stored_relpath(sha256, "png")
        evidence_id = new_id()
        with case.write() as tx:
            media_store.place(case.path, part, stored)
            row = {
                "id": evidence_id, "kind": "derived", "sha256": sha256, "bytes": len(data),
                "original_name": name, "stored_path": stored, "mime": "image/png",
                "format": "PNG", "width": image.width, "height": image.height,
                "imported_at": tx.at, "imported_by": tx.actor,
            }
            tx.conn.execute(
                f"INSERT INTO evidence ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()))
            tx.conn.execute(
                "INSERT INTO derivations (evidence_id, comparison_id, sources, recipe,"
                " app_version) VALUES (?, ?, ?, ?, ?)",
                (evidence_id, comparison_id, json.dumps([s.to_dict() for s in sources]),
                 json.dumps(recipe), __version__))
            tx.record(action, evidence_id, {
                "sha256": sha256, "bytes": len(data), "name": name,
                "comparison_id": comparison_id, "sources": [s.to_dict() for s in sources],
                "recipe": recipe, "app_version": __version__})
    finally:
        media_store.discard(part)
    return get_evidence(case, evidence_id)
