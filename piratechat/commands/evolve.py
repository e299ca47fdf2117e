"""``piratechat evolve``: show the stored schema, and run the evolve steps it lacks.

The server runs missing steps itself when it starts; this command is for
seeing where a database stands (``--check``) and evolving it ahead of a
deploy, like Substance D's ``sd_evolve``. It needs the database to itself
(a FileStorage is locked by a running server).
"""

from __future__ import annotations

import argparse

from .ini import add_ini_option, open_configured_database


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("evolve", help="run the database's missing schema steps")
    p.add_argument("--check", action="store_true",
                   help="only print the stored and the latest schema; exit 1 if behind")
    add_ini_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import transaction

    from ..rooms.evolve import LATEST, evolve, version

    db = open_configured_database("evolve", args.ini, read_only=args.check)
    if db is None:
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
