"""Who is in which room in this process, and delivering lines to them.

A line is encoded and framed once (sockjs.outgoing) and the same bytes go to
every member, whatever the room's size; an idle WebSocket member is written
to at once, from here.

A big room's fan-out yields to the gevent hub every ``YIELD_EVERY`` members,
so that the other connections and gunicorn's heartbeat still run. A yield
must not reorder lines: lines published meanwhile (another greenlet may
publish) wait in ``_lines`` and go out after the current one, to everyone.

A member that is catching up (it joined and is being sent the room's stored
lines) gets live lines held back instead; ``caught_up`` then sends those the
stored lines did not cover. Joining before reading history, and dropping held
lines numbered at or below what was read, is what makes a join lose nothing
and repeat nothing, however the commits and the read interleave. A member
that catches up while a line is half delivered goes live once that line is
out (``_caught_up``), so that line is held for it, never sent twice.
"""

from __future__ import annotations

import json
from collections import deque

import gevent

from ..sockjs import Session
from ..sockjs.outgoing import Outgoing

#: What a catching-up member holds: (seq, line) per live line.
Held = list[tuple[int, Outgoing]]

#: Members written to between two yields to the gevent hub.
YIELD_EVERY = 256

_LEFT = ()  # what a member that left during a yield holds


class Hub:
    def __init__(self):
        # room -> {member: None when live, else the lines held while it catches up}
        self.rooms: dict[str, dict[Session, Held | None]] = {}
        self._lines: deque[tuple[str, str]] = deque()  # published, not yet delivered
        self._caught_up: list[tuple[str, Session, int]] = []  # while delivering
        self._delivering = False

    def join(self, room: str, session: Session) -> None:
        """Add ``session`` to ``room``, holding live lines until ``caught_up``."""
        self.rooms.setdefault(room, {})[session] = []

    def caught_up(self, room: str, session: Session, last_seq: int) -> None:
        """``session`` was sent every line up to ``last_seq``: send it the newer
        held lines, then live ones as they come."""
        if self._delivering:  # between two lines, not in the middle of one
            self._caught_up.append((room, session, last_seq))
            return
        members = self.rooms.get(room)
        if members is None or members.get(session) is None:
            return  # left meanwhile, or already live
        held = members[session]
        members[session] = None
        for seq, line in held:
            if seq > last_seq:
                session.send(line)

    def leave(self, room: str, session: Session) -> None:
        members = self.rooms.get(room)
        if members is not None:
            members.pop(session, None)
            if not members:
                del self.rooms[room]

    def deliver(self, room: str, payload: str) -> int:
        """Send payload to every member of room here, after the lines before
        it; returns how many members the room has."""
        members = self.rooms.get(room)
        self._lines.append((room, payload))
        if not self._delivering:
            self._delivering = True
            try:
                while self._lines:
                    self._fan_out(*self._lines.popleft())
                    while self._caught_up:
                        self._delivering = False
                        self.caught_up(*self._caught_up.pop(0))
                        self._delivering = True
            finally:
                self._delivering = False
        return len(members) if members else 0

    def _fan_out(self, room: str, payload: str) -> None:
        members = self.rooms.get(room)
        if not members:
            return
        line = Outgoing(payload)
        seq = None
        for count, session in enumerate(list(members), 1):
            held = members.get(session, _LEFT)
            if held is None:
                session.send(line)
            elif held is not _LEFT:
                if seq is None:
                    seq = json.loads(payload)["seq"]  # once per line, and only while someone joins
                held.append((seq, line))
            if count % YIELD_EVERY == 0:
                gevent.sleep(0)
