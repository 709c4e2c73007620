"""`show`, `list --credentials` and `save-copy` from the command line."""

from __future__ import annotations

import hashlib
import json

import c2pa
import pysequoia
from cli_support import one_error_line, privilege_drop

from tests.conftest import corpus_path


def test_show_and_list_say_the_credentials(cli, tmp_path):
    case = tmp_path / "c.case"
    cli("new", case)
    valid = corpus_path("c2pa/valid_manifest_test_cert.jpg")
    altered = corpus_path("c2pa/EDGE_altered_after_signing.jpg")
    imported = cli("import", case, valid, altered, "--json", expect=1).json()
    assert len(imported["imported"]) == 2
    (warning,) = imported["warnings"]
    assert "assertion.dataHash.mismatch" in warning["warning"]

    listed = cli("list", case, "--credentials", "invalid", "--json").json()["evidence"]
    assert [row["original_name"] for row in listed] == ["EDGE_altered_after_signing.jpg"]
    valid_id = cli("list", case, "--credentials", "untrusted", "--json").json()[
        "evidence"][0]["id"]
    text = cli("show", case, valid_id).stdout
    assert ("credentials: Content Credentials: signed by C2PA Signer (issued by C2PA Test"
            " Signing Cert) at 2024-08-06T21:53:37+00:00, valid signature, untrusted") in text
    document = cli("show", case, valid_id, "--json").json()
    (found,) = document["credentials"]
    assert found["state"] == "untrusted" and json.loads(found["manifest"])["manifests"]
    cli("list", case, "--credentials", "maybe", expect=2)
    cli("verify", case, expect=0)


def test_save_copy_signs_a_comparison_and_refuses_an_original(cli, tmp_path, photo_factory):
    case = tmp_path / "c.case"
    cli("new", case)
    items = cli("import", case, photo_factory("a.jpg"), photo_factory("b.jpg"),
                "--json").json()["imported"]
    compared = cli("compare", case, items[0]["id"], items[1]["id"], "--align", "none",
                   "--export", tmp_path / "first.png", "--json").json()
    derived = compared["export"]["evidence_id"]
    out = tmp_path / "shared.png"
    document = cli("save-copy", case, derived, out, "--json").json()
    assert document["path"] == str(out) and "installation" in document["proves"]
    with open(out, "rb") as handle, c2pa.Reader("image/png", handle) as reader:
        assert reader.get_validation_state() == "Valid"
        codes = [f["code"] for f in json.loads(reader.json())["validation_results"][
            "activeManifest"]["failure"]]
    assert codes == ["signingCredential.untrusted"]

    refused = cli("save-copy", case, items[0]["id"], tmp_path / "orig.png", expect=2)
    line = one_error_line(refused)
    assert "share the original itself" in line
    assert not (tmp_path / "orig.png").exists()


def test_an_unreadable_proofmode_file_is_a_warning_not_a_refused_photo(
        cli, tmp_path, photo_factory):
    prefix = privilege_drop(tmp_path)
    case = tmp_path / "c.case"
    cli("new", case)
    photo = photo_factory("IMG_0002.jpg")
    signature = photo.with_name(photo.name + ".asc")
    signature.write_text("-----BEGIN PGP SIGNATURE-----\n")
    signature.chmod(0)
    try:
        document = cli("import", case, photo, "--json", expect=1, prefix=prefix).json()
    finally:
        signature.chmod(0o600)
    assert [i["path"] for i in document["imported"]] == [str(photo)]
    (warning,) = document["warnings"]
    assert warning["warning"].startswith(
        "ProofMode file IMG_0002.jpg.asc not kept: cannot read it")


def test_show_says_a_checked_proofmode_bundle_and_import_warns_of_a_changed_one(
        cli, tmp_path, photo_factory):
    # ProofMode's zip layout: files named by the media's SHA-256, the phone's pubkey.asc.
    key = pysequoia.Tsk.generate("noone@proofmode.witness.org")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for name, alter in (("good.jpg", False), ("changed.jpg", True)):
        data = photo_factory(name).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        (bundle / f"{digest}.asc").write_bytes(pysequoia.sign(
            key.signer(), data, mode=pysequoia.SignatureMode.DETACHED))
        (bundle / name).write_bytes(data + b"\0" if alter else data)   # a byte added
    (bundle / "pubkey.asc").write_text(str(key.extract_certificate()))
    case = tmp_path / "c.case"
    cli("new", case)
    imported = cli("import", case, bundle, "--json", expect=1).json()
    assert len(imported["imported"]) == 2
    (warning,) = imported["warnings"]     # the changed photo's signature matches no item
    assert "no imported file has" in warning["warning"]

    (good,) = cli("list", case, "--credentials", "untrusted", "--json").json()["evidence"]
    text = cli("show", case, good["id"]).stdout
    fingerprint = key.extract_certificate().fingerprint.upper()
    assert (f"credentials: ProofMode bundle: signed by noone@proofmode.witness.org"
            f" (key {fingerprint}) at ") in text
    assert "untrusted signer (the device's own key" in text
    cli("verify", case, expect=0)
