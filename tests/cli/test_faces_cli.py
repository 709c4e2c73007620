"""`reviewer suggest-faces`, run as the real command: suggestions listed, accepted as
redaction regions in one audited edit that verify replays, bad items one line each."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cli_support import Cli, one_error_line, query

ONE_FACE = "faces/official_portrait_one_face.jpg"
NO_FACE = "photos_gps/nikon_coolpix_p6000_DSCN0010.jpg"


@pytest.fixture
def faces_case(cli: Cli, new_case, corpus: Path) -> tuple[Path, dict[str, str]]:
    case = new_case()
    report = cli("import", case, corpus / ONE_FACE, corpus / NO_FACE, "--json").json()
    return case, {Path(item["path"]).name: item["id"] for item in report["imported"]}


def test_suggestions_are_listed_and_nothing_is_written(cli: Cli, faces_case):
    case, ids = faces_case
    face, plain = ids["official_portrait_one_face.jpg"], ids[Path(NO_FACE).name]
    document = cli("suggest-faces", case, face[:8], plain, "--json").json()
    by_name = {item["original_name"]: item for item in document["items"]}
    (found,) = by_name["official_portrait_one_face.jpg"]["suggestions"]
    assert found["score"] >= 0.5 and found["detector"].startswith("CenterFace")
    assert by_name[Path(NO_FACE).name]["suggestions"] == []
    assert document["accepted"] == [] and document["errors"] == []
    assert query(case, "SELECT count(*) FROM regions") == [(0,)]
    text = cli("suggest-faces", case, face).stdout
    assert "1 face(s) suggested" in text and "score 0." in text
    assert "Nothing is redacted until a person accepts" in text


def test_accept_adds_redaction_regions_in_one_audited_edit(cli: Cli, faces_case):
    case, ids = faces_case
    face = ids["official_portrait_one_face.jpg"]
    document = cli("suggest-faces", case, face, ids[Path(NO_FACE).name], "--accept",
                   "--json").json()
    (region,) = document["accepted"]
    assert region["evidence_id"] == face and "face suggested by CenterFace" in region["note"]
    rows = query(case, "SELECT r.evidence_id, l.name, r.confidence, r.redact,"
                       " r.redact_method FROM regions r JOIN labels l ON l.id = r.label_id")
    assert rows == [(face, "person", region["confidence"], 1, "fill")]
    assert query(case, "SELECT count(*) FROM audit WHERE action = 'region.add'") == [(1,)]
    assert "INTACT" in cli("verify", case).stdout
    # Asked again, the covered face is not suggested twice, nor accepted twice.
    again = cli("suggest-faces", case, face, "--accept", "--json").json()
    assert again["items"][0]["suggestions"] == [] and again["covered"] == 1
    assert again["accepted"] == []
    assert "1 face(s) already covered" in cli("suggest-faces", case, face).stdout
    assert query(case, "SELECT count(*) FROM regions") == [(1,)]
    # The region changed behind the app's back is named by verify.
    raw = sqlite3.connect(case / "case.sqlite", isolation_level=None)
    raw.execute("UPDATE regions SET w = w / 2")
    raw.close()
    result = cli("verify", case, expect=3)
    assert f"history: regions {region['id']}: w is" in result.stderr


def _video(tmp_path: Path) -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    path = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=size=160x120:rate=10:duration=1", "-pix_fmt", "yuv420p",
                    str(path)], check=True)
    return path


def test_bad_items_are_one_line_each_and_the_others_go_on(cli: Cli, new_case, corpus,
                                                          tmp_path):
    case = new_case()
    cut = tmp_path / "cut.jpg"
    data = (corpus / ONE_FACE).read_bytes()
    cut.write_bytes(data[:2000])            # the header and hardly any picture
    report = cli("import", case, corpus / ONE_FACE, _video(tmp_path), cut, "--json",
                 expect=None).json()
    ids = {Path(item["path"]).name: item["id"] for item in report["imported"]}
    missing = "12345678-0000-0000-0000-000000000000"
    result = cli("suggest-faces", case, ids["clip.mp4"], missing, ids["cut.jpg"],
                 ids["official_portrait_one_face.jpg"], "--accept", "--json", expect=1)
    lines = result.error_lines
    assert len(lines) == 3, result
    assert any("clip.mp4" in line and "frames" in line for line in lines)
    assert any(missing in line and "no such evidence item" in line for line in lines)
    assert any("cut.jpg" in line and "kept damaged and no pixels of it decode" in line
               for line in lines), lines
    assert all(line.startswith("error: ") for line in lines)
    assert len(result.json()["accepted"]) == 1
    assert query(case, "SELECT count(*) FROM regions") == [(1,)]


def test_a_threshold_out_of_range_is_one_line_and_exit_2(cli: Cli, faces_case):
    case, ids = faces_case
    result = cli("suggest-faces", case, ids["official_portrait_one_face.jpg"], "--threshold",
                 "1.5", expect=2)
    one_error_line(result, "1.5", "threshold")
