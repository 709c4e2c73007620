"""A partial export carries only what is shared, and proves its history against the signed root."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from package_support import (
    edit_database,
    read_package,
    rehash_manifest,
    rewrite_audit_record,
    rewrite_package,
    rows,
)

from reviewer.core import keys
from reviewer.core.case import create_case
from reviewer.core.errors import PackageError, PackageMismatchError
from reviewer.core.export import export_case
from reviewer.core.head_signature import head_message
from reviewer.core.importer import import_paths
from reviewer.core.incidents import add_incident, link_evidence, update_incident
from reviewer.core.labels import add_label
from reviewer.core.merge import merge_package
from reviewer.core.merkle import build_tree, leaf_hash, verify_inclusion
from reviewer.core.package_identity import partial_package_id
from reviewer.core.package_signature import sign_manifest
from reviewer.core.package_verify import verify_package
from reviewer.core.regions import add_region

LOGIN = "zq7login"
# A case's title can name what is not shared (an operation, a place): it stays home too.
CASE_TITLE = "Operation Qarnet Vexhollow"
SECRET = {"title": "Quarry Massacre Zeta", "description": "witness Omar Vantablack saw it",
          "place_name": "Kafr Zirbalqo", "sources": "Telegram channel qqzzsecret"}


def _reference_root(hashes: list[str]) -> bytes:
    """RFC 6962's MTH, written as the RFC states it (recursive split)."""
    if len(hashes) == 1:
        return leaf_hash(hashes[0])
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _reference_root(hashes[:k])
                          + _reference_root(hashes[k:])).digest()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 32, 33])
def test_every_proof_walks_to_the_rfc_6962_root(size):
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(size)]
    tree = build_tree(hashes)
    assert tree.root == _reference_root(hashes).hex()
    for index, digest in enumerate(hashes):
        proof = tree.proof(index)
        assert verify_inclusion(digest, index, size, proof, tree.root)
        assert not verify_inclusion(hashes[(index + 1) % size], index, size, proof, tree.root) \
            or size == 1
        assert not verify_inclusion(digest, index, size, proof[:-1], tree.root) or size == 1


@pytest.fixture
def sender(tmp_path, monkeypatch, photo_factory):
    """A case in the sender's home: one incident to share, one to keep, a custom label."""
    monkeypatch.setenv("LOGNAME", LOGIN)
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "ada-config"))
    home = tmp_path / "home" / LOGIN
    case = create_case(home / "cases" / "ops.case", title=CASE_TITLE, actor="Ada Field")
    def photo(where: str) -> Path:
        made = photo_factory(Path(where).name)
        target = home / where
        target.parent.mkdir(parents=True, exist_ok=True)
        return made.rename(target)

    shared = photo("field/shared_cylinder.jpg")
    secret = photo("field/hidden_checkpoint_qx.jpg")
    secret_linked = photo("archive/hidden_linked_qy.jpg")
    shared_linked = photo("archive/shared_linked.jpg")
    assert import_paths(case, [shared, secret], workers=1).ok
    assert import_paths(case, [secret_linked, shared_linked], link=True, workers=1).ok
    ids = {r["original_name"]: r["id"] for r in rows(case, "SELECT id, original_name"
                                                           " FROM evidence")}
    add_label(case, "Secret Label Kappa")
    shared_incident = add_incident(case, "Cylinder on a roof", place_name="Douma",
                                   description="a yellow cylinder", lat=33.57, lon=36.4)
    hidden = add_incident(case, SECRET["title"], place_name=SECRET["place_name"],
                          description="first draft", sources=SECRET["sources"], lat=35.1,
                          lon=36.9)
    update_incident(case, hidden.id, description=SECRET["description"])
    add_region(case, ids["shared_cylinder.jpg"], "gas cylinder", "rect",
               {"x": 10, "y": 10, "w": 50, "h": 40}, incident_id=shared_incident.id)
    add_region(case, ids["hidden_checkpoint_qx.jpg"], "Secret Label Kappa", "rect",
               {"x": 5, "y": 5, "w": 30, "h": 30}, incident_id=hidden.id, note="hidden note")
    link_evidence(case, hidden.id, ids["hidden_linked_qy.jpg"])
    # A linked original is read from where it lies, and travels under its name only.
    link_evidence(case, shared_incident.id, ids["shared_linked.jpg"])
    update_incident(case, shared_incident.id, status="confirmed")
    yield case, shared_incident.id, home
    case.close()


