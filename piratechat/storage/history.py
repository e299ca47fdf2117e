"""IHistory kept in ZODB: every line, per room, for good.

Appends go through the Writer (group commit, announced in order once
durable); reads open their own short connection, so what a reader gets is
one consistent snapshot of committed lines.

A line's transaction writes only its room's objects (and, for a room's first
line, the tree of rooms and the activity index). The activity index and the
search index (search/index.py), which every process writes, are told of
later lines after they are committed (``Writer.later``, once a second):
lines of different rooms on different processes then never conflict, and an
index conflict never runs a line again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import zope.event
from zope.interface import implementer

from ..chat.core.messages import ChatError
from ..interfaces import IHistory
from ..moderation.events import LineRetracted
from ..rooms.resources import Root, parse_time
from .database import reading
from .writer import Writer

Told = Callable[[dict | None, BaseException | None], None]  # append_soon's done(stored, error)


def _lists_its_room(seq: int) -> bool:
    """A room's first line puts the room in the activity index in its own
    transaction (once per room: rarely a conflict), so the room is listed at
    once; every later line tells the index after its commit (``Writer.later``)."""
    return seq == 1


def _append(room: str, line: dict, root: Root) -> dict:
    """The writer's change for one line: store it under the room's next number.

    A line whose ``repeat_key`` the room already holds is a repeat: nothing is
    stored, and the original line comes back marked ``repeat`` (it is not
    announced again: the room saw it already)."""
    rooms = root.rooms
    stored_room = rooms.get(room)
    if stored_room is None:
        stored_room = rooms.add(room)
    else:
        original = stored_room.repeat_of(line.get("repeat_key"))
        if original is not None:
            return dict(stored_room.message(original), repeat=True)
    stored = stored_room.add_new(
        author=line["author"],
        at=parse_time(line["at"]),
        text=line["text"],
        translation=line["translation"],
        translator=line["translator"],
        fallback=line.get("fallback"),
        repeat_key=line.get("repeat_key"),
    )
    if _lists_its_room(stored.seq):
        rooms.touch(stored_room, stored.at_us // 1000)
    return stored_room.message(stored)


def _retract(room: str, seq: int, check: Callable[[dict], None], root: Root):
    """The writer's change taking line ``seq`` back, if ``check`` lets it: the
    line's message as it is then, or the refusal (returned, not raised: raising
    would fail the whole batch it is in)."""
    stored_room = root.rooms.get(room)
    line = None if stored_room is None else stored_room.history.line(seq)
    if line is None:
        return ChatError("no_line", f"Room {room!r} has no line {seq}.")
    try:
        check({"seq": seq, "author": line.author, "at_us": line.at_us,
               "retracted": line.retracted, "repeat_key": line.repeat_key})
    except ChatError as refusal:
        return refusal
    if not line.retracted:
        if root.search_index is not None:  # while its words are still there to find
            root.search_index.unindex(root, room, seq)
        stored_room.retract(seq)
        zope.event.notify(LineRetracted(room, seq, root))
    return stored_room.message(stored_room.history.line(seq))


def _index(room: str, root: Root) -> None:
    """The writer's ``later`` change after lines of ``room``: the search index takes
    the room's lines it does not have yet (search/index.py says why not in the
    lines' own transaction)."""
    index, stored_room = root.search_index, root.rooms.get(room)
    if index is not None and stored_room is not None:
        index.index_room(stored_room)


def _touch(room: str, root: Root) -> None:
    """The writer's ``later`` change after lines of ``room``: the activity index, at
    the time of the room's last line (read here once, not parsed for each line)."""
    stored_room = root.rooms.get(room)
    if stored_room is not None:
        root.rooms.touch(stored_room, stored_room.last_said())


class _Done:
    """The writer's waiter for ``append_soon``: calls ``done(stored, error)`` once."""

    __slots__ = ("done", "told")

    def __init__(self, done: Told):
        self.done, self.told = done, False

    def ready(self) -> bool:
        return self.told

    def set(self, result: dict) -> None:
        self.told = True
        self.done(result, None)

    def set_exception(self, error: BaseException) -> None:
        self.told = True
        self.done(None, error)


@implementer(IHistory)
class ZODBHistory:
    def __init__(self, db, writer: Writer):
        self.db = db
        self.writer = writer
        self._listeners: list[Callable[[dict], None]] = []
        writer.on_commit(self._announce)

    def append(self, room: str, line: dict) -> dict:
        return self.writer.submit(partial(_append, room, line), announce=True)

    def append_soon(self, room: str, line: dict, done: Told) -> None:
        self.writer.submit_soon(partial(_append, room, line), True, _Done(done))

    def subscribe(self, callback: Callable[[dict], None]) -> None:
        self._listeners.append(callback)

    def since(self, room: str, after: int, limit: int) -> tuple[int, list[dict]]:
        with reading(self.db) as root:
            stored = root.rooms.get(room)
            if stored is None:
                return 0, []
            return stored.last_seq, [stored.message(line) for line in stored.since(after, limit)]

    def recent(self, room: str, limit: int) -> list[dict]:
        return self.since(room, 0, limit)[1]

    def after(self, room: str, seq: int, limit: int) -> list[dict]:
        with reading(self.db) as root:
            stored = root.rooms.get(room)
            if stored is None:
                return []
            return [stored.message(line) for line in stored.after(seq, limit)]

    def retract(self, room: str, seq: int, check: Callable[[dict], None]) -> dict:
        result = self.writer.submit(partial(_retract, room, seq, check))
        if isinstance(result, ChatError):
            raise result
        return result

    def exists(self, room: str) -> bool:
        with reading(self.db) as root:
            return root.rooms.get(room) is not None

    def epoch(self, room: str) -> str | None:
        with reading(self.db) as root:
            stored = root.rooms.get(room)
            return root.epoch if stored is None else stored.epoch

    def _announce(self, result: dict) -> None:
        if result.get("repeat"):
            return
        room = result["room"]
        if not _lists_its_room(result["seq"]):
            self.writer.later(("touch", room), partial(_touch, room))
        self.writer.later(("index", room), partial(_index, room))
        for listener in self._listeners:
            listener(result)
