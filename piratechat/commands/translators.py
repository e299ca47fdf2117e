"""``piratechat translators``: which translators are on offer, and from where.

Reads the same settings and entry points as the chat, so it answers "why
is my translator not in the page?" without starting a server.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("translators", help="list the translators on offer")
    p.add_argument("--ini", help="PasteDeploy ini file to read settings from (default: none)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pyramid.exceptions import ConfigurationError

    from ..translators.registry import offered
    from .translate import load_registry

    try:
        offers = offered(load_registry(args.ini))
    except ConfigurationError as error:
        print(f"piratechat: {error}", file=sys.stderr)
        return 2
    rows = [("name", "title", "from")] + [
        (offer.name + (" *" if offer.default else ""), offer.title, offer.origin)
        for offer in offers
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    for name, title, origin in rows:
        print(f"{name:<{widths[0]}}  {title:<{widths[1]}}  {origin}")
    print("* the default")
    return 0
