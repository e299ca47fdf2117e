"""Who is in which room in this process, and delivering lines to them.

A line's payload is encoded for SockJS once and the same string is queued
for every member, whatever the room's size.
"""

from __future__ import annotations

from collections import defaultdict

from ..sockjs import Session
from ..sockjs.protocol import encode_message


class Hub:
    def __init__(self):
        self.rooms: dict[str, set[Session]] = defaultdict(set)

    def join(self, room: str, session: Session) -> None:
        self.rooms[room].add(session)

    def leave(self, room: str, session: Session) -> None:
        members = self.rooms.get(room)
        if members is not None:
            members.discard(session)
            if not members:
                del self.rooms[room]

    def deliver(self, room: str, payload: str) -> int:
        """Queue payload for every member of room here; returns how many."""
        members = self.rooms.get(room)
        if not members:
            return 0
        encoded = encode_message(payload)
        for session in list(members):
            session.send(payload, encoded)
        return len(members)
