"""IHistory's contract, run against MemoryHistory and ZODBHistory on a real FileStorage,
a real ZEO server and RelStorage on a real PostgreSQL; then what only the ZODB one
promises: durability, group commit, conflicts, evolve."""

from __future__ import annotations

import json
import subprocess
import sys

import gevent
import gevent.event
import pytest
import transaction
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError

from piratechat.chat.core.messages import now
from piratechat.rooms import evolve as evolution
from piratechat.rooms.resources import Rooms
from piratechat.storage.database import app_root, open_database, reading
from piratechat.storage.history import ZODBHistory, _append
from piratechat.storage.memory import MemoryHistory
from piratechat.storage.writer import Writer
from tests.support.server import ROOT


def said(text: str, author: str = "Ann") -> dict:
    return {"type": "line", "author": author, "text": text, "translation": text.upper(),
            "translator": "shout", "at": now()}


@pytest.fixture(params=["memory", "file", "zeo", "postgres"])
def history(request):
    """Each IHistory implementation, on each storage it runs on."""
    if request.param == "memory":
        yield MemoryHistory()
        return
    if request.param == "file":
        db = request.getfixturevalue("db")
        yield ZODBHistory(db, Writer(db))
        return
    server = {"zeo": "zeo_server", "postgres": "postgres_uri"}[request.param]
    found = request.getfixturevalue(server)
    database = open_database(found if isinstance(found, str) else found.uri)
    evolution.evolve(database)
    history = ZODBHistory(database, Writer(database))
    yield history
    history.writer.close()
    database.close()