def _export(sender, tmp_path) -> Path:
    case, incident, _ = sender
    out = tmp_path / "out" / "shared.zip"
    out.parent.mkdir()
    export_case(case, out, incidents=[incident])
    return out


def test_a_partial_package_holds_nothing_of_what_is_not_shared(sender, tmp_path):
    case, _, home = sender
    secrets = [*SECRET.values(), "first draft", "hidden note", "Secret Label Kappa",
               "hidden_checkpoint_qx", "hidden_linked_qy", str(home), str(case.path), LOGIN,
               CASE_TITLE, "Qarnet", case.id, case.id.replace("-", "")]
    for row in rows(case, "SELECT sha256 FROM evidence WHERE original_name LIKE 'hidden%'"):
        secrets += [row["sha256"], row["sha256"].upper()]
    out = _export(sender, tmp_path)
    files, _ = read_package(out)
    assert "case.sqlite" in files and "report/index.html" in files
    found = {(name, text) for name, data in files.items() for text in secrets
             if text.encode("utf-8") in data or text.encode("utf-16-le") in data}
    assert found == set()
    # What is shared is there, with its provable history.
    assert b"Cylinder on a roof" in files["case.sqlite"]
    assert b"shared_cylinder.jpg" in files["case.sqlite"]
    # Its own id and title: by default the titles of the incidents it holds.
    manifest = json.loads(files["manifest.json"])
    assert manifest["case_id"] == partial_package_id(case.id) != case.id
    assert manifest["case_title"] == "Cylinder on a roof"
    assert b"Cylinder on a roof</h1>" in files["report/index.html"] or \
        b"Cylinder on a roof" in files["report/index.html"].split(b"</h1>")[0]
    linked = json.loads(files["manifest.json"])["linked_originals"]
    assert [(e["linked_path"], e["included"]) for e in linked] == [("shared_linked.jpg", True)]
    assert files[linked[0]["path"]] == (home / "archive" / "shared_linked.jpg").read_bytes()


def test_the_recipient_proves_each_record_against_the_signed_head(sender, tmp_path):
    case, _, _ = sender
    out = _export(sender, tmp_path)
    report = verify_package(out)
    assert report.ok, report.problems
    total = rows(case, "SELECT count(*) AS n FROM audit")[0]["n"] - 1   # less case.export
    manifest = json.loads(read_package(out)[0]["manifest.json"])
    tree = manifest["audit_tree"]
    assert tree["partial"] and tree["size"] == total and 0 < tree["records"] < total
    notes = [n["detail"] for n in report.notes if n["kind"] == "partial_history"]
    assert notes and notes[0].startswith(f"partial history: {tree['records']} of {total}"
                                         " records, each proven against the signed head of")


def test_a_whole_case_package_keeps_the_full_chain_and_its_root(sender, tmp_path):
    case, _, _ = sender
    out = tmp_path / "whole.zip"
    export_case(case, out)
    manifest = json.loads(read_package(out)[0]["manifest.json"])
    assert not manifest["audit_tree"]["partial"]
    assert manifest["audit_tree"]["records"] == manifest["audit_tree"]["size"]
    assert verify_package(out).ok
    assert [n for n in verify_package(out).notes if n["kind"] == "partial_history"] == []

    def swap_root(files):
        manifest = json.loads(files["manifest.json"])
        manifest["audit_tree"]["root"] = hashlib.sha256(b"another history").hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()

    forged = rewrite_package(out, tmp_path / "forged.zip", swap_root, remanifest=False)
    assert "the audit log does not give the root the manifest signs" in _audit_problems(forged)


def _audit_problems(path: Path) -> list[str]:
    return [p["detail"] for p in verify_package(path).problems if p["kind"] == "audit"]


@pytest.mark.parametrize("column, value", [("gps_lat", 41.0), ("taken_at", "2006-01-01T09:00:00")])
def test_an_item_edited_in_the_case_file_is_not_signed_into_a_partial_package(
        sender, tmp_path, column, value):
    """Found by an adversary's trial: an item's GPS or capture time edited with sqlite3 in
    the sender's case was signed by the next export of some incidents (its recipient
    cannot replay the item's import, which stays home) and read INTACT and trusted."""
    case, incident, _ = sender
    raw = sqlite3.connect(case.db_path, isolation_level=None)
    raw.execute(f"UPDATE evidence SET {column} = ? WHERE original_name = 'shared_cylinder.jpg'",
                (value,))
    raw.close()
    records = case.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    out = tmp_path / "laundered.zip"
    with pytest.raises(PackageError, match=f"does not match its own history .*{column} is"):
        export_case(case, out, incidents=[incident])
    assert not out.exists()
    assert case.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == records


