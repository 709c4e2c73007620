"""`reviewer export | verify PACKAGE.zip | merge | unpack`: the real command, exit codes, lines."""

from __future__ import annotations

import hashlib
import re
import resource
import signal
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from cli_support import TIMEOUT, Cli, cli_env, one_error_line, query, reviewer_argv
from PIL import Image


@pytest.fixture
def sent(cli: Cli, new_case, photo_factory, tmp_path) -> tuple[Path, Path]:
    """A small case with a tagged photo in an incident, and its package."""
    case = new_case("alice")
    cli("import", case, photo_factory(), photo_factory())
    item = cli("list", case, "--json").json()["evidence"][0]["id"]
    incident = cli("incident", "add", case, "--title", "Strike", "--lat", "36.2",
                   "--lon", "37.1", "--json").json()["id"]
    cli("tag", case, item, "--label", "crater", "--box", "10,10,50,40", "--incident", incident,
        "--note", "<script>alert(1)</script>")
    package = tmp_path / "alice.zip"
    cli("export", case, package)
    return case, package


def test_export_verify_merge_unpack(cli: Cli, new_case, sent, tmp_path):
    case, package = sent
    again = tmp_path / "again.zip"
    document = cli("export", case, again, "--json").json()
    assert document["path"] == str(again) and document["counts"]["evidence"] == 2
    manifest = zipfile.ZipFile(again).read("manifest.json")
    assert document["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()

    verified = cli("verify", package, "--json").json()
    assert verified["ok"] is True and verified["problems"] == []

    bob = new_case("bob")
    merged = cli("merge", bob, package, "--json").json()
    assert merged["added"]["evidence"] == 2 and merged["added"]["regions"] == 1
    assert merged["conflicts"] == [] and merged["merge_id"]
    assert query(bob, "SELECT count(*) FROM merges") == [(1,)]
    second = cli("merge", bob, package)
    assert "Already merged" in second.stdout

    opened = cli("unpack", package, tmp_path / "opened", "--json").json()
    assert opened["path"] == str(tmp_path / "opened.case")
    assert cli("verify", tmp_path / "opened.case").code == 0



def test_unpacking_incidents_sent_without_media_names_what_the_new_case_lacks(
        cli: Cli, new_case, photo_factory, sent, tmp_path):
    # Found by a new user: "Unpacked ... as the case" and nothing else, for a case that
    # held the incident but neither its item nor its tag.
    cli("key", "rename", "Alice")     # a key named after the login sends no partial package
    case = new_case("named")
    cli("import", case, photo_factory())
    item = cli("list", case, "--json").json()["evidence"][0]["id"]
    incident = cli("incident", "add", case, "--title", "Strike", "--json").json()["id"]
    cli("tag", case, item, "--label", "crater", "--box", "10,10,50,40", "--incident", incident)
    package = tmp_path / "no-media.zip"
    cli("export", case, package, "--incident", incident, "--no-media")
    result = cli("unpack", package, tmp_path / "opened", expect=1)
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 2, result.stderr                # the item and its tag
    assert any("neither in the package nor in this case" in line for line in skipped)
    assert result.stdout.strip().endswith("; 2 skipped.")
    opened = cli("unpack", package, tmp_path / "again", "--json", expect=1).json()
    assert {item["kind"] for item in opened["skipped"]} == {"evidence", "region"}
    # A whole case unpacks with nothing left out, as before.
    assert cli("unpack", sent[1], tmp_path / "whole").code == 0


def test_a_partial_package_its_recipient_could_not_check_is_not_written(
        cli: Cli, sent, tmp_path):
    """A case begun under a login-named key, the key renamed since: the records about the
    shared rows hold the login and stay home, so the rows could not be proven."""
    case, _ = sent
    incident = cli("incident", "list", case, "--json").json()["incidents"][0]["id"]
    cli("key", "rename", "Alice")
    package = tmp_path / "partial.zip"
    result = cli("export", case, package, "--incident", incident, expect=2)
    (line,) = result.error_lines
    assert "could not be proven" in line and "OS login" in line and "Nothing was written" in line
    assert not package.exists() and not list(tmp_path.glob("partial.zip*"))


def test_a_tampered_package_exits_3_naming_the_entry(cli: Cli, new_case, sent):
    _, package = sent
    with zipfile.ZipFile(package, "a") as zf:
        zf.writestr("media/00/extra.jpg", b"slipped in")
    result = cli("verify", package, expect=3)
    assert f"{package}:media/00/extra.jpg: unlisted" in result.stderr
    bob = new_case("bob")
    before = query(bob, "SELECT count(*) FROM audit")
    refused = cli("merge", bob, package, expect=3)
    assert len(refused.error_lines) == 1 and str(package) in refused.error_lines[0]
    assert query(bob, "SELECT count(*) FROM audit") == before


def test_conflicts_are_listed(cli: Cli, new_case, sent, tmp_path):
    case, package = sent
    bob = new_case("bob")
    cli("merge", bob, package)
    region = query(case, "SELECT id FROM regions")[0][0]
    for who, note in ((bob, "bob's reading"), (case, "alice's reading")):
        # Edit a region the way a script would: through the core, as the app does.
        code = ("import sys; from reviewer.core.case import open_case;"
                " from reviewer.core.regions import update_region;"
                " c = open_case(sys.argv[1]); update_region(c, sys.argv[2], note=sys.argv[3])")
        subprocess.run([*reviewer_argv()[:1], "-c", code, str(who), region, note], check=True,
                       timeout=TIMEOUT)
    second = tmp_path / "second.zip"
    cli("export", case, second)
    merged = cli("merge", bob, second, "--json").json()
    assert [c["local_id"] for c in merged["conflicts"]] == [region]
    text = cli("merge", new_case("carol"), second)
    assert "0 conflict(s)" in text.stdout


def test_usage_errors_and_unreadable_packages(cli: Cli, new_case, tmp_path):
    case = new_case("x")
    missing = cli("verify", tmp_path / "nowhere.zip", expect=2)
    assert "no such package" in missing.stderr
    cli("merge", case, tmp_path / "nowhere.zip", expect=2)
    not_zip = tmp_path / "photo.zip"
    not_zip.write_bytes(b"not a zip at all")
    assert "not an export package" in cli("unpack", not_zip, tmp_path / "y", expect=2).stderr
    assert not (tmp_path / "y.case").exists()
    assert "not an export package" in cli("merge", case, not_zip, expect=2).stderr
    bad = cli("export", case, tmp_path / "out.zip", "--incident", "no-such-id", expect=2)
    assert "no-such-id" in bad.stderr and not (tmp_path / "out.zip").exists()


def _limit_file_size(limit: int):
    def apply() -> None:
        # A write past the limit then fails with EFBIG (no SIGXFSZ kill): a full disk, as
        # the process sees it.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_during_export_leaves_no_package(cli: Cli, new_case, tmp_path):
    case = new_case("big")
    photos = []
    for seed in range(3):
        # Noise does not compress: each photo is a few megabytes.
        pixels = np.random.default_rng(seed).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
        photos.append(tmp_path / f"noise_{seed}.jpg")
        Image.fromarray(pixels).save(photos[-1], quality=95)
    cli("import", case, *photos)
    before = query(case, "SELECT count(*), max(hash) FROM audit")
    media = query(case, "SELECT sum(bytes) FROM evidence")[0][0]
    limit = media * 2 // 3    # room for the database snapshot, not for the package
    assert limit > 2 * (case / "case.sqlite").stat().st_size
    out = tmp_path / "out" / "big.zip"
    out.parent.mkdir()
    completed = subprocess.run(reviewer_argv("export", case, out), cwd=cli.cwd, env=cli_env(),
                               capture_output=True, text=True, timeout=TIMEOUT,
                               preexec_fn=_limit_file_size(limit))
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "nothing was written" in lines[0]
    assert "Traceback" not in completed.stderr
    assert list(out.parent.iterdir()) == []
    assert query(case, "SELECT count(*), max(hash) FROM audit") == before


def test_incidents_are_named_by_the_short_ids_the_listings_print(cli: Cli, new_case,
                                                                 photo_factory, tmp_path):
    cli("key", "new", "--name", "Carol Reed")    # not the login: a partial package may go
    case = new_case("carol")
    cli("import", case, photo_factory(), photo_factory())
    first, second = (row["id"] for row in cli("list", case, "--json").json()["evidence"])
    cli("incident", "add", case, "--title", "Strike")
    short = cli("incident", "list", case).stdout.split()[0]       # as the listing prints it
    assert len(short) == 8
    cli("tag", case, first[:8], "--label", "crater", "--box", "5,5,20,20", "--incident", short)
    cli("incident", "link", case, short, "--evidence", second[:8])
    listed = cli("list", case, "--incident", short, "--json").json()["evidence"]
    assert {row["id"] for row in listed} == {first, second}
    package = tmp_path / "strike.zip"
    assert cli("export", case, package, "--incident", short, "--json").json()["counts"][
        "evidence"] == 2
    missing = cli("export", case, tmp_path / "none.zip", "--incident", "ffffffff", expect=2)
    assert missing.error_lines == ["error: ffffffff: no such incident in this case"]




def test_verify_of_a_file_that_is_neither_case_nor_package_is_one_line(cli: Cli, tmp_path):
    for name in ("g.zip", "notes.txt", "case.sqlite"):
        path = tmp_path / name
        path.write_bytes(b"hello")
        result = cli("verify", path, expect=2)
        line = one_error_line(result, str(path), "not a case folder or export package")
        assert line.count(str(path)) == 1
        assert result.stdout == ""      # no verdict claiming anything was checked


def test_verify_of_a_damaged_package_names_it_once_and_claims_no_checks(cli: Cli, sent,
                                                                        tmp_path):
    _, package = sent
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(package.read_bytes()[:3000])
    result = cli("verify", truncated, expect=3)
    line = one_error_line(result, str(truncated), "unreadable")
    assert line.count(str(truncated)) == 1      # not "truncated.zip:truncated.zip"
    assert "database and audit chain checked" not in result.stdout
    assert "nothing in it was checked" in result.stdout
    document = cli("verify", truncated, "--json", expect=3).json()
    assert document["ok"] is False and document["database_checked"] is False
    # A package is recognised by what it is, not by its name.
    renamed = tmp_path / "package.bin"
    renamed.write_bytes(package.read_bytes())
    assert "INTACT" in cli("verify", renamed).stdout


def test_merge_reports_in_the_users_words_not_table_names(cli: Cli, new_case, demo_case,
                                                          tmp_path):
    package = tmp_path / "demo.zip"
    cli("export", demo_case, package)
    merged = cli("merge", new_case("recipient"), package)
    summary = merged.stdout.strip().splitlines()[-1]
    for table in ("incident_regions", "incident_evidence", "evidence", "regions",
                  "attachments", "derivations"):
        assert table not in summary, summary
    items = len(cli("list", demo_case, "--json").json()["evidence"])
    assert f"added {items} items, " in summary, summary
    for words in (r"\d+ tags,", r"\d+ incidents,", r"\d+ tags attached to incidents",
                  r"\d+ items attached to incidents", r"\b1 attached file\b"):
        assert re.search(words, summary), (words, summary)
    # The JSON keeps the database's vocabulary, for scripts.
    document = cli("merge", new_case("script"), package, "--json").json()
    assert document["added"]["incident_regions"] > 0


def test_export_never_overwrites_a_file_without_force(cli: Cli, sent, tmp_path):
    case, _ = sent
    out = tmp_path / "out" / "shared.zip"
    out.parent.mkdir()
    out.write_bytes(b"a colleague's package, not to be lost")
    audit = query(case, "SELECT count(*), max(hash) FROM audit")

    refused = cli("export", case, out, expect=2)

    lines = refused.error_lines
    assert len(lines) == 1 and str(out) in lines[0] and "already exists" in lines[0]
    assert "--force" in lines[0]
    assert out.read_bytes() == b"a colleague's package, not to be lost"
    assert sorted(p.name for p in out.parent.iterdir()) == ["shared.zip"]   # no .part left
    assert query(case, "SELECT count(*), max(hash) FROM audit") == audit    # no export record

    cli("export", case, out, "--force")
    assert cli("verify", out, "--json").json()["ok"] is True


def test_a_partial_export_says_what_it_left_out_and_verify_what_it_proved(
        cli: Cli, new_case, photo_factory, tmp_path):
    # A name of her own: a key named after the OS login (the default) puts the login in
    # every record, and such records stay home (docs/custody.md).
    cli("key", "new", "--name", "Dana Field")
    case = new_case("dana")
    cli("import", case, photo_factory(), photo_factory())
    first, second = (row["id"] for row in cli("list", case, "--json").json()["evidence"])
    shared = cli("incident", "add", case, "--title", "Shared", "--json").json()["id"]
    kept = cli("incident", "add", case, "--title", "Kept home", "--json").json()["id"]
    cli("tag", case, first, "--label", "crater", "--box", "5,5,20,20", "--incident", shared)
    cli("tag", case, second, "--label", "debris", "--box", "5,5,20,20", "--incident", kept)
    package = tmp_path / "shared.zip"
    printed = cli("export", case, package, "--incident", shared).stdout
    history = re.search(r"History: (\d+) of (\d+) audit record\(s\)", printed)
    assert history and 0 < int(history[1]) < int(history[2])
    assert ("Left out: 1 incident(s), 1 item(s), 1 tag(s), 0 comparison(s), 0 label(s);"
            " original paths reduced to file names.") in printed
    verified = cli("verify", package)
    assert verified.code == 0
    assert (f"partial history: {history[1]} of {history[2]} records, each proven against the"
            " signed head of") in verified.stderr
    # As for a case: what the records that travel replay to, against the package's tables.
    assert f"history: {history[1]} records replayed, every row explained" in verified.stdout


def test_a_partial_package_gets_the_title_the_sender_gives_it(cli: Cli, new_case, tmp_path):
    import getpass

    probe = new_case("probe")
    if cli("key", "list").stdout.split("\n")[1].split()[1] == getpass.getuser():
        # Bad input: a key still named after the login (made without asking) is refused.
        refused = cli("export", probe, tmp_path / "x.zip", "--incident", cli(
            "incident", "add", probe, "--title", "Probe", "--json").json()["id"], expect=2)
        assert "still named after your login" in refused.stderr
        assert not (tmp_path / "x.zip").exists()
        cli("key", "rename", "Dana Field")
    case = new_case("Operation Nightjar Qzx")     # begun under the key's chosen name
    shared = cli("incident", "add", case, "--title", "Shared", "--json").json()["id"]
    package = tmp_path / "shared.zip"
    printed = cli("export", case, package, "--incident", shared, "--title", "For the editor",
                  "--json").json()
    assert printed["title"] == "For the editor"
    import zipfile

    with zipfile.ZipFile(package) as zf:
        everything = b"".join(zf.read(name) for name in zf.namelist())
    assert b"For the editor" in everything and b"Nightjar" not in everything
    # Bad input: a title on a whole-case package, an empty title: one line, nothing written.
    whole = cli("export", case, tmp_path / "whole.zip", "--title", "X", expect=2)
    assert "package of some incidents" in whole.stderr and "Traceback" not in whole.stderr
    empty = cli("export", case, tmp_path / "empty.zip", "--incident", shared, "--title", " ",
                expect=2)
    assert "1 to 200 characters" in empty.stderr and "Traceback" not in empty.stderr
    assert not (tmp_path / "whole.zip").exists() and not (tmp_path / "empty.zip").exists()
