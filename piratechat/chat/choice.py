"""Which translator a room uses: the room's own choice, kept on the persistent Room.

Every line said looks its room's translator up through the IRoom ->
ITranslator adapter (translators/registry.py), given the room's choice. The
choice is read from the database and then reused for ``REUSE_SECONDS``: a
read costs a connection from the pool and a transaction (about 0.2 ms, too
much for every line), while a choice changes rarely. A choice made through
this process is used at once; one made through another process (several
workers on one database) from at most ``REUSE_SECONDS`` later. A choice no
longer offered falls back to the default in the adapter.

A choice is changed through the storage's writer, like every other change,
and is durable before anyone is told of it. Without a database (a registry
with no ``piratechat.db``, as when a Chat is built on MemoryHistory) the
choices are kept here, in memory, per process.
"""

from __future__ import annotations

import time
from functools import partial

from zope.interface import implementer

from ..interfaces import IDatabase, IRoom, ITranslator, IWriter
from .messages import ChatError


@implementer(IRoom)
class Choice:
    """A room's choice when no database keeps rooms."""

    def __init__(self, name: str, translator: str | None):
        self.name = name
        self.translator = translator


def _choose(room: str, name: str, key: str | None, lock: bool | None, root) -> ChatError | None:
    """The writer's change: store ``name`` as the room's translator, if the
    room is stored and not locked against this chooser; else the refusal
    (returned, not raised: raising would fail the whole batch it is in)."""
    stored = root.rooms.get(room)
    if stored is None:  # choosing must not create rooms: lines and POST /rooms/ do
        return ChatError("no_room", "Nobody has said anything in this room yet: say a line "
                         "first, then choose its parrot.")
    owner = False
    if key is not None:
        owner = stored.is_owner_key(key)
        if not owner:
            return ChatError("bad_key", "That key does not own this room.")
    if lock is not None and not owner:
        return ChatError("bad_key", "Only the room's owner can lock or unlock its parrot: "
                         "send the room's key in 'key'.")
    if stored.translator_locked and not owner:
        return ChatError("locked", "The room's owner has locked its parrot.")
    stored.translator = name
    if lock is not None:
        stored.translator_locked = bool(lock)
    return None


REUSE_SECONDS = 2.0  # how long a room's choice read from the database is reused
_PRUNE_ABOVE = 10_000  # remembered rooms before expired entries are dropped


class RoomTranslators:
    def __init__(self, registry, clock=time.monotonic):
        self.registry = registry
        self.clock = clock
        self.in_memory: dict[str, str] = {}
        self._read: dict[str, tuple[str | None, float]] = {}  # room -> (choice, read at)

    def lookup(self, room: str) -> ITranslator:
        """The translator ``room`` uses now."""
        return self.registry.getAdapter(Choice(room, self.choice(room)), ITranslator)

    def choice(self, room: str) -> str | None:
        """The name ``room`` chose, or None (the default)."""
        db = self.registry.queryUtility(IDatabase)
        if db is None:
            return self.in_memory.get(room)
        now = self.clock()
        known = self._read.get(room)
        if known is not None and now - known[1] < REUSE_SECONDS:
            return known[0]
        from ..storage.database import reading

        with reading(db) as root:
            stored = root.rooms.get(room)
            choice = None if stored is None else stored.translator
        if len(self._read) > _PRUNE_ABOVE:
            self._read = {k: v for k, v in self._read.items() if now - v[1] < REUSE_SECONDS}
        self._read[room] = (choice, now)
        return choice

    def remember(self, room: str, name: str) -> None:
        """Another process told us ``room`` chose ``name``: use it at once."""
        if self.registry.queryUtility(IDatabase) is None:
            self.in_memory[room] = name
        self._read[room] = (name, self.clock())

    def choose(self, room: str, name: str, key: str | None = None,
               lock: bool | None = None) -> None:
        """Keep ``name`` as ``room``'s translator; returns once it is durable.

        Raises ChatError when the room is not stored, or is locked and
        ``key`` is not its owner's (see rooms/resources.py, Room.owner_key).
        """
        writer = self.registry.queryUtility(IWriter)
        if writer is None:
            self.in_memory[room] = name
            return
        refusal = writer.submit(partial(_choose, room, name, key, lock))
        if refusal is not None:
            raise refusal
        self._read[room] = (name, self.clock())
