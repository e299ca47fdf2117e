"""SockJS sessions: what applications subclass, as a state machine free of I/O.

A session outlives the HTTP requests (receivers) that carry it: polling
transports attach, take one frame, and detach; streaming ones stay attached.
The session never waits and never touches a socket: ``next_frame`` says what
the attached receiver should send now (or None: nothing yet), and the
receiver (receiver.py, gevent) does the waiting and the writing. So the
protocol's session rules can be tested without a clock or a network.

States (protocol, "Session URLs" and "Handling close")::

    new --first receiver--> open --close()/timeout/hang-up--> closed
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from . import protocol
from .outgoing import Outgoing

if TYPE_CHECKING:
    from .registry import SessionRegistry

log = logging.getLogger(__name__)

NEW, OPEN, CLOSED = "new", "open", "closed"

#: Close code for a client that does not read what it is sent fast enough.
SLOW_CONSUMER = (4008, "Slow consumer")


@dataclass(frozen=True)
class Options:
    """Tunables of one SockJS endpoint; each default is the protocol's or ours."""

    heartbeat_delay: float = 25.0  # seconds of silence before an "h" frame (protocol: 25)
    disconnect_delay: float = 5.0  # seconds a session waits for a new receiver (protocol: 5)
    response_limit: int = 128 * 1024  # bytes before a streaming response ends (protocol: 128K)
    max_queue: int = 1024 * 1024  # characters queued for one client before it is dropped
    max_message: int = 64 * 1024  # bytes in one incoming body or WebSocket message
    write_timeout: float = 10.0  # seconds a closed session's connection may take to finish
    websocket: bool = True  # offer the websocket transports (/info says so)
    cookie_needed: bool = False  # set JSESSIONID for sticky load balancers (/info says so)
    # Origins whose pages may use the endpoint (CORS, WebSocket): "*" any (the protocol's
    # default, /info's "origins"); "self" the request's own host; else exact origins.
    origins: tuple[str, ...] = ("*",)
    # Seconds of silence before a WebSocket (raw or SockJS) is pinged; one still silent
    # this long after its ping is closed as dead. 0: never.
    ping_interval: float = 25.0
    # Descriptors kept free: a new session or WebSocket past that is answered 503. 0: off.
    fd_headroom: int = 0


class Receiver(Protocol):
    """What a session needs of the receiver attached to it (see receiver.py)."""

    def wake(self) -> None:
        """Something is ready: call ``next_frame`` again."""

    def closing(self) -> None:
        """The session closed: send the close frame, or be cut off if stuck."""

    def send_now(self, message: Outgoing) -> bool:
        """Write ``message`` at once, without waiting, if the connection can;
        False: it did not, and the session queues it."""


class Session:
    """One client conversation. Applications subclass it.

    Override ``on_open``, ``on_message`` and ``on_close``; call ``send`` and
    ``close``. ``environ`` holds the CGI variables and headers of the request
    that opened it (registry.request_variables), not the server's objects.
    """

    def __init__(self, session_id: str, registry: SessionRegistry, environ: dict):
        self.id = session_id
        self.key = session_id  # the registry's key: private for WebSocket sessions
        self.registry = registry
        self.environ = environ
        self.state = NEW
        self.raw = False  # raw WebSocket: messages go out as they are, unframed
        self.close_reason = protocol.GO_AWAY
        self.receiver: Receiver | None = None
        self._outbox: deque[str] = deque()
        self._queued = 0  # characters in _outbox

    # --- application API -------------------------------------------------
    def on_open(self) -> None:
        """Called once, when the first receiver attaches."""

    def on_message(self, text: str) -> None:
        """Called for every message the client sends, in order."""

    def on_close(self) -> None:
        """Called once, when an open session closes for whatever reason."""

    def send(self, text: str | Outgoing, encoded: str | None = None) -> bool:
        """Queue one message, or an ``Outgoing`` batch of them, for the client;
        False if the session is closed.

        When sending the same text to many sessions, pass one
        ``outgoing.Outgoing(text)`` (or ``Outgoing(texts)``) to all: it is
        encoded and framed once. (``encoded``, protocol.encode_message(text),
        does the encoding part.) An open session with nothing queued first
        lets its receiver write the message at once (``send_now``): no queue,
        no wake-up. A session whose queue outgrows ``max_queue`` characters is
        closed as a slow consumer (4008) rather than allowed to grow memory.
        """
        if self.state == CLOSED:
            return False
        message = text if isinstance(text, Outgoing) else Outgoing(text, encoded)
        receiver = self.receiver
        if not self._outbox and self.state == OPEN and receiver is not None:
            if receiver.send_now(message):  # only with nothing queued: order is kept
                return True
        items = message.texts if self.raw else message.encoded_texts
        size = sum(map(len, items))
        if self._queued + size > self.registry.options.max_queue:
            log.info("session %s dropped: slow consumer", self.id)
            self._outbox.clear()  # it could not take them; free them now
            self._queued = 0
            self.close(*SLOW_CONSUMER)
            return False
        self._outbox.extend(items)
        self._queued += size
        if receiver is not None:
            receiver.wake()
        return True

    def close(self, code: int = 3000, reason: str = "Go away!") -> None:
        """Close the session; the client gets ``c[code,"reason"]`` after what is queued."""
        if self.state == CLOSED:
            return
        was_open = self.state == OPEN
        self.state = CLOSED
        self.close_reason = (code, reason)
        if self.receiver is not None:
            self.receiver.closing()
        if was_open:
            self._call(self.on_close)

    # --- transport API ---------------------------------------------------
    @property
    def attached(self) -> bool:
        return self.receiver is not None

    @property
    def has_queued(self) -> bool:
        """Messages wait in the queue for the receiver."""
        return bool(self._outbox)

    def attach(self, receiver: Receiver) -> bool:
        """Claim the session for one receiver; False if another holds it
        (the newcomer then answers ``c[2010,...]``)."""
        if self.receiver is not None:
            return False
        self.receiver = receiver
        self.registry.busy(self)
        return True

    def detach(self, receiver: Receiver) -> None:
        """The receiver is done; the disconnect delay starts now."""
        if self.receiver is receiver:
            self.receiver = None
            self.registry.idle(self)

    def next_frame(self) -> str | None:
        """The frame the attached receiver should send now, or None to wait.

        The first call opens the session (``o``); then queued messages go out
        as one ``a[...]`` frame; a closed session, once drained, answers its
        close frame to every receiver until it is reaped.
        """
        if self.state == NEW:
            self.state = OPEN
            self._call(self.on_open)
            return protocol.OPEN
        if self._outbox:
            return protocol.message_frame(self.take())
        if self.state == CLOSED:
            return protocol.close_frame(*self.close_reason)
        return None

    def take(self) -> list[str]:
        """Everything queued, in order (raw WebSocket sends these unframed)."""
        items = list(self._outbox)
        self._outbox.clear()
        self._queued = 0
        return items

    def open(self) -> None:
        """Open without a frame: the raw WebSocket has no ``o``."""
        if self.state == NEW:
            self.state = OPEN
            self._call(self.on_open)

    def receive(self, messages: list[str]) -> None:
        """Hand the client's messages to the application, in order."""
        for text in messages:
            if self.state != OPEN:
                return
            self._call(self.on_message, text)

    def interrupt(self) -> None:
        """The receiver's client went away mid-response: messages may be
        lost, so the session ends (protocol, "Handling close": 1002)."""
        self.close(*protocol.INTERRUPTED)

    def _call(self, callback, *args) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("%s of session %s failed", callback.__name__, self.id)
