"""Content Credentials on what the app writes for sharing: a signed C2PA manifest.

`sign_derivative` is the one function every writer of a shared derivative calls (a
comparison picture, a frame's copy, a redacted image): it embeds a manifest, signed
with the investigator's key through the installation's certificate chain
(credentials_certs.py), that lists the original(s) as ingredients by SHA-256 and the
actions taken as C2PA names them:

- `c2pa.opened`   the original the derivative was made from (its parentOf ingredient)
- `c2pa.placed`   another item drawn into it (a comparison's second picture)
- `c2pa.cropped`  a frame taken from a video (a temporal region: that moment), or a crop
- `c2pa.edited`   areas covered (redaction), each region described (`changes`: a
                  rectangle, region_change, or a polygon, polygon_change)
- `c2pa.orientation` the picture turned

C2PA's `c2pa.redacted` means removing an assertion from an ingredient's manifest, not
covering pixels, so it is not used for covering. The originals' own manifests and
thumbnails are not embedded: an ingredient is named by title, format and hash only,
so a shared copy never carries a picture of what it was made from.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer import __version__
from reviewer.core.atomic import write_atomically
from reviewer.core.credentials_certs import signing_chain
from reviewer.core.errors import MediaError
from reviewer.core.keys import Identity

ASSERTION = "org.evidence-reviewer.derivation"
PROVES = ("signed with the key of this investigator's Evidence Reviewer installation;"
          " not an identity known to any C2PA trust list")
SIGNABLE = {"image/png", "image/jpeg"}


@dataclass(frozen=True)
class Ingredient:
    """An item a derivative was made from, named by its hash."""

    title: str
    sha256: str
    mime: str
    evidence_id: str | None = None
    relationship: str = "parentOf"     # 'parentOf' (one at most) or 'componentOf'

    def label(self, index: int) -> str:
        return f"ingredient-{index}"


@dataclass(frozen=True)
class SignedCopy:
    path: Path
    sha256: str
    bytes: int
    actions: list[str] = field(default_factory=list)


def region_change(x: float, y: float, width: float, height: float,
                  description: str = "") -> dict[str, Any]:
    """A C2PA region of interest: a rectangle in pixels (for `c2pa.edited` changes)."""
    change: dict[str, Any] = {"region": [{"type": "spatial", "shape": {
        "type": "rectangle", "unit": "pixel", "origin": {"x": float(x), "y": float(y)},
        "width": float(width), "height": float(height)}}]}
    if description:
        change["description"] = description
    return change


def polygon_change(points: list[tuple[float, float]], description: str = "") -> dict[str, Any]:
    """A C2PA region of interest: a polygon in pixels (a covered area drawn by hand)."""
    xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    # The library wants the bounding box too (origin, width, height), as for a rectangle.
    change: dict[str, Any] = {"region": [{"type": "spatial", "shape": {
        "type": "polygon", "unit": "pixel", "origin": {"x": min(xs), "y": min(ys)},
        "width": max(xs) - min(xs), "height": max(ys) - min(ys),
        "vertices": [{"x": x, "y": y} for x, y in zip(xs, ys, strict=True)]}}]}
    if description:
        change["description"] = description
    return change


def moment_change(time_ms: int, description: str = "") -> dict[str, Any]:
    """A C2PA temporal region: one moment of a video (a frame taken from it)."""
    seconds = f"{time_ms / 1000:.3f}"
    change: dict[str, Any] = {"region": [{"type": "temporal", "time": {
        "type": "npt", "start": seconds, "end": seconds}}]}
    if description:
        change["description"] = description
    return change


def action(name: str, *, description: str = "", changes: list[dict[str, Any]] | None = None,
           parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """One entry of the manifest's `c2pa.actions.v2` assertion."""
    entry: dict[str, Any] = {"action": name}
    if description:
        entry["description"] = description
    if changes:
        entry["changes"] = changes
    if parameters:
        entry["parameters"] = parameters
    return entry


