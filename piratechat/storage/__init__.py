"""Where lines are kept: the database, its one writer, and IHistory on top.

``includeme`` opens the database the settings name (``zodb_uri``), evolves it
to the schema this code writes, and registers the writer and the history:

- IDatabase: the database (a LazyDatabase standing for ZODB's ``DB``; web
  views traverse it)
- IWriter: the Writer every change goes through
- IHistory: the ZODBHistory the chat stores lines in
- ISearch: the search over what was said (search/), on the same database

A storage behind a server (ZEO, PostgreSQL) is opened in the background, so
a process starts even while its server is down (storage/lazy.py).
"""

from __future__ import annotations

import atexit
import logging


def includeme(config) -> None:
    from .. import settings as settings_module
    from ..interfaces import IDatabase, IHistory, ISearch, IWriter, provide
    from ..search.service import ZODBSearch
    from .history import ZODBHistory
    from .writer import Writer

    settings = settings_module.registered(config)
    db = open_storage(settings)
    atexit.register(_close, db)  # saves FileStorage's index; a crash only costs a rebuild
    writer = Writer(db, max_batch=settings.commit_batch, storage_wait=settings.storage_timeout)
    provide(config.registry, db, IDatabase)
    provide(config.registry, writer, IWriter)
    provide(config.registry, ZODBHistory(db, writer), IHistory)
    provide(config.registry, ZODBSearch(db, writer), ISearch)


def open_storage(settings):
    """The LazyDatabase of ``settings.zodb_uri``, evolved; open already unless networked."""
    from ..rooms.evolve import evolve
    from .database import default_uri, is_networked, open_database
    from .lazy import LazyDatabase

    uri = settings.zodb_uri or default_uri()

    def opener():
        db = open_database(uri, fsync_in_thread=settings.fsync_in_thread,
                           timeout=settings.storage_timeout)
        try:
            evolve(db)
        except BaseException:
            db.close()
            raise
        return db

    db = LazyDatabase(opener, timeout=settings.storage_timeout)
    if is_networked(uri):
        db.open_in_background()
    else:
        db.open_now()
    return db


def _close(db) -> None:
    """Close ``db`` at exit unless its owner already did.

    Connections that requests still hold at exit may fail to close (their
    transaction managers are half torn down): the storage's own close is
    what matters, and a failure is only logged.
    """
    if db.ready and getattr(db.db, "_mvcc_storage", None) is not None:
        try:
            db.close()
        except Exception as error:
            logging.getLogger(__name__).warning("closing the database's connections at exit "
                                                "failed (%r); closing its storage", error)
            db.db.storage.close()
