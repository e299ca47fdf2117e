"""A line sent again with its client id is stored once (docs/protocol.md, ``client_id``):
the history knows it by its repeat key (chat/core/senders.py: the sender's and the id's digest).

The contract part runs against MemoryHistory and ZODBHistory; the rest is what
only the stored room promises: after a restart, from another process's
writer, for at least the last 10,000 ids, and on a database made by the code
before client ids (evolve step 2).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from piratechat.chat.core.messages import now
from piratechat.rooms import evolve as evolution
from piratechat.rooms.lines import Chunk
from piratechat.rooms.resources import ClientIds
from piratechat.storage.database import open_database, reading
from piratechat.storage.history import ZODBHistory
from piratechat.storage.memory import MemoryHistory
from piratechat.storage.writer import Writer

#: A Data.fs written by main at commit bb68348 (schema 1): rooms "deck" (3 lines)
#: and "lobby" (1 line, with a fallback), stored before lines had client ids.
OLD_DATA_FS = Path(__file__).parent / "data" / "Data-bb68348.fs"


def said(text: str, repeat_key: str | None = None) -> dict:
    line = {"author": "Ann", "text": text, "translation": text.upper(),
            "translator": "shout", "at": now()}
    if repeat_key:
        line["repeat_key"] = repeat_key
    return line


def opened(data_fs):
    database = open_database(f"file://{data_fs}")
    evolution.evolve(database)
    return database


@pytest.fixture(params=["memory", "zodb"])
def history(request):
    if request.param == "memory":
        return MemoryHistory()
    db = request.getfixturevalue("db")
    return ZODBHistory(db, Writer(db))


def test_a_repeated_key_returns_the_original_line_and_stores_nothing(history):
    heard = []
    history.subscribe(heard.append)
    first = history.append("deck", said("Hello, friend", "c-1"))
    again = history.append("deck", said("Hello, friend", "c-1"))
    assert first["seq"] == 1 and "repeat" not in first
    assert "repeat_key" not in first and "client_id" not in first  # never sent
    assert again == dict(first, repeat=True)
    assert history.since("deck", 0, 10) == (1, [first])
    assert heard == [first]  # the repeat is not published again


def test_repeat_keys_are_per_room_and_lines_without_one_are_never_repeats(history):
    assert history.append("deck", said("a", "same"))["seq"] == 1
    assert history.append("hold", said("b", "same"))["seq"] == 1
    assert history.append("deck", said("c"))["seq"] == 2
    assert history.append("deck", said("c"))["seq"] == 3
    assert "repeat_key" not in history.recent("deck", 1)[0]
    assert "repeat_key" not in history.recent("deck", 3)[0]  # the one that had a key


def test_a_repeat_is_found_after_a_restart(data_fs):
    database = opened(data_fs)
    ZODBHistory(database, Writer(database)).append("deck", said("kept", "c-9"))
    database.close()
    database = opened(data_fs)
    try:
        again = ZODBHistory(database, Writer(database)).append("deck", said("kept", "c-9"))
        assert again["seq"] == 1 and again["repeat"]
        with reading(database) as root:
            assert root.rooms.get("deck").last_seq == 1
    finally:
        database.close()


def test_a_repeat_is_found_by_another_writer_on_the_same_database(db):
    """Two writers (as two processes have) each check inside their own transaction."""
    one, other = ZODBHistory(db, Writer(db)), ZODBHistory(db, Writer(db))
    first = one.append("deck", said("once", "c-2"))
    assert other.append("deck", said("once", "c-2")) == dict(first, repeat=True)
    assert one.since("deck", 0, 10)[0] == 1


def test_the_room_keeps_the_ids_of_at_least_its_last_10000_lines(monkeypatch):
    assert ClientIds.keep == 10_000
    monkeypatch.setattr(ClientIds, "keep", 50)  # the same rule, at a size a test can fill
    from piratechat.rooms.resources import Room

    room = Room("deck")
    for n in range(1, 121):
        room.append("Ann", _when(), f"line {n}", "x", "shout", repeat_key=f"c-{n}")
    found = [n for n in range(1, 121) if room.repeat_of(f"c-{n}") is not None]
    assert found == list(range(found[0], 121))  # the latest, without holes...
    assert 50 <= len(found) <= 50 + 2 * Chunk.size  # ...forgotten a chunk at a time
    assert room.repeat_of("c-71").seq == 71 and room.repeat_of("c-120").seq == 120
    assert room.repeat_of("c-1") is None
    assert len(room.client_ids) <= 50 + Chunk.size  # the last chunk's ids are not indexed


def test_forgetting_old_ids_skips_lines_that_had_none(monkeypatch):
    monkeypatch.setattr(ClientIds, "keep", 10)
    from piratechat.rooms.resources import Room

    room = Room("deck")
    for n in range(1, 5):
        room.append("Ann", _when(), f"old {n}", "x", "shout")  # before ids were sent
    for n in range(5, 61):
        key = f"c-{n}" if n % 3 else None
        room.append("Ann", _when(), f"line {n}", "x", "shout", repeat_key=key)
    with_ids = [n for n in range(5, 61) if n % 3]
    kept = [n for n in with_ids if room.repeat_of(f"c-{n}") is not None]
    assert kept == with_ids[-len(kept):] and kept[0] <= 51  # every id of the last 10 lines
    assert all(room.repeat_of(f"c-{n}").seq == n for n in kept)


def test_a_line_with_a_repeat_key_leaves_the_index_alone_until_its_chunk_is_full(db):
    """The index's buckets are written once per chunk: per line they cost as much as
    the line itself."""
    history = ZODBHistory(db, Writer(db, max_batch=1))
    history.append("deck", said("line 1", "c-1"))  # makes the room and its (empty) index
    for n in range(2, Chunk.size + 2):  # fills the first chunk and starts the next
        history.append("deck", said(f"line {n}", f"c-{n}"))
        records = last_records(db)
        with reading(db) as root:
            ids = root.rooms.get("deck").client_ids
            index = {ids._p_oid, ids._seqs._p_oid}
        assert bool(index & records) == (n == Chunk.size + 1), n
    assert history.append("deck", said("again", "c-3"))["repeat"]
    assert history.append("deck", said("again", f"c-{Chunk.size + 1}"))["repeat"]


def last_records(db) -> set[bytes]:
    storage = db.storage
    last = [list(txn) for txn in storage.iterator(storage.lastTransaction())][-1]
    return {record.oid for record in last}


def _when():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_evolve_step_2_on_a_database_made_by_the_code_before_client_ids(tmp_path):
    data_fs = tmp_path / "Data.fs"
    shutil.copy(OLD_DATA_FS, data_fs)
    database = open_database(f"file://{data_fs}")
    try:
        with reading(database) as root:
            assert root.schema_version == 1
        assert evolution.evolve(database) == list(range(2, evolution.LATEST + 1))
        history = ZODBHistory(database, Writer(database))
        old = history.recent("deck", 10)
        assert [line["text"] for line in old] == ["old 0", "old 1", "old 2"]
        assert all("client_id" not in line and "repeat_key" not in line for line in old)
        assert history.recent("lobby", 1)[0]["fallback"] == "remote"
        first = history.append("deck", said("new", "c-1"))
        assert first["seq"] == 4
        assert history.append("deck", said("new", "c-1"))["repeat"]
        assert history.since("deck", 0, 10)[0] == 4
        with reading(database) as root:
            assert root.schema_version == evolution.LATEST
            assert isinstance(root.rooms.get("lobby").client_ids, ClientIds)
    finally:
        database.close()
