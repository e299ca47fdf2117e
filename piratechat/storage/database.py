"""Opening the ZODB a deployment names by URI, and short reads of it.

zodburi turns the URI into a storage: ``file://`` (FileStorage, the default,
under ``var/``), ``zeo://``, ``memory://``, and RelStorage's schemes once it is
installed. Nothing else in the app knows which one it got, so moving from one
process with a file to many workers on ZEO or PostgreSQL is a settings change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import transaction
from zc.lockfile import LockError
from ZODB import DB
from zodburi import resolve_uri

from ..rooms.evolve import ROOT_KEY
from ..rooms.resources import Root
from . import fsync, problems


def default_uri(folder: str | None = None) -> str:
    """``file://<folder>/var/Data.fs``; the folder defaults to the current one."""
    return "file://" + os.path.join(os.path.abspath(folder or os.getcwd()), "var", "Data.fs")


def open_database(uri: str, read_only: bool = False, fsync_in_thread: bool = True) -> DB:
    """The database at ``uri``; a FileStorage's folder is created on first use.

    ``read_only`` opens without taking the storage's lock, so a command can
    read a FileStorage while the server writes it. A FileStorage another
    process holds, or one with a zero-filled tail, raises a DatabaseProblem
    whose text says what to do (storage/problems.py).
    """
    if read_only and uri.startswith(("file://", "zeo://")) and "read_only=" not in uri:
        uri += ("&" if "?" in uri else "?") + "read_only=1"
    factory, dbkw = resolve_uri(uri)
    if not uri.startswith("file://"):
        return DB(factory(), **dbkw)
    path = os.path.normpath(uri[len("file://"):].split("?", 1)[0])
    if read_only and not os.path.exists(path):
        raise FileNotFoundError(f"no database at {path}")
    if not read_only:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        fsync.install(fsync_in_thread)
    problems.check_tail(path)
    try:
        storage = factory()
    except LockError:
        raise problems.locked(path) from None
    return DB(storage, **dbkw)


def app_root(connection) -> Root:
    """The application's Root, or a clear error if the database was never evolved."""
    try:
        return connection.root()[ROOT_KEY]
    except KeyError:
        raise RuntimeError("this database has no PirateChat root; run the app once "
                           "(it evolves the database on start)") from None


@contextmanager
def reading(db: DB) -> Iterator[Root]:
    """A consistent, read-only view of the app's Root, for one short read.

    Each read gets its own connection (from the database's pool) and
    transaction manager, so greenlets never share a connection.
    """
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        yield app_root(connection)
    finally:
        manager.abort()
        connection.close()
