"""minisign's file formats, so a recipient without this app can check a package.

A public key file is `untrusted comment: ...` then base64 of `Ed` + key id (8 bytes)
+ Ed25519 public key (32 bytes). A signature file is `untrusted comment: ...`, base64 of
`ED` + key id + the Ed25519 signature over BLAKE2b-512 of the file (minisign's default
since 0.10; legacy `Ed` signs the file itself), `trusted comment: ...`, and base64 of the
global signature over that signature followed by the trusted comment's text. Checked
by hand with `minisign -Vm FILE -p KEY.pub`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_KEY_ALGORITHM = b"Ed"
PREHASHED = b"ED"
LEGACY = b"Ed"
UNTRUSTED = "untrusted comment: "
TRUSTED = "trusted comment: "


class MinisignError(ValueError):
    """A key or signature that is not minisign's format, or does not check out."""


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes          # 8 bytes
    key: bytes             # 32 bytes, raw Ed25519
    comment: str = ""


@dataclass(frozen=True)
class Signature:
    algorithm: bytes       # b"ED" (prehashed) or b"Ed" (legacy)
    key_id: bytes
    signature: bytes
    trusted_comment: str
    global_signature: bytes
    untrusted_comment: str = ""


def format_public_key(key: PublicKey) -> str:
    body = base64.b64encode(PUBLIC_KEY_ALGORITHM + key.key_id + key.key).decode("ascii")
    return f"{UNTRUSTED}{_one_line(key.comment)}\n{body}\n"


def parse_public_key(text: str) -> PublicKey:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 2 or not lines[0].startswith(UNTRUSTED):
        raise MinisignError("not a minisign public key (two lines: a comment and the key)")
    raw = _b64(lines[1], "the public key")
    if len(raw) != 42 or raw[:2] != PUBLIC_KEY_ALGORITHM:
        raise MinisignError("not an Ed25519 minisign public key")
    return PublicKey(raw[2:10], raw[10:], lines[0][len(UNTRUSTED):])


def sign(data: bytes, private_key: Ed25519PrivateKey, key_id: bytes, trusted_comment: str,
         untrusted_comment: str = "signature from Evidence Reviewer") -> str:
    """A prehashed ('ED') minisign signature file for `data`."""
    trusted_comment = _one_line(trusted_comment)
    signature = private_key.sign(hashlib.blake2b(data, digest_size=64).digest())
    global_signature = private_key.sign(signature + trusted_comment.encode("utf-8"))
    return (f"{UNTRUSTED}{_one_line(untrusted_comment)}\n"
            f"{base64.b64encode(PREHASHED + key_id + signature).decode('ascii')}\n"
            f"{TRUSTED}{trusted_comment}\n"
            f"{base64.b64encode(global_signature).decode('ascii')}\n")


def parse_signature(text: str) -> Signature:
    lines = text.splitlines()
    if len(lines) < 4 or not lines[0].startswith(UNTRUSTED) or not lines[2].startswith(TRUSTED):
        raise MinisignError("not a complete minisign signature (truncated or another format)")
    raw = _b64(lines[1], "the signature")
    if len(raw) != 74 or raw[:2] not in (PREHASHED, LEGACY):
        raise MinisignError("not a complete Ed25519 minisign signature (truncated?)")
    global_signature = _b64(lines[3], "the global signature")
    if len(global_signature) != 64:
        raise MinisignError("the global signature is incomplete (truncated?)")
    return Signature(raw[:2], raw[2:10], raw[10:], lines[2][len(TRUSTED):], global_signature,
                     lines[0][len(UNTRUSTED):])


def verify(data: bytes, signature: Signature, key: PublicKey) -> None:
    """Raise MinisignError unless `signature` is `key`'s over `data` and its trusted comment."""
    if signature.key_id != key.key_id:
        raise MinisignError("signed with another key (key ids differ)")
    public = Ed25519PublicKey.from_public_bytes(key.key)
    message = hashlib.blake2b(data, digest_size=64).digest() \
        if signature.algorithm == PREHASHED else data
    try:
        public.verify(signature.signature, message)
    except InvalidSignature as error:
        raise MinisignError("the signature does not match the file (altered, or signed"
                            " over something else)") from error
    try:
        public.verify(signature.global_signature,
                      signature.signature + signature.trusted_comment.encode("utf-8"))
    except InvalidSignature as error:
        raise MinisignError("the trusted comment was altered") from error


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise MinisignError(f"{what} is not valid base64 (truncated or damaged)") from error


def _one_line(text: str) -> str:
    return " ".join(text.split())
