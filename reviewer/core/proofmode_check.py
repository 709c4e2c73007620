"""Checking a ProofMode bundle's OpenPGP signatures with Sequoia PGP (pysequoia).

ProofMode signs each capture on the phone with a key the app made for that phone, and
puts the public half in the bundle as `pubkey.asc`. So a good signature proves the
file is byte for byte what that device's key signed; it does not say who holds the
device (nothing vouches for the key). Hence 'untrusted' for a good signature, as for a
C2PA test certificate.

No `gpg` binary and no keyring: the only key consulted is the bundle's own, so the
verdict does not depend on what the machine has installed. Nothing here raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PUBLIC_KEY_NAME = "pubkey.asc"
MAX_KEY_BYTES = 1024 * 1024          # a public key is a few KB; more is not a key
MAX_SIGNATURE_BYTES = 64 * 1024      # a detached signature is a few hundred bytes
# The codes in `credentials.codes` for a ProofMode bundle that does not match.
MEDIA_MISMATCH = "proofmode.signature.mismatch"
OTHER_SIGNER = "proofmode.signer.notBundleKey"
PROOF_MISMATCH = "proofmode.proof.signature.mismatch"
PROOF_OTHER_SIGNER = "proofmode.proof.signer.notBundleKey"


class Unreadable(Exception):
    """A signature or key file that is not OpenPGP (the message is one line)."""


@dataclass(frozen=True)
class DeviceKey:
    cert: object             # pysequoia.Cert
    fingerprint: str         # the primary key's, upper case hex as gpg prints it
    user_id: str | None
    key_ids: frozenset[str]  # every key and subkey, fingerprint and key id, lower case

    @property
    def signer(self) -> str:
        return f"{self.user_id} (key {self.fingerprint})" if self.user_id else (
            f"key {self.fingerprint}")


@dataclass(frozen=True)
class Checked:
    good: bool
    code: str | None = None          # when not good: which check failed
    signed_at: str | None = None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _read(path: Path, limit: int) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(f"{path.name} is over {limit:,} bytes: not an OpenPGP"
                         " signature or key")
    return data


def load_key(path: Path) -> DeviceKey:
    """The bundle's public key; raises Unreadable (one line) when it is not one."""
    import pysequoia
    from pysequoia.packet import PacketPile

    try:
        data = _read(path, MAX_KEY_BYTES)
        cert = pysequoia.Cert.from_bytes(data)
        ids: set[str] = set()
        for packet in PacketPile.from_bytes(bytes(cert)):
            for value in (packet.fingerprint, packet.key_id):
                if value:
                    ids.add(value.lower())
    except Unreadable:
        raise
    except OSError as error:
        raise Unreadable(f"{path.name} could not be read: {error.strerror or error}"
                         ) from None
    except Exception as error:   # the library's RuntimeError on malformed input
        raise Unreadable(f"{path.name} is not an OpenPGP public key:"
                         f" {_first_line(error)}") from None
    user_ids = [str(u) for u in cert.user_ids]
    return DeviceKey(cert, cert.fingerprint.upper(), user_ids[0] if user_ids else None,
                     frozenset(ids))


def check_detached(signed: Path, signature: Path, key: DeviceKey) -> Checked:
    """Whether `signature` (a detached .asc) is the key's signature over `signed`.

    Raises Unreadable (one line) when the .asc is not an OpenPGP signature."""
    import pysequoia

    try:
        sig = pysequoia.Sig.from_bytes(_read(signature, MAX_SIGNATURE_BYTES))
    except Unreadable:
        raise
    except OSError as error:
        raise Unreadable(f"{signature.name} could not be read:"
                         f" {error.strerror or error}") from None
    except Exception as error:
        raise Unreadable(f"{signature.name} is not an OpenPGP signature:"
                         f" {_first_line(error)}") from None
    signed_at = sig.created.isoformat() if sig.created else None
    issuer = (sig.issuer_fingerprint or sig.issuer_key_id or "").lower()
    by_bundle_key = not issuer or issuer in key.key_ids
    try:
        result = pysequoia.verify(file=str(signed), store=lambda _ids: [key.cert],
                                  signature=sig)
        good = bool(result.valid_sigs)
    except Exception:   # Sequoia raises when no signature is good
        good = False
    if good:
        return Checked(True, signed_at=signed_at)
    return Checked(False, MEDIA_MISMATCH if by_bundle_key else OTHER_SIGNER, signed_at)
