"""`reviewer import` on what investigators receive: damaged files kept and flagged, names
that are not UTF-8, names of only dots, and no decoder chatter on the terminal (issue 14)."""

from __future__ import annotations

import os
import random
import re
import shutil
import struct
from pathlib import Path

IPHONE = "photos_gps/iphone6_hdr.jpg"          # GPS 40.44697, -3.72475
TIFF = "photos_gps/dji_zenmuse_xt2_radiometric_16bit.tiff"
# What a line of ours looks like: the level, the file, the reason.
OUR_LINE = re.compile(r"^(error|warning|skipped): /\S.*: \S")


def _fuzzed_tiffs(source: Path, folder: Path, count: int = 6) -> list[Path]:
    """The same TIFF with bytes of its first directory overwritten (seeded, repeatable):
    the files that made libtiff and Pillow print hundreds of lines."""
    data = source.read_bytes()
    directory = struct.unpack_from("<I", data, 4)[0]
    made = []
    for seed in range(count):
        fuzzed, rng = bytearray(data), random.Random(seed)
        for _ in range(30):
            fuzzed[rng.randrange(directory, min(len(data), directory + 600))] = rng.randrange(256)
        made.append(folder / f"fuzzed_{seed}.tif")
        made[-1].write_bytes(fuzzed)
    return made


def _broken_folder(corpus: Path, folder: Path) -> dict[str, Path]:
    folder.mkdir()
    files = {"tiff": _fuzzed_tiffs(corpus / TIFF, folder)[0]}
    files["jpeg"] = folder / "IMG_cut.jpg"
    files["jpeg"].write_bytes((corpus / IPHONE).read_bytes()[:1_000_000])
    files["mp4"] = folder / "GOPR_cut.MP4"
    files["mp4"].write_bytes(
        (corpus / "video" / "gopro_karma_drone_hero5.mp4").read_bytes()[:2_000_000])
    files["text"] = folder / "note.jpg"
    shutil.copyfile(corpus / "broken" / "plain_text_named.jpg", files["text"])
    return files


def test_decoder_chatter_never_reaches_the_terminal(cli, new_case, corpus, tmp_path):
    case = new_case()
    folder = tmp_path / "received"
    files = _broken_folder(corpus, folder)
    _fuzzed_tiffs(corpus / TIFF, folder)          # six more: the import runs in a pool
    result = cli("import", case, folder, expect=1)
    lines = result.error_lines
    assert lines, str(result)
    assert [line for line in lines if not OUR_LINE.match(line)] == [], str(result)
    assert not re.search(r"UserWarning|TIFFRead|\[mov,|moov atom not|Traceback", result.stderr)
    # Each damaged file says so once, first; the text file is refused.
    for key in ("jpeg", "mp4", "tiff"):
        named = [line for line in lines if line.startswith(f"warning: {files[key]}: ")]
        assert named and "kept, flagged damaged" in named[0], (key, lines)
    assert [line for line in lines if str(files["text"]) in line] == [
        f"error: {files['text']}: a text file, not an image"]
    assert "cannot read the file" not in result.stderr


def test_one_damaged_file_alone_is_quiet_too(cli, new_case, corpus, tmp_path):
    """Under four files the import runs in the command's own process: fd 2 is the user's."""
    case = new_case()
    tiff = _fuzzed_tiffs(corpus / TIFF, tmp_path, count=1)[0]
    result = cli("import", case, tiff, expect=1)
    assert result.error_lines[0].startswith(f"warning: {tiff}: kept, flagged damaged: damaged"
                                            " TIFF"), str(result)
    assert all(OUR_LINE.match(line) for line in result.error_lines), str(result)


def test_damaged_items_are_listed_shown_and_counted(cli, new_case, corpus, tmp_path):
    case = new_case()
    files = _broken_folder(corpus, tmp_path / "received")
    summary = cli("import", case, files["jpeg"], files["mp4"], expect=1).stdout
    assert "Imported 2, 2 of them damaged (kept, flagged)" in summary
    listing = cli("list", case).stdout
    assert re.search(r"IMG_cut\.jpg \[damaged\]", listing)
    assert "40.44697,-3.72475" in listing              # its position, read from what remains
    assert "2 item(s), 2 damaged as received" in listing
    rows = {r["original_name"]: r for r in cli("list", case, "--json").json()["evidence"]}
    assert rows["GOPR_cut.MP4"]["damaged"] == 1 and rows["GOPR_cut.MP4"]["frame_count"] == 0
    shown = cli("show", case, rows["IMG_cut.jpg"]["id"]).stdout
    assert re.search(r"damage_reason: damaged JPEG: the image data is cut short", shown)
    document = cli("show", case, rows["IMG_cut.jpg"]["id"], "--json").json()
    assert document["damaged"] == 1 and document["gps_source"] == "exif"
    assert cli("verify", case, "--json").json()["ok"] is True


def test_a_folder_and_file_named_in_invalid_utf8_import(cli, new_case, corpus, tmp_path):
    case = new_case()
    folder = os.fsencode(tmp_path) + b"/r\xe9cup\xe9r\xe9 \xff"
    os.mkdir(folder)
    shutil.copyfile(corpus / IPHONE, folder + b"/IMG_\xff.jpg")
    shutil.copyfile(corpus / "photos_gps" / "nikon_d3100_gps_alt0.jpg", folder + b"/ok.jpg")
    # OpenCV crashed on such a name: the video's path reaches it as a link with a UTF-8 name.
    shutil.copyfile(corpus / "video_phone" / "phone_mp4_gps_udta_xyz.mp4",
                    folder + b"/VID_\xe9.mp4")
    report = cli("import", case, os.fsdecode(folder), "--json").json()   # valid UTF-8 JSON
    assert sorted(Path(item["path"]).name for item in report["imported"]) == [
        "IMG_\\xff.jpg", "VID_\\xe9.mp4", "ok.jpg"]
    assert all("r\\xe9cup\\xe9r\\xe9 \\xff" in item["path"] for item in report["imported"])
    rows = {r["original_name"]: r for r in cli("list", case, "--json").json()["evidence"]}
    exact = bytes.fromhex(rows["IMG_\\xff.jpg"]["original_path_hex"])
    assert exact == folder + b"/IMG_\xff.jpg" and os.path.isfile(exact)
    assert rows["ok.jpg"]["original_name_hex"] is None
    assert "IMG_\\xff.jpg" in cli("list", case).stdout
    assert cli("verify", case, "--json").json()["ok"] is True
    # Nothing left half-imported: no orphan originals beside the two items.
    assert len(list((case / "media").glob("??/*"))) == 3
    assert rows["VID_\\xe9.mp4"]["kind"] == "video" and rows["VID_\\xe9.mp4"]["width"] == 1920


def test_names_of_only_dots_are_imported_and_hidden_files_counted(cli, new_case, corpus,
                                                                   tmp_path):
    case = new_case()
    folder = tmp_path / "from_chat"
    folder.mkdir()
    photo = (corpus / "photos_gps" / "nikon_d3100_gps_alt0.jpg").read_bytes()
    for number, name in enumerate(["..jpg", "...jpg", ".hidden.jpg"]):
        (folder / name).write_bytes(photo + bytes([number]))
    result = cli("import", case, folder)
    assert result.stdout.startswith("Imported 2,") and "1 hidden file skipped" in result.stdout
    assert result.error_lines == [
        f"skipped: {folder / '.hidden.jpg'}: hidden file (its name starts with a dot):"
        " skipped; name it to import it"]
    names = {r["original_name"] for r in cli("list", case, "--json").json()["evidence"]}
    assert names == {"..jpg", "...jpg"}
