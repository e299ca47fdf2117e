"""WebSocket transports: SockJS-framed (``.../websocket``) and raw (``<prefix>/websocket``).

The request's socket is taken from the WSGI server (hijack.py); the
dialect's bytes are wsframing's (RFC 6455 through wsproto, or Hixie-76),
and past the handshake both live the same life (``WebSocketReceiver``): the
view returns on a socket of its own (hijack.detach), so an idle connection
has no greenlet at all; the gevent hub watches it, and a greenlet is
spawned to read only when the client has sent something; a writer greenlet
only while something waits to be written; the registry's ticker drives the
session's timers (heartbeats, pings). A WebSocket session lives and dies
with its socket ("WebSocket: test_reuseSessionId").

Fan-out is the hot path: a message to an idle RFC 6455 connection is written
at once from the sender's greenlet, as frame bytes shared by every recipient
(outgoing.py), with one non-blocking ``send()``. A writer greenlet only
carries what does not fit and the close, in order, and then ends.
"""

from __future__ import annotations

import logging

import gevent
from webob import Request, Response
from zope.interface import implementer

from ...core import protocol, wsframing
from ...core.outgoing import Outgoing
from ...core.session import CLOSED, CUT, NEVER, PING, WEBSOCKET, Session, websocket_close
from ...interfaces import IReceiver
from .. import headers
from ..hijack import READER_KEY, HijackedResponse, detach, release, take_socket
from ..ticker import ticker
from ..workers import run_soon
from .wsconn import Conn

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT = 10.0  # seconds to wait for a Hixie-76 client's nonce
VERSIONS = ("13", "8", "7")  # RFC 6455 and the hybi drafts with the same framing


def _is_hixie76(request: Request) -> bool:
    return "Sec-WebSocket-Key1" in request.headers and "Sec-WebSocket-Key2" in request.headers


def handshake_error(request: Request) -> Response | None:
    """The protocol's answer to a request that cannot be upgraded, or None
    ("WebsocketHttpErrors")."""
    if request.method != "GET":
        return headers.not_allowed("GET")
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return headers.error(400, 'Can "Upgrade" only to "WebSocket".')
    connection = [v.strip().lower() for v in request.headers.get("Connection", "").split(",")]
    if "upgrade" not in connection:
        return headers.error(400, '"Connection" must be "Upgrade".')
    try:
        if _is_hixie76(request):
            wsframing.hixie76_key_number(request.headers["Sec-WebSocket-Key1"])
            wsframing.hixie76_key_number(request.headers["Sec-WebSocket-Key2"])
            return None
        if not request.headers.get("Sec-WebSocket-Key"):
            raise wsframing.HandshakeError("Missing Sec-WebSocket-Key.")
    except wsframing.HandshakeError as exc:
        return headers.error(400, str(exc))
    version = request.headers.get("Sec-WebSocket-Version", "13").strip()
    if version not in VERSIONS:
        response = headers.error(426, "Unsupported WebSocket version.")
        response.headers["Sec-WebSocket-Version"] = ", ".join(VERSIONS)
        return response
    return None


