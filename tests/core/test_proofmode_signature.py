"""ProofMode bundles built here as the app builds them (a device key made with Sequoia,
the media and its proof signed detached, the public key as pubkey.asc), imported
through the real importer: each signature checked against the bundle's own key."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pysequoia
import pytest
from proofmode_support import AndroidKey

from reviewer.core.credentials import credentials_of, describe
from reviewer.core.importer import import_paths
from reviewer.core.verify import verify_case

DEVICE = "noone@proofmode.witness.org"
PROOF_CSV = ("File Path,File Hash SHA256,Location.Latitude,Location.Longitude,Wifi MAC\n"
             "IMG_0001.jpg,abc,36.2,37.1,aa:bb\n")


def _key(user_id: str = DEVICE) -> pysequoia.Tsk:
    return pysequoia.Tsk.generate(user_id)


def _sign(key: pysequoia.Tsk, data: bytes) -> bytes:
    return pysequoia.sign(key.signer(), data, mode=pysequoia.SignatureMode.DETACHED)


def _bundle(folder: Path, photo: Path, key: pysequoia.Tsk | None, *,
            by_hash: bool = True, public: pysequoia.Tsk | None = None,
            proof: str | None = PROOF_CSV, proof_json: str | None = None) -> Path:
    """A ProofMode folder: the media under its own name, its files named by its SHA-256
    (the shared zip's layout) or by its name (older versions)."""
    folder.mkdir(parents=True)
    media = folder / photo.name
    data = photo.read_bytes()
    media.write_bytes(data)
    stem = hashlib.sha256(data).hexdigest() if by_hash else media.name
    if key is not None:
        (folder / f"{stem}.asc").write_bytes(_sign(key, data))
    if proof is not None:
        (folder / f"{stem}.proof.csv").write_text(proof)
        if key is not None:
            (folder / f"{stem}.proof.csv.asc").write_bytes(_sign(key, proof.encode()))
    if proof_json is not None:
        (folder / f"{stem}.proof.json").write_text(proof_json)
        if key is not None:
            (folder / f"{stem}.proof.json.asc").write_bytes(_sign(key, proof_json.encode()))
    if public is not None or key is not None:
        (folder / "pubkey.asc").write_text(str((public or key).extract_certificate()))
    return media


def _imported(case, folder: Path):
    report = import_paths(case, [folder], recursive=True)
    assert not report.errors, report.errors
    (item,) = report.imported
    (row,) = credentials_of(case, item["id"])
    warnings = [w["warning"] for w in report.warnings]
    return report, item["id"], row, warnings


def test_a_bundle_signed_by_its_device_key_is_untrusted_and_names_the_key(
        case, tmp_path, photo_factory):
    key = _key()
    # As ProofMode writes it: the proof both as CSV and as JSON, each signed.
    _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), key,
            proof_json='{"Location.Latitude": "36.2"}')
    report, evidence_id, row, warnings = _imported(case, tmp_path / "bundle")

    fingerprint = key.extract_certificate().fingerprint.upper()
    assert (row["standard"], row["state"], row["codes"]) == ("proofmode", "untrusted", [])
    assert row["signer"] == f"{DEVICE} (key {fingerprint})"
    assert row["signed_at"]
    assert "media signature valid" in row["reason"]
    assert ".proof.json signature valid" in row["reason"]
    assert ".proof.csv signature valid" in row["reason"]
    assert "Location.Latitude" in row["manifest"]
    assert warnings == [] and report.skipped == []   # hash-named files came with it
    roles = {r for (r,) in case.conn.execute(
        "SELECT role FROM attachments WHERE evidence_id = ?", (evidence_id,))}
    assert roles == {"proofmode_signature", "proofmode_proof", "proofmode_proof_signature",
                     "proofmode_proof_other", "proofmode_proof_other_signature",
                     "proofmode_public_key"}
    line = describe(row)
    assert line.startswith(f"ProofMode bundle: signed by {DEVICE} (key {fingerprint}) at ")
    assert "untrusted signer" in line and "not who holds the device" in line
    assert verify_case(case).ok


def test_the_older_layout_named_after_the_media_is_checked_too(case, tmp_path, photo_factory):
    _bundle(tmp_path / "old", photo_factory("IMG_0001.jpg"), _key(), by_hash=False)
    _, _, row, _ = _imported(case, tmp_path / "old")
    assert row["state"] == "untrusted"


