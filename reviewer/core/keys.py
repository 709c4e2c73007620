"""Investigators' keys: one's own Ed25519 key pair and colleagues' public keys.

The private key is kept as SSH keeps one: a PKCS#8 file of mode 600 in the user's
config folder (`$REVIEWER_CONFIG_DIR`, else `$XDG_CONFIG_HOME/evidence-reviewer`, else
`~/.config/evidence-reviewer`), optionally encrypted with a passphrase; never inside a
case or a package. A key's fingerprint is minisign's key id as minisign prints it (16
hex digits), so the two tools name a key alike. Colleagues' public keys live in
`keyring.json` beside it, each trusted or not; one's own key is always trusted.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reviewer.core import minisign
from reviewer.core.atomic import write_atomically
from reviewer.core.clock import default_actor, utc_now
from reviewer.core.errors import ReviewerError

CONFIG_ENV = "REVIEWER_CONFIG_DIR"
PASSPHRASE_ENV = "REVIEWER_KEY_PASSPHRASE"
KEY_FILE = "signing_key.pem"
IDENTITY_FILE = "identity.json"
KEYRING_FILE = "keyring.json"
FINGERPRINT = re.compile(r"[0-9A-F]{16}")

# Trust words shown to people: one's own key, a colleague's key marked trusted, any other.
YOURS, TRUSTED, UNTRUSTED = "yours", "trusted", "untrusted"


class KeyFileError(ReviewerError):
    """A key that cannot be used: unreadable, too open, wrong passphrase, not a key."""


def config_dir() -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "evidence-reviewer"


def key_id_of(public_key: bytes) -> bytes:
    return hashlib.sha256(public_key).digest()[:8]


def fingerprint_of(public_key: bytes) -> str:
    # minisign prints its 8-byte key id as a little-endian integer in hex.
    return key_id_of(public_key)[::-1].hex().upper()


def _raw_public(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Identity:
    """One's own key pair and the display name chosen for it."""

    name: str
    private_key: Ed25519PrivateKey
    public_key: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.public_key)

    @property
    def key_id(self) -> bytes:
        return key_id_of(self.public_key)

    def actor(self, name: str | None = None) -> str:
        """How the audit log names this signer: a display name and the key's fingerprint."""
        return f"{name or self.name} ({self.fingerprint})"

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)

    def public_key_file(self) -> str:
        return minisign.format_public_key(minisign.PublicKey(
            self.key_id, self.public_key,
            f"Evidence Reviewer key of {self.name} ({self.fingerprint})"))


def key_path() -> Path:
    return config_dir() / KEY_FILE


def has_identity() -> bool:
    return key_path().is_file()


def needs_a_name() -> bool:
    """No key yet, or one made without asking and still named after the OS login: its
    owner has not chosen the name colleagues see (and a package of some incidents must
    not carry the login)."""
    return identity_name() in (None, default_actor())


def identity_name() -> str | None:
    """The chosen display name, read without unlocking the key (None before the first key)."""
    try:
        return str(json.loads((config_dir() / IDENTITY_FILE).read_text("utf-8"))["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


_unlocked: dict[tuple[str, int], Identity] = {}


def create_identity(name: str, passphrase: str | None = None, *,
                    replace: bool = False) -> Identity:
    """Make a new key pair; refuse to overwrite an existing one unless `replace`."""
    name = " ".join(name.split())
    if not name:
        raise KeyFileError(None, "a key needs a display name")
    path = key_path()
    if path.exists() and not replace:
        raise KeyFileError(path, "a key already exists here (reviewer key list shows it)")
    private_key = Ed25519PrivateKey.generate()
    encryption = (serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
                  if passphrase else serialization.NoEncryption())
    pem = private_key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8, encryption)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise KeyFileError(folder, f"cannot make the folder: {error.strerror}") from error
    _write_private(path, pem)
    _write_json(folder / IDENTITY_FILE, {"name": name, "created_at": utc_now(),
                                         "fingerprint": fingerprint_of(_raw_public(private_key))})
    _unlocked.clear()
    return Identity(name, private_key, _raw_public(private_key))


def set_passphrase(identity: Identity, passphrase: str | None) -> None:
    """Re-write one's own key encrypted with `passphrase` (or in the clear for None)."""
    encryption = (serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
                  if passphrase else serialization.NoEncryption())
    pem = identity.private_key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8, encryption)
    _write_private(key_path(), pem)
    _unlocked.clear()


