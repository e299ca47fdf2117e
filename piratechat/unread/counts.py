"""Unread counts: a reader's last-read line per room, and their connections told.

A count is worked out when asked, never kept: the room's last line number
less the reader's last-read one (ILastRead). So a line said costs nothing
here, however many readers the room has; only a reader's own ``read`` and
``unread`` requests do work, and that work is theirs alone.

A ``read`` moves the reader's mark forward and tells every connection of
that reader, on this process directly and on the others through the broker
(a message on ``CHANNEL``, which no room's name can be: slugs have no NUL):
the other tab, the phone, clear their count at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from ..interfaces import IBroker, ILastRead

log = logging.getLogger(__name__)

#: The broker "room" pushes to readers go through.
CHANNEL = "\x00unread"

#: Rooms one ``unread`` request may ask about (a page's list of rooms).
MAX_ROOMS = 50


def unread_message(room: str, last_read: int, last: int) -> dict:
    """What a reader is told of ``room``: their mark, the room's last line, the count."""
    return {"type": "unread", "room": room, "last_read": last_read, "last": last,
            "count": max(0, last - last_read)}


class Unread:
    def __init__(self, marks: ILastRead, broker: IBroker, last_seq: Callable[[str], int]):
        self.marks = marks
        self.broker = broker
        self.last_seq = last_seq  # a room's last line number, 0 for none
        self.connections: dict[str, set] = {}  # reader -> its sessions here
        broker.subscribe(self.receive)

    def attach(self, reader: str, session) -> None:
        """``session`` is ``reader``'s: it is told when they read, wherever."""
        self.connections.setdefault(reader, set()).add(session)

    def detach(self, reader: str, session) -> None:
        sessions = self.connections.get(reader)
        if sessions is not None:
            sessions.discard(session)
            if not sessions:
                del self.connections[reader]

    def last_read(self, reader: str, room: str) -> int | None:
        """``reader``'s mark in ``room``, None if they never read it."""
        return self.marks.marks(reader, [room]).get(room)

    def counts(self, reader: str, rooms: list[str]) -> list[dict]:
        """An ``unread`` message for each of ``rooms`` the reader has read before."""
        kept = self.marks.marks(reader, rooms)
        return [unread_message(room, seq, self.last_seq(room)) for room, seq in kept.items()]

    def read(self, reader: str, room: str, seq: int) -> dict:
        """``reader`` read ``room`` up to ``seq`` (at most its last line): keep it
        and tell the reader's connections, here and on every process."""
        last = self.last_seq(room)
        kept = self.marks.mark(reader, room, min(seq, last))
        told = unread_message(room, kept, last)
        self.tell(reader, told)
        self.broker.publish(CHANNEL, json.dumps({"reader": reader, "message": told}))
        return told

    def tell(self, reader: str, message: dict) -> None:
        payload = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        for session in list(self.connections.get(reader, ())):
            try:
                session.send(payload)
            except Exception:
                log.exception("telling session %s its unread count failed",
                              getattr(session, "id", session))

    def receive(self, channel: str, payload: str) -> None:
        """Another process's push: tell the reader's connections here."""
        if channel != CHANNEL:
            return
        try:
            pushed = json.loads(payload)
            reader, message = pushed["reader"], pushed["message"]
        except (ValueError, KeyError, TypeError):
            log.warning("an unread push that is not one: %r", payload[:200])
            return
        if reader in self.connections:
            self.tell(reader, message)
