"""The database, opened in the background until its storage server answers.

A process whose ZEO server or PostgreSQL is down at start still starts: it
opens its port, serves what needs no storage, and answers what does with
``unavailable`` (StorageUnavailable) until the database opens. A greenlet
keeps trying, with backoff, and evolves the database once it is open.
FileStorage needs no server: it is opened at once, and an error is raised at
start as it always was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import gevent
from gevent.event import Event
from ZODB import DB

from .outage import StorageUnavailable

log = logging.getLogger(__name__)


class LazyDatabase:
    """Stands for the ZODB ``DB`` (``open``, ``close``, ``storage``...) once it is open.

    ``opener`` opens and evolves the database; ``timeout`` is how long a
    caller waits for it before StorageUnavailable.
    """

    def __init__(self, opener: Callable[[], DB], timeout: float = 5.0,
                 max_delay: float = 2.0):
        self._opener = opener
        self.timeout = timeout
        self.max_delay = max_delay
        self._db: DB | None = None
        self._opened = Event()
        self._greenlet: gevent.Greenlet | None = None
        self.last_error: BaseException | None = None

    @classmethod
    def opened(cls, db: DB) -> LazyDatabase:
        """One that is open already (FileStorage, tests)."""
        lazy = cls(lambda: db)
        lazy._set(db)
        return lazy

    def open_now(self) -> None:
        """Open in this greenlet; errors are raised to the caller."""
        self._set(self._opener())

    def open_in_background(self) -> None:
        """Keep trying in a greenlet until it opens; callers wait at most ``timeout``."""
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._keep_trying)

    def wait_open(self, timeout: float) -> DB:
        """The DB once open, waiting up to ``timeout``; StorageUnavailable after that."""
        if not self._opened.wait(timeout):
            raise StorageUnavailable(f"the storage is not reachable ({self.last_error!r})")
        return self._db

    @property
    def ready(self) -> bool:
        return self._db is not None

    @property
    def db(self) -> DB:
        """The open DB, waiting up to ``timeout`` for it; else StorageUnavailable."""
        return self._db if self._db is not None else self.wait_open(self.timeout)

    def open(self, *args, **kwargs):
        return self.db.open(*args, **kwargs)

    def close(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill()
        if self._db is not None:
            self._db.close()

    def __getattr__(self, name: str):  # storage, pool sizes...: the DB's
        if name.startswith("__"):  # protocols asked of us (a registry's, copy's): not the DB's
            raise AttributeError(name)
        return getattr(self.db, name)

    def _set(self, db: DB) -> None:
        self._db = db
        self._opened.set()

    def _keep_trying(self) -> None:
        delay = 0.1
        while True:
            try:
                db = self._opener()
            except Exception as error:
                if self.last_error is None or repr(error) != repr(self.last_error):
                    log.warning("the storage cannot be opened yet (%r); trying again", error)
                self.last_error = error
                gevent.sleep(delay)
                delay = min(delay * 2, self.max_delay)
                continue
            log.info("the storage is open")
            self._set(db)
            return
