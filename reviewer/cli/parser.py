"""The command line's grammar (DESIGN.md's contract: scripts rely on it)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from reviewer import __version__
from reviewer.cli.parser_provenance import add_provenance_commands
from reviewer.cli.support import USAGE_ERROR
from reviewer.core.credentials import FILTERS as CREDENTIAL_FILTERS
from reviewer.core.evidence import KINDS
from reviewer.core.incidents import STATUSES
from reviewer.core.provenance import VERIFICATION_STATUSES

# Options whose value is a list of coordinates, which may start with a minus sign.
COORDINATE_OPTIONS = ("--box", "--polygon", "--point")
_NEGATIVE = re.compile(r"^-\.?\d")


def join_negative_coordinates(args: Sequence[str]) -> list[str]:
    """`--point -10,10` read as `--point=-10,10`.

    argparse takes a value that starts with "-" and is not a plain number (as "-10,10"
    is not) for an option, and would say the option has no value.
    """
    joined: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        if (token in COORDINATE_OPTIONS and index + 1 < len(args)
                and _NEGATIVE.match(args[index + 1])):
            joined.append(f"{token}={args[index + 1]}")
            index += 2
        else:
            joined.append(token)
            index += 1
    return joined


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, not usage text plus error, and reads
    a negative coordinate as a value."""

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        args = sys.argv[1:] if args is None else args
        return super().parse_known_args(join_negative_coordinates(list(args)), namespace)

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout instead of text")
    common.add_argument("--actor", metavar="NAME",
                        help="who is making the change, for the audit log (default: your"
                             " key's name; the first change makes a key with this name)")
    return common


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("the interval must be more than 0 seconds")
    return value


# What `incident edit --clear` empties, by the option's name: the form's optional fields.
CLEARABLE = ("category", "from", "to", "place", "position", "radius", "description",
             "sources", "violation", "munitions")


def _incident_fields(parser: argparse.ArgumentParser) -> None:
    """The incident form's fields besides the title, as options (add and edit share them)."""
    parser.add_argument("--from", dest="time_from", metavar="ISO",
                        help="start of the time interval")
    parser.add_argument("--to", dest="time_to", metavar="ISO", help="end of the time interval")
    parser.add_argument("--lat", type=float, metavar="X")
    parser.add_argument("--lon", type=float, metavar="Y")
    parser.add_argument("--radius", dest="radius_m", type=float, metavar="METRES",
                        help="uncertainty of the position")
    parser.add_argument("--place", dest="place_name", metavar="NAME")
    parser.add_argument("--category")
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--description")
    parser.add_argument("--sources")
    parser.add_argument("--violation", metavar="TERM",
                        help="the kind of violation, from the case's vocabulary")
    parser.add_argument("--munition", dest="munitions", action="append", metavar="TERM",
                        help="a weapon or munition observed, from the case's vocabulary"
                             " (repeat for several; on edit, the list given replaces it)")


