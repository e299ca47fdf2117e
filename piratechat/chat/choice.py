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

from ..interfaces import IRoom, ITranslator


@implementer(IRoom)
class Choice:
    """A room's choice when no database keeps rooms."""

    def __init__(self, name: str, translator: str | None):
        self.name = name
        self.translator = translator


def _choose(room: str, name: str, root) -> str:
    """The writer's change: store ``name`` as the room's translator."""
    root.rooms.add(room).translator = name
    return name


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
        db = self.registry.get("piratechat.db")
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
        if self.registry.get("piratechat.db") is None:
            self.in_memory[room] = name
        self._read[room] = (name, self.clock())

    def choose(self, room: str, name: str) -> None:
        """Keep ``name`` as ``room``'s translator; returns once it is durable."""
        writer = self.registry.get("piratechat.writer")
        if writer is None:
            self.in_memory[room] = name
            return
        writer.submit(partial(_choose, room, name))
        self._read[room] = (name, self.clock())