def test_an_altered_record_is_caught_even_with_its_hash_recomputed(sender, tmp_path):
    out = _export(sender, tmp_path)

    def forge(files):
        db = tmp_path / "f.sqlite"
        db.write_bytes(files["case.sqlite"])
        conn = sqlite3.connect(db, isolation_level=None)
        rewrite_audit_record(conn, "incident.add", "Douma", "Harasta")
        conn.close()
        files["case.sqlite"] = db.read_bytes()

    forged = rewrite_package(out, tmp_path / "forged.zip", forge, remanifest=True)
    problems = _audit_problems(forged)
    assert any("proof does not lead to the signed root" in p
               or "is not the record its proof is for" in p for p in problems), problems


def _forge_with_a_root_of_its_own(sender, files: dict[str, bytes], tmp_path: Path,
                                  edit_head_signature=None) -> None:
    """A forger who rewrites a record, gives it its recomputed hash, builds a new tree
    over the history with it (every other record's hash, as the sender's case holds them)
    and puts the new root and proofs in the package and its manifest, then drops the
    manifest's signature (it cannot be redone without the key): every proof walks to the
    new root, and the head, untouched, still carries its valid signature."""
    case, _, _ = sender
    hashes = [h for (h,) in case.conn.execute("SELECT hash FROM audit ORDER BY seq")]
    db = tmp_path / "f.sqlite"
    db.write_bytes(files["case.sqlite"])
    conn = sqlite3.connect(db, isolation_level=None)
    seq, forged_hash = rewrite_audit_record(conn, "incident.add", "Cylinder on a roof",
                                            "Nothing happened")
    hashes[seq - 1] = forged_hash
    conn.execute("UPDATE incidents SET title = 'Nothing happened'"
                 " WHERE title = 'Cylinder on a roof'")
    tree = build_tree(hashes)
    for (kept,) in conn.execute("SELECT seq FROM audit_proofs").fetchall():
        conn.execute("UPDATE audit_proofs SET hash = ?, proof = ? WHERE seq = ?",
                     (hashes[kept - 1], json.dumps(tree.proof(kept - 1)), kept))
    if edit_head_signature is not None:
        raw = conn.execute("SELECT value FROM meta WHERE key = 'audit_head_signature'")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head_signature'",
                     (json.dumps(edit_head_signature(json.loads(raw.fetchone()[0]))),))
    conn.close()
    files["case.sqlite"] = db.read_bytes()
    manifest = json.loads(files["manifest.json"])
    manifest["audit_tree"]["root"] = tree.root
    files["manifest.json"] = json.dumps(manifest).encode()
    files.pop("manifest.json.minisig")


@pytest.mark.parametrize("as_made_before", [False, True])
def test_records_proven_against_a_root_of_the_forger_s_own_are_refused(
        sender, tmp_path, monkeypatch, as_made_before):
    """Found by trying it: the head's signature did not cover the root, so with the
    manifest unsigned the forged records read as proven against the sender's signed head
    and merged with --accept-untrusted. Now the head's signature holds the tree; a package
    made before that (`as_made_before`: the signature without its tree, re-signed as the
    old code did) needs a manifest signed by the head's key."""
    out = _export(sender, tmp_path)

    def forge(files):
        def old_format(signed: dict) -> dict:
            # The head's own signature as the previous version made it: over the head
            # alone (a forger cannot make this; the sender's earlier app did).
            signed.pop("tree", None)
            case_id = json.loads(files["manifest.json"])["case_id"]
            signed["signature"] = base64.b64encode(sender[0].signer.sign(head_message(
                case_id, signed["head"]))).decode("ascii")
            return signed

        _forge_with_a_root_of_its_own(sender, files, tmp_path,
                                      old_format if as_made_before else None)

    forged = rewrite_package(out, tmp_path / "forged.zip", forge, remanifest=True)
    report = verify_package(forged)
    signature = [p["detail"] for p in report.problems if p["kind"] == "signature"]
    assert signature and any("audit tree" in d for d in signature), report.problems
    assert not any(n["kind"] == "partial_history" for n in report.notes)
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "bob-config"))
    target = create_case(tmp_path / "bob.case", title="Bob", actor="Bob Editor")
    try:
        before = rows(target, "SELECT count(*) AS n FROM incidents")[0]["n"]
        with pytest.raises(PackageError):
            merge_package(target, forged, accept_untrusted=True)
        assert rows(target, "SELECT count(*) AS n FROM incidents")[0]["n"] == before
    finally:
        target.close()


