"""``piratechat evolve``: show the stored schema, and run the evolve steps it lacks.

The server runs missing steps itself when it starts; this command is for
seeing where a database stands (``--check``) and evolving it ahead of a
deploy, like Substance D's ``sd_evolve``. It needs the database to itself
(a FileStorage is locked by a running server).
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("evolve", help="run the database's missing schema steps")
    p.add_argument("--check", action="store_true",
                   help="only print the stored and the latest schema; exit 1 if behind")
    p.add_argument("--ini", default=None,
                   help="PasteDeploy ini file (default: development.ini here if there is "
                        "one, else the built-in defaults)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import transaction

    from ..rooms.evolve import LATEST, evolve, version
    from ..settings import SettingsError, parse
    from ..storage.database import default_uri, open_database
    from ..storage.problems import DatabaseProblem
    from .ini import MissingIni, app_settings, chosen

    try:
        settings = parse(app_settings(chosen(args.ini)))
        db = open_database(settings.zodb_uri or default_uri(), read_only=args.check)
    except (FileNotFoundError, MissingIni, DatabaseProblem, SettingsError) as error:
        print(f"piratechat evolve: {error}", file=sys.stderr)
        return 1
    try:
        manager = transaction.TransactionManager()
        connection = db.open(transaction_manager=manager)
        try:
            stored = version(connection.root())
        finally:
            manager.abort()
            connection.close()
        print(f"schema: stored {stored}, latest {LATEST}")
        if args.check:
            return 1 if stored < LATEST else 0
        for number in evolve(db):
            print(f"ran step {number}")
    finally:
        db.close()
    return 0
