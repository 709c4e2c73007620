"""Content Credentials on what the app writes for sharing, read back with c2pa-python's
Reader: valid apart from the untrusted (installation-made) certificate."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import c2pa
import numpy as np
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

from reviewer.core.compare_export import export_comparison
from reviewer.core.comparisons import compare
from reviewer.core.credentials_certs import ROOT_CERT_FILE, ROOT_KEY_FILE, signing_chain
from reviewer.core.credentials_out import (
    ASSERTION,
    Ingredient,
    action,
    polygon_change,
    region_change,
    sign_derivative,
)
from reviewer.core.credentials_share import save_shared_copy
from reviewer.core.errors import ValidationError
from reviewer.core.evidence import EvidenceFilter, get_evidence, list_evidence, media_path
from reviewer.core.frames import keep_frame
from reviewer.core.importer import import_paths
from reviewer.core.keys import config_dir, create_identity
from reviewer.core.verify import verify_case
from tests.core.test_frames import _make_clip


def read_back(path: Path) -> tuple[dict, dict]:
    """(the active manifest, the whole report) as c2pa-python's Reader gives them; the
    signature must be valid and the only failure the untrusted certificate."""
    with open(path, "rb") as handle, c2pa.Reader("image/png" if path.suffix == ".png"
                                                 else "image/jpeg", handle) as reader:
        state = reader.get_validation_state()
        report = json.loads(reader.json())
        active = reader.get_active_manifest()
    failures = [f["code"] for f in report["validation_results"]["activeManifest"]["failure"]]
    assert state == "Valid" and failures == ["signingCredential.untrusted"], failures
    return active, report


def _actions(manifest: dict) -> list[dict]:
    (assertion,) = [a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions")]
    return assertion["data"]["actions"]


def _ours(manifest: dict) -> dict:
    (assertion,) = [a for a in manifest["assertions"] if a["label"] == ASSERTION]
    return assertion["data"]


def _pixels(data: bytes | Path) -> np.ndarray:
    with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as image:
        return np.asarray(image.convert("RGB"))


def test_the_root_is_made_once_and_the_end_certificate_is_for_the_key():
    first = create_identity("Ana Investigator")
    chain = signing_chain(first)
    root, signer = chain.root, chain.signer
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signer.issuer == root.subject != signer.subject
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    assert signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION])
    assert first.fingerprint in signer.subject.rfc4514_string()
    assert (config_dir() / ROOT_KEY_FILE).stat().st_mode & 0o777 == 0o600
    root_bytes = (config_dir() / ROOT_CERT_FILE).read_bytes()

    again = signing_chain(first)
    assert again.signer.serial_number == signer.serial_number     # kept, not reissued
    second = create_identity("Ana Investigator", replace=True)     # a new key
    renewed = signing_chain(second)
    assert renewed.root.serial_number == root.serial_number        # the same root
    assert renewed.signer.serial_number != signer.serial_number
    assert (config_dir() / ROOT_CERT_FILE).read_bytes() == root_bytes


def test_a_covered_image_lists_the_original_by_hash_and_each_covered_area(tmp_path):
    identity = create_identity("Ana Investigator")
    original = tmp_path / "street.jpg"
    Image.new("RGB", (400, 300), (120, 130, 140)).save(original, "JPEG")
    sha = hashlib.sha256(original.read_bytes()).hexdigest()
    covered = Image.open(original).convert("RGB")
    covered.paste((0, 0, 0), (10, 20, 110, 70))
    buffer = io.BytesIO()
    covered.save(buffer, "JPEG", quality=92)
    out = tmp_path / "public" / "street_redacted.jpg"
    out.parent.mkdir()
    copy = sign_derivative(
        buffer.getvalue(), out, mime="image/jpeg", identity=identity,
        ingredients=[Ingredient("street.jpg", sha, "image/jpeg", "item-1")],
        actions=[action("c2pa.edited", description="areas covered with an opaque fill",
                        changes=[region_change(10, 20, 100, 50, "person (face)"),
                                 polygon_change([(200, 10), (260, 10), (230, 60)],
                                                "street sign")])])
    assert copy.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()

    manifest, _ = read_back(out)
    (ingredient,) = manifest["ingredients"]
    assert ingredient["instance_id"] == f"sha256:{sha}" and ingredient["title"] == "street.jpg"
    assert "thumbnail" not in ingredient        # no picture of the uncovered original
    assert "thumbnail" not in manifest          # nor a claim thumbnail (made for speed)
    actions = _actions(manifest)
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.edited"]
    assert "c2pa.redacted" not in json.dumps(manifest)
    change, sign = actions[1]["changes"]
    assert change["description"] == "person (face)" and sign["description"] == "street sign"
    assert sign["region"][0]["shape"]["vertices"][2] == {"x": 230.0, "y": 60.0}
    shape = change["region"][0]["shape"]
    assert (shape["origin"], shape["width"], shape["height"]) == (
        {"x": 10.0, "y": 20.0}, 100.0, 50.0)
    assert manifest["signature_info"]["alg"] == "Ed25519"
    assert identity.fingerprint in manifest["signature_info"]["common_name"]
    assert "installation" in _ours(manifest)["proves"]


def test_a_comparison_export_carries_both_images_as_ingredients(case, tmp_path, photo_factory):
    report = import_paths(case, [photo_factory("before.jpg"), photo_factory("after.jpg")])
    before, after = (get_evidence(case, i["id"]) for i in report.imported)
    comparison, _ = compare(case, before.id, after.id, align="none")
    out = tmp_path / "changes.png"
    exported = export_comparison(case, comparison.id, "side", 800, out_path=out)

    manifest, _ = read_back(out)
    assert [i["instance_id"] for i in manifest["ingredients"]] == [
        f"sha256:{before.sha256}", f"sha256:{after.sha256}"]
    assert [i["relationship"] for i in manifest["ingredients"]] == ["parentOf", "componentOf"]
    assert [a["action"] for a in _actions(manifest)] == ["c2pa.opened", "c2pa.placed",
                                                         "c2pa.edited"]
    # The case keeps the plain picture; the shared file has the same pixels, and its
    # manifest names the kept item's hash.
    stored = exported.evidence
    assert _ours(manifest)["case_item"]["sha256"] == stored.sha256
    assert np.array_equal(_pixels(out), _pixels(media_path(case, stored)))
    assert hashlib.sha256(out.read_bytes()).hexdigest() != stored.sha256
    assert verify_case(case).ok


def test_a_frame_copy_names_its_video_and_the_moment(case, tmp_path):
    video = _make_clip(tmp_path / "flight", frames=60)
    import_paths(case, [video])
    (row,) = list_evidence(case, EvidenceFilter(kind="video"))
    frame = keep_frame(case, row.id, 37)
    stored_before = media_path(case, frame).read_bytes()
    out = tmp_path / "frame37.png"
    save_shared_copy(case, frame.id, out)

    manifest, _ = read_back(out)
    (ingredient,) = manifest["ingredients"]
    assert ingredient["instance_id"] == f"sha256:{row.sha256}"
    actions = _actions(manifest)
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.cropped"]
    (region,) = actions[1]["changes"][0]["region"]
    assert region["type"] == "temporal" and region["time"]["start"] == "1.480"
    assert _ours(manifest)["case_item"]["sha256"] == frame.sha256
    assert np.array_equal(_pixels(out), _pixels(stored_before))
    # The kept frame is untouched: still the bytes its SHA-256 names.
    assert media_path(case, frame).read_bytes() == stored_before
    assert verify_case(case).ok


def test_an_original_is_not_re_signed(case, photo_factory, tmp_path):
    report = import_paths(case, [photo_factory("photo.jpg")])
    with pytest.raises(ValidationError, match="share the original itself"):
        save_shared_copy(case, report.imported[0]["id"], tmp_path / "copy.png")
    assert not (tmp_path / "copy.png").exists()