def test_media_altered_after_signing_is_invalid_one_line_and_the_import_goes_on(
        case, tmp_path, photo_factory):
    media = _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), _key(),
                    by_hash=False)
    other = photo_factory("other.jpg")
    media.write_bytes(media.read_bytes()[:-2] + b"\x00\xff\xd9")   # one byte changed
    report = import_paths(case, [tmp_path / "bundle", other], recursive=True)
    assert len(report.imported) == 2 and not report.errors
    ids = {Path(i["path"]).name: i["id"] for i in report.imported}
    (row,) = credentials_of(case, ids["IMG_0001.jpg"])
    assert (row["state"], row["codes"]) == ("invalid", ["proofmode.signature.mismatch"])
    (warning,) = [w["warning"] for w in report.warnings]
    assert warning == ("ProofMode signature invalid: proofmode.signature.mismatch"
                       " (the file does not match what was signed)")
    assert "INVALID: proofmode.signature.mismatch" in describe(row)
    assert verify_case(case).ok


def test_altered_media_in_the_hash_named_layout_leaves_its_files_unmatched_and_said(
        case, tmp_path, photo_factory):
    # ProofMode's zip names the signature by the media's SHA-256: changed media no longer
    # finds it, so the signature and proof are listed and warned about, not lost.
    media = _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), _key())
    media.write_bytes(media.read_bytes()[:-2] + b"\x00\xff\xd9")
    report = import_paths(case, [tmp_path / "bundle"], recursive=True)
    (item,) = report.imported
    assert credentials_of(case, item["id"]) == []
    orphans = sorted(Path(s).name for s in report.skipped)
    assert [name.split(".", 1)[1] for name in orphans] == ["asc", "proof.csv",
                                                          "proof.csv.asc"]
    said = {Path(w["path"]).name: w["warning"] for w in report.warnings}
    assert set(said) == set(orphans)
    assert all("no imported file has" in w and "\n" not in w for w in said.values())


def test_a_signature_by_another_key_than_the_bundles_is_invalid(case, tmp_path, photo_factory):
    _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), _key(),
            public=_key("someone else"))
    _, _, row, warnings = _imported(case, tmp_path / "bundle")
    assert row["state"] == "invalid"
    assert row["codes"] == ["proofmode.signer.notBundleKey",
                            "proofmode.proof.signer.notBundleKey"]
    assert warnings and warnings[0].startswith("ProofMode signature invalid:")


def test_an_altered_proof_file_makes_the_bundle_invalid(case, tmp_path, photo_factory):
    photo = photo_factory("IMG_0001.jpg")
    _bundle(tmp_path / "bundle", photo, _key())
    (proof,) = (tmp_path / "bundle").glob("*.proof.csv")
    proof.write_text(PROOF_CSV.replace("36.2", "48.9"))   # the location moved
    _, _, row, _ = _imported(case, tmp_path / "bundle")
    assert (row["state"], row["codes"]) == ("invalid", ["proofmode.proof.signature.mismatch"])
    assert "media signature valid" in row["reason"]
    assert ".proof.csv signature does NOT match" in row["reason"]


def test_no_public_key_in_the_bundle_is_unchecked_with_the_reason(case, tmp_path, photo_factory):
    _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), _key())
    (tmp_path / "bundle" / "pubkey.asc").unlink()
    _, _, row, warnings = _imported(case, tmp_path / "bundle")
    assert row["state"] == "unchecked"
    assert row["reason"].startswith("OpenPGP signature present, not checked: no public key"
                                    " (pubkey.asc) in the bundle")
    assert warnings == []


@pytest.mark.parametrize("junk, names", [
    (b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n",
     "IMG_0001.jpg.asc is not an OpenPGP signature: "),
    (b"not a signature at all", "IMG_0001.jpg.asc is not an OpenPGP signature: "),
    (b"A" * 70_000, "IMG_0001.jpg.asc is over 65,536 bytes: not an OpenPGP signature"),
])
def test_a_garbage_signature_is_unreadable_one_line_and_the_import_goes_on(
        case, tmp_path, photo_factory, junk, names):
    media = _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), _key(),
                    by_hash=False)
    (media.parent / "IMG_0001.jpg.asc").write_bytes(junk)
    _, _, row, warnings = _imported(case, tmp_path / "bundle")
    assert row["state"] == "unreadable"
    assert row["reason"].startswith(names) and "\n" not in row["reason"]
    (warning,) = warnings
    assert warning.startswith("ProofMode signature not read: " + names)
    assert "\n" not in warning and "backtrace" not in warning.lower()
    assert describe(row).startswith("ProofMode bundle: " + names)


def test_a_garbage_public_key_is_unreadable_and_named(case, tmp_path, photo_factory):
    _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), _key())
    (tmp_path / "bundle" / "pubkey.asc").write_text("hello")
    _, _, row, warnings = _imported(case, tmp_path / "bundle")
    assert row["state"] == "unreadable"
    assert row["reason"].startswith("pubkey.asc is not an OpenPGP public key: ")
    assert len(warnings) == 1 and "\n" not in warnings[0]


