"""A room's lines to this process's members in ``seq`` order, each once,
whichever process stored them and whatever the broker lost.

Lines come from two sides: this process's own, as its history announces them
(in order, at once), and other processes' through the broker (at most once,
in order per publisher only: IBroker). For each room with members here the
sequencer knows the next number to hand the hub:

- that number: delivered, then any held lines that follow it;
- a lower one: already delivered (the broker and the history both told), dropped;
- a higher one: held, and the missing numbers fetched: if they have not come
  ``GAP_WAIT`` seconds later (another publisher's line still on its way), they
  are read from the history, retried with backoff while the storage lags
  (a ZEO client sees another's commit a moment after Redis tells of it).

After the broker comes back from an outage (``resync``), every room is read
from the history past its next number: lines said on other processes
meanwhile reach the members here, in order, without doubles.

A room is tracked from its first member's join (``start``, with the last
number the join read) to its last member's leave (``forget``); lines for a
room nobody here is in are dropped at once.
"""

from __future__ import annotations

import json
import logging

import gevent

from ...interfaces import IHistory
from ..core.messages import dumps
from .hub import Hub

log = logging.getLogger(__name__)

GAP_WAIT = 0.05  # seconds a missing line may take to come through the broker
MAX_WAIT = 1.0  # longest pause between two reads of a history that lags
GIVE_UP = 30.0  # seconds of lag after which members are sent a ``gap`` instead
READ_LIMIT = 1000  # lines read from the history at once


class Sequencer:
    def __init__(self, hub: Hub, history: IHistory):
        self.hub = hub
        self.history = history
        self.next: dict[str, int] = {}  # room -> the next seq to deliver
        self.held: dict[str, dict[int, str]] = {}  # room -> seq -> line held for a gap
        self._fillers: dict[str, gevent.Greenlet] = {}

    def start(self, room: str, last: int) -> int:
        """A member joined ``room`` and read it up to ``last``: track the room
        from there unless it is tracked already. Returns the last seq handed
        to the hub, which may be past ``last`` (chat.service.Chat.caught_up)."""
        if room not in self.next:
            self.next[room] = last + 1
            self._release(room)
        return self.next[room] - 1

    def forget(self, room: str) -> None:
        """The last member here left ``room``."""
        self.next.pop(room, None)
        self.held.pop(room, None)
        filler = self._fillers.pop(room, None)
        if filler is not None:
            filler.kill(block=False)

    def offer(self, room: str, line: str, seq: int | None = None) -> None:
        """A stored line (JSON text) for ``room``, from wherever it came."""
        if room not in self.hub.rooms:
            self.forget(room)
            return
        if seq is None:
            seq = json.loads(line)["seq"]
        expected = self.next.get(room)
        if expected is not None and seq < expected:
            return  # delivered already
        if expected is None or seq > expected:
            self.held.setdefault(room, {})[seq] = line
            if expected is not None:
                self._fill(room)
            return
        self.hub.deliver(room, line)
        self.next[room] = seq + 1
        if room in self.held:
            self._release(room)

    def resync(self) -> None:
        """The broker may have lost lines: read every tracked room from its history."""
        for room in list(self.next):
            self._fill(room, wait=0)

    def _release(self, room: str) -> None:
        """Deliver held lines that now follow on; fetch the rest."""
        held = self.held.get(room)
        if not held:
            self.held.pop(room, None)
            return
        expected = self.next[room]
        for seq in [seq for seq in held if seq < expected]:
            del held[seq]
        while expected in held:
            self.hub.deliver(room, held.pop(expected))
            expected += 1
        self.next[room] = expected
        if held:
            self._fill(room)
        else:
            del self.held[room]

    def _fill(self, room: str, wait: float = GAP_WAIT) -> None:
        filler = self._fillers.get(room)
        if filler is None or filler.dead:
            self._fillers[room] = gevent.spawn(self._read_missing, room, wait)

    def _read_missing(self, room: str, wait: float) -> None:
        """Read ``room``'s lines past its next number until nothing is missing."""
        waited = 0.0
        try:
            while room in self.next:
                if wait:
                    gevent.sleep(wait)
                    waited += wait
                expected = self.next.get(room)
                if expected is None:
                    return
                try:
                    lines = self.history.after(room, expected - 1, READ_LIMIT)
                except Exception:
                    log.exception("reading %r after %d failed; trying again", room, expected - 1)
                    lines = []
                for line in lines:
                    self.offer(room, dumps(line), line["seq"])
                if room not in self.next or not self.held.get(room):
                    if len(lines) < READ_LIMIT:
                        return  # nothing held: caught up
                    wait = 0
                    continue
                if lines:
                    waited, wait = 0.0, 0
                    continue
                if waited >= GIVE_UP:
                    self._skip_gap(room)
                    return
                wait = min(max(wait * 2, GAP_WAIT), MAX_WAIT)
        finally:
            if self._fillers.get(room) is gevent.getcurrent():
                del self._fillers[room]

    def _skip_gap(self, room: str) -> None:
        """The history never showed the missing lines: tell members where the
        gap is (they may fetch it later from the history URL) and go on."""
        held = self.held.get(room, {})
        first = min(held)
        log.warning("lines %d to %d of %r never showed in the history; members get a gap",
                    self.next[room], first - 1, room)
        self.hub.notice(room, dumps({"type": "gap", "room": room,
                                          "after": self.next[room] - 1, "before": first}))
        self.next[room] = first
        self._release(room)
