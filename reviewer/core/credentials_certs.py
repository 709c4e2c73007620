"""The certificates that let the investigator's key sign C2PA manifests.

C2PA signs with an X.509 certificate chain, and c2pa-python 0.38 refuses a
self-signed end certificate. So each installation makes, once, its own root
certificate (`c2pa_root.pem`, its key `c2pa_root_key.pem`, mode 600) in the config
folder beside the investigator's key (keys.py), and issues from it an end certificate
for the investigator's Ed25519 key (`c2pa_signer.pem`): digitalSignature key usage,
emailProtection extended key usage, named after the key's display name and
fingerprint. A new key gets a new end certificate from the same root.

What this proves (docs/credentials.md): that the manifest was signed by the key of
this investigator's installation. No trust list knows the root, so readers report the
signature "valid, untrusted"; it is not an identity vouched for by anyone else.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from reviewer.core.atomic import write_atomically
from reviewer.core.keys import Identity, KeyFileError, config_dir

ROOT_CERT_FILE = "c2pa_root.pem"
ROOT_KEY_FILE = "c2pa_root_key.pem"
SIGNER_CERT_FILE = "c2pa_signer.pem"
UNNAMED_SIGNER_CERT_FILE = "c2pa_signer_unnamed.pem"
ORGANISATION = "Evidence Reviewer installation (not on any C2PA trust list)"
ROOT_YEARS = 20
SIGNER_YEARS = 5


@dataclass(frozen=True)
class SigningChain:
    """The end certificate and the root, PEM, as C2PA wants them (end first)."""

    signer: x509.Certificate
    root: x509.Certificate

    def pem(self) -> str:
        return b"".join(c.public_bytes(serialization.Encoding.PEM)
                        for c in (self.signer, self.root)).decode("ascii")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                         decipher_only=False)


def _make_root(folder: Path) -> tuple[x509.Certificate, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "Evidence Reviewer local root"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION)])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=365 * ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(sign=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, None))
    # The key first: a root certificate without its key could never issue again.
    write_atomically(folder / ROOT_KEY_FILE, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), mode=0o600)
    write_atomically(folder / ROOT_CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _load_root(folder: Path) -> tuple[x509.Certificate, Ed25519PrivateKey] | None:
    cert_path, key_path = folder / ROOT_CERT_FILE, folder / ROOT_KEY_FILE
    if not cert_path.exists() and not key_path.exists():
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    except (OSError, ValueError, TypeError) as error:
        raise KeyFileError(cert_path, f"the installation's C2PA root certificate cannot be"
                                      f" used ({error}); move {ROOT_CERT_FILE} and"
                                      f" {ROOT_KEY_FILE} aside to make a new one") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(key_path, "the C2PA root key is not an Ed25519 key")
    return cert, key


def _common_name(identity: Identity, named: bool) -> str:
    # Unnamed: a publication that names no investigator is signed by the key's fingerprint.
    return (f"{identity.name} ({identity.fingerprint})" if named
            else f"Investigator {identity.fingerprint}")[:64]


def _issue(identity: Identity, root: x509.Certificate, root_key: Ed25519PrivateKey,
           named: bool = True) -> x509.Certificate:
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, _common_name(identity, named)),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION)])
    public = identity.private_key.public_key()
    now = _now()
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(root.subject)
            .public_key(public).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(min(now + datetime.timedelta(days=365 * SIGNER_YEARS),
                                 root.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign=True, ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root_key.public_key()), critical=False)
            .sign(root_key, None))


def _raw(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw)


# Public exports sign two images at a time on threads: one makes the root, the other
# must not read it half written.
_CHAIN_LOCK = threading.Lock()


def signing_chain(identity: Identity, *, named: bool = True) -> SigningChain:
    with _CHAIN_LOCK:
        return _signing_chain(identity, named)


def _signing_chain(identity: Identity, named: bool) -> SigningChain:
    """The chain for `identity`: the root made on first use, an end certificate issued
    for this key (again when the key, its name or the certificate's term changed).
    `named=False`: a certificate naming only the key's fingerprint, for publications
    that name no investigator."""
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    loaded = _load_root(folder)
    root, root_key = loaded if loaded is not None else _make_root(folder)
    path = folder / (SIGNER_CERT_FILE if named else UNNAMED_SIGNER_CERT_FILE)
    try:
        signer = x509.load_pem_x509_certificate(path.read_bytes())
        current = (_raw(signer) == identity.public_key and signer.issuer == root.subject
                   and signer.not_valid_after_utc > _now() + datetime.timedelta(days=1)
                   and signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
                   == _common_name(identity, named))
    except (OSError, ValueError):
        current = False
    if not current:
        signer = _issue(identity, root, root_key, named)
        write_atomically(path, signer.public_bytes(serialization.Encoding.PEM))
    return SigningChain(signer, root)
