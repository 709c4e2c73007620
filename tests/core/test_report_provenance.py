"""The package's report shows each item's provenance and verification history, groups
items by verification status, and gives incidents' violation and munitions."""

from __future__ import annotations

import re
import zipfile

from package_support import rows

from reviewer.core.export import export_case
from reviewer.core.incidents import update_incident
from reviewer.core.provenance import set_provenance


def _report(package) -> str:
    with zipfile.ZipFile(package) as zf:
        return zf.read("report/index.html").decode("utf-8")


def test_report_shows_provenance_groups_by_status_and_incident_terms(demo, tmp_path):
    items = [r["id"] for r in rows(demo, "SELECT id FROM evidence ORDER BY id")]
    set_provenance(demo, items[:1], {"acquired_from": "<script>alert(1)</script>",
                                     "source_url": "seen on a forum",
                                     "verification": "verified"},
                   {"technical_analysis": "shadow length fits 10:00"})
    set_provenance(demo, items[1:2], {"verification": "disputed"})
    incident = rows(demo, "SELECT id FROM incidents LIMIT 1")[0]["id"]
    update_incident(demo, incident, violation="attack on cultural property",
                    munitions=["guided missile", "unidentified"])
    export_case(demo, tmp_path / "out.zip")
    html = _report(tmp_path / "out.zip")

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Acquired from" in html and "shadow length fits 10:00" in html
    assert re.search(r'class="bad flagged">\(not a URL', html)
    sections = re.findall(r'id="verification-([a-z-]+)">\s*<h3>\S+ <span class="muted">'
                          r'\((\d+)\)', html)
    counts = dict(sections)
    assert counts["verified"] == "1" and counts["disputed"] == "1"
    assert int(counts["unverified"]) == len(items) - 2
    assert list(counts) == [s for s in ("unverified", "in-review", "verified", "disputed")
                            if s in counts]
    assert "attack on cultural property" in html
    assert re.search(r'class="munitions">.*guided missile.*unidentified', html)