@implementer(IReceiver)
class WebSocketReceiver:
    """One WebSocket connection, RFC 6455 or Hixie-76 alike (the dialect is
    ``framing``'s): one read path, one write path, one teardown.

    Reading: the gevent hub watches the socket and a greenlet is spawned
    for one read only when the client has sent something. Writing: the
    session wakes the receiver; with no write under way it drains
    ``frames_to_send`` and writes them at once without waiting
    (``Conn.try_send``); what does not fit is written by a writer greenlet,
    which drains again until nothing is left, and then ends. Timers: the
    registry's ticker calls ``tick``. Teardown: ``_end``, whatever ended it.
    """

    kind = WEBSOCKET

    def __init__(self, session: Session, conn: Conn, framing, decode):
        self.session = session
        self.conn = conn
        self.framing = framing  # wsframing.Rfc6455 or wsframing.Hixie76
        self.decode = decode  # one WebSocket message -> the session's messages
        self.ready = False  # the open frame is out: messages may be written at once
        self.finished = False  # the WebSocket close is out: nothing more is written
        self.writer: gevent.Greenlet | None = None
        self.tick_token = 0  # the ticker's
        self.tick_due = NEVER  # the ticker's

    def serve(self, early: bytes = b"") -> None:
        """Open the session (``o`` is written before anything is read: a
        client may send at once), take what the client sent ``early``, then
        read only when the client sends."""
        session = self.session
        session.attach(self)  # a private session: nobody else holds it
        try:
            self.conn.send(self._drain())
            self.ready = True
            if early and not self._handle(early):
                raise OSError("closed at once")
        except OSError:
            self._end()
            return
        ticker(session.registry).schedule(self, session.deadline)
        self.wake()  # anything queued meanwhile, or the close
        self.conn.when_readable(self._readable)

    # --- reading -----------------------------------------------------------------
    def _readable(self) -> None:
        run_soon(self._read)  # called from the hub, which must not block

    def _read(self) -> None:
        """Handle what the client sent (one read), then watch again; a
        client sending fast is read in turns with everyone else."""
        data = self.conn.recv_now()
        try:
            if data is None or self._handle(data):
                self.conn.when_readable(self._readable)
                return
        except OSError:
            pass  # the client is gone
        except Exception:  # a bug must not leave the connection unwatched forever
            log.exception("reading WebSocket session %s failed", self.session.id)
            self.conn.cut()
        self._end()

    def _handle(self, data: bytes) -> bool:
        """Hand what the client sent to the session; False once the
        connection is to end (the client closed or hung up, or sent what
        cannot be decoded)."""
        session = self.session
        if data:
            session.heard(session.registry.clock())
        got = self.framing.feed(data)
        self.conn.send(got.reply)
        for text in got.messages:
            try:
                messages = self.decode(text)
            except protocol.BadPayload:  # "the server must abruptly terminate"
                self.conn.cut()
                return False
            session.receive(messages)
        return not got.closed

    # --- writing -----------------------------------------------------------------
    def wake(self) -> None:
        """Write what the session has now, without waiting; a writer
        greenlet takes over what does not fit."""
        if self.session.state == CLOSED:  # the cut of a stuck connection is due sooner
            ticker(self.session.registry).schedule(self, self.session.deadline)
        if self.writer is None and self.ready and not self.finished:
            data = self._drain()
            if data and not self.conn.try_send(data):
                self.writer = gevent.spawn(self._write, data)

    def write_now(self, batch: Outgoing) -> bool:
        """Write ``batch`` at once if nothing is being written, without
        waiting (the session's queue is empty); False: the session queues it
        and wakes us. The fan-out's path: the frame bytes are shared."""
        if self.writer is not None or not self.ready or self.finished or not self.framing.is_open:
            return False
        return self.conn.try_send(self.framing.message(batch, self.session.raw))

    def _drain(self) -> bytes:
        """The session's frames as WebSocket bytes; after a close frame,
        the WebSocket close, and nothing more ever."""
        framing, session = self.framing, self.session
        if self.finished or not framing.is_open:
            return b""
        frames = session.frames_to_send()
        if len(frames) == 1 and isinstance(frames[0], Outgoing):  # fan-out: shared bytes
            return framing.message(frames[0], session.raw)
        out = []
        for frame in frames:
            if isinstance(frame, Outgoing):
                out.append(framing.message(frame, session.raw))
            elif protocol.is_close_frame(frame):
                if not session.raw:
                    out.append(framing.text(frame))
                out.append(framing.close(*websocket_close(session.close_reason)))
                self.finished = True
                break
            else:
                out.append(framing.text(frame))
        return b"".join(out)

    def _write(self, data: bytes) -> None:
        try:
            while data:
                self.conn.send(data)
                data = self._drain()
        except OSError:
            self.finished = True  # the reader finds out too, and ends it
        finally:
            self.writer = None

    # --- timers ------------------------------------------------------------------
    def tick(self, now: float) -> float:
        session = self.session
        if session.receiver is not self:
            return NEVER
        action = session.tick(now)
        if action == CUT:  # silent after a ping, or stuck after the close
            self.conn.cut()  # its reader wakes to the hang-up and ends the session
            return NEVER
        if action == PING:
            ping = self.framing.ping()
            if ping is None:  # Hixie-76 has no ping: it cannot be found dead this way
                session.heard(now)
            elif not self.finished:
                self.conn.try_send(ping)
        return session.deadline

    # --- teardown ----------------------------------------------------------------
    def _end(self) -> None:
        """The client hung up, closed or was cut: end the session and the socket."""
        session = self.session
        if session.state != CLOSED:
            session.interrupt()  # the socket is gone: so is its session
        writer = self.writer
        if writer is not None:  # let a last write finish briefly
            writer.join(timeout=1)
            writer.kill()
        self.finished = True
        session.detach(self)
        ticker(session.registry).cancel(self)  # after the close's last wake (it schedules)
        session.registry.remove(session)
        self.conn.close()


def _handshake(request: Request, conn: Conn, max_message: int):
    """Answer the upgrade and return the framing to speak from now on."""
    if _is_hixie76(request):
        scheme = "wss" if request.scheme == "https" else "ws"
        origin = request.headers.get("Origin", "")
        conn.send(wsframing.hixie76_handshake(origin, f"{scheme}://{request.host}{request.path_qs}"))
        with gevent.Timeout(HANDSHAKE_TIMEOUT, OSError("no Hixie-76 nonce")):
            nonce = conn.recv_exactly(8)
        conn.send(
            wsframing.hixie76_challenge(
                request.headers["Sec-WebSocket-Key1"], request.headers["Sec-WebSocket-Key2"], nonce
            )
        )
        return wsframing.Hixie76(max_message)
    conn.send(wsframing.rfc6455_handshake(request.headers["Sec-WebSocket-Key"]))
    return wsframing.Rfc6455(max_message)


def _serve(request: Request, session: Session, decode) -> object:
    """Hand the connection over: the view returns, the WebSocket goes on."""
    registry = session.registry
    sock = take_socket(request.environ)
    if sock is None:
        registry.remove(session)
        return headers.error(501, "This server cannot upgrade to WebSocket.")
    conn = Conn(sock, request.environ.get(READER_KEY))
    try:
        framing = _handshake(request, conn, registry.options.max_message)
        early = conn.buffered()  # what the client sent right after its handshake
        conn = Conn(detach(sock))
    except OSError:
        session.interrupt()
        registry.remove(session)
        release(sock)
        return HijackedResponse()
    WebSocketReceiver(session, conn, framing, decode).serve(early)
    return HijackedResponse()


def _decode_framed(text: str) -> list[str]:
    """Empty frames are ignored ("WebSocket: test_empty_frame")."""
    return protocol.decode_messages(text) if text else []


def _decode_raw(text: str) -> list[str]:
    return [text]


def websocket(request: Request, session: Session):
    """SockJS-framed WebSocket: ``o``, ``a[...]``, ``h``, ``c[...]`` frames."""
    return _serve(request, session, _decode_framed)


def raw_websocket(request: Request, session: Session):
    """Plain WebSocket: one message per frame, no SockJS framing, no heartbeats
    ("Raw WebSocket url")."""
    session.raw = True
    return _serve(request, session, _decode_raw)
