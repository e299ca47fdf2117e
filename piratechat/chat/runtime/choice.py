"""Which translator a room uses: the room's own choice, kept on the persistent Room.

Every line said looks its room's translator up through the IRoom ->
ITranslator adapter (translators/registry.py), given the room's choice. A
read from the database costs a connection from the pool and a transaction
(about 0.2 ms, too much for every line), while a choice changes rarely; so
the choice is kept in memory, and how long depends on whether this process
hears of changes to it:

- A room with members here (``watched``) hears every change: one made here
  is remembered once durable (``choose``), one made by another process comes
  as the room's ``translator`` notice through the broker (``remember``). Its
  choice is read once, when first needed, and kept until the last member
  here leaves (``forget``) or the broker reconnects (``forget_all``: notices
  may have been lost meanwhile). No expiry: a busy process never re-reads
  every room at once. A read that was under way when a notice came never
  overrides the notice (a ZEO client may still show the older choice). Left
  open: a choice committed elsewhere just before the first member joins here,
  whose notice came before the join, read through a ZEO client that has not
  yet seen that commit (a window of milliseconds): the room keeps the older
  choice until the next change, leave or reconnect.
- Any other room (a page, a test calling Chat directly) hears nothing: its
  choice read from the database is reused for ``REUSE_SECONDS`` only.

A choice no longer offered falls back to the default in the adapter.

A choice is changed through the storage's writer, like every other change,
and is durable before anyone is told of it. Without a database (a registry
with no IDatabase, as when a Chat is built on MemoryHistory) the
choices are kept here, in memory, per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from zope.interface import implementer

from ...interfaces import IDatabase, IRoom, ITranslator, IWriter
from ..core.messages import ChatError


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


REUSE_SECONDS = 2.0  # how long a choice read for a room nobody here is in is reused
_PRUNE_ABOVE = 10_000  # remembered unwatched rooms before expired entries are dropped


def _nobody_here(room: str) -> bool:
    return False


class RoomTranslators:
    def __init__(self, registry, watched: Callable[[str], bool] = _nobody_here,
                 clock=time.monotonic):
        self.registry = registry
        self.watched = watched  # rooms whose translator notices reach this process
        self.clock = clock
        self.in_memory: dict[str, str] = {}
        self._known: dict[str, str | None] = {}  # watched room -> choice, until told otherwise
        self._read: dict[str, tuple[str | None, float]] = {}  # other room -> (choice, read at)

    def lookup(self, room: str) -> ITranslator:
        """The translator ``room`` uses now."""
        return self.registry.getAdapter(Choice(room, self.choice(room)), ITranslator)

    def choice(self, room: str) -> str | None:
        """The name ``room`` chose, or None (the default)."""
        if room in self._known:
            return self._known[room]
        db = self.registry.queryUtility(IDatabase)
        if db is None:
            return self.in_memory.get(room)
        if self.watched(room):
            choice = self._stored(db, room)
            if self.watched(room):  # it may have left while the read waited
                return self._known.setdefault(room, choice)  # a notice meanwhile wins
            return choice
        now = self.clock()
        known = self._read.get(room)
        if known is not None and now - known[1] < REUSE_SECONDS:
            return known[0]
        choice = self._stored(db, room)
        if len(self._read) > _PRUNE_ABOVE:
            self._read = {k: v for k, v in self._read.items() if now - v[1] < REUSE_SECONDS}
        self._read[room] = (choice, now)
        return choice

    @staticmethod
    def _stored(db, room: str) -> str | None:
        from ...storage.database import reading

        with reading(db) as root:
            stored = root.rooms.get(room)
            return None if stored is None else stored.translator

    def remember(self, room: str, name: str) -> None:
        """Another process told us ``room`` chose ``name``: use it at once."""
        if self.registry.queryUtility(IDatabase) is None:
            self.in_memory[room] = name
        self._keep(room, name)

    def forget(self, room: str) -> None:
        """Nobody here is in ``room`` any more: its notices stop reaching us."""
        self._known.pop(room, None)

    def forget_all(self) -> None:
        """The broker reconnected: notices may have been lost; read each room again."""
        self._known.clear()

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
        self._keep(room, name)

    def _keep(self, room: str, name: str) -> None:
        if self.watched(room):
            self._known[room] = name
        else:
            self._read[room] = (name, self.clock())
