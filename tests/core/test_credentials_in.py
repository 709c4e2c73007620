"""Content Credentials read at import: C2PA manifests (real corpus files) and ProofMode
bundles; every bad input goes on with one line; verify replays the rows."""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zlib
from pathlib import Path

from PIL import Image

from reviewer.core.credentials import credentials_of, describe
from reviewer.core.credentials_in import MAX_STORE_BYTES, read_c2pa
from reviewer.core.evidence import EvidenceFilter, list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.verify import verify_case
from tests.conftest import corpus_path
from tests.core.old_cases import downgrade

VALID = "c2pa/valid_manifest_test_cert.jpg"
ALTERED = "c2pa/EDGE_altered_after_signing.jpg"


def _by_name(report) -> dict[str, str]:
    return {Path(item["path"]).name: item["id"] for item in report.imported}


def _warnings(report, name: str) -> list[str]:
    return [w["warning"] for w in report.warnings if Path(w["path"]).name == name]


def test_corpus_manifests_are_stored_with_their_state_and_said_in_one_line(case, photo_factory):
    plain = photo_factory("plain.jpg")
    report = import_paths(case, [corpus_path(VALID), corpus_path(ALTERED), plain])
    ids = _by_name(report)
    assert len(ids) == 3 and not report.errors

    (valid,) = credentials_of(case, ids["valid_manifest_test_cert.jpg"])
    assert (valid["standard"], valid["state"], valid["codes"]) == ("c2pa", "untrusted", [])
    assert valid["signer"] == "C2PA Signer" and valid["signed_at"].startswith("2024-08-06")
    assert json.loads(valid["manifest"])["active_manifest"]
    assert describe(valid) == (
        "Content Credentials: signed by C2PA Signer (issued by C2PA Test Signing Cert) at"
        " 2024-08-06T21:53:37+00:00, valid signature, untrusted signer (on no trust list"
        " known here)")

    # The signature does not match the content: reported invalid, the import went on.
    (altered,) = credentials_of(case, ids["EDGE_altered_after_signing.jpg"])
    assert altered["state"] == "invalid"
    assert "assertion.dataHash.mismatch" in altered["codes"]
    assert "INVALID: assertion.dataHash.mismatch" in describe(altered)
    (warning,) = _warnings(report, "EDGE_altered_after_signing.jpg")
    assert warning.startswith("Content Credentials invalid: assertion.dataHash.mismatch")
    assert "\n" not in warning

    assert credentials_of(case, ids["plain.jpg"]) == []
    assert not _warnings(report, "plain.jpg")


def test_the_browser_filter_finds_items_by_credentials(case, photo_factory):
    # Four files: the import's worker processes read the manifests (c2pa's library in a
    # forkserver child), not this process.
    report = import_paths(case, [corpus_path(VALID), corpus_path(ALTERED),
                                 photo_factory("plain.jpg"), photo_factory("plain2.jpg")])
    ids = _by_name(report)

    def names(wanted: str) -> set[str]:
        found = list_evidence(case, EvidenceFilter(credentials=wanted))
        return {row.original_name for row in found}

    assert names("any") == {"valid_manifest_test_cert.jpg", "EDGE_altered_after_signing.jpg"}
    assert names("none") == {"plain.jpg", "plain2.jpg"}
    assert names("invalid") == {"EDGE_altered_after_signing.jpg"}
    assert names("untrusted") == {"valid_manifest_test_cert.jpg"}
    assert names("valid") == set()
    assert ids


def test_verify_replays_credentials_and_names_a_row_edited_behind_the_apps_back(case):
    report = import_paths(case, [corpus_path(VALID), corpus_path(ALTERED)])
    ids = _by_name(report)
    result = verify_case(case)
    assert result.ok, result.problems

    # Someone turns the invalid verdict into a valid one with sqlite3.
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute("UPDATE credentials SET state = 'valid', codes = '[]'"
                " WHERE evidence_id = ?", (ids["EDGE_altered_after_signing.jpg"],))
    raw.close()
    problems = [p["detail"] for p in verify_case(case).problems]
    named = [p for p in problems if "credentials" in p
             and ids["EDGE_altered_after_signing.jpg"] in p]
    assert named and any("state is \"valid\", the history says \"invalid\"" in p
                         for p in named), problems


