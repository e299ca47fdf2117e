"""``piratechat translate TEXT``: ask the parrot directly."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("translate", help="print the parrot's translation of TEXT")
    p.add_argument("text", metavar="TEXT", help="the line; - reads standard input")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..translators.pirate import PirateTranslator

    text = sys.stdin.read() if args.text == "-" else args.text
    sys.stdout.write(PirateTranslator().translate(text))
    if args.text != "-":
        sys.stdout.write("\n")
    return 0
