"""A public export leaves confidential items out unless the investigator says otherwise.

Found by a new-user trial: `item set --restriction confidential` on the street photo,
then `export --public`, published it; the check was a TODO left from before issue 17's
provenance fields were merged."""

from __future__ import annotations

import json
import zipfile

from cli_support import Cli


def test_a_confidential_item_is_named_and_left_out_unless_included(cli: Cli, new_case,
                                                                   photo_factory, tmp_path):
    case = new_case()
    cli("import", case, photo_factory("street.jpg"), photo_factory("market.jpg"))
    rows = {r["original_name"]: r for r in cli("list", case, "--json").json()["evidence"]}
    street, market = rows["street.jpg"]["id"], rows["market.jpg"]["id"]
    for item in (street, market):
        cli("tag", case, item, "--label", "vehicle", "--box", "10,10,40,40", "--redact")
    cli("item", "set", case, street, "--restriction", "confidential")

    left = cli("export", case, tmp_path / "public.zip", "--public")
    assert f"note: {street} street.jpg: confidential" in left.stderr
    assert "--include-confidential" in left.stderr
    assert "Published 1 redacted image(s)" in left.stdout
    with zipfile.ZipFile(tmp_path / "public.zip") as zf:
        assert len(json.loads(zf.read("data/images.json"))) == 1
    derived = [r for r in cli("list", case, "--json").json()["evidence"]
               if r["kind"] == "derived"]
    assert [cli("show", case, d["id"], "--json").json()["derivation"]["sources"][0]["id"]
            for d in derived] == [market]

    # Only the confidential photo chosen: nothing else to publish, nothing written.
    alone = cli("export", case, tmp_path / "alone.zip", "--public", "--item", street,
                expect=2)
    assert not (tmp_path / "alone.zip").exists()
    assert "confidential" in alone.stderr

    told = cli("export", case, tmp_path / "told.zip", "--public", "--include-confidential")
    assert "Published 2 redacted image(s)" in told.stdout
