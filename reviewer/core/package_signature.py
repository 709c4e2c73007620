"""A package's signature: the manifest signed in minisign's format, the signer's key beside it.

The manifest lists every other file's SHA-256, so signing it signs the package. The ZIP
carries `manifest.json.minisig` (a detached minisign signature) and `signer.pub` (the
signer's public key, minisign's format), so a recipient can check it without this app:
unzip, then `minisign -Vm manifest.json -x manifest.json.minisig -p signer.pub`. The
manifest names the signer too (inside what is signed), and its key must be `signer.pub`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import zipfile
from dataclasses import dataclass, field
from typing import Any

from reviewer.core import minisign
from reviewer.core.keys import Identity, fingerprint_of, impersonation, key_id_of, trust_of
from reviewer.core.package_zip import MANIFEST, MAX_MANIFEST_BYTES, iter_entry

SIGNATURE = MANIFEST + ".minisig"
SIGNER_KEY = "signer.pub"
# Written beside the manifest, so not listed in it (it cannot list its own signature).
SIGNATURE_FILES = (SIGNATURE, SIGNER_KEY)


def manifest_signer(identity: Identity) -> dict[str, str]:
    """What the manifest says about who signs it."""
    return {"name": identity.name, "fingerprint": identity.fingerprint,
            "public_key": base64.b64encode(identity.public_key).decode("ascii")}


def sign_manifest(identity: Identity, manifest: bytes, case_id: str, at: str
                  ) -> dict[str, bytes]:
    """The signature files to add to the ZIP, by name."""
    comment = (f"Evidence Reviewer package of case {case_id} signed by {identity.name}"
               f" ({identity.fingerprint}) at {at}")
    signature = minisign.sign(manifest, identity.private_key, identity.key_id, comment,
                              "signature of manifest.json by Evidence Reviewer")
    return {SIGNATURE: signature.encode("utf-8"),
            SIGNER_KEY: identity.public_key_file().encode("utf-8")}


@dataclass
class SignatureCheck:
    signer: dict[str, Any] | None = None       # name, fingerprint, trust, status
    problems: list[str] = field(default_factory=list)
    manifest_sha256: str | None = None


def check_signature(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> SignatureCheck:
    """Whether the manifest is signed by the key the package names, and who that is here."""
    check = SignatureCheck()
    names = set(zf.namelist())
    with contextlib.suppress(OSError, KeyError, zipfile.BadZipFile, ValueError):
        check.manifest_sha256 = hashlib.sha256(
            b"".join(iter_entry(zf, zf.getinfo(MANIFEST)))).hexdigest()
    if SIGNATURE not in names:
        check.signer = {"status": "unsigned", "name": None, "fingerprint": None,
                        "trust": "untrusted"}
        return check
    try:
        manifest_bytes = b"".join(iter_entry(zf, zf.getinfo(MANIFEST)))
        signature_text = _small(zf, SIGNATURE)
        key_text = _small(zf, SIGNER_KEY) if SIGNER_KEY in names else None
        signature = minisign.parse_signature(signature_text)
        claimed = manifest.get("signer") or {}
        if not isinstance(claimed, dict):
            raise minisign.MinisignError("the manifest does not name the signer's key")
        raw_key = base64.b64decode(str(claimed.get("public_key", "")), validate=True)
        if len(raw_key) != 32:
            raise minisign.MinisignError("the manifest does not name the signer's key")
        key = minisign.PublicKey(key_id_of(raw_key), raw_key)
        if key_text is not None and minisign.parse_public_key(key_text).key != raw_key:
            raise minisign.MinisignError("signer.pub is not the key the manifest names")
    except (minisign.MinisignError, ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
        check.problems.append(f"the signature cannot be read: {error}")
        check.signer = {"status": "invalid", "name": None, "fingerprint": None,
                        "trust": "untrusted"}
        return check
    trust, known_as = trust_of(raw_key)
    check.signer = {"status": "valid", "name": known_as or claimed.get("name"),
                    "signed_name": claimed.get("name"), "fingerprint": fingerprint_of(raw_key),
                    "trust": trust}
    try:
        minisign.verify(manifest_bytes, signature, key)
    except minisign.MinisignError as error:
        check.signer["status"] = "invalid"
        check.problems.append(f"the manifest's signature is not valid: {error}")
        return check
    suspect = impersonation(check.signer)
    if suspect:
        check.problems.append(f"the manifest is {suspect}")
    return check


def _small(zf: zipfile.ZipFile, name: str) -> str:
    info = zf.getinfo(name)
    if info.file_size > MAX_MANIFEST_BYTES:
        raise minisign.MinisignError(f"{name} is implausibly large")
    return b"".join(iter_entry(zf, info)).decode("utf-8", "replace")
