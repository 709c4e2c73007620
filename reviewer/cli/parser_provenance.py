"""The grammar of `reviewer item` (provenance and verification) and `reviewer vocabulary`."""

from __future__ import annotations

import argparse

from reviewer.core.provenance import GENERATIONS, RESTRICTIONS, VERIFICATION_STATUSES
from reviewer.core.vocabulary import VOCABULARY_KINDS


def add_provenance_commands(commands: argparse._SubParsersAction,
                            common: argparse.ArgumentParser, parser_class: type) -> None:
    item = commands.add_parser("item", help="an item's provenance and verification (set,"
                                            " show)")
    actions = item.add_subparsers(dest="item_command", metavar="ACTION", required=True,
                                  parser_class=parser_class)
    put = actions.add_parser(
        "set", parents=[common],
        help="set where items came from and how far they are verified (the fields given;"
             " \"\" empties one)")
    put.add_argument("case", metavar="CASE")
    put.add_argument("evidence_ids", metavar="ID", nargs="+")
    put.add_argument("--source-url", metavar="URL", help="the URL or platform id"
                     " (platform:id) it was found at; anything else is kept and flagged")
    put.add_argument("--acquired-from", metavar="WHO", help="person or channel")
    put.add_argument("--collected-by", metavar="WHO")
    put.add_argument("--collected-at", metavar="ISO", help="when it was collected")
    put.add_argument("--tool", dest="collection_tool", metavar="TOOL",
                     help="the collection tool (e.g. yt-dlp 2024.03.10, Hunchly)")
    put.add_argument("--generation", metavar="|".join(GENERATIONS),
                     help="original, copy or derivative")
    put.add_argument("--original-location", metavar="WHERE",
                     help="where the original is (for a copy or derivative)")
    put.add_argument("--restriction", metavar="|".join(RESTRICTIONS),
                     help="security restriction (new items: restricted)")
    graphic = put.add_mutually_exclusive_group()
    graphic.add_argument("--graphic", dest="graphic", action="store_const", const=True,
                         help="graphic content: shown blurred in the app until revealed")
    graphic.add_argument("--no-graphic", dest="graphic", action="store_const", const=False)
    put.add_argument("--language", metavar="LANG", help="language of its content (e.g. ar, uk)")
    # Checked by the core, not by choices=, so the error is the core's one line.
    put.add_argument("--verification", metavar="|".join(VERIFICATION_STATUSES))
    put.add_argument("--source-analysis", metavar="TEXT")
    put.add_argument("--technical-analysis", metavar="TEXT")
    put.add_argument("--content-analysis", metavar="TEXT")
    put.add_argument("--note", metavar="TEXT", help="a note on this verification step")
    show = actions.add_parser("show", parents=[common],
                              help="an item's provenance and its verification history")
    show.add_argument("case", metavar="CASE")
    show.add_argument("evidence_id", metavar="ID")

    vocabulary = commands.add_parser(
        "vocabulary", help="the case's incident vocabulary (violation kinds, munitions)")
    vactions = vocabulary.add_subparsers(dest="vocabulary_command", metavar="ACTION",
                                         required=True, parser_class=parser_class)
    vlist = vactions.add_parser("list", parents=[common], help="list the terms")
    vlist.add_argument("case", metavar="CASE")
    vlist.add_argument("kind", metavar="|".join(VOCABULARY_KINDS), nargs="?",
                       choices=VOCABULARY_KINDS)
    vadd = vactions.add_parser("add", parents=[common], help="add a term")
    vadd.add_argument("case", metavar="CASE")
    vadd.add_argument("kind", metavar="|".join(VOCABULARY_KINDS), choices=VOCABULARY_KINDS)
    vadd.add_argument("term", metavar="TERM")
    vadd.add_argument("--description", default="")
