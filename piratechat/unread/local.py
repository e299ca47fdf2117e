"""ILastRead in process memory: one process's readers (the chat without Redis)."""

from __future__ import annotations

from zope.interface import implementer

from ..interfaces import ILastRead


@implementer(ILastRead)
class LocalLastRead:
    def __init__(self):
        self._marks: dict[str, dict[str, int]] = {}  # reader -> room -> last-read seq

    def mark(self, reader: str, room: str, seq: int) -> int:
        marks = self._marks.setdefault(reader, {})
        kept = max(seq, marks.get(room, seq))
        marks[room] = kept
        return kept

    def marks(self, reader: str, rooms: list[str]) -> dict[str, int]:
        mine = self._marks.get(reader, {})
        return {room: mine[room] for room in rooms if room in mine}
