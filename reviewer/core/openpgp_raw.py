"""A detached OpenPGP signature checked on the key's own material (RFC 4880, v4).

Why this exists beside Sequoia: ProofMode's Android app makes its device key with a
SHA-1 self-signature (BouncyCastle, PgpUtils.generateKeyRingGenerator), and Sequoia's
standard policy refuses such a key outright, so every genuine Android bundle would read
as "no valid signature". The media signature itself is SHA-256; what is weak is only the
binding of the user id to the key, which proves nothing here anyway (the key is the
device's own, trusted by no one). So when Sequoia refuses the key, the signature is
checked here, with `cryptography`, against the key packet whose id it names.

Only what ProofMode uses: RSA keys, and EdDSA (Ed25519) for newer ones. Raises
`Unsupported` for anything else; never says "matches" unless the maths says so.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

# OpenPGP hash ids to hashlib names and `cryptography` hashes.
_HASHES = {2: ("sha1", hashes.SHA1), 8: ("sha256", hashes.SHA256),
           9: ("sha384", hashes.SHA384), 10: ("sha512", hashes.SHA512),
           11: ("sha224", hashes.SHA224)}
_RSA = (1, 3)            # RSA (sign or encrypt), RSA sign-only
_EDDSA_LEGACY = 22
_ED25519_OID = bytes.fromhex("2b06010401da470f01")
BINARY_DOCUMENT = 0x00


class Unsupported(Exception):
    """A signature or key this module does not check (one line)."""


@dataclass(frozen=True)
class Signature:
    kind: int
    key_algorithm: int
    hash_name: str
    trailer: bytes        # version .. hashed subpackets: hashed after the data
    mpis: list[int]

    def digest(self, path: Path) -> bytes:
        """The signed digest of the file's bytes, read in blocks (a video may be GBs)."""
        hasher = hashlib.new(self.hash_name)
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                hasher.update(block)
        hasher.update(self.trailer + b"\x04\xff" + struct.pack(">I", len(self.trailer)))
        return hasher.digest()


def _mpis(data: bytes, count: int) -> list[int]:
    values, at = [], 0
    for _ in range(count):
        if at + 2 > len(data):
            raise Unsupported("a number is cut short")
        size = (struct.unpack(">H", data[at:at + 2])[0] + 7) // 8
        values.append(int.from_bytes(data[at + 2:at + 2 + size], "big"))
        at += 2 + size
    return values


def parse_signature(body: bytes) -> Signature:
    """A v4 signature packet's body."""
    if len(body) < 6 or body[0] != 4:
        raise Unsupported("not a version 4 signature")
    kind, algorithm, hash_id = body[1], body[2], body[3]
    if hash_id not in _HASHES:
        raise Unsupported(f"hash algorithm {hash_id} is not checked here")
    hashed_end = 6 + struct.unpack(">H", body[4:6])[0]
    unhashed_end = hashed_end + 2 + struct.unpack(">H", body[hashed_end:hashed_end + 2])[0]
    count = 1 if algorithm in _RSA else 2
    return Signature(kind, algorithm, _HASHES[hash_id][0], body[:hashed_end],
                     _mpis(body[unhashed_end + 2:], count))


def verify(path: Path, signature: Signature, key_body: bytes) -> bool:
    """Whether `signature` over the file was made by the v4 key packet `key_body`."""
    if signature.kind != BINARY_DOCUMENT:
        raise Unsupported(f"signature type {signature.kind:#x} is not a document signature")
    if len(key_body) < 6 or key_body[0] != 4:
        raise Unsupported("not a version 4 key")
    algorithm, material = key_body[5], key_body[6:]
    if algorithm != signature.key_algorithm:
        return False
    digest = signature.digest(path)
    try:
        if algorithm in _RSA:
            n, e = _mpis(material, 2)
            key = rsa.RSAPublicNumbers(e, n).public_key()
            key.verify(signature.mpis[0].to_bytes((n.bit_length() + 7) // 8, "big"), digest,
                       padding.PKCS1v15(), Prehashed(_HASHES_BY_NAME[signature.hash_name]()))
            return True
        if algorithm == _EDDSA_LEGACY:
            oid = material[1:1 + material[0]]
            if oid != _ED25519_OID:
                raise Unsupported("an EdDSA curve other than Ed25519")
            (point,) = _mpis(material[1 + material[0]:], 1)
            raw = point.to_bytes(33, "big")[1:]          # 0x40 prefix, then 32 bytes
            r, s = signature.mpis
            ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(
                r.to_bytes(32, "big") + s.to_bytes(32, "big"), digest)
            return True
    except (InvalidSignature, ValueError, OverflowError):
        return False
    raise Unsupported(f"public-key algorithm {algorithm} is not checked here")


_HASHES_BY_NAME = {name: kind for name, kind in _HASHES.values()}
