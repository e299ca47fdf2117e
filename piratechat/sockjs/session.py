"""SockJS sessions: state, a bounded outgoing queue, and the reaper.

A session outlives the HTTP requests (receivers) that carry it: polling
transports attach, take what is queued, and detach. A session left without a
receiver for longer than ``disconnect_delay`` is closed and forgotten.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass

import gevent
from gevent.event import Event

from . import protocol

log = logging.getLogger(__name__)

NEW, OPEN, CLOSED = "new", "open", "closed"

#: Close code for a client that does not read what it is sent fast enough.
SLOW_CONSUMER = (4008, "Slow consumer")


@dataclass(frozen=True)
class Options:
    """Tunables of one SockJS endpoint; each default is the protocol's or ours."""

    heartbeat_delay: float = 25.0  # seconds between "h" frames (protocol default)
    disconnect_delay: float = 5.0  # keep a receiver-less session this long (protocol)
    response_limit: int = 128 * 1024  # bytes before a streaming response is recycled
    max_queue: int = 1024 * 1024  # characters queued for one session before it is dropped
    max_message: int = 64 * 1024  # characters in one incoming frame/body
    websocket: bool = True
    cookie_needed: bool = False


class Session:
    """One client conversation. Applications subclass it.

    Override ``on_open``, ``on_message`` and ``on_close``; call ``send`` and
    ``close``. ``environ`` is the WSGI environ of the request that opened it.
    """

    def __init__(self, session_id: str, registry: SessionRegistry, environ: dict):
        self.id = session_id
        self.registry = registry
        self.environ = environ
        self.state = NEW
        self.raw = False  # raw WebSocket: messages go out as they are, unframed
        self.close_reason = protocol.GO_AWAY
        self._outbox: deque[str] = deque()
        self._queued = 0
        self._wakeup = Event()
        self.attached = False
        self.detached_at = time.monotonic()

    # --- application API -------------------------------------------------
    def on_open(self) -> None:
        """Called once, when the first receiver attaches."""

    def on_message(self, text: str) -> None:
        """Called for every message the client sends, in order."""

    def on_close(self) -> None:
        """Called once, when the session closes for whatever reason."""

    def send(self, text: str, encoded: str | None = None) -> bool:
        """Queue one message for the client; False if the session is closed.

        Pass ``encoded`` (protocol.encode_message(text)) when sending the same
        text to many sessions, so it is encoded once. A session whose queue
        outgrows ``max_queue`` is closed as a slow consumer rather than
        allowed to grow memory.
        """
        if self.state == CLOSED:
            return False
        if self.raw:
            encoded = text
        elif encoded is None:
            encoded = protocol.encode_message(text)
        if self._queued + len(encoded) > self.registry.options.max_queue:
            log.info("session %s dropped: slow consumer", self.id)
            self.close(*SLOW_CONSUMER)
            return False
        self._outbox.append(encoded)
        self._queued += len(encoded)
        self._wakeup.set()
        return True

    def close(self, code: int = 3000, reason: str = "Go away!") -> None:
        if self.state == CLOSED:
            return
        was_open = self.state == OPEN
        self.state = CLOSED
        self.close_reason = (code, reason)
        self._wakeup.set()  # what is queued still goes out, then the close frame
        if was_open:
            try:
                self.on_close()
            except Exception:
                log.exception("on_close of session %s failed", self.id)

    # --- transport API ---------------------------------------------------
    def attach(self) -> bool:
        """Claim the session for one receiver; False if another holds it."""
        if self.attached:
            return False
        self.attached = True
        return True

    def detach(self) -> None:
        self.attached = False
        self.detached_at = time.monotonic()

    def receiver_gone(self) -> None:
        """The receiver's client disconnected: free the session and wake the receiver."""
        self.detach()
        self._wakeup.set()

    def open(self) -> None:
        """Move a new session to open and tell the application."""
        if self.state == NEW:
            self.state = OPEN
            self.on_open()

    def take(self, timeout: float) -> list[str]:
        """Wait up to timeout for queued messages and return them all.

        An empty list means nothing came (time for a heartbeat) or the
        session closed; check ``state``.
        """
        if not self._outbox and self.state != CLOSED:
            self._wakeup.clear()
            self._wakeup.wait(timeout)
        messages = list(self._outbox)
        self._outbox.clear()
        self._queued = 0
        return messages

    def receive(self, messages: list[str]) -> None:
        """Hand the client's messages to the application, in order."""
        for text in messages:
            if self.state != OPEN:
                return
            try:
                self.on_message(text)
            except Exception:
                log.exception("on_message of session %s failed", self.id)


class SessionRegistry:
    """The live sessions of one endpoint, and a greenlet that reaps stale ones."""

    def __init__(self, factory: type[Session], options: Options):
        self.factory = factory
        self.options = options
        self.sessions: dict[str, Session] = {}
        self._reaper: gevent.Greenlet | None = None

    def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    def create(self, session_id: str, environ: dict) -> Session:
        if self._reaper is None:
            self._reaper = gevent.spawn(self._reap_forever)
        session = self.factory(session_id, self, environ)
        self.sessions[session_id] = session
        return session

    def reap(self, now: float | None = None) -> None:
        """Close and forget sessions without a receiver past the delay."""
        now = time.monotonic() if now is None else now
        limit = self.options.disconnect_delay
        for session in list(self.sessions.values()):
            if not session.attached and now - session.detached_at > limit:
                session.close(*protocol.INTERRUPTED)
                del self.sessions[session.id]

    def _reap_forever(self) -> None:
        interval = max(0.05, min(1.0, self.options.disconnect_delay / 5))
        while True:
            gevent.sleep(interval)
            try:
                self.reap()
            except Exception:  # never let the reaper die
                log.exception("reaping sessions failed")
