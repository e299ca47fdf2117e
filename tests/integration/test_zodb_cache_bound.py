"""A database connection's cache stays within its byte budget (issue 25).

zodburi bounds a connection's cache at 10,000 objects whatever their size, and
a chunk of 16 lines is one object: a process's connections held more and more
lines as rooms grew. Now each keeps at most CACHE_BYTES (in ZODB's measure) unless
the URI says otherwise. Real FileStorage, writer and history; the lines are
stored in one commit, then every room is read back as a join reads it.
"""

from piratechat.settings import Settings
from piratechat.storage import open_storage
from piratechat.storage.database import CACHE_BYTES
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer
from tests.conftest import scratch_zodb_uri

ROOMS, LINES = 60, 400  # some 2 MB of lines in ZODB's measure: more than the budget


def fill(root) -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 1, 1, tzinfo=UTC)
    for r in range(ROOMS):
        room = root.rooms.add(f"cache-bound-{r}")
        for n in range(LINES):
            room.add_new(f"member{n}", at, f"line {n} of room {r}, said at length " * 2,
                         f"ahoy, line {n} of room {r}, said at length " * 2, "pirate",
                         None, f"id-{r}-{n}")


def test_reading_every_room_keeps_each_connection_within_its_byte_budget():
    db = open_storage(Settings(zodb_uri=scratch_zodb_uri()))
    writer = Writer(db)
    try:
        writer.submit(fill)
        history = ZODBHistory(db, writer)
        read = sum(len(history.since(f"cache-bound-{r}", 0, LINES)[1]) for r in range(ROOMS))
        assert read == ROOMS * LINES
        writer.submit(lambda root: None)  # the writer's cache is trimmed at its next commit
        sizes = [connection._cache.total_estimated_size for connection in db.pool.all]
        assert sizes and max(sizes) <= CACHE_BYTES, f"caches hold {sizes} bytes"
        assert db.getCacheSizeBytes() == CACHE_BYTES
    finally:
        writer.close()
        db.close()


def test_the_uri_may_set_another_budget():
    db = open_storage(Settings(zodb_uri=scratch_zodb_uri() + "?connection_cache_size_bytes=4MB"))
    try:
        assert db.getCacheSizeBytes() == 4 << 20
    finally:
        db.close()
