"""`reviewer export-annotations` as a new user meets it: tags typed in display pixels come
out where they were typed, in COCO (read by pycocotools) and YOLO; bad input gets one
line and exit 2, an empty label a warning."""

from __future__ import annotations

from pathlib import Path

from cli_support import Cli, one_error_line
from pycocotools.coco import COCO


def _tagged_case(cli: Cli, new_case, corpus: Path) -> tuple[Path, str]:
    """A case with the photo stored turned 90 degrees (EXIF orientation 6), a crater box
    typed on it as displayed (1800x1200), linked to an incident."""
    case = new_case()
    photo = corpus / "photos_misc" / "orientation" / "Landscape_6.jpg"
    [item] = cli("import", case, photo, "--json").json()["imported"]
    incident = cli("incident", "add", case, "--title", "Market", "--place", "Old market",
                   "--json").json()["id"]
    cli("tag", case, item["id"][:8], "--label", "crater", "--box", "1500,900,250,200",
        "--incident", incident[:8])
    return case, incident


def test_coco_and_yolo_from_the_command_line_keep_the_box_as_typed(cli, new_case, corpus):
    case, incident = _tagged_case(cli, new_case, corpus)
    result = cli("export-annotations", case, "coco", "--format", "coco", "--incident",
                 incident[:8])
    assert "Exported 1 tag(s) on 1 image(s) as COCO" in result.stdout
    coco = COCO(str(cli.cwd / "coco" / "annotations.json"))
    [annotation] = coco.loadAnns(coco.getAnnIds())
    assert annotation["bbox"] == [1500, 900, 250, 200]
    assert coco.loadImgs(annotation["image_id"])[0]["width"] == 1800
    report = cli("export-annotations", case, "yolo", "--format", "yolo", "--label", "crater",
                 "--json").json()
    assert (report["images"], report["tags"], report["labels"]) == (1, 1, ["crater"])
    [labels] = (cli.cwd / "yolo" / "labels").glob("*.txt")
    assert labels.read_text() == "0 0.902778 0.833333 0.138889 0.166667\n"


def test_bad_input_gets_one_line_and_exit_2_and_an_empty_label_a_warning(cli, new_case,
                                                                        corpus):
    case, _ = _tagged_case(cli, new_case, corpus)
    one_error_line(cli("export-annotations", case, "out", "--format", "coco", "--label",
                       "tank", expect=2), "tank", "no such label")
    one_error_line(cli("export-annotations", case, "out", "--format", "coco", "--incident",
                       "0000000000", expect=2), "0000000000")
    one_error_line(cli("export-annotations", case, "out", "--format", "xmp", "--public",
                       expect=2), "--format xmp", "cannot be public")
    one_error_line(cli("export-annotations", case, "out", "--format", "exif", expect=2),
                   "--format")
    assert not (cli.cwd / "out").exists()
    empty = cli("export-annotations", case, "out", "--format", "cvat", "--label", "fire")
    assert empty.error_lines == ["warning: no tags of fire: the files are written empty"]
    assert "<name>fire</name>" in (cli.cwd / "out" / "annotations.xml").read_text()
    one_error_line(cli("export-annotations", case, "out", "--format", "cvat", expect=2),
                   "out", "already exists", "--force")
    cli("export-annotations", case, "out", "--format", "cvat", "--force")
    assert "crater" in (cli.cwd / "out" / "annotations.xml").read_text()


def test_public_export_names_undecided_and_confidential_items_one_line_each(cli, new_case,
                                                                           corpus):
    """Bad input: --public with an item no redaction was decided for, then with an item
    marked confidential; each named on one line, nothing written, exit 2."""
    case, _ = _tagged_case(cli, new_case, corpus)
    [item] = cli("list", case, "--json").json()["evidence"]
    undecided = cli("export-annotations", case, "out", "--format", "coco", "--public",
                    expect=2)
    assert len(undecided.error_lines) == 2, undecided
    assert item["id"] in undecided.error_lines[0]
    assert "no redaction decided" in undecided.error_lines[0]
    assert "--allow-undecided" in undecided.error_lines[1]
    cli("item", "set", case, item["id"][:8], "--restriction", "confidential")
    secret = cli("export-annotations", case, "out", "--format", "coco", "--public",
                 "--allow-undecided", expect=2)
    assert len(secret.error_lines) == 2, secret
    assert item["id"] in secret.error_lines[0] and "confidential" in secret.error_lines[0]
    assert "--include-confidential" in secret.error_lines[1]
    refused = cli("export", case, "public.zip", "--public", "--allow-undecided", expect=2)
    assert "confidential" in refused.error_lines[0]
    assert not (cli.cwd / "out").exists() and not (cli.cwd / "public.zip").exists()
    done = cli("export-annotations", case, "out", "--format", "coco", "--public",
               "--allow-undecided", "--include-confidential")
    assert "Exported 1 tag(s) on 1 redacted image(s) as COCO" in done.stdout
    coco = COCO(str(cli.cwd / "out" / "annotations.json"))
    [image] = coco.loadImgs(coco.getImgIds())
    assert image["file_name"] == "images/image-001.jpg"
    assert coco.loadAnns(coco.getAnnIds())[0]["bbox"] == [1500, 900, 250, 200]
    assert item["id"].encode() not in (cli.cwd / "out" / "annotations.json").read_bytes()