def test_a_dropped_proof_is_caught(sender, tmp_path):
    out = _export(sender, tmp_path)
    forged = rewrite_package(out, tmp_path / "forged.zip", lambda files: edit_database(
        files, tmp_path, "DELETE FROM audit_proofs WHERE seq = (SELECT min(seq) FROM audit)"),
        remanifest=True)
    assert any("has no proof that it belongs to the signed history" in p
               for p in _audit_problems(forged))


def test_a_changed_root_is_caught(sender, tmp_path):
    out = _export(sender, tmp_path)

    def swap_root(files):
        manifest = json.loads(files["manifest.json"])
        manifest["audit_tree"]["root"] = hashlib.sha256(b"another history").hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()

    forged = rewrite_package(out, tmp_path / "forged.zip", swap_root, remanifest=False)
    report = verify_package(forged)
    assert any(p["kind"] == "signature" for p in report.problems)
    assert any("proof does not lead to the signed root" in p for p in _audit_problems(forged))


def test_a_partial_package_merges_into_a_case_with_another_key(sender, tmp_path, monkeypatch):
    case, incident, _ = sender
    hidden = rows(case, "SELECT id FROM incidents WHERE title = ?", (SECRET["title"],))[0]["id"]
    update_incident(case, hidden, status="closed")    # the head is a record not shared
    out = _export(sender, tmp_path)
    fingerprint = case.signer.fingerprint
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "bashir-config"))
    target = create_case(tmp_path / "bashir.case", title="Partner", actor="Bashir")
    try:
        assert target.signer.fingerprint != fingerprint
        report = merge_package(target, out, accept_untrusted=True)
        assert report.ok and report.signer["fingerprint"] == fingerprint
        assert [r["title"] for r in rows(target, "SELECT title FROM incidents")] == \
            ["Cylinder on a roof"]
        merged = rows(target, "SELECT source_case_id, summary FROM merges")
        summary = json.loads(merged[0]["summary"])
        assert merged[0]["source_case_id"] == partial_package_id(case.id)
        # The sender's head is recorded, as for any package (history checks later rely on it).
        assert summary["audit_log"]["head"] == json.loads(
            read_package(out)[0]["manifest.json"])["audit_head"]
        # The sender's records are kept with their proofs: still provable in this case.
        from reviewer.core.merge import merged_audit_records

        tree = summary["audit_log"]["tree"]
        kept = merged_audit_records(target, report.merge_id)
        assert kept and all(verify_inclusion(r["hash"], r["seq"] - 1, tree["size"], r["proof"],
                                             tree["root"]) for r in kept)
        # A later partial package from the same case still extends what was merged.
        update_incident(case, incident, status="closed")
        later = tmp_path / "later.zip"
        monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "ada-config"))
        export_case(case, later, incidents=[incident])
        monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "bashir-config"))
        head_seq = int(summary["audit_log"]["head"].split(":")[0])
        later_db = tmp_path / "later.sqlite"
        later_db.write_bytes(read_package(later)[0]["case.sqlite"])
        conn = sqlite3.connect(later_db)
        assert conn.execute("SELECT 1 FROM audit WHERE seq = ?", (head_seq,)).fetchone() is None
        conn.close()
        # Not in the later package, but proven there: the history still holds it.
        assert verify_package(later, against=target.conn).ok
        unproven = rewrite_package(later, tmp_path / "unproven.zip", lambda files: edit_database(
            files, tmp_path, f"DELETE FROM audit_proofs WHERE seq = {head_seq}"),
            remanifest=True)
        assert any(p["kind"] == "history" and "history rewritten since" in p["detail"]
                   for p in verify_package(unproven, against=target.conn).problems)
        again = merge_package(target, later, accept_untrusted=True)
        assert again.ok and [c["kind"] for c in again.conflicts] == ["incident"]
    finally:
        target.close()


