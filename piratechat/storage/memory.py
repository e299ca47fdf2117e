"""IHistory in process memory: for tests and throwaway runs; lost on restart."""

from __future__ import annotations

from collections import defaultdict

from zope.interface import implementer

from ..interfaces import IHistory


@implementer(IHistory)
class MemoryHistory:
    def __init__(self):
        self._rooms: dict[str, list[dict]] = defaultdict(list)

    def append(self, room: str, line: dict) -> dict:
        lines = self._rooms[room]
        stored = dict(line, room=room, seq=len(lines) + 1)
        lines.append(stored)
        return stored

    def recent(self, room: str, limit: int) -> list[dict]:
        return self._rooms[room][-limit:] if limit > 0 else []

    def after(self, room: str, seq: int, limit: int) -> list[dict]:
        return self._rooms[room][max(seq, 0) : max(seq, 0) + limit]
