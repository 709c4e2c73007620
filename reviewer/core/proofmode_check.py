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
    key_bodies: dict[str, bytes]   # key id (16 hex) -> its key packet's body
    # Why Sequoia's standard policy refuses the key (None: it accepts it).
    refused: str | None = None

    @property
    def signer(self) -> str:
        return f"{self.user_id} (key {self.fingerprint})" if self.user_id else (
            f"key {self.fingerprint}")


@dataclass(frozen=True)
class Checked:
    good: bool | None                # None: could not be told either way
    code: str | None = None          # when not good: which check failed
    signed_at: str | None = None
    note: str | None = None          # how it was checked, when not by Sequoia alone


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


def _refusal(cert: object, packets: list) -> str | None:
    """Why Sequoia's policy refuses the key, or None when it takes it."""
    try:
        if cert.user_ids:   # raises when no self-signature passes the policy
            return None
    except Exception as error:
        weak = sorted({str(p.hash_algorithm).rsplit(".", 1)[-1] for p in packets
                       if p.hash_algorithm is not None
                       and str(p.hash_algorithm).endswith(("SHA1", "MD5", "RipeMD"))})
        if weak:
            return f"its self-signature is hashed with {', '.join(weak)}"
        return _first_line(error)
    return None


def load_key(path: Path) -> DeviceKey:
    """The bundle's public key; raises Unreadable (one line) when it is not one."""
    import pysequoia
    from pysequoia.packet import PacketPile

    try:
        data = _read(path, MAX_KEY_BYTES)
        cert = pysequoia.Cert.from_bytes(data)
        packets = list(PacketPile.from_bytes(bytes(cert)))
        ids: set[str] = set()
        bodies: dict[str, bytes] = {}
        for packet in packets:
            if packet.key_id:
                bodies[packet.key_id.lower()] = packet.body
            for value in (packet.fingerprint, packet.key_id):
                if value:
                    ids.add(value.lower())
        user_ids = [p.user_id for p in packets if p.user_id]
    except Unreadable:
        raise
    except OSError as error:
        raise Unreadable(f"{path.name} could not be read: {error.strerror or error}"
                         ) from None
    except Exception as error:   # the library's RuntimeError on malformed input
        raise Unreadable(f"{path.name} is not an OpenPGP public key:"
                         f" {_first_line(error)}") from None
    return DeviceKey(cert, cert.fingerprint.upper(), user_ids[0] if user_ids else None,
                     frozenset(ids), bodies, _refusal(cert, packets))


def _raw_check(signed: Path, sig: object, key: DeviceKey, issuer: str) -> bool | None:
    """The signature checked on the key packet's material; None if it cannot be."""
    from pysequoia.packet import PacketPile

    from reviewer.core import openpgp_raw

    body = key.key_bodies.get(issuer[-16:]) if issuer else None
    if body is None:
        return None
    try:
        (packet,) = list(PacketPile.from_bytes(bytes(sig)))
        return openpgp_raw.verify(signed, openpgp_raw.parse_signature(packet.body), body)
    except (openpgp_raw.Unsupported, ValueError, OSError):
        return None


def check_detached(signed: Path, signature: Path, key: DeviceKey) -> Checked:
    """Whether `signature` (a detached .asc) is the key's signature over `signed`.

    Sequoia checks it. When Sequoia finds no good signature but the signature names the
    bundle's key, the maths is done on the key's material too, so a key Sequoia's policy
    refuses (ProofMode Android's SHA-1 self-signature) is not reported as a file that
    does not match. Raises Unreadable (one line) when the .asc is not a signature."""
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
    if issuer and issuer not in key.key_ids:
        return Checked(False, OTHER_SIGNER, signed_at)
    if key.refused is None:
        try:
            result = pysequoia.verify(file=str(signed), store=lambda _ids: [key.cert],
                                      signature=sig)
            if result.valid_sigs:
                return Checked(True, signed_at=signed_at)
        except Exception:   # Sequoia raises when no signature is good
            pass
    raw = _raw_check(signed, sig, key, issuer)
    why = (f"Sequoia refuses the key ({key.refused})" if key.refused
           else "Sequoia's policy refused the signature")
    if raw is True:
        algorithm = str(sig.hash_algorithm).rsplit(".", 1)[-1]
        return Checked(True, signed_at=signed_at, note=(
            f"{why}; the signature ({algorithm}) was checked on the key's own material"
            " and matches"))
    if raw is False:
        return Checked(False, MEDIA_MISMATCH, signed_at)
    if key.refused:
        return Checked(None, signed_at=signed_at, note=(
            f"{why}, and its algorithm is not checked here: not checked"))
    return Checked(False, MEDIA_MISMATCH, signed_at)
