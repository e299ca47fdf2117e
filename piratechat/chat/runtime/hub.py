"""Who is in which room in this process, and delivering lines to them.

``deliver`` only queues a line; a deliverer greenlet, started when a line
comes and none runs (sockjs.workers), takes everything due and sends each room's lines, in
order, as one batch: framed once (sockjs.outgoing), the same bytes to every
member, one write per idle WebSocket member. Lines that pile up during a
fan-out go out together next. A busy room's lines are gathered
(``coalesce_ms``, the window): a line of a room sent to less than a window
ago waits until a window after that send, with the room's lines that follow
it. A line of a quiet room goes out at once, whatever other rooms are held;
so sends per line fall well below one only in rooms whose lines keep coming,
and the window adds at most a window to a line's way. The deliverer ends
when nothing waits: no greenlet while idle.

A big room's fan-out yields to the gevent hub every ``YIELD_EVERY`` members,
so that the other connections and gunicorn's heartbeat still run; lines
published meanwhile wait in the queue: nothing is reordered.

A member that is catching up (it joined and is being sent the room's stored
lines) gets live lines held back instead; ``caught_up(last_seq)`` then sends
those the stored lines did not cover. Joining before reading history, and
dropping held lines numbered at or below what was read, is what makes a join
lose nothing and repeat nothing, however the commits and the read
interleave. As lines reach members after ``deliver`` returns, a line the
read covered may still be queued when its member catches up: until a newer
line reaches it, a caught-up member skips lines numbered at or below what it
was sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import gevent
from gevent.event import Event
from pyramid_sockjs_gevent import Session
from pyramid_sockjs_gevent.core.outgoing import Outgoing
from pyramid_sockjs_gevent.runtime.workers import run_soon

from ..core.catchup import release, unseen

log = logging.getLogger(__name__)

#: A member's state in its room: None when live (the common case); the
#: (seq, line) it holds while catching up (seq None: a notice); once caught
#: up, the last seq it was sent until a newer line reaches it.
State = None | list[tuple[int | None, str]] | int

#: Members written to between two yields to the gevent hub.
YIELD_EVERY = 256

_LEFT = ()  # what a member that left during a yield holds


class Hub:
    def __init__(self, coalesce_ms: float = 0.0):
        self.rooms: dict[str, dict[Session, State]] = {}
        self.window = coalesce_ms / 1000  # seconds
        self._ready: dict[str, list[str]] = {}  # room -> lines to send at once, in order
        self._held: dict[str, list[str]] = {}  # room -> lines gathered until its due time
        self._due: dict[str, float] = {}  # held room -> perf_counter() when it goes
        self._first: dict[str, float] = {}  # room -> perf_counter() its oldest queued line came
        #: room -> perf_counter() of its last fan-out: a room sent to less than
        #: a window ago is held.
        self._sent: dict[str, float] = {}
        self._delivering = False  # the deliverer runs (sockjs.workers.run_soon)
        self._waiting = False  # the deliverer waits for a held room's due time
        self._wake = Event()  # a line due at once came while the deliverer waits
        self._drained = Event()
        self._drained.set()
        #: Called with the seconds from a batch's oldest line being queued to the
        #: end of its fan-out (piratechat/metrics.py); None: not measured.
        self.on_fanout: Callable[[float], None] | None = None

    def join(self, room: str, session: Session) -> None:
        """Add ``session`` to ``room``, holding live lines until ``caught_up``."""
        self.rooms.setdefault(room, {})[session] = []

    def caught_up(self, room: str, session: Session, last_seq: int) -> None:
        """``session`` was sent every line up to ``last_seq``: send it the newer
        held lines, then live ones as they come."""
        members = self.rooms.get(room)
        held = members.get(session) if members is not None else None
        if not isinstance(held, list):
            return  # left meanwhile, or already caught up
        newer, members[session] = release(held, last_seq)
        if newer:
            session.send(Outgoing(newer))

    def leave(self, room: str, session: Session) -> bool:
        """Take ``session`` out of ``room``; True if that left the room empty here."""
        members = self.rooms.get(room)
        if members is not None:
            members.pop(session, None)
            if not members:
                del self.rooms[room]
                self._sent.pop(room, None)
                return True
        return False

    def notice(self, room: str, payload: str, to: Callable[[Session], bool] | None = None) -> None:
        """Send a room-wide notice (not a line: no seq) to every member here
        (or those ``to`` accepts) at once; a member still catching up gets it
        after its stored lines."""
        for session, state in list(self.rooms.get(room, {}).items()):
            if to is not None and not to(session):
                continue
            try:
                if isinstance(state, list):
                    state.append((None, payload))
                else:
                    session.send(payload)
            except Exception:
                log.exception("a notice to session %s failed", getattr(session, "id", session))

    def deliver(self, room: str, payload: str) -> int:
        """Queue payload for every member of room here, after the lines before
        it; returns how many members the room has."""
        lines = self._ready.get(room) or self._held.get(room)
        if lines is not None:
            lines.append(payload)  # goes with the room's lines already waiting
        else:
            now = time.perf_counter()
            self._first[room] = now
            due = self._sent.get(room, -self.window) + self.window
            if due > now:  # sent to less than a window ago: gather
                self._held[room] = [payload]
                self._due[room] = due
            else:
                self._ready[room] = [payload]
                if self._waiting:
                    self._wake.set()  # a quiet room's line is never held
            self._drained.clear()
            if not self._delivering:
                self._delivering = True
                run_soon(self._deliver_queued)
        members = self.rooms.get(room)
        return len(members) if members else 0

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every line queued so far was sent (tests, shutdown)."""
        return self._drained.wait(timeout)

    @property
    def holding(self) -> bool:
        """Some room's lines are gathered for its window."""
        return bool(self._held)

    def _deliver_queued(self) -> None:
        """The deliverer: send what is due, room by room, until nothing waits."""
        try:
            while self._ready or self._held:
                if not self._ready:  # only held rooms: wait for the first due
                    wait = min(self._due.values()) - time.perf_counter()
                    if wait > 0:
                        self._wake.clear()
                        self._waiting = True
                        self._wake.wait(wait)
                        self._waiting = False
                    self._release(time.perf_counter())
                    continue
                ready, self._ready = self._ready, {}
                oldest = min(map(self._first.pop, ready))
                for room, payloads in ready.items():
                    try:
                        self._fan_out(room, payloads)
                    except Exception:
                        log.exception("delivering %d lines to %r failed", len(payloads), room)
                if self.on_fanout is not None:
                    self.on_fanout(time.perf_counter() - oldest)
                if self._held:
                    self._release(time.perf_counter())
        finally:
            self._waiting = False
            self._delivering = False
            if not (self._ready or self._held):
                self._drained.set()

    def _release(self, now: float) -> None:
        """Held rooms whose window ended are due: send them next."""
        for room, due in list(self._due.items()):
            if due <= now:
                del self._due[room]
                self._ready[room] = self._held.pop(room)

    def _fan_out(self, room: str, payloads: list[str]) -> None:
        members = self.rooms.get(room)
        if not members:
            return
        self._sent[room] = time.perf_counter()
        batch = Outgoing(payloads)
        seqs = None
        for count, session in enumerate(list(members), 1):
            state = members.get(session, _LEFT)
            try:
                if state is None:
                    session.send(batch)
                elif state is not _LEFT:
                    if seqs is None:  # once per line, and only while someone joins
                        seqs = [json.loads(payload)["seq"] for payload in payloads]
                    if isinstance(state, list):  # catching up: hold
                        state.extend(zip(seqs, payloads, strict=True))
                    else:  # caught up to seq ``state``: skip what it was sent
                        newer = unseen(seqs, payloads, state)
                        if newer:
                            members[session] = None  # later lines are all newer
                            session.send(batch if len(newer) == len(payloads) else Outgoing(newer))
            except Exception:
                log.exception("delivering to session %s failed", getattr(session, "id", session))
            if count % YIELD_EVERY == 0:
                gevent.sleep(0)