def build_parser() -> Parser:
    common = _common()
    parser = Parser(
        prog="reviewer",
        description="Evidence Reviewer: review, tag and share photo and video evidence."
                    " Run without a command to open the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"reviewer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    new = commands.add_parser("new", parents=[common], help="make a new case folder NAME.case")
    new.add_argument("case", metavar="CASE")
    new.add_argument("--title", help="the case's title (default: the folder name)")

    imp = commands.add_parser("import", parents=[common],
                              help="import photos and videos (files or folders) into a case")
    imp.add_argument("case", metavar="CASE")
    imp.add_argument("paths", metavar="PATH", nargs="+")
    imp.add_argument("--recursive", "-r", action="store_true", help="walk sub-folders too")
    imp.add_argument("--link", action="store_true",
                     help="keep originals where they lie (path and hash recorded) instead of"
                          " copying them into the case")
    frames = imp.add_mutually_exclusive_group()
    frames.add_argument("--frames-every", type=_positive_seconds, metavar="SECONDS",
                        help="also keep a frame of each video every SECONDS as evidence")
    frames.add_argument("--frames", choices=["scenes"],
                        help="also keep a frame of each video at every scene change")

    lst = commands.add_parser("list", parents=[common], help="list evidence items")
    lst.add_argument("case", metavar="CASE")
    lst.add_argument("--kind", choices=KINDS)
    lst.add_argument("--label", metavar="L", help="only items with a region of this label")
    lst.add_argument("--incident", metavar="ID", help="only items linked to this incident")
    lst.add_argument("--text", metavar="T", help="only items whose name or note contains T")
    lst.add_argument("--untagged", action="store_true", help="only items with no region")
    lst.add_argument("--verification", choices=VERIFICATION_STATUSES,
                     help="only items of this verification status")
    gps = lst.add_mutually_exclusive_group()
    gps.add_argument("--gps", dest="has_gps", action="store_const", const=True,
                     help="only items with a GPS position")
    gps.add_argument("--no-gps", dest="has_gps", action="store_const", const=False,
                     help="only items without one")
    lst.add_argument("--search", metavar="WORDS",
                     help="only items where every word (as a word start) is in their name,"
                          " note, camera, tags' notes and labels, or incidents' text;"
                          ' "a phrase" in quotes, A OR B, -WORD to leave out')
    lst.add_argument("--from", dest="time_from", metavar="DATE",
                     help="only items taken at or after DATE (UTC, 2024-05-01[T12:00:00Z])")
    lst.add_argument("--to", dest="time_to", metavar="DATE",
                     help="only items taken up to DATE (a bare date: its whole day)")
    lst.add_argument("--bbox", metavar="W,S,E,N",
                     help="only items whose GPS position is in this box (degrees)")
    lst.add_argument("--camera", metavar="C", help="only items whose camera make or model"
                                                   " contains C")
    lst.add_argument("--damaged", action="store_const", const=True,
                     help="only items kept though damaged as received")
    lst.add_argument("--credentials", choices=CREDENTIAL_FILTERS, metavar="STATE",
                     help="only items with Content Credentials in this state: "
                          + ", ".join(CREDENTIAL_FILTERS) + " (any: some; none: none)")

    show = commands.add_parser("show", parents=[common],
                               help="one item: metadata, every EXIF tag, its regions")
    show.add_argument("case", metavar="CASE")
    show.add_argument("evidence_id", metavar="EVIDENCE_ID")

    tag = commands.add_parser("tag", parents=[common], help="tag a region on an image")
    tag.add_argument("case", metavar="CASE")
    tag.add_argument("evidence_id", metavar="EVIDENCE_ID")
    tag.add_argument("--label", required=True, metavar="L")
    shape = tag.add_mutually_exclusive_group(required=True)
    shape.add_argument("--box", metavar="X,Y,W,H")
    shape.add_argument("--polygon", metavar="X,Y,X,Y,...")
    shape.add_argument("--point", metavar="X,Y")
    tag.add_argument("--incident", metavar="ID", help="also attach the region to this incident")
    tag.add_argument("--note", default="")
    tag.add_argument("--confidence", type=float, metavar="0..1")
    tag.add_argument("--redact", action=argparse.BooleanOptionalAction, default=None,
                     help="cover the region in public exports (default: as its label says;"
                          " 'person' does)")
    tag.add_argument("--redact-method", choices=("fill", "blur", "pixelate"), default="fill",
                     help="how: an opaque fill (default); blur and pixelation can be reversed"
                          " or read, use them only for non-text areas")

    rotate = commands.add_parser(
        "rotate", parents=[common],
        help="turn how an image or video is shown (its orientation data is wrong); the"
             " original stays as it is, regions turn with it")
    rotate.add_argument("case", metavar="CASE")
    rotate.add_argument("evidence_id", metavar="EVIDENCE_ID")
    rotate.add_argument("--by", type=int, required=True, choices=(90, 180, 270, -90),
                        metavar="90|180|270|-90", help="degrees clockwise, on top of the"
                                                       " present turn")

    incident = commands.add_parser("incident", help="add, list and link incidents")
    incident_commands = incident.add_subparsers(dest="incident_command", metavar="ACTION",
                                                required=True, parser_class=Parser)
    add = incident_commands.add_parser("add", parents=[common], help="add an incident")
    add.add_argument("case", metavar="CASE")
    add.add_argument("--title", required=True)
    _incident_fields(add)
    edit = incident_commands.add_parser(
        "edit", parents=[common], help="change an incident's fields (those given; --clear"
                                       " empties one)")
    edit.add_argument("case", metavar="CASE")
    edit.add_argument("incident_id", metavar="INCIDENT_ID")
    edit.add_argument("--title")
    _incident_fields(edit)
    edit.add_argument("--clear", action="append", default=[], choices=CLEARABLE,
                      metavar="FIELD", help="empty a field: " + ", ".join(CLEARABLE)
                      + " (repeat for several)")
    ilist = incident_commands.add_parser("list", parents=[common], help="list incidents")
    ilist.add_argument("case", metavar="CASE")
    link = incident_commands.add_parser("link", parents=[common],
                                        help="attach regions or whole items to an incident")
    link.add_argument("case", metavar="CASE")
    link.add_argument("incident_id", metavar="INCIDENT_ID")
    link.add_argument("--region", action="append", default=[], metavar="REGION_ID")
    link.add_argument("--evidence", action="append", default=[], metavar="EVIDENCE_ID")

    label = commands.add_parser("label", help="the case's label vocabulary")
    label_commands = label.add_subparsers(dest="label_command", metavar="ACTION", required=True,
                                          parser_class=Parser)
    llist = label_commands.add_parser("list", parents=[common], help="list labels")
    llist.add_argument("case", metavar="CASE")
    ladd = label_commands.add_parser("add", parents=[common], help="add a label")
    ladd.add_argument("case", metavar="CASE")
    ladd.add_argument("name", metavar="NAME")
    ladd.add_argument("--colour", metavar="#RRGGBB")
    ladd.add_argument("--shortcut", metavar="KEY",
                      help="the key (1 to 9) that picks this label while tagging; a key"
                           " another label has moves to this one")
    ladd.add_argument("--description", default="")
    ladd.add_argument("--redact-default", action="store_true",
                      help="regions with this label are covered in public exports unless"
                           " tagged --no-redact")
    lgraphic = label_commands.add_parser(
        "graphic", parents=[common], help="flag a label as graphic content: items tagged with"
                                          " it are blurred in the app until revealed")
    lgraphic.add_argument("case", metavar="CASE")
    lgraphic.add_argument("name", metavar="NAME")
    lgraphic.add_argument("--off", action="store_true", help="no longer graphic")

    demo = commands.add_parser("demo", parents=[common],
                               help="make a demo case (generated photos, tags, incidents) in DIR;"
                                    " run again, it reopens the one there")
    demo.add_argument("directory", metavar="DIR")
    demo.add_argument("--open", action="store_true", help="open it in the desktop app")

    verify = commands.add_parser("verify", parents=[common],
                                 help="check every hash, the audit chain and the database"
                                      " of a case or of a package (PACKAGE.zip)")
    verify.add_argument("case", metavar="CASE|PACKAGE.zip")
    verify.add_argument("--case", dest="against", metavar="CASE",
                        help="with a package: also check that the sender's history still"
                             " holds what packages from the same case merged into CASE showed")
    verify.add_argument("--thorough", action="store_true",
                        help="with a case: also check that every index of the database agrees"
                             " with its table (SQLite's full integrity check; slower)")

    export_map = commands.add_parser(
        "export-map", parents=[common],
        help="items, flight tracks and incidents with their times as KML (Google Earth)"
             " or GeoJSON (QGIS)")
    export_map.add_argument("case", metavar="CASE")
    export_map.add_argument("out", metavar="OUT.kml|OUT.geojson")
    export_map.add_argument("--incident", action="append", default=[], metavar="ID",
                            help="only this incident and its items (repeat for several)")

    export = commands.add_parser("export", parents=[common],
                                 help="write a package (ZIP) to share the case or some incidents")
    export.add_argument("case", metavar="CASE")
    export.add_argument("out", metavar="OUT.zip")
    export.add_argument("--incident", action="append", default=[], metavar="ID",
                        help="only this incident, its tags and items (repeat for several)")
    export.add_argument("--title", metavar="T",
                        help="with --incident: the package's title (default: the titles of"
                             " the incidents it holds); the case's own title and id stay home")
    export.add_argument("--no-media", action="store_true",
                        help="leave the originals out (records, report and data only)")
    export.add_argument("--force", action="store_true",
                        help="replace OUT.zip if it exists (without this, an existing file is"
                             " left as it is and nothing is written)")
    export.add_argument("--raw-csv", action="store_true",
                        help="write data/*.csv exactly as stored, for scripts (by default a"
                             " text cell starting with = + - @ tab or CR gets a leading '"
                             " so spreadsheets do not run it)")
    _public_options(export)

    merge = commands.add_parser("merge", parents=[common],
                                help="verify a package and add what is new to a case")
    merge.add_argument("case", metavar="CASE")
    merge.add_argument("package", metavar="PACKAGE.zip")
    merge.add_argument("--accept-untrusted", action="store_true",
                       help="merge a package that is unsigned or signed by a key not trusted"
                            " here (a wrong signature is refused all the same)")

    unpack = commands.add_parser("unpack", parents=[common],
                                 help="verify a package and unpack it as a new case folder")
    unpack.add_argument("package", metavar="PACKAGE.zip")
    unpack.add_argument("target", metavar="CASE", help="the new case folder (NAME.case)")
    _add_annotation_command(commands, common)
    _add_compare_commands(commands, common)
    _add_conflict_commands(commands, common)
    _add_key_commands(commands, common)
    add_provenance_commands(commands, common, Parser)
    _add_similar_command(commands, common)
    _add_save_copy_command(commands, common)
    _add_faces_command(commands, common)
    return parser


def _add_save_copy_command(commands: argparse._SubParsersAction,
                           common: argparse.ArgumentParser) -> None:
    copy = commands.add_parser(
        "save-copy", parents=[common],
        help="write a frame or a comparison picture for sharing, with Content Credentials"
             " signed by your key (the case's item is unchanged)")
    copy.add_argument("case", metavar="CASE")
    copy.add_argument("evidence_id", metavar="ID", help="a frame or a derived item")
    copy.add_argument("out", metavar="OUT.png")


def _add_faces_command(commands: argparse._SubParsersAction,
                       common: argparse.ArgumentParser) -> None:
    default_threshold = 0.5   # faces.DEFAULT_THRESHOLD, a literal: the parser loads no OpenCV
    faces = commands.add_parser(
        "suggest-faces", parents=[common],
        help="list the faces the detector suggests redacting on photos and frames;"
             " --accept adds them as redaction regions")
    faces.add_argument("case", metavar="CASE")
    faces.add_argument("evidence_ids", metavar="ID", nargs="+",
                       help="items to look at (photos, frames; for a video, its frames)")
    faces.add_argument("--accept", action="store_true",
                       help="add every suggestion as a redaction region (one edit, in the"
                            " history)")
    faces.add_argument("--label", default="person",
                       help="the label of accepted regions (default: person)")
    faces.add_argument("--threshold", type=float, default=default_threshold, metavar="S",
                       help=f"lowest detector score suggested, 0-1 (default"
                            f" {default_threshold})")


def _add_annotation_command(commands: argparse._SubParsersAction,
                            common: argparse.ArgumentParser) -> None:
    # A literal, not the core's WRITERS: every command builds this parser (a test checks
    # that they agree).
    formats = ("coco", "yolo", "voc", "cvat", "xmp")
    tags = commands.add_parser(
        "export-annotations", parents=[common],
        help="write the tags as training data (COCO, YOLO, Pascal VOC, CVAT) or as XMP"
             " sidecars photo tools show, with upright copies of the images")
    tags.add_argument("case", metavar="CASE")
    tags.add_argument("out", metavar="OUT", help="the folder to make")
    tags.add_argument("--format", choices=formats, required=True,
                      help="coco, yolo, voc, cvat, or xmp (copies with XMP sidecars)")
    tags.add_argument("--label", action="append", default=[], metavar="L",
                      help="only tags of this label (repeat for several; default: every"
                           " label)")
    tags.add_argument("--incident", action="append", default=[], metavar="ID",
                      help="only tags linked to this incident (repeat for several)")
    tags.add_argument("--public", action="store_true",
                      help="for publication: redacted copies named image-001.jpg..., no ids,"
                           " no tags of covered regions (not with --format xmp)")
    _screening_options(tags)
    tags.add_argument("--force", action="store_true",
                      help="replace OUT if it is an earlier annotation export")
def _add_similar_command(commands: argparse._SubParsersAction,
                         common: argparse.ArgumentParser) -> None:
    default_distance = 12   # phash.DEFAULT_THRESHOLD, a literal: the parser loads no OpenCV
    similar = commands.add_parser(
        "similar", parents=[common],
        help="near-duplicates (re-encoded, resized, cropped, screenshotted copies) of one"
             " item, or every group of them in the case")
    similar.add_argument("case", metavar="CASE")
    similar.add_argument("evidence_id", metavar="ID", nargs="?",
                         help="the item whose copies to list (default: list every group)")
    similar.add_argument("--max-distance", type=int, default=default_distance,
                         choices=range(0, 65), metavar="BITS",
                         help=f"how far apart (bits of 64) copies may be (default"
                              f" {default_distance})")
    similar.add_argument("--rebuild", action="store_true",
                         help="first hash the items that have no picture hash yet (cases"
                              " imported before hashing)")
    similar.add_argument("--mark-best", action="store_true",
                         help="with ID: mark it as the earliest/best source of its group")


def _add_compare_commands(commands: argparse._SubParsersAction,
                          common: argparse.ArgumentParser) -> None:
    # Literals, not imports of the drawing modules: those load OpenCV, and every command
    # builds this parser (tests/cli/test_cli_compare.py checks they agree).
    modes, default_width = ("side", "swipe", "difference"), 2400
    compare = commands.add_parser(
        "compare", parents=[common],
        help="keep a before/after pair of images, aligned, and optionally export it as PNG")
    compare.add_argument("case", metavar="CASE")
    compare.add_argument("before_id", metavar="BEFORE_ID")
    compare.add_argument("after_id", metavar="AFTER_ID")
    compare.add_argument("--align", choices=["auto", "none"], default="auto",
                         help="auto: find the transform from the images (default); none: take"
                              " them as already aligned")
    compare.add_argument("--note", default="", help="what the comparison shows")
    compare.add_argument("--export", metavar="OUT.png",
                         help="also draw the comparison to OUT.png and keep it in the case as"
                              " derived evidence")
    compare.add_argument("--mode", choices=modes, default="side",
                         help="the view to export (default: side by side)")
    compare.add_argument("--width", type=int, default=default_width, metavar="PIXELS",
                         help=f"width of the exported picture (default {default_width})")

    comparisons = commands.add_parser("comparisons", parents=[common],
                                      help="list the case's before/after comparisons")
    comparisons.add_argument("case", metavar="CASE")



def _add_conflict_commands(commands: argparse._SubParsersAction,
                           common: argparse.ArgumentParser) -> None:
    conflicts = commands.add_parser(
        "conflicts", parents=[common],
        help="list the regions and incidents a merge found edited on both sides, or settle"
             " one (--settle ID --keep mine|theirs|both)")
    conflicts.add_argument("case", metavar="CASE")
    conflicts.add_argument("--all", action="store_true",
                           help="also list the conflicts already settled")
    conflicts.add_argument("--settle", metavar="ID",
                           help="settle this conflict (its id, or 8 or more of its first"
                                " characters)")
    conflicts.add_argument("--keep", choices=("mine", "theirs", "both"),
                           help="with --settle: keep your version (the copy is removed), the"
                                " package's (it replaces yours), or both as two objects")


def _add_key_commands(commands: argparse._SubParsersAction,
                     common: argparse.ArgumentParser) -> None:
    key = commands.add_parser(
        "key", parents=[common],
        help="your signing key and colleagues' public keys (new, list, export, import, trust,"
             " rename)")
    actions = key.add_subparsers(dest="key_command", metavar="ACTION", required=True,
                                 parser_class=Parser)
    new = actions.add_parser("new", parents=[common],
                             help="make your key pair (the first change to a case makes one"
                                  " if you have none)")
    new.add_argument("--name", help="your name as others will see it (default: --actor or"
                                    " the OS user)")
    new.add_argument("--passphrase", action="store_true",
                     help="protect the private key with a passphrase (asked for; without a"
                          " terminal, read from $REVIEWER_KEY_PASSPHRASE)")
    new.add_argument("--force", action="store_true",
                     help="replace an existing key (history it signed stays signed by it)")
    actions.add_parser("list", parents=[common], help="your key and the keys you know")
    export = actions.add_parser("export", parents=[common],
                                help="write your public key (minisign's format) to give"
                                     " colleagues")
    export.add_argument("out", metavar="OUT.pub", nargs="?",
                        help="the file to write (default: print it)")
    imp = actions.add_parser("import", parents=[common], help="add a colleague's public key")
    imp.add_argument("file", metavar="FILE.pub")
    imp.add_argument("--name", help="the name to know this key by (default: the file's)")
    imp.add_argument("--trust", action="store_true", help="trust it at once")
    trust = actions.add_parser("trust", parents=[common],
                               help="trust a known key (its fingerprint, 4+ digits)")
    trust.add_argument("fingerprint", metavar="FINGERPRINT")
    trust.add_argument("--revoke", action="store_true", help="stop trusting it")
    rename = actions.add_parser("rename", parents=[common],
                                help="change the name your key signs with")
    rename.add_argument("name", metavar="NAME")


def _public_options(export: argparse.ArgumentParser) -> None:
    """Export for publication: redacted copies only (docs/redaction.md)."""
    export.add_argument("--public", action="store_true",
                        help="export for publication: redacted copies of the images, every"
                             " metadata block stripped, never the originals or the case file")
    export.add_argument("--precision", choices=("exact", "100m", "1km", "10km", "none"),
                        default="1km", help="with --public: how precise published positions"
                                            " are (default 1km)")
    export.add_argument("--item", action="append", default=[], metavar="ID",
                        help="with --public: only this item (repeat; a video stands for its"
                             " frames)")
    export.add_argument("--actors", action="store_true",
                        help="with --public: name the investigators (default: left out)")
    _screening_options(export)


def _screening_options(export: argparse.ArgumentParser) -> None:
    """What every public export asks before publishing (public_export.screen_for_publication)."""
    undecided = export.add_mutually_exclusive_group()
    undecided.add_argument("--allow-undecided", action="store_true",
                           help="with --public: publish items with no redaction decided as"
                                " they are (recorded as your decision)")
    undecided.add_argument("--skip-undecided", action="store_true",
                           help="with --public: leave items with no redaction decided out")
    export.add_argument("--include-confidential", action="store_true",
                        help="with --public: publish items marked confidential too (refused"
                             " otherwise)")


COMMANDS = ("new", "import", "list", "show", "tag", "rotate", "incident", "label", "verify",
            "demo", "compare", "comparisons", "export", "export-annotations", "merge",
            "unpack", "conflicts", "key", "similar", "item", "vocabulary", "export-map",
            "save-copy", "suggest-faces")