def _manifest(title: str, ingredients: list[Ingredient], actions: list[dict[str, Any]],
              details: dict[str, Any] | None) -> dict[str, Any]:
    labels = [i.label(n) for n, i in enumerate(ingredients)]
    opened = [action("c2pa.opened", parameters={"ingredientIds": [label]},
                     description=f"{i.title} (SHA-256 {i.sha256})")
              if i.relationship == "parentOf" else
              action("c2pa.placed", parameters={"ingredientIds": [label]},
                     description=f"{i.title} (SHA-256 {i.sha256})")
              for label, i in zip(labels, ingredients, strict=True)]
    return {
        "claim_generator_info": [{"name": "Evidence Reviewer", "version": __version__}],
        "title": title,
        "ingredients": [{"title": i.title, "format": i.mime, "relationship": i.relationship,
                         "label": label, "instance_id": f"sha256:{i.sha256}",
                         "description": f"SHA-256 {i.sha256}"}
                        for label, i in zip(labels, ingredients, strict=True)],
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": opened + actions}},
            {"label": ASSERTION, "data": {
                "app": f"Evidence Reviewer {__version__}", "proves": PROVES,
                "ingredients": [{"title": i.title, "sha256": i.sha256,
                                 "evidence_id": i.evidence_id, "relationship": i.relationship}
                                for i in ingredients],
                **(details or {})}},
        ],
    }


def _context() -> Any:
    import c2pa

    # No claim thumbnail: the file is its own picture, and making one (decoding and
    # shrinking a 12-MP image) was 5/6 of the signing time (bench/credentials_speed.py).
    return c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})


def signed_bytes(source: bytes, *, mime: str, title: str, ingredients: list[Ingredient],
                 actions: list[dict[str, Any]], identity: Identity,
                 details: dict[str, Any] | None = None, named: bool = True) -> bytes:
    """`source` (PNG or JPEG bytes) with a signed C2PA manifest embedded (`named=False`:
    the certificate names the key's fingerprint, not the investigator)."""
    import c2pa

    if mime not in SIGNABLE:
        raise MediaError(title, f"cannot sign a {mime} file: PNG or JPEG only")
    if sum(i.relationship == "parentOf" for i in ingredients) > 1:
        raise ValueError("C2PA allows one parentOf ingredient")
    chain = signing_chain(identity, named=named)
    try:
        with c2pa.Signer.from_callback(lambda data: identity.sign(bytes(data)),
                                       c2pa.C2paSigningAlg.ED25519, chain.pem(), None
                                       ) as signer, \
                c2pa.Builder(_manifest(title, ingredients, actions, details),
                             context=_context()) as builder:
            out = io.BytesIO()
            builder.sign(signer, mime, io.BytesIO(source), out)
            return out.getvalue()
    except c2pa.C2paError as error:
        raise MediaError(title, f"cannot sign its Content Credentials: {error}") from error


def sign_derivative(source: bytes | Path, out_path: str | Path, *, mime: str,
                    ingredients: list[Ingredient], actions: list[dict[str, Any]],
                    identity: Identity, title: str | None = None,
                    details: dict[str, Any] | None = None) -> SignedCopy:
    """Write `source` (bytes, or a file's) to `out_path` with a signed C2PA manifest.

    The file appears complete or not at all (atomic rename). `actions` come after the
    `c2pa.opened`/`c2pa.placed` entries made for the ingredients; build them with
    `action()`, `region_change()` and `moment_change()`.
    """
    out = Path(out_path)
    data = source.read_bytes() if isinstance(source, Path) else source
    signed = signed_bytes(data, mime=mime, title=title or out.name, ingredients=ingredients,
                          actions=actions, identity=identity, details=details)
    try:
        write_atomically(out, signed)
    except OSError as error:
        raise MediaError(out, f"cannot write the file: {error.strerror or error}") from error
    return SignedCopy(out, hashlib.sha256(signed).hexdigest(), len(signed),
                      [a["action"] for a in actions])