def _write_private(path: Path, pem: bytes) -> None:
    try:
        write_atomically(path, pem, mode=0o600)
    except OSError as error:
        raise KeyFileError(path, f"cannot write the key: {error.strerror or error}") from error


def rename_identity(name: str) -> None:
    name = " ".join(name.split())
    if not name:
        raise KeyFileError(None, "a key needs a display name")
    data = _read_json(config_dir() / IDENTITY_FILE)
    data["name"] = name
    _write_json(config_dir() / IDENTITY_FILE, data)
    _unlocked.clear()


def load_identity(passphrase: str | None = None) -> Identity:
    """One's own key, unlocked; a one-line KeyFileError where it cannot be used."""
    path = key_path()
    try:
        info = path.stat()
    except FileNotFoundError as error:
        raise KeyFileError(path, "no key yet (reviewer key new makes one)") from error
    except OSError as error:
        raise KeyFileError(path, f"cannot read the key: {error.strerror}") from error
    cached = _unlocked.get((str(path), info.st_mtime_ns))
    if cached is not None:
        return cached
    if info.st_mode & 0o077:
        raise KeyFileError(path, f"the private key is readable by others (mode"
                                 f" {stat.S_IMODE(info.st_mode):o}); run: chmod 600 {path}")
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise KeyFileError(path, f"cannot read the key: {error.strerror}") from error
    encrypted = b"ENCRYPTED" in pem
    secret = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    if encrypted and not secret:
        raise KeyFileError(path, f"the key is passphrase-protected: give the passphrase"
                                 f" (or set {PASSPHRASE_ENV})")
    try:
        private_key = serialization.load_pem_private_key(
            pem, secret.encode("utf-8") if encrypted and secret else None)
    except (ValueError, TypeError) as error:
        if encrypted:
            raise KeyFileError(path, "wrong passphrase for the key") from error
        raise KeyFileError(path, "not a usable private key (damaged?)") from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyFileError(path, "not an Ed25519 private key")
    identity = Identity(identity_name() or default_actor(), private_key,
                        _raw_public(private_key))
    _unlocked[(str(path), info.st_mtime_ns)] = identity
    return identity


def key_is_encrypted() -> bool:
    with contextlib.suppress(OSError):
        return b"ENCRYPTED" in key_path().read_bytes()
    return False


def ensure_identity(name: str | None = None, passphrase: str | None = None) -> Identity:
    """One's own key, made on first use without asking (named `name` or the OS user)."""
    if not has_identity():
        return create_identity(name or default_actor(), passphrase)
    return load_identity(passphrase)


# -- colleagues' public keys ---------------------------------------------------------

def keyring() -> dict[str, dict[str, Any]]:
    """Known public keys by fingerprint: name, public_key (base64), trusted, added_at."""
    path = config_dir() / KEYRING_FILE
    if not path.exists():
        return {}
    data = _read_json(path)
    return {fp: entry for fp, entry in data.items() if isinstance(entry, dict)}


def import_public_key(text: str, name: str | None = None, *, trusted: bool = False
                      ) -> dict[str, Any]:
    """Add a colleague's public key (minisign's format, as `key export` writes it)."""
    try:
        key = minisign.parse_public_key(text)
    except minisign.MinisignError as error:
        raise KeyFileError(None, str(error)) from error
    fingerprint = fingerprint_of(key.key)
    if key.key_id != key_id_of(key.key):
        # A plain minisign key: its id is random, not derived from the key.
        fingerprint = key.key_id[::-1].hex().upper()
    if fingerprint == _own_fingerprint():
        # Listed beside "yours" as an untrusted stranger, it only confused (found by hand).
        raise KeyFileError(None, f"{fingerprint} is your own key: it is already known as"
                                 " yours (reviewer key list); nothing was added")
    name = name or _name_from_comment(key.comment) or fingerprint
    ring = keyring()
    entry = ring.get(fingerprint, {})
    entry.update({"name": name, "public_key": base64.b64encode(key.key).decode("ascii"),
                  "key_id": key.key_id.hex(), "added_at": entry.get("added_at", utc_now())})
    entry["trusted"] = bool(entry.get("trusted")) or trusted
    ring[fingerprint] = entry
    _write_json(config_dir() / KEYRING_FILE, ring)
    return {"fingerprint": fingerprint, **entry}


