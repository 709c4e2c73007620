"""`reviewer show` tells a publication's history in the private case: the redacted copy
names its original by id and SHA-256 and what was covered; the original lists its copy.

Found by a new-user trial: `show` on the 'street (redacted).jpg' item printed its hash
and size only, with nothing linking it to the photo it was made from."""

from __future__ import annotations

from cli_support import Cli


def test_show_links_a_published_copy_and_its_original(cli: Cli, new_case, photo_factory,
                                                      tmp_path):
    case = new_case()
    cli("import", case, photo_factory("street.jpg"))
    (street,) = [r for r in cli("list", case, "--json").json()["evidence"]]
    cli("tag", case, street["id"], "--label", "person", "--box", "10,10,40,40")
    cli("tag", case, street["id"], "--label", "vehicle", "--box", "60,60,20,20", "--redact")
    cli("export", case, tmp_path / "public.zip", "--public", "--precision", "1km")
    rows = cli("list", case, "--json").json()["evidence"]
    (copy,) = [r for r in rows if r["kind"] == "derived"]

    shown = cli("show", case, copy["id"]).stdout
    assert f"derived from: {street['id']} (original, SHA-256 {street['sha256']})" in shown
    assert "redacted copy for publication: 2 area(s) covered (fill)" in shown
    original = cli("show", case, street["id"]).stdout
    assert f"derived item: {copy['id'][:8]} street (redacted).jpg" in original
    document = cli("show", case, copy["id"], "--json").json()
    assert document["derivation"]["sources"][0]["sha256"] == street["sha256"]
    assert cli("show", case, street["id"], "--json").json()["derived_items"][0]["id"] == \
        copy["id"]
