"""SockJS heartbeats for framed WebSockets, and WebSocket pings for all of
them: one timer each per session registry, not one greenlet per connection
(an idle connection costs no greenlet)."""

from __future__ import annotations

import logging
import time
import weakref
from typing import Protocol

import gevent

log = logging.getLogger(__name__)


class Beating(Protocol):
    """A connection that takes heartbeats (transports/websocket.py's receiver)."""

    def heartbeat(self) -> None:
        """Send ``h`` now if that can be done without waiting."""


class Heartbeats:
    """One timer per registry for the heartbeats of its SockJS-framed
    WebSockets: each gets ``h`` every ``heartbeat_delay`` seconds. Kept in
    the order of their next beat, so a tick looks only at the ones due."""

    def __init__(self, delay: float, beat: str = "heartbeat"):
        self.delay = delay
        self.beat = beat  # the receivers' method called every ``delay`` seconds
        self._due: dict[Beating, float] = {}  # insertion order = order due
        self._greenlet: gevent.Greenlet | None = None

    def add(self, receiver: Beating) -> None:
        self._due[receiver] = time.monotonic() + self.delay
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)

    def discard(self, receiver: Beating) -> None:
        self._due.pop(receiver, None)

    def _run(self) -> None:
        try:
            while self._due:
                receiver, due = next(iter(self._due.items()))
                now = time.monotonic()
                if due > now:
                    gevent.sleep(due - now)
                    continue
                del self._due[receiver]
                self._due[receiver] = now + self.delay
                try:
                    getattr(receiver, self.beat)()
                except Exception:
                    log.exception("heartbeat failed")
        finally:
            self._greenlet = None


_heartbeats: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_pings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def heartbeats(registry) -> Heartbeats:
    beats = _heartbeats.get(registry)
    if beats is None:
        beats = _heartbeats[registry] = Heartbeats(registry.options.heartbeat_delay)
    return beats


def pings(registry) -> Heartbeats | None:
    """The timer that pings the registry's WebSockets (raw and SockJS-framed)
    every ``ping_interval`` seconds, calling their ``ping``; None when off."""
    if registry.options.ping_interval <= 0:
        return None
    timer = _pings.get(registry)
    if timer is None:
        timer = _pings[registry] = Heartbeats(registry.options.ping_interval, "ping")
    return timer
