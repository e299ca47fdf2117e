"""The ``piratechat`` command: serve the chat, or ask the parrot directly."""

from __future__ import annotations

import argparse
import sys

from .commands import cluster, evolve, history, serve, site, translate, translators

COMMANDS = (serve, translate, translators, history, evolve, cluster, site)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="piratechat", description=__doc__)
    subparsers = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