def test_lines_are_numbered_per_room_from_one_without_gaps(history):
    seqs = [history.append("deck", said(f"line {n}"))["seq"] for n in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    assert history.append("hold", said("elsewhere"))["seq"] == 1


def test_the_stored_line_is_the_protocol_message(history):
    line = said("Hello, friend")
    stored = history.append("deck", line)
    assert stored == dict(line, seq=1, room="deck", epoch=history.epoch("deck"))
    assert history.recent("deck", 1) == [stored]


def test_rooms_never_share_lines(history):
    history.append("deck", said("on deck"))
    history.append("hold", said("in the hold"))
    assert [line["text"] for line in history.recent("deck", 10)] == ["on deck"]
    assert [line["room"] for line in history.after("hold", 0, 10)] == ["hold"]
    assert history.recent("galley", 10) == [] and history.since("galley", 0, 10) == (0, [])


def test_recent_after_and_since_read_ranges_oldest_first(history):
    for n in range(1, 11):
        history.append("deck", said(f"line {n}"))
    assert [line["seq"] for line in history.recent("deck", 3)] == [8, 9, 10]
    assert [line["seq"] for line in history.after("deck", 4, 3)] == [5, 6, 7]
    assert history.after("deck", 10, 5) == [] and history.recent("deck", 0) == []
    last, lines = history.since("deck", 6, 100)
    assert last == 10 and [line["seq"] for line in lines] == [7, 8, 9, 10]
    last, lines = history.since("deck", 2, 3)
    assert last == 10 and [line["seq"] for line in lines] == [8, 9, 10]


def test_the_epoch_names_the_history_and_each_line_carries_it(history):
    epoch = history.epoch("deck")  # a room nobody spoke in yet has it too
    assert isinstance(epoch, str) and epoch
    assert history.append("deck", said("one"))["epoch"] == epoch
    assert [line["epoch"] for line in history.recent("deck", 5)] == [epoch]
    assert history.epoch("deck") == epoch == history.epoch("hold")
    assert MemoryHistory().epoch("deck") != epoch  # another history, another epoch


def test_subscribers_hear_every_line_in_order_before_append_returns(history):
    heard = []
    history.subscribe(heard.append)
    first = history.append("deck", said("one"))
    assert heard == [first]
    history.append("deck", said("two"))
    assert [line["seq"] for line in heard] == [1, 2]


def test_many_greenlets_appending_at_once_get_one_gap_free_order(history):
    heard = []
    history.subscribe(heard.append)
    texts = [f"line {n}" for n in range(300)]
    sayers = [gevent.spawn(history.append, "deck", said(text)) for text in texts]
    gevent.joinall(sayers, raise_error=True)
    stored = history.after("deck", 0, 1000)
    assert [line["seq"] for line in stored] == list(range(1, 301))
    assert sorted(line["text"] for line in stored) == sorted(texts)
    assert heard == stored  # announced in exactly the stored order
    assert sorted(sayer.value["seq"] for sayer in sayers) == list(range(1, 301))


def test_lines_appended_soon_are_told_in_order_once_announced(history):
    heard, told = [], []
    history.subscribe(heard.append)

    def done(stored, error):
        told.append((stored, error, len(heard)))

    for n in range(20):
        history.append_soon("deck", said(f"line {n}"), done)
    history.append_soon("deck", dict(said("again"), repeat_key="c-1"), done)
    history.append_soon("deck", dict(said("again"), repeat_key="c-1"), done)
    with gevent.Timeout(30):
        while len(told) < 22:
            gevent.sleep(0.01)
    assert [error for _, error, _ in told] == [None] * 22
    assert [stored["seq"] for stored, _, _ in told] == list(range(1, 22)) + [21]
    assert [stored["text"] for stored, _, _ in told[:20]] == [f"line {n}" for n in range(20)]
    assert told[-1][0].get("repeat") and not told[-2][0].get("repeat")
    assert heard == [stored for stored, _, _ in told[:21]]  # the repeat is not announced
    assert all(count >= stored["seq"] for stored, _, count in told[:21])  # announced first


# --- ZODB only -----------------------------------------------------------------


def test_lines_survive_closing_and_reopening_the_database(data_fs):
    db = open_database(f"file://{data_fs}")
    evolution.evolve(db)
    history = ZODBHistory(db, Writer(db))
    stored = [history.append("deck", said(f"line {n}", author="Björn")) for n in range(3)]
    history.writer.close()
    db.close()
    reopened = open_database(f"file://{data_fs}")
    try:
        assert evolution.evolve(reopened) == []
        assert ZODBHistory(reopened, Writer(reopened)).after("deck", 0, 10) == stored
    finally:
        reopened.close()


def test_concurrent_lines_are_committed_together(db):
    writer = Writer(db, max_batch=500)
    history = ZODBHistory(db, writer)
    gevent.joinall([gevent.spawn(history.append, "deck", said(f"l{n}")) for n in range(200)])
    assert history.since("deck", 0, 0)[0] == 200
    assert writer.commits < 20  # one fsync covers many lines


def test_lines_appended_soon_from_one_greenlet_share_commits(db):
    writer = Writer(db, max_batch=500)
    history = ZODBHistory(db, writer)
    told = []
    for n in range(100):
        history.append_soon("deck", said(f"l{n}"), lambda stored, error: told.append(stored))
    assert writer.drain(30)
    assert [stored["seq"] for stored in told] == list(range(1, 101))
    assert writer.commits < 10  # one caller, yet not a commit per line


def batch_of_150(writer: Writer) -> tuple[ZODBHistory, list[dict], list[str]]:
    """150 lines over 3 rooms queued at once (one batch); what was told, and
    each savepoint the writer took."""
    history = ZODBHistory(db=writer.db, writer=writer)
    savepoints, told = [], []
    take = writer._manager.savepoint
    writer._manager.savepoint = lambda *args, **kw: savepoints.append("sp") or take(*args, **kw)
    for n in range(150):
        history.append_soon(f"room-{n % 3}", said(f"l{n}"),
                            lambda stored, error: told.append(stored))
    assert writer.drain(30)
    return history, told, savepoints


def test_a_whole_batch_is_pickled_once_at_commit(db):
    """No savepoints: they would pickle busy objects once per slice and copy them again."""
    writer = Writer(db, max_batch=200, slice_size=None)
    _, told, savepoints = batch_of_150(writer)
    assert writer.commits == 1 and savepoints == []
    assert len(told) == 150


def test_a_batch_in_slices_keeps_every_line_in_order(db):
    writer = Writer(db, max_batch=200, slice_size=40)
    history, told, savepoints = batch_of_150(writer)
    assert writer.commits == 1 and len(savepoints) == 3
    for room in ("room-0", "room-1", "room-2"):
        mine = [stored for stored in told if stored["room"] == room]
        assert [stored["seq"] for stored in mine] == list(range(1, 51))
        assert history.after(room, 0, 100) == mine


def test_a_failed_change_submitted_soon_tells_its_waiter(db):
    writer = Writer(db)
    outcome = gevent.event.AsyncResult()

    def broken(root):
        raise ValueError("no such thing")

    writer.submit_soon(broken, False, outcome)
    with pytest.raises(ValueError):
        outcome.get(timeout=30)


def test_one_line_per_commit_when_batches_are_one(db):
    writer = Writer(db, max_batch=1)
    history = ZODBHistory(db, writer)
    gevent.joinall([gevent.spawn(history.append, "deck", said(f"l{n}")) for n in range(20)])
    assert writer.commits == 20


def test_appending_rewrites_at_most_the_rooms_last_chunk(db, data_fs):
    """An append stores the room's last chunk and a few small objects, however big the room."""
    history = ZODBHistory(db, Writer(db, max_batch=1))
    for n in range(300):
        history.append("deck", said(f"line {n} " + "x" * 200))
    history.append("deck", said("the last one"))
    storage = db.storage
    records = [list(txn) for txn in storage.iterator(storage.lastTransaction())][-1]
    assert len(records) <= 4  # the last chunk (and its tree, when it is new), activity index
    # The room holds 300 lines of ~420 characters (125 KB); a chunk at most 16 of them.
    assert sum(len(record.data) for record in records) < 16 * 420 + 2000


def test_a_chunk_of_long_lines_is_full_sooner(db):
    """Each commit rewrites a room's last chunk whole: its characters are bounded too."""
    history = ZODBHistory(db, Writer(db))
    for _ in range(5):
        history.append("deck", dict(said("y" * 2000), translation="z" * 2000))
    with reading(db) as root:
        assert list(root.rooms.get("deck").chunks.keys()) == [1, 3, 5]
    assert [line["seq"] for line in history.after("deck", 0, 10)] == [1, 2, 3, 4, 5]


def test_a_failing_change_fails_alone_and_the_writer_goes_on(db):
    writer = Writer(db)
    history = ZODBHistory(db, writer)

    def broken(root):
        raise ValueError("no such thing")

    good = [gevent.spawn(history.append, "deck", said(f"l{n}")) for n in range(5)]
    bad = gevent.spawn(writer.submit, broken)
    more = [gevent.spawn(history.append, "deck", said(f"m{n}")) for n in range(5)]
    gevent.joinall(good + [bad] + more)
    assert isinstance(bad.exception, ValueError)
    assert all(g.successful() for g in good + more)
    assert [line["seq"] for line in history.after("deck", 0, 100)] == list(range(1, 11))


def race(scenario: str, data_fs) -> dict:
    """Run tests/integration/writers_race.py (gevent-patched, as the server is)."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.integration.writers_race", scenario, str(data_fs)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_two_writers_racing_for_one_room_retry_and_stay_gap_free(data_fs):
    """Two writers on one database are what two worker processes on ZEO are."""
    result = race("same-room", data_fs)
    assert result["overlaps"] > 0 and sum(result["conflicts"]) > 0  # they did collide...
    stored = result["rooms"]["deck"]  # ...and no number was lost or given twice
    assert [seq for seq, _ in stored] == list(range(1, 103))  # each writer's "first", then 100
    assert sorted(text for _, text in stored[2:]) == sorted(f"l{n}" for n in range(100))
    assert result["acked"] == list(range(3, 103))


def test_two_transactions_adding_to_one_rooms_last_chunk_conflict(db):
    """The gap-free rule across processes rests on this: both took the same number
    into the same chunk, which ZODB must not merge, so the second one runs again."""
    ZODBHistory(db, Writer(db)).append("deck", said("first"))
    managers = [transaction.TransactionManager() for _ in range(2)]
    connections = [db.open(transaction_manager=manager) for manager in managers]
    try:
        stored = [_append("deck", said(f"by {n}"), app_root(connection))
                  for n, connection in enumerate(connections)]
        assert [line["seq"] for line in stored] == [2, 2]
        managers[0].commit()
        with pytest.raises(ConflictError):
            managers[1].commit()
    finally:
        for manager, connection in zip(managers, connections, strict=True):
            manager.abort()
            connection.close()


@pytest.mark.parametrize("scenario", ["different-rooms", "new-rooms"])
def test_writers_of_different_rooms_do_not_conflict(data_fs, scenario):
    result = race(scenario, data_fs)
    assert result["overlaps"] > 0  # their transactions did overlap...
    assert result["conflicts"] == [0, 0]  # ...and neither had to run again
    each = 50 if scenario == "new-rooms" else 51  # "different-rooms" said a first line before
    assert sorted(len(lines) for lines in result["rooms"].values()) == [each, each]


def test_the_front_page_lists_the_most_recently_active_rooms_first(db):
    history = ZODBHistory(db, Writer(db))
    for room in ["deck", "hold", "galley", "deck"]:
        history.append(room, said("ahoy"))
    with reading(db) as root:
        assert [r.__name__ for r in root.rooms.recently_active(10)] == ["deck", "galley", "hold"]
        assert [r.__name__ for r in root.rooms.recently_active(2)] == ["deck", "galley"]
        assert len(root.rooms) == 4  # with the lobby


def test_the_translator_that_failed_is_kept_with_the_line(db):
    history = ZODBHistory(db, Writer(db))
    stored = history.append("deck", dict(said("hi"), fallback="remote"))
    assert stored["fallback"] == "remote" and history.recent("deck", 1) == [stored]
    assert "fallback" not in history.append("deck", said("ho"))


def test_evolve_creates_the_root_and_lobby_once(data_fs):
    db = open_database(f"file://{data_fs}")
    try:
        assert evolution.evolve(db) == list(range(1, evolution.LATEST + 1))
        assert evolution.evolve(db) == []
        with reading(db) as root:
            assert root.schema_version == evolution.LATEST
            assert isinstance(root.rooms, Rooms) and root.rooms.get("lobby").title == "Lobby"
    finally:
        db.close()


def test_a_database_from_newer_code_is_refused(db):
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    connection.root()[evolution.ROOT_KEY].schema_version = evolution.LATEST + 1
    manager.commit()
    connection.close()
    with pytest.raises(RuntimeError, match="only up to"):
        evolution.evolve(db)


def test_reading_an_unevolved_database_says_so(tmp_path):
    db = open_database(f"file://{tmp_path}/Data.fs")
    try:
        with pytest.raises(RuntimeError, match="no PirateChat root"), reading(db):
            pass
    finally:
        db.close()


def test_the_file_storage_is_created_under_its_folder_and_opens_read_only(data_fs, db):
    ZODBHistory(db, Writer(db)).append("deck", said("kept"))
    assert data_fs.exists()
    db.close()
    storage = FileStorage(str(data_fs), read_only=True)
    storage.close()
    read_only = open_database(f"file://{data_fs}", read_only=True)
    try:
        assert ZODBHistory(read_only, Writer(read_only)).recent("deck", 5)[0]["text"] == "kept"
    finally:
        read_only.close()


@pytest.mark.parametrize("slice_size", ["whole", "100"])
def test_a_reader_gets_through_while_the_writer_commits_back_to_back(data_fs, slice_size):
    """FileStorage keeps readers out while a commit waits for its write lock: a
    writer that starts its next commit without letting others run starves every
    read (joins, the sequencer's gap fills), and delivery stops. The stall of
    whole batches in bench/results/rooms.md (session 4)."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.integration.busy_writer", slice_size, str(data_fs)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["read"]
    assert result["commits_while_reading"] <= 2  # starved, it waits all 40 (the feed's end)
    assert result["lines"] == result["fed"]  # and every line queued was stored


def test_the_activity_index_gets_a_rooms_last_line_once_committed(db):
    writer = Writer(db)
    history = ZODBHistory(db, writer)
    first = dict(said("first"), at="2026-11-30T12:00:00.250Z")
    history.append("deck", first)
    assert writer._later == {}  # the first line's own transaction listed the room
    with reading(db) as root:
        assert root.rooms._touched["deck"] == 1796040000250
    for at in ("2026-11-30T12:00:05.000Z", "2026-11-30T12:00:07.125Z"):
        history.append("deck", dict(said("later"), at=at))
    assert writer.drain(30)
    with reading(db) as root:
        assert root.rooms._touched["deck"] == 1796040007125
