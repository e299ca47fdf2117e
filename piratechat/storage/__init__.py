"""Where lines are kept: the database, its one writer, and IHistory on top.

``includeme`` opens the database the settings name (``zodb_uri``), evolves it
to the schema this code writes, and registers the writer and the history:

- ``registry["piratechat.db"]``: the ZODB ``DB`` (web views traverse it)
- ``registry["piratechat.writer"]``: the Writer every change goes through
- ``registry["piratechat.history"]``: the IHistory the chat stores lines in
"""

from __future__ import annotations

import atexit


def includeme(config) -> None:
    from ..rooms.evolve import evolve
    from .database import default_uri, open_database
    from .history import ZODBHistory
    from .writer import Writer

    settings = config.registry["piratechat.settings"]
    db = open_database(settings.zodb_uri or default_uri(),
                       fsync_in_thread=settings.fsync_in_thread)
    atexit.register(_close, db)  # saves FileStorage's index; a crash only costs a rebuild
    evolve(db)
    writer = Writer(db, max_batch=settings.commit_batch)
    config.registry["piratechat.db"] = db
    config.registry["piratechat.writer"] = writer
    config.registry["piratechat.history"] = ZODBHistory(db, writer)


def _close(db) -> None:
    """Close ``db`` at exit unless its owner already did."""
    if getattr(db, "_mvcc_storage", None) is not None:
        db.close()
