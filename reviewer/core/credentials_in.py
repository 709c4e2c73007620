"""Content Credentials found in an imported file: C2PA manifests and ProofMode bundles.

Read in the import workers (no database here). Nothing raises: a file with no
credentials gives None, anything else a `Credentials` value whose `state` says what
was found (docs/credentials.md):

- valid       the signature matches the content and the signer is on a trust list
- untrusted   the signature matches the content; the signer is on no trust list we know
              (every C2PA test certificate, every Evidence Reviewer installation, and
              every ProofMode device key: the bundle brings its own)
- invalid     the manifest does not match the content (codes say which check failed)
- unreadable  the C2PA data is malformed, too large to read, or the library failed
- unchecked   a ProofMode bundle whose signature could not be checked (no signature, or
              no public key in the bundle)

The C2PA store is sized before the library is asked to read it: a store over
`MAX_STORE_BYTES` is not read at all, and a manifest over `MAX_KEPT_CHARS` of JSON is
summarised, not kept, so a hostile file cannot fill the case or the audit log.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from reviewer.core import proofmode_check

MAX_STORE_BYTES = 16 * 1024 * 1024
MAX_KEPT_CHARS = 64 * 1024
STANDARDS = ("c2pa", "proofmode")
STATES = ("valid", "untrusted", "invalid", "unreadable", "unchecked")
UNTRUSTED_CODE = "signingCredential.untrusted"
# The mime types whose C2PA store is sized here before the library reads it.
C2PA_MIMES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png",
              "HEIF": "image/heic", "mp4": "video/mp4", "mov": "video/quicktime",
              "m4v": "video/mp4"}
_C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")


@dataclass(frozen=True)
class Credentials:
    standard: str                    # 'c2pa' | 'proofmode'
    state: str                       # one of STATES
    codes: list[str] = field(default_factory=list)   # the checks that failed
    signer: str | None = None
    issuer: str | None = None
    signed_at: str | None = None
    generator: str | None = None
    reason: str | None = None        # one line: why unreadable, what was not checked
    manifest: str | None = None      # the JSON as read, when under MAX_KEPT_CHARS
    manifest_chars: int = 0

    def row(self, evidence_id: str, read_at: str) -> dict[str, Any]:
        """The `credentials` row (schema 10) for an item."""
        return {"evidence_id": evidence_id, "standard": self.standard, "state": self.state,
                "codes": json.dumps(self.codes), "signer": self.signer, "issuer": self.issuer,
                "signed_at": self.signed_at, "generator": self.generator,
                "reason": self.reason, "manifest": self.manifest,
                "manifest_chars": self.manifest_chars, "read_at": read_at}

    def warning(self) -> str | None:
        """The import warning this finding deserves (None: nothing to look at)."""
        what = "ProofMode signature" if self.standard == "proofmode" else (
            "Content Credentials")
        if self.state == "invalid":
            failed = [c for c in self.codes if c != UNTRUSTED_CODE] or self.codes
            return (f"{what} invalid: {', '.join(failed) or 'failed'}"
                    " (the file does not match what was signed)")
        if self.state == "unreadable":
            return f"{what} not read: {self.reason}"
        return None


def insert_credentials(conn: Any, evidence_id: str, found: list[Credentials],
                       read_at: str) -> None:
    """Write an item's findings (inside the import's transaction)."""
    for credentials in found:
        row = credentials.row(evidence_id, read_at)
        conn.execute(f"INSERT INTO credentials ({', '.join(row)})"
                     f" VALUES ({', '.join('?' * len(row))})", list(row.values()))


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[:limit - 3] + "..."


# -- sizing the store without the library ----------------------------------------------

def _jpeg_store(handle: BinaryIO) -> int:
    """Bytes in APP11 (JUMBF) segments before the image data."""
    total = 0
    if handle.read(2) != b"\xff\xd8":
        return 0
    while True:
        head = handle.read(4)
        if len(head) < 4 or head[0] != 0xFF:
            return total
        marker, length = head[1], struct.unpack(">H", head[2:])[0]
        if marker == 0xDA:   # start of scan: metadata segments come before it
            return total
        if marker == 0xEB:
            total += length
        handle.seek(length - 2, 1)


def _png_store(handle: BinaryIO) -> int:
    total = 0
    handle.seek(8)
    while True:
        head = handle.read(8)
        if len(head) < 8:
            return total
        length, kind = struct.unpack(">I4s", head)
        if kind == b"caBX":
            total += length
        if kind == b"IEND":
            return total
        handle.seek(length + 4, 1)


def _bmff_store(handle: BinaryIO) -> int:
    total = 0
    while True:
        head = handle.read(8)
        if len(head) < 8:
            return total
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", handle.read(8))[0], 16
        elif size == 0:
            return total
        if size < header:
            return total
        if kind == b"uuid" and handle.read(16) == _C2PA_UUID:
            total += size
            handle.seek(size - header - 16, 1)
        else:
            handle.seek(size - header - (16 if kind == b"uuid" else 0), 1)


def c2pa_store_bytes(path: Path, mime: str) -> int:
    """How many bytes of C2PA data the file holds, found by walking its structure."""
    with open(path, "rb") as handle:
        if mime == "image/jpeg":
            return _jpeg_store(handle)
        if mime == "image/png":
            return _png_store(handle)
        return _bmff_store(handle)


# -- reading with c2pa-python ----------------------------------------------------------

def _context() -> Any:
    import c2pa

    # Offline: never fetch a remote manifest or a certificate's revocation status.
    return c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False,
                                              "ocsp_fetch": False}})


def _failure_codes(document: dict[str, Any]) -> list[str]:
    results = document.get("validation_results") or {}
    failures = (results.get("activeManifest") or {}).get("failure")
    if failures is None:
        failures = document.get("validation_status") or []
    codes = [str(f.get("code")) for f in failures if isinstance(f, dict) and f.get("code")]
    return list(dict.fromkeys(codes))


def _from_reader(reader: Any) -> Credentials:
    text = reader.json()
    document = json.loads(text)
    active = document.get("manifests", {}).get(document.get("active_manifest") or "", {})
    info = active.get("signature_info") or {}
    codes = _failure_codes(document)
    library_state = str(reader.get_validation_state() or "")
    # The library's "Valid" is a signature matching the content by a signer on no trust
    # list it was given (we give none); "Trusted" adds the trust list.
    state = {"Trusted": "valid", "Valid": "untrusted"}.get(library_state, "invalid")
    generator = active.get("claim_generator") or ", ".join(
        f"{g.get('name', '')} {g.get('version', '')}".strip()
        for g in active.get("claim_generator_info") or [] if isinstance(g, dict)) or None
    kept = text if len(text) <= MAX_KEPT_CHARS else None
    return Credentials(
        "c2pa", state, [c for c in codes if state == "invalid" or c != UNTRUSTED_CODE],
        signer=info.get("common_name") or info.get("issuer"), issuer=info.get("issuer"),
        signed_at=info.get("time"), generator=generator,
        reason=None if kept is not None else (
            f"the manifest ({len(text):,} characters of JSON) is over the"
            f" {MAX_KEPT_CHARS:,}-character limit: its summary is kept, not the manifest"),
        manifest=kept, manifest_chars=len(text))


def read_c2pa(path: str | Path, fmt: str, *, max_store: int = MAX_STORE_BYTES
              ) -> Credentials | None:
    """The file's C2PA manifest and its validation, or None when it has none.

    `fmt` is the import's format name (Pillow's, or the video's extension). Never raises.
    """
    mime = C2PA_MIMES.get(fmt) or C2PA_MIMES.get(fmt.lower())
    if mime is None:
        return None
    path = Path(path)
    try:
        size = c2pa_store_bytes(path, mime)
    except (OSError, struct.error) as error:
        return Credentials("c2pa", "unreadable", reason=_one_line(
            f"the file's structure could not be walked to find C2PA data: {error}"))
    if size == 0:
        return None
    if size > max_store:
        return Credentials("c2pa", "unreadable", reason=(
            f"the C2PA store is {size:,} bytes, over the {max_store:,}-byte limit: not read"))
    try:
        import c2pa

        with open(path, "rb") as handle:
            reader = c2pa.Reader.try_create(mime, handle, context=_context())
            if reader is None:
                return Credentials("c2pa", "unreadable", reason=(
                    "the file carries C2PA data but no manifest store could be found in it"))
            with reader:
                return _from_reader(reader)
    except Exception as error:   # a hostile store must not stop the import
        message = str(error).split(": ", 1)[-1] if str(error) else type(error).__name__
        return Credentials("c2pa", "unreadable", reason=_one_line(
            f"the C2PA data is malformed or could not be checked: {message}"))


# -- ProofMode ---------------------------------------------------------------------------

PROOF_SUFFIXES = (".proof.json", ".proof.csv")
SIGNATURE_SUFFIX = ".asc"
_SIDECAR_SUFFIXES = (SIGNATURE_SUFFIX, *PROOF_SUFFIXES,
                     *(s + SIGNATURE_SUFFIX for s in PROOF_SUFFIXES))


def proofmode_files(media: Path, sha256: str | None = None) -> dict[str, Path]:
    """ProofMode's files beside a media file: its signature, its proof (sensor data),
    the proof's signature and the device's public key (`pubkey.asc`).

    ProofMode's shared zip names them by the media's SHA-256 (`HASH.asc`,
    `HASH.proof.csv`); older versions by the media's name (`IMG.jpg.asc`). Both count.
    """
    found: dict[str, Path] = {}
    stems = [media.name] + ([sha256.lower()] if sha256 else [])
    proofs: list[Path] = []
    for stem in stems:
        signature = media.with_name(stem + SIGNATURE_SUFFIX)
        if signature.is_file():
            found.setdefault("signature", signature)
        proofs += [media.with_name(stem + suffix) for suffix in PROOF_SUFFIXES
                   if media.with_name(stem + suffix).is_file()]
    # ProofMode writes both a .proof.json and a .proof.csv: both are kept, each with its
    # signature ("proof" is the one whose text the credentials row keeps).
    for role, proof in zip(("proof", "proof_other"), proofs, strict=False):
        found[role] = proof
        proof_signature = proof.with_name(proof.name + SIGNATURE_SUFFIX)
        if proof_signature.is_file():
            found[f"{role}_signature"] = proof_signature
    if "signature" not in found and "proof" not in found:
        return {}
    key = media.with_name(proofmode_check.PUBLIC_KEY_NAME)
    if key.is_file():
        found["public_key"] = key
    return found


def hash_named_stem(name: str) -> str | None:
    """The SHA-256 a ProofMode file is named by (`HASH.asc`, `HASH.proof.csv`), if it is."""
    for suffix in sorted(_SIDECAR_SUFFIXES, key=len, reverse=True):
        stem = name[:-len(suffix)].lower()
        if (name.endswith(suffix) and len(stem) == 64
                and all(c in "0123456789abcdef" for c in stem)):
            return stem
    return None


def is_proofmode_sidecar(path: Path, media_names: set[str]) -> bool:
    """Whether `path` is a ProofMode file of one of the media files beside it, by their
    name, or the bundle's `pubkey.asc` (files named by a SHA-256: `hash_named_stem`)."""
    name = path.name
    if not media_names:
        return False
    if name == proofmode_check.PUBLIC_KEY_NAME:
        # Only beside a signature: a lone pubkey.asc is no bundle's, and stays listed.
        try:
            return any(p.name != name and p.name.endswith(SIGNATURE_SUFFIX)
                       for p in path.parent.iterdir())
        except OSError:
            return False
    return any(name.endswith(suffix) and name[:-len(suffix)] in media_names
               for suffix in _SIDECAR_SUFFIXES)


