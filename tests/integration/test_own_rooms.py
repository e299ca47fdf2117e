"""Writers that say lines into rooms of their own never conflict; a writer that keeps
losing a race still stores the lines nobody contends for.

Two processes on one ZEO server (or RelStorage on PostgreSQL), each saying lines
into 30 rooms of its own as fast as its writer stores them: their transactions
share no object, since the rooms' activity index, which every process writes,
is updated after the lines in a transaction of its own (Writer.later). A short
run of ``bench/many_writers.py --own-rooms 30``.
"""

from __future__ import annotations

from functools import partial

import transaction

from bench.many_writers import run
from piratechat.chat.core.messages import now
from piratechat.rooms.resources import Rooms, parse_time
from piratechat.storage.database import app_root, reading
from piratechat.storage.history import ZODBHistory, _append
from piratechat.storage.writer import Writer
from piratechat.timestamps import microseconds


def said(text: str) -> dict:
    return {"author": "Ann", "text": text, "translation": text, "translator": "echo",
            "at": now()}


def test_two_processes_in_rooms_of_their_own_never_conflict(shared_uri):
    result = run(shared_uri, processes=2, seconds=4, talkers=60, own_rooms=30)
    assert all(count > 1000 for count in result["per_process"])  # both talked, in batches
    assert result["refused"] == 0, result["refusals"]
    assert result["gaps"] == 0 and result["duplicates"] == 0
    assert result["stored_as_acked"]
    assert result["conflicts"] == 0  # no line was ever run again


def test_a_batch_that_keeps_losing_stores_the_lines_before_the_contested_one(db):
    """Another writer commits a line into "hot" every time ours has run its own
    line there (for the first 40 times): ours cannot win until then, yet the
    lines it was given before that one are stored long before."""
    history = ZODBHistory(db, Writer(db, split_after=3))
    history.append("hot", said("first"))
    rival_manager = transaction.TransactionManager()
    rival = db.open(transaction_manager=rival_manager)
    runs = [0]

    def contested(root):
        stored = _append("hot", said("ours"), root)
        runs[0] += 1
        if runs[0] <= 40:
            _append("hot", said(f"rival {runs[0]}"), app_root(rival))
            rival_manager.commit()
        return stored

    stored_at: dict[str, int] = {}  # room -> runs of the contested line when stored
    writer = history.writer
    waiters = [_Recorder(lambda room=f"calm-{n}": stored_at.update({room: runs[0]}))
               for n in range(8)]
    for n, waiter in enumerate(waiters):  # queued with the contested line: one batch
        writer.submit_soon(partial(_append, f"calm-{n}", said("calm")), True, waiter)
    waiters.append(_Recorder(lambda: stored_at.update(hot=runs[0])))
    writer.submit_soon(contested, True, waiters[-1])
    try:
        assert writer.drain(60)
    finally:
        rival_manager.abort()
        rival.close()
    assert [waiter.error for waiter in waiters] == [None] * 9
    assert stored_at["hot"] == 41  # it won once the rival stopped...
    assert max(stored_at[f"calm-{n}"] for n in range(8)) < 40  # ...the others long before
    with reading(db) as root:
        hot = [line.text for line in root.rooms.get("hot").since(0, 100)]
        assert hot == ["first"] + [f"rival {n}" for n in range(1, 41)] + ["ours"]
        assert all(root.rooms.get(f"calm-{n}").last_seq == 1 for n in range(8))


class _Recorder:
    """A writer's waiter that calls ``then()`` when its change is stored."""

    def __init__(self, then):
        self.then, self.done, self.error = then, False, None

    def ready(self) -> bool:
        return self.done

    def set(self, result) -> None:
        self.done = True
        self.then()

    def set_exception(self, error: BaseException) -> None:
        self.done, self.error = True, error


def test_a_later_change_that_conflicts_runs_again_alone(db):
    """The index's own transaction may conflict with another process's: then it
    runs again, and the lines committed before it are not run again."""
    writer = Writer(db, later_every=3600)  # runs when drained, not on a clock
    rival_manager = transaction.TransactionManager()
    rival = db.open(transaction_manager=rival_manager)
    line_runs, later_runs = [0], [0]

    def line(root):
        line_runs[0] += 1
        return _append("deck", said("ahoy"), root)

    def touch(stamp: int, root):
        later_runs[0] += 1
        root.rooms._touched["deck"] = stamp
        if later_runs[0] == 1:  # another process's index transaction wins this time
            app_root(rival).rooms._touched["deck"] = 1
            rival_manager.commit()

    done = _Recorder(lambda: None)
    try:
        writer.later("deck", partial(touch, 5))
        writer.later("deck", partial(touch, 7))  # replaces the one not yet run
        writer.submit_soon(line, True, done)  # queued with them, committed without them
        assert writer.drain(60)
    finally:
        rival_manager.abort()
        rival.close()
    assert done.done and done.error is None
    assert line_runs == [1] and later_runs == [2]
    assert writer.conflicts == 0 and writer.later_conflicts == 1
    with reading(db) as root:
        assert root.rooms._touched["deck"] == 7


def test_the_activity_index_is_told_of_lines_after_they_are_committed(db, monkeypatch):
    """A room's first line lists it at once; its later lines reach the index in
    the writer's ``later`` transaction, not in theirs."""
    monkeypatch.setattr(Rooms, "touch_every", 0)  # every line's time counts
    history = ZODBHistory(db, Writer(db, later_every=3600))  # runs when drained
    first = history.append("deck", said("ahoy"))
    history.append("hold", said("ahoy"))
    again = history.append("deck", said("again"))
    with reading(db) as root:
        assert root.rooms._touched["deck"] == stamp(first)  # not yet
        assert [r.__name__ for r in root.rooms.recently_active(3)][:2] == ["deck", "hold"]
    assert history.writer.drain(30)
    with reading(db) as root:
        assert root.rooms._touched["deck"] == stamp(again)
    assert history.writer.conflicts == 0 and history.writer.later_commits == 1


def test_a_room_made_before_its_first_line_is_listed_at_that_line(db):
    """A room is made when someone names it (before anyone speaks): its first
    line lists it on the front page at once, not a flush later (the page a
    member opens right after speaking shows the room)."""
    history = ZODBHistory(db, Writer(db, later_every=3600))  # later changes wait
    history.writer.submit(lambda root: root.rooms.add("tortuga") and None)
    history.append("tortuga", said("Hello, friend"))
    with reading(db) as root:
        assert [room.__name__ for room in root.rooms.recently_active(5)] == ["tortuga"]


def stamp(line: dict) -> int:
    """A stored line's time as the activity index keeps it (ms since 1970)."""
    return microseconds(parse_time(line["at"])) // 1000
