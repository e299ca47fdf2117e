"""``piratechat translate [--translator NAME] TEXT``: ask the parrot directly.

The translator is looked up as the chat does (same settings, same entry
points, same guard), so what this prints is what a room would hear; when
the chosen translator fails and the pirate answers, standard error says so.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("translate", help="print the parrot's translation of TEXT")
    p.add_argument("text", metavar="TEXT", help="the line; - reads standard input")
    p.add_argument("--translator", metavar="NAME", help="which translator (default: the default)")
    p.add_argument("--ini", help="PasteDeploy ini file to read settings from (default: none)")
    p.set_defaults(run=run)


def load_registry(ini: str | None):
    """The translators' registry from ``ini`` (or the environment alone)."""
    from ..translators.registry import standalone

    if ini is None:
        return standalone()
    from pyramid.paster import get_appsettings

    return standalone(dict(get_appsettings(ini, "main")))


def run(args: argparse.Namespace) -> int:
    from pyramid.exceptions import ConfigurationError

    from ..translators.registry import guard, offered, translator_named

    try:
        registry = load_registry(args.ini)
    except ConfigurationError as error:
        print(f"piratechat: {error}", file=sys.stderr)
        return 2
    name = args.translator or next(offer.name for offer in offered(registry) if offer.default)
    translator = translator_named(registry, name)
    if translator is None:
        names = ", ".join(offer.name for offer in offered(registry))
        print(f"piratechat: no translator named {name!r}; offered: {names}", file=sys.stderr)
        return 2
    text = sys.stdin.read() if args.text == "-" else args.text
    translation = guard(registry).translate(translator, text)
    if translation.fallback:
        print(
            f"piratechat: {translation.fallback} failed; {translation.translator} answered",
            file=sys.stderr,
        )
    sys.stdout.write(translation.text)
    if args.text != "-":
        sys.stdout.write("\n")
    return 0