def test_verify_names_a_proofmode_verdict_edited_behind_the_apps_back(
        case, tmp_path, photo_factory):
    media = _bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), _key(),
                    by_hash=False)
    media.write_bytes(media.read_bytes()[:-2] + b"\x00\xff\xd9")
    _, evidence_id, row, _ = _imported(case, tmp_path / "bundle")
    assert row["state"] == "invalid"
    assert verify_case(case).ok

    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("UPDATE credentials SET state = 'untrusted', codes = '[]'"
                " WHERE evidence_id = ?", (evidence_id,))
    raw.close()
    problems = [p["detail"] for p in verify_case(case).problems]
    assert any(evidence_id in p and "proofmode" in p
               and 'state is "untrusted", the history says "invalid"' in p
               for p in problems), problems


def test_a_lone_pubkey_beside_plain_photos_is_listed_as_skipped(case, tmp_path, photo_factory):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(photo_factory("a.jpg").read_bytes())
    (folder / "pubkey.asc").write_text(str(_key().extract_certificate()))
    report = import_paths(case, [folder], recursive=True)
    assert [Path(s).name for s in report.skipped] == ["pubkey.asc"]
    assert credentials_of(case, report.imported[0]["id"]) == []


# -- keys as ProofMode's Android app makes them (RSA, SHA-1 self-signature) ----------------

def _android_bundle(folder: Path, photo: Path, key: AndroidKey, by_hash: bool = True
                    ) -> Path:
    folder.mkdir(parents=True)
    media = folder / photo.name
    data = photo.read_bytes()
    media.write_bytes(data)
    stem = hashlib.sha256(data).hexdigest() if by_hash else media.name
    (folder / f"{stem}.asc").write_bytes(key.sign(data))
    (folder / f"{stem}.proof.csv").write_text(PROOF_CSV)
    (folder / f"{stem}.proof.csv.asc").write_bytes(key.sign(PROOF_CSV.encode()))
    (folder / "pubkey.asc").write_text(key.public_asc())
    return media


def test_sequoia_alone_refuses_an_android_proofmode_key(tmp_path):
    # Why openpgp_raw exists: without it every genuine Android bundle reads as invalid.
    key = AndroidKey()
    cert = pysequoia.Cert.from_bytes(key.public_asc().encode())
    signature = pysequoia.Sig.from_bytes(key.sign(b"media"))
    with pytest.raises(RuntimeError, match="no valid signatures"):
        pysequoia.verify(bytes=b"media", store=lambda _ids: [cert], signature=signature)


def test_an_android_bundle_is_checked_on_the_keys_material_and_untrusted(
        case, tmp_path, photo_factory):
    key = AndroidKey()
    _android_bundle(tmp_path / "bundle", photo_factory("IMG_0001.jpg"), key)
    _, _, row, warnings = _imported(case, tmp_path / "bundle")
    assert (row["state"], row["codes"]) == ("untrusted", [])
    assert row["signer"] == f"{DEVICE} (key {key.fingerprint.upper()})"
    assert "Sequoia refuses the key (its self-signature is hashed with SHA1)" in row["reason"]
    assert "(SHA256) was checked on the key's own material and matches" in row["reason"]
    assert ".proof.csv signature valid" in row["reason"]
    assert warnings == []


def test_an_android_bundle_with_changed_media_or_proof_is_invalid(
        case, tmp_path, photo_factory):
    key = AndroidKey()
    media = _android_bundle(tmp_path / "media", photo_factory("IMG_0001.jpg"), key,
                            by_hash=False)
    media.write_bytes(media.read_bytes() + b"\0")
    _, _, row, warnings = _imported(case, tmp_path / "media")
    assert (row["state"], row["codes"]) == ("invalid", ["proofmode.signature.mismatch"])
    assert warnings[0].startswith("ProofMode signature invalid:")

    proof_bundle = tmp_path / "proof"
    _android_bundle(proof_bundle, photo_factory("IMG_0002.jpg"), key)
    (proof,) = proof_bundle.glob("*.proof.csv")
    proof.write_text(PROOF_CSV.replace("36.2", "48.9"))
    _, _, row, _ = _imported(case, proof_bundle)
    assert (row["state"], row["codes"]) == ("invalid", ["proofmode.proof.signature.mismatch"])


def test_the_raw_check_agrees_with_sequoia_on_an_ed25519_signature(tmp_path):
    from pysequoia.packet import PacketPile

    from reviewer.core import openpgp_raw

    key = _key()
    data = tmp_path / "media.bin"
    data.write_bytes(b"media bytes" * 1000)
    (packet,) = PacketPile.from_bytes(_sign(key, data.read_bytes()))
    signature = openpgp_raw.parse_signature(packet.body)
    subkeys = [p.body for p in PacketPile.from_bytes(bytes(key.extract_certificate()))
               if p.key_id]
    assert [openpgp_raw.verify(data, signature, body) for body in subkeys].count(True) == 1
    data.write_bytes(b"media bytes" * 999 + b"media byteZ")
    assert not any(openpgp_raw.verify(data, signature, body) for body in subkeys)
