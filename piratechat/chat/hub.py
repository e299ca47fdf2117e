"""Who is in which room in this process, and delivering lines to them.

A line's payload is encoded for SockJS once and the same string is queued
for every member, whatever the room's size.

A member that is catching up (it joined and is being sent the room's stored
lines) gets live lines held back instead; ``caught_up`` then sends those the
stored lines did not cover. Joining before reading history, and dropping held
lines numbered at or below what was read, is what makes a join lose nothing
and repeat nothing, however the commits and the read interleave.
"""

from __future__ import annotations

import json

from ..sockjs import Session
from ..sockjs.protocol import encode_message

#: What a catching-up member holds: (seq, payload, encoded) per live line.
Held = list[tuple[int, str, str]]


class Hub:
    def __init__(self):
        # room -> {member: None when live, else the lines held while it catches up}
        self.rooms: dict[str, dict[Session, Held | None]] = {}

    def join(self, room: str, session: Session) -> None:
        """Add ``session`` to ``room``, holding live lines until ``caught_up``."""
        self.rooms.setdefault(room, {})[session] = []

    def caught_up(self, room: str, session: Session, last_seq: int) -> None:
        """``session`` was sent every line up to ``last_seq``: send it the newer
        held lines, then live ones as they come."""
        members = self.rooms.get(room)
        if members is None or members.get(session) is None:
            return  # left meanwhile, or already live
        held = members[session]
        members[session] = None
        for seq, payload, encoded in held:
            if seq > last_seq:
                session.send(payload, encoded)

    def leave(self, room: str, session: Session) -> None:
        members = self.rooms.get(room)
        if members is not None:
            members.pop(session, None)
            if not members:
                del self.rooms[room]

    def deliver(self, room: str, payload: str) -> int:
        """Queue payload for every member of room here; returns how many."""
        members = self.rooms.get(room)
        if not members:
            return 0
        encoded = encode_message(payload)
        seq = None
        for session, held in list(members.items()):
            if held is None:
                session.send(payload, encoded)
            else:
                if seq is None:
                    seq = json.loads(payload)["seq"]  # once per line, and only while someone joins
                held.append((seq, payload, encoded))
        return len(members)
