"""A storage outage's end: what queued behind the batch that ran out of
patience is written once the storage answers again, not refused with it.

Issue 25 (finding 6): after ZEO was back, members waited seconds to see their
lines stored. A ZEO client's commit fails at once while its server is lost
(only its reads wait), and the writer failed every change queued behind a
failed batch too: lines said just as the server came back were refused until
its client reconnected, and their pages said them again 1.5 s later. Now a
batch waits for the server (``storage_wait``) and what queued behind it waits
in its turn. Here a ZEO server of the test's own is stopped, a change waits
for it and fails, another queued behind it, and the server is started again
as the first one fails: the second is written.
"""

from __future__ import annotations

from functools import partial

from gevent.event import AsyncResult

from piratechat.rooms import evolve as evolution
from piratechat.storage.database import open_database
from piratechat.storage.history import _append
from piratechat.storage.outage import is_outage
from piratechat.storage.writer import Writer
from tests.integration.test_client_ids import said
from tests.support.storage_servers import ZEOServer

WAIT = 5  # seconds a change waits for a lost ZEO server (wait_timeout)


class StartsTheServerOnFailure(AsyncResult):
    """The first change's outcome: when it fails, the server is started again
    (before the writer goes on to the next change)."""

    def __init__(self, server: ZEOServer):
        super().__init__()
        self.server = server

    def set_exception(self, error, exc_info=None):
        self.server.start()
        super().set_exception(error, exc_info)


def test_a_change_queued_behind_a_failed_batch_is_written_once_the_storage_is_back():
    server = ZEOServer().start()
    db = open_database(server.uri, timeout=WAIT)
    try:
        evolution.evolve(db)
        writer = Writer(db, max_batch=1)  # the second change waits behind the first
        server.stop()
        first, second = StartsTheServerOnFailure(server), AsyncResult()
        writer.submit_soon(partial(_append, "deck", said("first")), False, first)
        writer.submit_soon(partial(_append, "deck", said("second")), False, second)
        assert is_outage(_error_of(first))  # its wait ran out
        assert second.get(timeout=3 * WAIT)["seq"] == 1  # written, not refused
        writer.close()
    finally:
        db.close()
        server.remove()


def _error_of(result: AsyncResult) -> BaseException | None:
    try:
        result.get(timeout=3 * WAIT)
    except Exception as error:
        return error
    return None
