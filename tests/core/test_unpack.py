"""unpack_package: a package opened as a case of its own."""

from __future__ import annotations

import json

import pytest
from package_support import rows

from reviewer.core.errors import CaseError
from reviewer.core.export import export_case
from reviewer.core.importer import import_paths
from reviewer.core.media_store import sha256_file
from reviewer.core.unpack import unpack_package
from reviewer.core.verify import verify_case


def test_unpacked_case_is_the_senders_case_plus_one_record(demo, tmp_path):
    package = tmp_path / "sent.zip"
    export_case(demo, package)
    with unpack_package(package, tmp_path / "received", actor="bob") as case:
        assert case.path == tmp_path / "received.case"
        assert case.id == demo.id and case.title == demo.title
        for table in ("evidence", "regions", "incidents", "incident_regions", "attachments"):
            sql = f"SELECT * FROM {table} ORDER BY 1, 2"
            assert rows(case, sql) == rows(demo, sql), table
        sent = rows(demo, "SELECT * FROM audit WHERE action <> 'case.export' ORDER BY seq")
        received = rows(case, "SELECT * FROM audit ORDER BY seq")
        assert received[:-1] == sent
        assert received[-1]["action"] == "case.unpack"
        assert received[-1]["actor"] == f"bob ({case.signer.fingerprint})"
        assert json.loads(received[-1]["details"])["package_sha256"] == sha256_file(package)
        assert verify_case(case).ok
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_linked_original_carried_by_the_package_is_stored_in_the_new_case(
        case, photo_factory, tmp_path):
    photo = photo_factory()
    import_paths(case, [photo], link=True)
    package = tmp_path / "linked.zip"
    export_case(case, package)
    photo.unlink()   # the recipient has no access to the sender's disk
    with unpack_package(package, tmp_path / "received") as received:
        row = rows(received, "SELECT stored_path, linked_path FROM evidence")[0]
        assert row["stored_path"] and row["linked_path"]
        assert verify_case(received).ok


def test_an_existing_target_is_refused(demo, tmp_path):
    package = tmp_path / "sent.zip"
    export_case(demo, package)
    (tmp_path / "taken.case").mkdir()
    with pytest.raises(CaseError, match="already exists"):
        unpack_package(package, tmp_path / "taken.case")