def test_the_report_says_what_the_package_holds_and_counts_what_it_does_not(sender, tmp_path):
    out = _export(sender, tmp_path)
    files, _ = read_package(out)
    html = files["report/index.html"].decode("utf-8")
    tree = json.loads(files["manifest.json"])["audit_tree"]
    assert "What this package holds" in html
    assert "Only 1 chosen incident(s): Cylinder on a roof;" in html
    assert f"{tree['records']} of the case's {tree['size']} audit records" in html
    assert "Left out, and not named here: 1 other incident(s), 2 item(s), 1 tag(s)," in html
    assert "1 label(s) of the case's own" in html
    assert "problem(s)" not in html      # a partial history is not a broken chain


def test_a_partial_package_opens_as_a_new_case_that_merged_it(sender, tmp_path):
    case, incident, _ = sender
    out = _export(sender, tmp_path)
    from reviewer.core.unpack import unpack_package
    from reviewer.core.verify import verify_case

    with unpack_package(out, tmp_path / "opened.case", actor="Bashir") as opened:
        assert opened.id != case.id      # its own history: the sender's is only partly here
        assert [r["id"] for r in rows(opened, "SELECT id FROM incidents")] == [incident]
        assert rows(opened, "SELECT source_case_id FROM merges")[0]["source_case_id"] == \
            partial_package_id(case.id)
        assert verify_case(opened).ok


def test_a_shared_linked_original_in_a_non_utf8_folder_leaves_its_folder_home(
        tmp_path, photo_factory):
    """A name that is not UTF-8 is kept twice (shown escaped, and its exact bytes as hex):
    both forms of the sender's folder stay out of a partial package."""
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/witness-\xff-folderqz"))
    folder.mkdir()
    photo = photo_factory("linked_shot.jpg").rename(folder / "linked_shot.jpg")
    case = create_case(tmp_path / "c.case", actor="Ada Field")
    assert import_paths(case, [photo], link=True, workers=1).ok
    [item] = rows(case, "SELECT id, linked_path_hex FROM evidence")
    assert item["linked_path_hex"]      # the exact bytes are in the case
    incident = add_incident(case, "Shared")
    link_evidence(case, incident.id, item["id"])
    out = tmp_path / "p.zip"
    export_case(case, out, incidents=[incident.id])
    case.close()
    files, _ = read_package(out)
    secrets = [b"folderqz", b"folderqz".hex().encode(), b"witness-", b"witness-".hex().encode(),
               os.fsencode(tmp_path), os.fsencode(tmp_path).hex().encode()]
    assert {(name, s) for name, data in files.items() for s in secrets if s in data} == set()
    linked = json.loads(files["manifest.json"])["linked_originals"]
    assert [e["linked_path"] for e in linked] == ["linked_shot.jpg"]
    assert files[linked[0]["path"]] == photo.read_bytes()


def test_the_sender_chooses_a_partial_package_title(sender, tmp_path):
    case, incident, _ = sender
    out = tmp_path / "titled.zip"
    report = export_case(case, out, incidents=[incident], title="  Douma  roof cylinder ")
    assert report.title == "Douma roof cylinder"
    assert report.case_id == partial_package_id(case.id)
    files, _ = read_package(out)
    assert json.loads(files["manifest.json"])["case_title"] == "Douma roof cylinder"
    assert b"Douma roof cylinder" in files["report/index.html"]
    assert not any(CASE_TITLE.encode() in data for data in files.values())
    assert verify_package(out).ok
    # The signature's comment, which minisign prints, names the package, not the case.
    assert case.id.encode() not in files["manifest.json.minisig"]


@pytest.mark.parametrize("title, words", [
    ("", "1 to 200 characters"), ("x" * 201, "1 to 200 characters")])
def test_a_package_title_that_cannot_travel_is_refused_before_anything_is_written(
        sender, tmp_path, title, words):
    case, incident, _ = sender
    out = tmp_path / "bad.zip"
    with pytest.raises(PackageError, match=words):
        export_case(case, out, incidents=[incident], title=title)
    assert not out.exists()


def test_a_title_is_chosen_only_for_a_partial_package(sender, tmp_path):
    case, _, _ = sender
    with pytest.raises(PackageError, match="package of some incidents"):
        export_case(case, tmp_path / "whole.zip", title="Anything")
    assert not (tmp_path / "whole.zip").exists()