def _proof_text(proof: Path | None) -> tuple[str | None, str | None]:
    """The proof's text to keep, and why it is not kept when it is not."""
    if proof is None:
        return None, None
    try:
        raw = proof.read_bytes()[:MAX_KEPT_CHARS + 1]
    except OSError as error:
        return None, _one_line(f"{proof.name} could not be read: {error.strerror or error}")
    if len(raw) > MAX_KEPT_CHARS:
        return None, (f"{proof.name} is over {MAX_KEPT_CHARS:,} bytes:"
                      " kept as an attachment, not summarised")
    return raw.decode("utf-8", errors="replace"), None


def _check_bundle(media: Path, files: dict[str, Path]
                  ) -> tuple[str, list[str], str | None, str | None, list[str]]:
    """(state, codes, signer, signed_at, notes) of the bundle's OpenPGP signatures."""
    signature = files.get("signature")
    if signature is None:
        return "unchecked", [], None, None, ["no OpenPGP signature beside the file"]
    if "public_key" not in files:
        return "unchecked", [], None, None, [
            f"OpenPGP signature present, not checked: no public key"
            f" ({proofmode_check.PUBLIC_KEY_NAME}) in the bundle"]
    try:
        key = proofmode_check.load_key(files["public_key"])
        media_check = proofmode_check.check_detached(media, signature, key)
    except proofmode_check.Unreadable as error:
        return "unreadable", [], None, None, [_one_line(str(error))]
    except Exception as error:   # the library failing must not stop the import
        return "unreadable", [], None, None, [_one_line(
            f"the OpenPGP signature could not be checked: {type(error).__name__}: {error}")]
    if media_check.good is None:
        return "unchecked", [], key.signer, media_check.signed_at, [
            f"OpenPGP signature present, not checked: {media_check.note}"]
    codes = [] if media_check.good else [media_check.code or "failed"]
    notes = ["media signature valid (by the bundle's own device key)" if media_check.good
             else "media signature does NOT match the file"]
    if media_check.note:
        notes.append(media_check.note)
    for role in ("proof", "proof_other"):
        if role not in files:
            continue
        proof_signature = files.get(f"{role}_signature")
        if proof_signature is None:
            notes.append(f"{files[role].name} not signed")
            continue
        try:
            proof_check = proofmode_check.check_detached(files[role], proof_signature, key)
        except proofmode_check.Unreadable as error:
            notes.append(f"proof signature not read: {_one_line(str(error))}")
            continue
        if proof_check.good:
            notes.append(f"{files[role].name} signature valid")
        elif proof_check.good is None:
            notes.append(f"{files[role].name} signature not checked")
        else:
            notes.append(f"{files[role].name} signature does NOT match")
            codes.append(proofmode_check.PROOF_OTHER_SIGNER
                         if proof_check.code == proofmode_check.OTHER_SIGNER
                         else proofmode_check.PROOF_MISMATCH)
    if "proof" not in files:
        notes.append("no proof file")
    codes = list(dict.fromkeys(codes))
    return ("invalid" if codes else "untrusted"), codes, key.signer, media_check.signed_at, notes


def read_proofmode(media: Path, files: dict[str, Path]) -> Credentials:
    """What a ProofMode bundle says, its OpenPGP signatures checked against the bundle's
    own public key (docs/credentials.md). Never raises."""
    proof_text, proof_reason = _proof_text(files.get("proof"))
    state, codes, signer, signed_at, notes = _check_bundle(media, files)
    return Credentials("proofmode", state, codes, signer=signer, signed_at=signed_at,
                       generator="ProofMode",
                       reason="; ".join(part for part in (*notes, proof_reason) if part),
                       manifest=proof_text, manifest_chars=len(proof_text or ""))
