"""A database connection's cache stays within its byte budget (issue 25).

zodburi bounds a connection's cache at 10,000 objects whatever their size, and
a chunk of 16 lines is one object: a process's connections held more and more
lines as rooms grew. Now each reader keeps at most CACHE_BYTES (in ZODB's
measure) unless the URI says otherwise, the writer WRITER_CACHE_TIMES as much,
and the writer lets go of a chunk once it is full and committed. Real
FileStorage, writer and history; the lines are stored in one commit, then every
room is read back as a join reads it.
"""

from piratechat.settings import Settings
from piratechat.storage import open_storage
from piratechat.storage.database import CACHE_BYTES
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import WRITER_CACHE_TIMES, Writer
from tests.conftest import scratch_zodb_uri

ROOMS, LINES = 60, 400  # some 5 MB of lines in ZODB's measure: more than the budgets


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
        writers = writer._connection._cache.total_estimated_size
        readers = [connection._cache.total_estimated_size for connection in db.pool.all
                   if connection is not writer._connection]
        assert readers and max(readers) <= CACHE_BYTES, f"readers' caches hold {readers} bytes"
        assert writers <= WRITER_CACHE_TIMES * CACHE_BYTES
        assert db.getCacheSizeBytes() == CACHE_BYTES
        assert writer._connection._cache.cache_size_bytes == WRITER_CACHE_TIMES * CACHE_BYTES
        connection = writer._connection
        writer.close()  # its connection goes back to the pool: a reader's again
        assert connection._cache.cache_size_bytes == CACHE_BYTES
    finally:
        writer.close()
        db.close()


def test_the_uri_may_set_another_budget():
    db = open_storage(Settings(zodb_uri=scratch_zodb_uri() + "?connection_cache_size_bytes=4MB"))
    try:
        assert db.getCacheSizeBytes() == 4 << 20
    finally:
        db.close()


def test_the_writer_lets_go_of_full_chunks_once_committed():
    db = open_storage(Settings(zodb_uri=scratch_zodb_uri()))
    writer = Writer(db)
    try:
        history = ZODBHistory(db, writer)
        for n in range(100):  # a commit each, as lines said one by one are
            history.append("let-go", {"author": "Ann", "at": "2026-01-01T00:00:00",
                                      "text": f"line {n}", "translation": f"ahoy {n}",
                                      "translator": "pirate", "client_id": f"id-{n}"})
        chunks = writer._connection.root()["piratechat"].rooms.get("let-go").chunks
        assert len(chunks) == 7
        writer.submit(lambda root: None)
        kept = [chunk._p_status for chunk in chunks.values(max=chunks.maxKey() - 1)]
        assert len(kept) == 6  # full ones
        assert kept == ["ghost"] * 6, f"the writer still holds full chunks: {kept}"
    finally:
        writer.close()
        db.close()


def loaded_buckets(tree) -> list:
    """The buckets of ``tree`` (a BTree of several) whose state is in memory."""
    children = tree.__getstate__()[0][::2]
    return [child for child in children if child._p_status != "ghost"]


def test_the_writer_lets_go_of_the_client_id_index_once_it_has_looked():
    """Each line's repeat key is looked up in its room's index (a bucket chosen by
    a digest: any of them); the writer kept every bucket it looked in, so its
    cache grew with the ids its rooms held (issue 25, 120,000 cycles)."""
    db = open_storage(Settings(zodb_uri=scratch_zodb_uri()))
    writer = Writer(db)
    try:
        history = ZODBHistory(db, writer)
        for n in range(401):  # one commit each; the last one indexes a chunk
            history.append("ids-let-go", {"author": f"m{n}", "at": "2026-01-01T00:00:00",
                                          "text": f"line {n}", "translation": f"ahoy {n}",
                                          "translator": "pirate", "repeat_key": f"key-{n}"})
        room = writer._connection.root()["piratechat"].rooms.get("ids-let-go")
        index = room.client_ids._seqs
        assert len(index.__getstate__()[0]) > 2 * 10  # some dozen buckets or more
        assert loaded_buckets(index) == [], "the writer keeps the buckets it looked in"
        assert len(index) == 400  # all but the last chunk's line (counting loads every bucket)
        original = history.append("ids-let-go", {  # a repeat is still found
            "author": "m7", "at": "2026-01-01T00:00:01", "text": "line 7 again",
            "translation": "x", "translator": "pirate", "repeat_key": "key-7"})
        assert original["repeat"] and original["seq"] == 8 and original["text"] == "line 7"
        assert loaded_buckets(index) == []
    finally:
        writer.close()
        db.close()