def test_a_whole_package_after_partial_ones_is_held_to_the_heads_merged_from_them(
        sender, tmp_path, monkeypatch):
    """The partial packages carry a derived id; the check links the case's own id to it."""
    case, _, _ = sender
    first = _export(sender, tmp_path)
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "bashir-config"))
    target = create_case(tmp_path / "bashir.case", title="Partner", actor="Bashir")
    try:
        assert merge_package(target, first, accept_untrusted=True).ok
        head_seq = int(json.loads(read_package(first)[0]["manifest.json"])["audit_head"]
                       .split(":")[0])
        monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "ada-config"))
        whole = tmp_path / "whole.zip"
        export_case(case, whole)
        assert verify_package(whole, against=target.conn).ok
        rewritten = rewrite_package(whole, tmp_path / "rewritten.zip", lambda files: edit_database(
            files, tmp_path, "DROP TRIGGER IF EXISTS audit_append_only_update",
            f"UPDATE audit SET hash = '{'0' * 64}' WHERE seq = {head_seq}"), remanifest=True)
        problems = verify_package(rewritten, against=target.conn).problems
        assert any(p["kind"] == "history" and "history rewritten since" in p["detail"]
                   for p in problems), problems
    finally:
        target.close()


def test_a_key_still_named_after_the_login_cannot_send_a_partial_package(
        tmp_path, monkeypatch):
    """Made without asking (a script), the key took the OS login as its name: a partial
    package would carry it in every row and record, so it is refused until renamed."""
    monkeypatch.setenv("LOGNAME", LOGIN)
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "script-config"))
    case = create_case(tmp_path / "c.case", actor=LOGIN)
    try:
        incident = add_incident(case, "Shared")
        out = tmp_path / "p.zip"
        with pytest.raises(PackageError, match=f"still named after your login \\({LOGIN}\\)"):
            export_case(case, out, incidents=[incident.id])
        assert not out.exists()
        export_case(case, tmp_path / "whole.zip")          # the whole case: for a colleague
    finally:
        case.close()


@pytest.mark.parametrize(("field", "value"), [("size", float("inf")), ("head", {"a": 1})])
def test_an_audit_tree_of_another_type_is_named_not_a_crash(sender, tmp_path, field, value):
    """Found by fuzzing the manifest: each ended verify with an internal error."""
    out = _export(sender, tmp_path)

    def edit(files):
        manifest = json.loads(files["manifest.json"])
        manifest["audit_tree"][field] = value
        files["manifest.json"] = json.dumps(manifest).encode()

    forged = rewrite_package(out, tmp_path / "forged.zip", edit, remanifest=False)
    assert "the manifest's audit tree is damaged" in _audit_problems(forged)


@pytest.mark.parametrize(("statement", "expected"), [
    ("UPDATE audit SET details = X'00ff' WHERE seq = (SELECT min(seq) FROM audit)",
     "was altered: its hash does not match"),
    ("UPDATE audit_proofs SET proof = '" + "[" * 50000 + "]" * 50000 + "'"
     " WHERE seq = (SELECT min(seq) FROM audit_proofs)", "its proof does not lead to"),
    ("UPDATE meta SET value = X'00ff' WHERE key = 'audit_head'",
     "the audit log is not the one Ada Field signed"),
])
def test_a_record_or_proof_of_another_shape_is_named_not_a_crash(sender, tmp_path, statement,
                                                                 expected):
    out = _export(sender, tmp_path)
    forged = rewrite_package(out, tmp_path / "forged.zip", lambda files: edit_database(
        files, tmp_path, "DROP TRIGGER audit_append_only_update", statement), remanifest=True)
    problems = [p["detail"] for p in verify_package(forged).problems]
    assert any(expected in p for p in problems), problems


def test_bytes_put_in_a_shared_item_are_named_before_a_merge(sender, tmp_path, monkeypatch):
    """An item's row is proven by its file's SHA-256, not by the history: bytes put in its
    camera make, the manifest re-hashed and signed again, passed verify and ended merge
    with an internal error (the merge's audit record cannot hold them)."""
    case, _, _ = sender
    out = _export(sender, tmp_path)

    def forge(files):
        edit_database(files, tmp_path, "UPDATE evidence SET make = X'00ff'")
        rehash_manifest(files)
        files.update(sign_manifest(case.signer, files["manifest.json"], "x", "2024"))

    forged = rewrite_package(out, tmp_path / "forged.zip", forge, remanifest=False)
    problems = [p["detail"] for p in verify_package(forged).problems]
    assert any(": make holds bytes where the app writes text or numbers" in p
               for p in problems), problems
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "recipient-config"))
    with create_case(tmp_path / "recipient", actor="Bo") as recipient, \
            pytest.raises(PackageMismatchError, match="holds bytes where"):
        merge_package(recipient, forged, accept_untrusted=True)
