"""The clock of a session registry's receivers, on gevent: one greenlet
calls each attached receiver's ``tick`` when its session's deadline comes
(heartbeats, WebSocket pings, the cut of a stuck receiver), so an idle
connection costs a heap entry, not a greenlet or a timer of its own."""

from __future__ import annotations

import heapq
import itertools
import logging
import time
import weakref
from typing import Protocol

import gevent
from gevent.event import Event

log = logging.getLogger(__name__)


class Ticking(Protocol):
    """A receiver the ticker drives (interfaces.IReceiver). Its ``tick``
    runs in the ticker's one greenlet: a tick that waited, or called the
    application, would hold up every other receiver's timers."""

    tick_token: int  # the ticker's current entry for it (0: none); older entries are void
    tick_due: float  # when that entry is due

    def tick(self, now: float) -> float:
        """Run the session's due rules; return when to tick next (inf: never)."""


class Ticker:
    """A heap of (deadline, token); one greenlet sleeps until the earliest.
    The receiver an entry is for is found by its token in ``_due`` while the
    entry is live: rescheduling sooner pushes a new entry and voids the old
    one; later, it is left to the tick already due (which returns the new
    deadline), so a busy receiver does not fill the heap. ``cancel`` voids
    a receiver's entry at once, so a connection that ended is not held (with
    its session and socket objects) until its next heartbeat was due: the
    heap keeps only numbers of it, and those only until that deadline."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._heap: list[tuple[float, int]] = []
        self._due: dict[int, Ticking] = {}  # token of a live entry -> its receiver
        self._tokens = itertools.count(1)
        self._changed = Event()
        self._greenlet: gevent.Greenlet | None = None

    def __len__(self) -> int:
        """How many receivers are waiting for a tick."""
        return len(self._due)

    def schedule(self, receiver: Ticking, deadline: float) -> None:
        """Tick ``receiver`` at ``deadline``, or sooner."""
        if receiver.tick_token and receiver.tick_due <= deadline:
            return  # a tick comes sooner anyway
        self._due.pop(receiver.tick_token, None)  # the later entry is void
        receiver.tick_due = deadline
        if deadline == float("inf"):
            receiver.tick_token = 0
            return
        token = receiver.tick_token = next(self._tokens)
        self._due[token] = receiver
        heap = self._heap
        if not heap or deadline < heap[0][0]:
            self._changed.set()  # the sleeper must wake earlier
        heapq.heappush(heap, (deadline, token))
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)

    def cancel(self, receiver: Ticking) -> None:
        """No more ticks for ``receiver``; the ticker lets go of it now."""
        self._due.pop(receiver.tick_token, None)
        receiver.tick_token = 0

    def _run(self) -> None:
        heap = self._heap
        try:
            while heap:
                deadline, token = heap[0]
                receiver = self._due.get(token)
                if receiver is None:  # voided
                    heapq.heappop(heap)
                    continue
                now = self.clock()
                if deadline > now:
                    self._changed.clear()
                    self._changed.wait(deadline - now)
                    continue
                heapq.heappop(heap)
                del self._due[token]
                receiver.tick_token = 0  # spent
                try:
                    following = receiver.tick(now)
                except Exception:
                    log.exception("a receiver's timer failed")
                    continue
                self.schedule(receiver, following)
        finally:
            self._greenlet = None


_tickers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ticker(registry) -> Ticker:
    """The registry's ticker, made on first use (after gunicorn forks)."""
    found = _tickers.get(registry)
    if found is None:
        found = _tickers[registry] = Ticker(registry.clock)
    return found
