"""SockJS sessions: what applications subclass, as a state machine free of I/O.

A session outlives the connections (receivers) that carry it: polling
transports attach, take one frame, and are done; streaming ones and
WebSockets stay attached. The session is fed events and the time, and says
what to send; it never waits and never touches a socket:

* ``attach(receiver)`` / ``detach`` / ``hang_up``: a connection comes, goes
  or vanishes. A second receiver is answered ``c[2010,...]`` (protocol,
  "test_simpleSession").
* ``receive(messages)`` and ``heard(now)``: the client sent something.
* ``send`` / ``close``: the application speaks.
* ``frames_to_send()``: what the attached receiver must write now, in order.
  Polling receivers are done after one frame, streaming ones after a close
  frame or ``response_limit`` bytes (``wrote``); the session detaches them.
* ``tick(now)``: the timers: a heartbeat after ``heartbeat_delay`` of silence,
  a WebSocket ping after ``ping_interval`` of the client's silence and a cut
  if it stays silent, a cut of a receiver still attached ``write_timeout``
  after the close. ``deadline`` says when to tick next.

The only call out is ``receiver.wake()``: "there is something to send",
after which the transport drains ``frames_to_send()``. So every rule of the
protocol is tested by feeding a session and reading what it answers
(tests/test_sessions.py), with no socket and no clock but the test's.

States (protocol, "Session URLs" and "Handling close")::

    new --first frames_to_send--> open --close()/timeout/hang-up--> closed
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

#: How a receiver carries frames: one per request, many per response, or a WebSocket.
POLLING, STREAMING, WEBSOCKET = "polling", "streaming", "websocket"

#: What ``tick`` asks of the transport besides frames.
PING = "ping"  # send a WebSocket ping
CUT = "cut"  # drop the connection now

#: Close code for a client that does not read what it is sent fast enough.
SLOW_CONSUMER = (4008, "Slow consumer")

#: A frame: a SockJS frame's text (``o``, ``h``, ``c[...]``) or a batch of
#: messages (``a[...]``; on the raw WebSocket, each message on its own).
Frame = str | Outgoing

NEVER = float("inf")


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
    websocket_only: bool = False  # refuse (404) the transports that need many requests
    # Origins whose pages may use the endpoint (CORS, WebSocket): "*" any (the protocol's
    # default, /info's "origins"); "self" the request's own host; else exact origins.
    origins: tuple[str, ...] = ("*",)
    # Seconds of silence before a WebSocket (raw or SockJS) is pinged; one still silent
    # this long after its ping is closed as dead. 0: never.
    ping_interval: float = 25.0
    # Descriptors kept free: a new session or WebSocket past that is answered 503. 0: off.
    fd_headroom: int = 0


class Receiver(Protocol):
    """What a session needs of the connection attached to it."""

    kind: str  # POLLING, STREAMING or WEBSOCKET

    def wake(self) -> None:
        """There is something to send (or the session closed): drain
        ``frames_to_send``. Called from whoever fed the session: must not block."""

    def write_now(self, batch: Outgoing) -> bool:
        """Write ``batch`` at once (True), or decline (False): it is queued and
        ``wake`` called. Given a message that finds the queue empty: one call,
        neither queue nor ``frames_to_send`` (the fan-out to idle WebSockets)."""


def frame_text(frame: Frame) -> str:
    """A frame as SockJS text (``a[...]`` for a batch)."""
    return frame if isinstance(frame, str) else protocol.message_frame(frame.encoded_texts)


def websocket_close(close_reason: tuple[int, str]) -> tuple[int, str]:
    """The WebSocket close for a session closed with ``close_reason``:
    application codes (3000-4999) and 1001 "going away" (the server stops:
    reconnect) pass through, the protocol's own become a normal closure."""
    code, reason = close_reason
    return (code, reason) if code == 1001 or 3000 <= code <= 4999 else (1000, "")


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
        self.raw = False  # raw WebSocket: messages go out as they are, unframed, no "o"/"h"
        self.close_reason = protocol.GO_AWAY
        self.receiver: Receiver | None = None
        self.kind = POLLING  # the attached receiver's
        self._outbox: deque[Outgoing] = deque()
        self._queued = 0  # characters in _outbox
        self._written = 0  # bytes the attached receiver wrote (response_limit)
        self._beat_due = NEVER  # when "h" is due
        self._beat = False  # an "h" waits to be sent
        self._heard = 0.0  # when the client last sent anything (WebSocket pings)
        self._ping_due = NEVER
        self._pinged: float | None = None  # when it was pinged, if silent since
        self._cut_due = NEVER  # when a receiver still attached after the close is cut

    # --- application API -------------------------------------------------
    def on_open(self) -> None:
        """Called once, when the first receiver opens the session."""

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
        does the encoding part.) The receiver is woken for the first message
        queued; a WebSocket writes it at once from there when it can. A
        session whose queue outgrows ``max_queue`` characters (what its
        receiver did not take at once) is closed as a slow consumer (4008)
        rather than allowed to grow memory.
        """
        if self.state == CLOSED:
            return False
        message = text if isinstance(text, Outgoing) else Outgoing(text, encoded)
        outbox = self._outbox
        receiver = self.receiver
        if not outbox and receiver is not None and self.state == OPEN \
                and receiver.write_now(message):  # written at once: the fan-out's path
            self._beat = False  # as frames_to_send: messages went out, no "h" needed
            return True
        outbox.append(message)
        self._queued += message.raw_size if self.raw else message.framed_size
        if len(outbox) == 1 and receiver is not None:
            receiver.wake()  # it may take the message at once: then nothing stays queued
        if self._queued > self.registry.options.max_queue:
            log.info("session %s dropped: slow consumer", self.id)
            outbox.clear()  # it could not take them; free them now
            self._queued = 0
            self.close(*SLOW_CONSUMER)
            return False
        return True

    def close(self, code: int = 3000, reason: str = "Go away!") -> None:
        """Close the session; the client gets ``c[code,"reason"]`` after what is queued."""
        if self.state == CLOSED:
            return
        was_open = self.state == OPEN
        self.state = CLOSED
        self.close_reason = (code, reason)
        receiver = self.receiver
        if receiver is not None:
            self._cut_due = self.registry.clock() + self.registry.options.write_timeout
            receiver.wake()
        if was_open:
            self._call(self.on_close)

    # --- transport API: events in ------------------------------------------
    @property
    def attached(self) -> bool:
        return self.receiver is not None

    @property
    def has_queued(self) -> bool:
        """Messages wait in the queue for the receiver."""
        return bool(self._outbox)

    def attach(self, receiver: Receiver) -> str | None:
        """Claim the session for ``receiver``: None once it holds it; if
        another receiver holds it, the frame the newcomer answers instead
        (``c[2010,...]``), and the session is left to the holder."""
        if self.receiver is not None:
            return protocol.close_frame(*protocol.ANOTHER_CONNECTION)
        self.receiver = receiver
        self.kind = receiver.kind
        options = self.registry.options
        now = self.registry.clock()
        self._written = 0
        self._beat_due = NEVER if self.raw else now + options.heartbeat_delay
        if self.kind == WEBSOCKET and options.ping_interval > 0:
            self._heard, self._ping_due = now, now + options.ping_interval
        if self.state == CLOSED:
            self._cut_due = now + options.write_timeout
        self.registry.busy(self)
        return None

    def detach(self, receiver: Receiver) -> None:
        """The receiver is done; the disconnect delay starts now."""
        if self.receiver is receiver:
            self.receiver = None
            self._beat, self._beat_due = False, NEVER
            self._ping_due, self._pinged, self._cut_due = NEVER, None, NEVER
            self.registry.idle(self)

    def hang_up(self, receiver: Receiver) -> None:
        """The receiver's client went away: messages may be lost, so the
        session ends (protocol, "Handling close": 1002) and is free at once."""
        if self.receiver is receiver:
            self.interrupt()
            self.detach(receiver)

    def interrupt(self) -> None:
        """End the session because its connection broke (1002)."""
        self.close(*protocol.INTERRUPTED)

    def open(self) -> None:
        """Open without a frame (the raw WebSocket has no ``o``)."""
        if self.state == NEW:
            self.state = OPEN
            self._call(self.on_open)

    def receive(self, messages: list[str]) -> None:
        """Hand the client's messages to the application, in order."""
        for text in messages:
            if self.state != OPEN:
                return
            self._call(self.on_message, text)

    def heard(self, now: float) -> None:
        """The client sent something (a pong counts): it is alive."""
        self._heard = now

    def wrote(self, size: int, now: float) -> None:
        """The receiver wrote ``size`` bytes of frames. Silence, for the
        heartbeat, starts now; a streaming response that reached
        ``response_limit`` is done (the client opens a fresh one)."""
        options = self.registry.options
        self._beat_due = now + options.heartbeat_delay
        self._written += size
        if self.kind == STREAMING and self._written >= options.response_limit:
            self.detach(self.receiver)

    # --- transport API: frames and timers out ---------------------------------
    def frames_to_send(self) -> list[Frame]:
        """What the attached receiver must write now, in order; [] for nothing.

        The first call opens the session (``o``, none on the raw WebSocket);
        then queued messages go out as one batch; a closed session, once
        drained, answers its close frame to every receiver until it is
        reaped. A polling receiver is done after one frame, a streaming one
        after the close frame: the session detaches it.
        """
        receiver = self.receiver
        if receiver is None:
            return []
        if self.state == OPEN and self._outbox:  # the common case, kept short: fan-out
            self._beat = False
            if self.kind == POLLING:
                self.detach(receiver)
            return [self._take()]
        frames: list[Frame] = []
        if self.state == NEW:
            self.open()
            if not self.raw:
                frames.append(protocol.OPEN)
        if self._outbox and not (frames and self.kind == POLLING):
            frames.append(self._take())
        if self.state == CLOSED and not self._outbox and not (frames and self.kind == POLLING):
            frames.append(protocol.close_frame(*self.close_reason))
            if self.kind != WEBSOCKET:
                self.detach(receiver)
        if self._beat:
            self._beat = False
            if not frames:
                frames.append(protocol.HEARTBEAT)
        if frames and self.kind == POLLING:
            self.detach(receiver)
        return frames

    def _take(self) -> Outgoing:
        outbox = self._outbox
        batch = outbox.popleft() if len(outbox) == 1 else Outgoing.join(outbox)
        outbox.clear()
        self._queued = 0
        return batch

    def take(self) -> list[str]:
        """Everything queued, as the queue counts it (encoded, or raw text)."""
        if not self._outbox:
            return []
        batch = self._take()
        return list(batch.texts if self.raw else batch.encoded_texts)

    @property
    def deadline(self) -> float:
        """When ``tick`` must run next (inf: no timer while nothing is attached)."""
        if self.receiver is None:
            return NEVER
        if self.state == CLOSED:
            return self._cut_due
        return min(self._beat_due, self._ping_due)

    def tick(self, now: float) -> str | None:
        """Run the rules whose time has come. Returns CUT (drop the
        connection: its client is gone or stuck), PING (ping the WebSocket)
        or None; an ``h`` due is queued and the receiver woken."""
        receiver = self.receiver
        if receiver is None:
            return None
        options = self.registry.options
        if self.state == CLOSED:
            return CUT if now >= self._cut_due else None
        if now >= self._beat_due:  # a silent receiver gets "h"
            self._beat_due = now + options.heartbeat_delay
            if self.state == OPEN and not self._outbox:
                self._beat = True
                receiver.wake()
        if now < self._ping_due:
            return None
        self._ping_due = now + options.ping_interval
        if self._pinged is not None and self._heard < self._pinged:
            log.info("WebSocket session %s did not answer a ping: closed", self.id)
            return CUT
        self._pinged = None
        if now - self._heard >= options.ping_interval * 0.9:
            self._pinged = now
            return PING
        return None

    def _call(self, callback, *args) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("%s of session %s failed", callback.__name__, self.id)
