"""IPresence in one process's memory (the in-process broker's companion).

Entries of a room are kept in expiry order (a refresh moves one to the end),
so the expired ones are always at the front: counting and sweeping cost only
what expired.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import islice

from zope.interface import implementer

from ..interfaces import IPresence


@implementer(IPresence)
class LocalPresence:
    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.time):
        self.ttl = ttl
        self.clock = clock
        self._rooms: dict[str, dict[str, tuple[str, float]]] = {}  # room -> id -> (name, expiry)

    def enter(self, room: str, member_id: str, name: str) -> None:
        entries = self._rooms.setdefault(room, {})
        entries.pop(member_id, None)
        entries[member_id] = (name, self.clock() + self.ttl)

    def leave(self, room: str, member_id: str, name: str) -> bool:
        entries = self._rooms.get(room)
        if entries is None or entries.pop(member_id, None) is None:
            return False
        if not entries:
            del self._rooms[room]
        return True

    def refresh(self, room: str, members: dict[str, str]) -> list[str]:
        entries = self._rooms.setdefault(room, {})
        gone = [member_id for member_id in members if member_id not in entries]
        for member_id, name in members.items():
            self.enter(room, member_id, name)
        return gone

    def members(self, room: str, limit: int) -> tuple[int, list[dict]]:
        entries = self._rooms.get(room, {})
        expired = self._expired(entries)
        alive = islice(entries.items(), expired, expired + max(limit, 0))
        listed = [{"id": member_id, "name": name} for member_id, (name, _) in alive]
        return len(entries) - expired, sorted(listed, key=lambda m: (m["name"], m["id"]))

    def counts(self, rooms) -> dict[str, int]:
        return {room: self.members(room, 0)[0] for room in rooms}

    def sweep(self, room: str) -> list[dict]:
        entries = self._rooms.get(room, {})
        gone = list(islice(entries.items(), self._expired(entries)))
        for member_id, _ in gone:
            del entries[member_id]
        if not entries:
            self._rooms.pop(room, None)
        return [{"id": member_id, "name": name} for member_id, (name, _) in gone]

    def _expired(self, entries: dict[str, tuple[str, float]]) -> int:
        """How many entries at the front have expired."""
        now, count = self.clock(), 0
        for _, expiry in entries.values():
            if expiry > now:
                break
            count += 1
        return count
