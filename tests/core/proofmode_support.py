"""A ProofMode key and signatures made the way ProofMode's Android app makes them.

The app (BouncyCastle, PgpUtils.generateKeyRingGenerator) makes an RSA key whose
self-signature over its user id is hashed with SHA-1, and signs media with SHA-256,
the issuer named by key id only. Sequoia cannot make such a key (it refuses SHA-1), so
the packets are written here by hand (RFC 4880) with `cryptography` doing the RSA.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

_HASH_IDS = {"sha1": 2, "sha256": 8}
_HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}


def _mpi(value: int) -> bytes:
    return struct.pack(">H", value.bit_length()) + value.to_bytes(
        (value.bit_length() + 7) // 8, "big")


def _packet(tag: int, body: bytes) -> bytes:
    length = len(body)
    if length < 192:
        head = bytes([length])
    elif length < 8384:
        length -= 192
        head = bytes([(length >> 8) + 192, length & 0xFF])
    else:
        head = b"\xff" + struct.pack(">I", length)
    return bytes([0xC0 | tag]) + head + body


def _subpacket(kind: int, data: bytes) -> bytes:
    return bytes([len(data) + 1, kind]) + data


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(kind: str, data: bytes) -> str:
    text = base64.b64encode(data).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    check = base64.b64encode(_crc24(data).to_bytes(3, "big")).decode()
    return (f"-----BEGIN PGP {kind}-----\n\n" + "\n".join(lines)
            + f"\n={check}\n-----END PGP {kind}-----\n")


class AndroidKey:
    """An RSA key with a SHA-1 self-signature, as ProofMode's Android app makes it."""

    def __init__(self, user_id: str = "noone@proofmode.witness.org",
                 created: int | None = None, bits: int = 2048) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        numbers = self.private.public_key().public_numbers()
        self.created = int(created if created is not None else time.time()) - 60
        self.key_body = (b"\x04" + struct.pack(">I", self.created) + b"\x01"
                         + _mpi(numbers.n) + _mpi(numbers.e))
        self.fingerprint = hashlib.sha1(
            b"\x99" + struct.pack(">H", len(self.key_body)) + self.key_body).hexdigest()
        self.key_id = bytes.fromhex(self.fingerprint[-16:])
        self.user_id = user_id.encode()

    def _signature(self, kind: int, hash_name: str, prefix: bytes, hashed: bytes,
                   when: int) -> bytes:
        hashed = _subpacket(2, struct.pack(">I", when)) + hashed
        head = bytes([4, kind, 1, _HASH_IDS[hash_name]]) + struct.pack(">H", len(hashed))
        trailer = head + hashed
        digest = hashlib.new(hash_name, prefix + trailer + b"\x04\xff"
                             + struct.pack(">I", len(trailer))).digest()
        signature = self.private.sign(digest, padding.PKCS1v15(),
                                      Prehashed(_HASHES[hash_name]()))
        unhashed = _subpacket(16, self.key_id)
        body = (trailer + struct.pack(">H", len(unhashed)) + unhashed + digest[:2]
                + _mpi(int.from_bytes(signature, "big")))
        return _packet(2, body)

    def public_asc(self) -> str:
        """pubkey.asc: the key, its user id, the SHA-1 positive certification."""
        prefix = (b"\x99" + struct.pack(">H", len(self.key_body)) + self.key_body
                  + b"\xb4" + struct.pack(">I", len(self.user_id)) + self.user_id)
        flags = _subpacket(27, b"\x23")   # sign data, certify, shared: as the app sets
        certification = self._signature(0x13, "sha1", prefix, flags, self.created)
        return armor("PUBLIC KEY BLOCK", _packet(6, self.key_body)
                     + _packet(13, self.user_id) + certification)

    def sign(self, data: bytes) -> bytes:
        """A detached binary-document signature over `data`, hashed with SHA-256."""
        return armor("SIGNATURE", self._signature(
            0x00, "sha256", data, b"", int(time.time()))).encode()
