"""IHistory in process memory: for tests and throwaway runs; lost on restart.

The reference implementation of the IHistory contract: the contract tests run
against it and against ZODBHistory alike.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable

import zope.event
from zope.interface import implementer

from ..chat.core.messages import ChatError
from ..interfaces import IHistory
from ..moderation.events import LineRetracted
from ..rooms.resources import parse_time
from ..timestamps import microseconds as _us
from .history import Told


def microseconds(at: str) -> int:
    return _us(parse_time(at))


@implementer(IHistory)
class MemoryHistory:
    def __init__(self):
        self._rooms: dict[str, list[dict]] = defaultdict(list)
        self._repeats: dict[str, dict[str, int]] = defaultdict(dict)  # room -> key -> index
        self._listeners: list[Callable[[dict], None]] = []
        self._epoch = secrets.token_hex(8)  # a new history every time the process starts

    def append(self, room: str, line: dict) -> dict:
        lines, repeats = self._rooms[room], self._repeats[room]
        key = line.get("repeat_key")
        if key and key in repeats:
            return dict(lines[repeats[key]], repeat=True)
        stored = dict(line, type="line", room=room, epoch=self._epoch, seq=len(lines) + 1)
        stored.pop("repeat_key", None)  # kept here only, never sent
        if key:
            repeats[key] = len(lines)
        lines.append(stored)
        for listener in self._listeners:
            listener(stored)
        return stored

    def append_soon(self, room: str, line: dict, done: Told) -> None:
        try:
            stored = self.append(room, line)
        except Exception as error:
            done(None, error)
        else:
            done(stored, None)

    def subscribe(self, callback: Callable[[dict], None]) -> None:
        self._listeners.append(callback)

    def since(self, room: str, after: int, limit: int) -> tuple[int, list[dict]]:
        lines = self._rooms.get(room, [])
        newer = lines[max(after, 0):]
        return len(lines), newer[-limit:] if limit > 0 else []

    def retract(self, room: str, seq: int, check: Callable[[dict], None]) -> dict:
        lines = self._rooms.get(room, [])
        if not 1 <= seq <= len(lines):
            raise ChatError("no_line", f"Room {room!r} has no line {seq}.")
        line = lines[seq - 1]
        key = next((k for k, at in self._repeats[room].items() if at == seq - 1), None)
        check({"seq": seq, "author": line["author"], "at_us": microseconds(line["at"]),
               "retracted": bool(line.get("retracted")), "repeat_key": key})
        if not line.get("retracted"):
            line.update(text="", translation="", retracted=True)
            line.pop("fallback", None)
            zope.event.notify(LineRetracted(room, seq))
        return dict(line)

    def exists(self, room: str) -> bool:
        return bool(self._rooms.get(room))

    def epoch(self, room: str) -> str:
        return self._epoch

    def recent(self, room: str, limit: int) -> list[dict]:
        return self.since(room, 0, limit)[1]

    def after(self, room: str, seq: int, limit: int) -> list[dict]:
        start = max(seq, 0)
        return self._rooms.get(room, [])[start:start + max(limit, 0)]
