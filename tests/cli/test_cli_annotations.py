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
    one_error_line(cli("export-annotations", case, "out", "--format", "voc", "--public",
                       expect=2), "not available yet")
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
