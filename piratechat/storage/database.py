"""Opening the ZODB a deployment names by URI, and short reads of it.

zodburi turns the URI into a storage: ``file://`` (FileStorage, the default,
under ``var/``), ``zeo://host:port`` (a ZEO server), ``postgres://...``
(RelStorage on PostgreSQL) and ``memory://``. Nothing else in the app knows
which one it got, so moving from one process with a file to many processes on
ZEO or PostgreSQL is a settings change.

Networked storages get bounded waits here, so an outage is an error within
``timeout`` seconds rather than a hang: ZEO's ``wait_timeout`` (how long a
request waits for a lost server) and PostgreSQL's ``connect_timeout``.
PostgreSQL is spoken through RelStorage's ``gevent psycopg2`` driver in the
server: queries wait on gevent, never blocking the hub.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import transaction
from gevent.monkey import is_module_patched
from transaction.interfaces import TransientError
from zc.lockfile import LockError
from ZODB import DB
from zodburi import resolve_uri

from ..rooms.evolve import ROOT_KEY
from ..rooms.resources import Root
from . import fsync, problems, txnlog

#: Schemes of storages behind a server that may be down, restarted or slow.
NETWORKED = ("zeo://", "postgres://")


#: What each connection that reads the database keeps of its objects in memory
#: at most (``connection_cache_size_bytes`` in the URI overrides it; the writer's
#: connection keeps WRITER_CACHE_TIMES as much: storage/writer.py), in ZODB's
#: measure: the objects' stored (pickled) size; loaded, a chunk of lines takes
#: about 5.5 times that. zodburi's own bound (10,000 objects a connection,
#: whatever their size) let a process's 8 connections (7 readers, the writer)
#: hold up to 80,000 chunks of 16 lines: RSS rose as long as rooms grew (issue
#: 25). Past it, the least recently used objects are dropped, read again if
#: needed: a join's few reads, which ZEO's and RelStorage's own caches (shared by
#: every connection) and the OS's page cache for a FileStorage answer at once.
CACHE_BYTES = 256 << 10


def default_uri(folder: str | None = None) -> str:
    """``file://<folder>/var/Data.fs``; the folder defaults to the current one."""
    return "file://" + os.path.join(os.path.abspath(folder or os.getcwd()), "var", "Data.fs")


def is_networked(uri: str) -> bool:
    return uri.startswith(NETWORKED)


def postgres_driver() -> str:
    """RelStorage's driver for PostgreSQL here: ``gevent psycopg2`` in a gevent-patched
    process (the server: its queries wait on the hub, through the wait callback
    RelStorage installs when gevent patches), plain ``psycopg2`` elsewhere (commands)."""
    return "gevent psycopg2" if is_module_patched("socket") else "psycopg2"


def with_defaults(uri: str, timeout: float) -> str:
    """``uri`` with the bounded waits (and, for PostgreSQL, the gevent driver) it
    does not set itself."""
    seconds = max(1, round(timeout))
    extra = {}
    if uri.startswith("zeo://"):
        extra = {"wait_timeout": str(seconds)}
    elif uri.startswith("postgres://"):
        extra = {"driver": postgres_driver(), "connect_timeout": str(seconds)}
    given = {pair.split("=", 1)[0] for pair in uri.partition("?")[2].split("&")}
    for name, value in extra.items():
        if name not in given:
            uri += ("&" if "?" in uri else "?") + f"{name}={quote(value)}"
    return uri


def open_database(uri: str, read_only: bool = False, fsync_in_thread: bool = True,
                  timeout: float = 5.0, attempts: int = 5) -> DB:
    """The database at ``uri``; a FileStorage's folder is created on first use.

    ``read_only`` opens without taking the storage's lock, so a command can
    read a FileStorage while the server writes it. ``timeout`` bounds each
    wait for a storage server. Processes opening a new database at once race
    to create its root object: the loser's conflict is retried. A FileStorage
    another process holds, or one with a damaged tail, raises a
    DatabaseProblem whose text says what to do (storage/problems.py).
    Transactions log to one logger from now on (storage/txnlog.py). Each
    connection's cache is bounded in bytes as well as objects (CACHE_BYTES).
    """
    if read_only and uri.startswith(("file://", "zeo://")) and "read_only=" not in uri:
        uri += ("&" if "?" in uri else "?") + "read_only=1"
    txnlog.one_logger()
    uri = with_defaults(uri, timeout)
    factory, dbkw = resolve_uri(uri)
    dbkw.setdefault("cache_size_bytes", CACHE_BYTES)
    if uri.startswith("file://"):
        path = os.path.normpath(uri[len("file://"):].split("?", 1)[0])
        if read_only and not os.path.exists(path):
            raise FileNotFoundError(f"no database at {path}")
        if not read_only:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            fsync.install(fsync_in_thread)
        if not (read_only and problems.in_use(path)):
            problems.check_tail(path)  # a writer's tail may be mid-write: it checked it
    for attempt in range(attempts):
        try:
            storage = factory()
        except LockError:
            if not uri.startswith("file://"):
                raise
            raise problems.locked(path) from None
        reconnect_promptly(storage)
        try:
            return DB(storage, **dbkw)
        except TransientError:  # another process created the root meanwhile
            storage.close()
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, 0.05 * (attempt + 1)))
        except BaseException:
            storage.close()
            raise
    raise AssertionError("unreachable")


#: Seconds a ZEO client waits between two attempts to reach a lost server,
#: before ZEO's own random 0-1 s: ZEO's default (1) made the chat wait up to
#: 2 s after its server answered again before any line could be stored.
ZEO_RECONNECT_POLL = 0.0


def reconnect_promptly(storage) -> None:
    """A ZEO client tries its lost server again every 0-1 s, not every 1-2 s.

    ClientStorage takes no setting for it: its networking thread's client
    (ZEO 5-6, ``ZEO.asyncio.client.ClientIO.connect_poll``) reads the pause
    each time it starts reconnecting; other storages are left alone."""
    client = getattr(getattr(storage, "_server", None), "client", None)
    if client is not None and hasattr(client, "connect_poll"):
        client.connect_poll = ZEO_RECONNECT_POLL


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
