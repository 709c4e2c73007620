"""`reviewer item set|show`, `vocabulary` and incidents' violation/munitions, as a user
runs them on corpus photos; bad input is one line (issue 17)."""

from __future__ import annotations

import pytest


@pytest.fixture
def photos(cli, new_case, corpus):
    folder = new_case()
    paths = sorted(p for p in (corpus / "photos_gps").glob("*.jpg")
                   if not p.name.startswith("EDGE"))[:3]
    imported = cli("import", folder, *paths, "--json").json()["imported"]
    assert len(imported) == 3
    return folder, [row["id"] for row in imported]


def test_mark_where_three_photos_came_from_and_verify_one(cli, photos):
    folder, ids = photos
    done = cli("item", "set", folder, *ids, "--source-url", "https://example.org/p/1",
               "--acquired-from", "a witness", "--collected-by", "Ana", "--collected-at",
               "2024-03-01T10:00:00Z", "--tool", "yt-dlp", "--generation", "original",
               "--restriction", "public", "--language", "ar", "--json").json()
    assert sorted(done["changed"]) == sorted(ids)
    cli("item", "set", folder, ids[0], "--verification", "verified", "--technical-analysis",
        "EXIF consistent", "--graphic")
    shown = cli("item", "show", folder, ids[0][:8], "--json").json()
    assert shown["verification"] == "verified" and shown["graphic"] == 1
    assert shown["verifications"][0]["technical_analysis"] == "EXIF consistent"
    text = cli("item", "show", folder, ids[0]).stdout
    assert "Acquired from: a witness" in text and "unverified -> verified" in text
    listed = cli("list", folder, "--verification", "verified", "--json").json()["evidence"]
    assert [row["id"] for row in listed] == [ids[0]]
    assert "INTACT" in cli("verify", folder).stdout


def test_a_source_that_is_not_a_url_is_kept_and_flagged(cli, photos):
    folder, ids = photos
    result = cli("item", "set", folder, ids[0], "--source-url", "a friend's phone")
    assert result.error_lines == ["warning: a friend's phone: not a URL or a platform id"
                                  " (platform:id); kept as written"]
    assert "[flagged:" in cli("item", "show", folder, ids[0]).stdout


def test_a_verification_status_not_in_the_list_is_one_line(cli, photos):
    folder, ids = photos
    result = cli("item", "set", folder, *ids, "--verification", "maybe", expect=2)
    assert result.error_lines == ["error: maybe: verification status is one of unverified,"
                                  " in-review, verified, disputed"]
    assert cli("item", "show", folder, ids[0], "--json").json()["verifications"] == []


def test_incident_violation_and_munitions_from_the_vocabulary(cli, new_case):
    folder = new_case()
    created = cli("incident", "add", folder, "--title", "Strike", "--violation",
                  "attack on civilians", "--munition", "barrel bomb", "--json").json()
    assert created["violation"] == "attack on civilians"
    refused = cli("incident", "edit", folder, created["id"], "--munition", "catapult",
                  expect=2)
    assert len(refused.error_lines) == 1 and "not in the case's munition vocabulary" \
        in refused.stderr
    cli("vocabulary", "add", folder, "munition", "catapult")
    edited = cli("incident", "edit", folder, created["id"], "--munition", "catapult",
                 "--munition", "mortar bomb", "--json").json()
    assert edited["munitions"] == '["catapult", "mortar bomb"]'
    listed = cli("vocabulary", "list", folder, "munition", "--json").json()
    assert "catapult" in [t["term"] for t in listed["vocabulary"]["munition"]]


def test_a_label_flagged_graphic_makes_its_items_graphic(cli, photos):
    from cli_support import query

    folder, ids = photos
    cli("tag", folder, ids[1], "--label", "person", "--box", "10,10,40,40")
    assert cli("label", "graphic", folder, "Person", "--json").json()["changed"] is True
    assert "already" in cli("label", "graphic", folder, "person").stdout
    summary = query(folder, "SELECT e.id FROM evidence e WHERE e.graphic OR EXISTS (SELECT 1"
                            " FROM regions r JOIN labels l ON l.id = r.label_id WHERE"
                            " r.evidence_id = e.id AND l.graphic)")
    assert summary == [(ids[1],)]
    refused = cli("label", "graphic", folder, "no such label", expect=2)
    assert len(refused.error_lines) == 1
    assert "INTACT" in cli("verify", folder).stdout