def _jpeg_with_app11(total: int) -> bytes:
    """A real small JPEG carrying `total` bytes of APP11 (JUMBF) segments of junk."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 20, 30)).save(buffer, "JPEG")
    data = buffer.getvalue()
    segments = []
    left = total
    while left > 0:
        body = min(left, 65533 - 2)
        segments.append(b"\xff\xeb" + struct.pack(">H", body + 2) + b"JP" + b"\0" * (body - 2))
        left -= body + 2
    return data[:2] + b"".join(segments) + data[2:]


def test_a_huge_store_is_not_read_one_line_and_the_import_goes_on(case, tmp_path, photo_factory):
    huge = tmp_path / "huge_store.jpg"
    huge.write_bytes(_jpeg_with_app11(MAX_STORE_BYTES + 200_000))
    report = import_paths(case, [huge, photo_factory("after.jpg")])
    ids = _by_name(report)
    assert set(ids) == {"huge_store.jpg", "after.jpg"}
    (row,) = credentials_of(case, ids["huge_store.jpg"])
    assert row["state"] == "unreadable" and row["manifest"] is None
    assert "over the 16,777,216-byte limit: not read" in row["reason"]
    (warning,) = _warnings(report, "huge_store.jpg")
    assert warning.startswith("Content Credentials not read: the C2PA store is")


def test_a_malformed_store_makes_the_library_raise_one_line_the_import_goes_on(
        case, tmp_path):
    data = bytearray(corpus_path(VALID).read_bytes())
    start = data.find(b"\xff\xeb")
    data[start + 200:start + 264] = b"\0" * 64        # inside the JUMBF description boxes
    broken = tmp_path / "broken_store.jpg"
    broken.write_bytes(bytes(data))

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    png = buffer.getvalue()
    junk = b"not jumbf at all" * 4
    chunk = struct.pack(">I", len(junk)) + b"caBX" + junk + struct.pack(
        ">I", zlib.crc32(b"caBX" + junk))
    garbage_png = tmp_path / "garbage_store.png"
    garbage_png.write_bytes(png[:33] + chunk + png[33:])

    report = import_paths(case, [broken, garbage_png])
    ids = _by_name(report)
    assert set(ids) == {"broken_store.jpg", "garbage_store.png"} and not report.errors
    for name in ids:
        (row,) = credentials_of(case, ids[name])
        assert row["state"] == "unreadable"
        assert row["reason"].startswith("the C2PA data is malformed or could not be checked")
        (warning,) = _warnings(report, name)
        assert warning.startswith("Content Credentials not read:") and "\n" not in warning
    assert verify_case(case).ok


def test_reading_never_raises_on_a_file_cut_inside_its_store(tmp_path):
    data = corpus_path(VALID).read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[:3000])
    found = read_c2pa(cut, "JPEG")
    assert found is not None and found.state == "unreadable" and found.reason


def test_a_proofmode_bundle_is_recognised_its_files_kept_and_said_unchecked(
        case, tmp_path, photo_factory):
    folder = tmp_path / "proofmode"
    folder.mkdir()
    photo = photo_factory("IMG_0001.jpg")
    media = folder / photo.name
    media.write_bytes(photo.read_bytes())
    (folder / "IMG_0001.jpg.asc").write_text(
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n")
    (folder / "IMG_0001.jpg.proof.csv").write_text(
        "File Path,File Hash SHA256,Location.Latitude,Location.Longitude,Wifi MAC\n"
        "IMG_0001.jpg,abc,36.2,37.1,aa:bb\n")
    report = import_paths(case, [folder], recursive=True)
    assert [Path(i["path"]).name for i in report.imported] == ["IMG_0001.jpg"]
    assert report.skipped == []          # the bundle's files came with the photo
    evidence_id = report.imported[0]["id"]

    (row,) = credentials_of(case, evidence_id)
    assert (row["standard"], row["state"]) == ("proofmode", "unchecked")
    assert "OpenPGP signature present, not checked" in row["reason"]
    assert "Location.Latitude" in row["manifest"]          # the sensor data, kept
    roles = {r: n for r, n in case.conn.execute(
        "SELECT role, original_name FROM attachments WHERE evidence_id = ?", (evidence_id,))}
    assert roles == {"proofmode_signature": "IMG_0001.jpg.asc",
                     "proofmode_proof": "IMG_0001.jpg.proof.csv"}
    assert describe(row).startswith("ProofMode bundle: OpenPGP signature present, not checked")
    assert verify_case(case).ok


def test_the_report_says_each_items_credentials_and_what_ours_prove(case, tmp_path):
    from package_support import read_package

    from reviewer.core.export import export_case

    import_paths(case, [corpus_path(VALID), corpus_path(ALTERED)])
    out = tmp_path / "package.zip"
    export_case(case, out)
    files, _ = read_package(out)
    html = files["report/index.html"].decode("utf-8")
    assert ("Content Credentials: signed by C2PA Signer (issued by C2PA Test Signing Cert) at"
            " 2024-08-06T21:53:37+00:00, valid signature, untrusted signer") in html
    assert "INVALID: assertion.dataHash.mismatch" in html
    assert "proves this investigator's installation signed them" in html
    assert "not an identity any C2PA trust list knows" in html


def test_a_signed_png_and_a_signed_mp4_are_read_through_their_own_structures(
        case, tmp_path):
    """A PNG (caBX chunk) and an MP4 (C2PA uuid box) signed by this installation's key
    import as untrusted (no trust list knows the root), named after the key."""
    import c2pa

    from reviewer.core.credentials_certs import signing_chain
    from reviewer.core.credentials_out import Ingredient, action, sign_derivative
    from tests.core.test_frames import _make_clip

    sender = case.signer
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    png = tmp_path / "signed" / "shared.png"
    png.parent.mkdir()
    sign_derivative(buffer.getvalue(), png, mime="image/png", identity=sender,
                    ingredients=[Ingredient("x.jpg", "ab" * 32, "image/jpeg")],
                    actions=[action("c2pa.edited")])

    clip = _make_clip(tmp_path / "clip", frames=10)
    mp4 = png.parent / "clip.mp4"
    chain = signing_chain(sender)
    with c2pa.Signer.from_callback(lambda data: sender.sign(bytes(data)),
                                   c2pa.C2paSigningAlg.ED25519, chain.pem(), None) as signer, \
            c2pa.Builder({"claim_generator_info": [{"name": "test"}], "title": "clip.mp4",
                          "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [
                              {"action": "c2pa.created", "digitalSourceType":
                               "http://cv.iptc.org/newscodes/digitalsourcetype/"
                               "digitalCapture"}]}}]}) as builder, \
            open(clip, "rb") as source, open(mp4, "w+b") as target:
        builder.sign(signer, "video/mp4", source, target)

    report = import_paths(case, [png, mp4])
    ids = _by_name(report)
    assert set(ids) == {"shared.png", "clip.mp4"}
    for name in ids:
        (row,) = credentials_of(case, ids[name])
        assert row["state"] == "untrusted", (name, row)
        assert row["signer"] == f"{sender.name} ({sender.fingerprint})"


def test_a_case_from_before_credentials_is_migrated_and_verifies(tmp_path, photo_factory):
    from reviewer.core.case import create_case, open_case
    from reviewer.core.schema import SCHEMA_VERSION

    folder = tmp_path / "old.case"
    case = create_case(folder, actor="tester")
    import_paths(case, [photo_factory("old.jpg")])
    case.close()
    downgrade(folder, 9)      # as the version before Content Credentials left it
    case = open_case(folder)
    try:
        assert case.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                 ).fetchone()[0] == str(SCHEMA_VERSION)
        report = import_paths(case, [corpus_path(VALID)])
        (row,) = credentials_of(case, report.imported[0]["id"])
        assert row["state"] == "untrusted"
        assert verify_case(case).ok, verify_case(case).problems
    finally:
        case.close()