def trust_key(fingerprint: str, trusted: bool = True) -> dict[str, Any]:
    ring = keyring()
    wanted = fingerprint.replace(" ", "").upper()
    matches = [fp for fp in ring if fp.startswith(wanted)] if len(wanted) >= 4 else []
    if len(matches) != 1:
        raise KeyFileError(fingerprint, "no such key in the keyring (reviewer key import"
                                        " FILE adds one)" if not matches else
                                        "names several keys; give more digits")
    ring[matches[0]]["trusted"] = trusted
    _write_json(config_dir() / KEYRING_FILE, ring)
    return {"fingerprint": matches[0], **ring[matches[0]]}


def _own_fingerprint() -> str | None:
    """The fingerprint of this user's key, read without unlocking it (None if none)."""
    if has_identity():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            own = (config_dir() / IDENTITY_FILE).read_text("utf-8")
            return json.loads(own).get("fingerprint")
    return None


def trust_of(public_key: bytes) -> tuple[str, str | None]:
    """(yours / trusted / untrusted, the name this user knows the key by)."""
    fingerprint = fingerprint_of(public_key)
    if fingerprint == _own_fingerprint():
        return YOURS, identity_name()
    entry = keyring().get(fingerprint)
    if entry and not isinstance(entry.get("public_key", ""), str):   # edited by hand
        raise KeyFileError(config_dir() / KEYRING_FILE,
                           f"damaged (the public key of {fingerprint} is not text)")
    if entry and base64.b64decode(entry.get("public_key", "")) == public_key:
        return (TRUSTED if entry.get("trusted") else UNTRUSTED), entry.get("name")
    return UNTRUSTED, None


def impersonation(signer: dict[str, Any]) -> str | None:
    """Why an untrusted signer is suspect: it goes by the name of your own key or of a key
    you trust, with another fingerprint (an adversary's trial re-signed a rewritten
    package with a key made under the sender's name; it read only "untrusted")."""
    if signer.get("trust") != UNTRUSTED:
        return None
    name = signer.get("signed_name") or signer.get("name")
    fingerprint = signer.get("fingerprint")
    if not isinstance(name, str) or not name:
        return None
    own = _own_fingerprint()
    # A key still named after the login was never given a name; others' keys made the
    # same way (scripts on machines with the same login) share it by chance.
    if own and own != fingerprint and identity_name() == name and not needs_a_name():
        return (f"signed by a key named {name} ({fingerprint}) that is not your key ({own}):"
                " someone else made a key under your name")
    for known, entry in keyring().items():
        if known != fingerprint and entry.get("trusted") and entry.get("name") == name:
            return (f"signed by a key named {name} ({fingerprint}) that is not the key of"
                    f" {name} you trust ({known}): made under their name by someone else, or"
                    " a new key of theirs (trust it once they confirm its fingerprint)")
    return None


def signed_by_line(signer: dict[str, Any] | None) -> str:
    """"Signed by NAME (FINGERPRINT) · trusted": what both front ends show of a signer."""
    if not signer or signer.get("status") == "unsigned":
        return "Not signed: who made it cannot be checked"
    if signer.get("status") == "invalid":
        return "Signature NOT VALID: who made it cannot be shown (see the problems)"
    word = {YOURS: "your key", TRUSTED: "trusted", UNTRUSTED: "untrusted"}[signer["trust"]]
    line = f"Signed by {signer.get('name')} ({signer.get('fingerprint')}) · {word}"
    if signer.get("status") == "changed":
        # The signature is genuine, over a history that is no longer the one here.
        line += " · but NOT what is here: changed since it was signed (see the problems)"
    return line


def _name_from_comment(comment: str) -> str | None:
    match = re.match(r"Evidence Reviewer key of (.+) \([0-9A-F]{16}\)$", comment)
    return match.group(1) if match else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise KeyFileError(path, f"cannot read: {error.strerror}") from error
    except ValueError as error:
        raise KeyFileError(path, f"damaged (not JSON): {error}") from error
    if not isinstance(data, dict):
        raise KeyFileError(path, "damaged (not a JSON object)")
    return data


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        write_atomically(path, json.dumps(data, indent=1, ensure_ascii=False).encode())
    except OSError as error:
        raise KeyFileError(path, f"cannot write: {error.strerror or error}") from error
