"""A graphic item's published copy is the same picture: it is blurred too.

Found by a new-user trial: a photo flagged graphic was blurred in the browser, but the
redacted copy that 'export --public' keeps in the case sat beside it in full view."""

from __future__ import annotations

from reviewer.core.evidence import evidence_summaries, list_evidence
from reviewer.core.importer import import_paths
from reviewer.core.provenance import graphic_item, set_label_graphic_in, set_provenance
from reviewer.core.public_export import export_public
from reviewer.core.regions import add_region
from reviewer.core.verify import verify_case


def _published(case, photo_factory, tmp_path):
    import_paths(case, [photo_factory(), photo_factory()])
    graphic, plain = list_evidence(case)
    for item in (graphic, plain):
        add_region(case, item.id, "vehicle", "rect", {"x": 2, "y": 2, "w": 20, "h": 20},
                   redact=True)
    report = export_public(case, tmp_path / "public.zip")
    copies = {entry["original_id"]: entry["derived_id"] for entry in report.images}
    return graphic, plain, copies


def test_the_published_copy_of_a_graphic_photo_is_blurred_too(case, photo_factory, tmp_path):
    graphic, plain, copies = _published(case, photo_factory, tmp_path)
    assert not graphic_item(case, copies[graphic.id])
    set_provenance(case, [graphic.id], {"graphic": True})
    assert graphic_item(case, graphic.id) and graphic_item(case, copies[graphic.id])
    assert not graphic_item(case, plain.id) and not graphic_item(case, copies[plain.id])
    tiles = evidence_summaries(case, [copies[graphic.id], copies[plain.id], plain.id])
    assert tiles[copies[graphic.id]]["graphic"] and not tiles[copies[plain.id]]["graphic"]
    assert not tiles[plain.id]["graphic"]
    assert verify_case(case).ok


def test_a_graphic_label_on_the_original_blurs_its_copy(case, photo_factory, tmp_path):
    graphic, plain, copies = _published(case, photo_factory, tmp_path)
    add_region(case, graphic.id, "fire", "rect", {"x": 30, "y": 30, "w": 10, "h": 10})
    label = case.conn.execute("SELECT id FROM labels WHERE name = 'fire'").fetchone()[0]
    with case.write() as tx:
        set_label_graphic_in(tx, label, True)
    assert graphic_item(case, copies[graphic.id]) and not graphic_item(case, copies[plain.id])


def test_a_frame_of_a_graphic_video_is_blurred_too(case):
    from reviewer.core.evidence import EvidenceFilter
    from reviewer.core.frames import keep_frame
    from tests.conftest import corpus_path

    import_paths(case, [corpus_path("video/canon_camera_mjpeg.AVI")])
    (video,) = list_evidence(case, EvidenceFilter(kind="video"))
    frame = keep_frame(case, video.id, 0)
    assert not graphic_item(case, frame.id)
    set_provenance(case, [video.id], {"graphic": True})
    assert graphic_item(case, frame.id)
    assert evidence_summaries(case, [frame.id])[frame.id]["graphic"]
