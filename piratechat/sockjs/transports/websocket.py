"""WebSocket transports: SockJS-framed (``.../websocket``) and raw (``<prefix>/websocket``).

The request's socket is taken from the WSGI server (hijack.py); framing is
wsframing's (RFC 6455 through wsproto, or Hixie-76). An idle RFC 6455
connection has no greenlet at all: after the handshake the view returns on
a socket of its own (hijack.detach), the gevent hub watches it, and a
greenlet is spawned to read only when the client has sent something; a
writer greenlet only while something waits to be written; one timer per
registry sends the SockJS heartbeats. Hixie-76 keeps the request's greenlet
reading and a writer per connection. A WebSocket session lives and dies with
its socket ("WebSocket: test_reuseSessionId").

Fan-out is the hot path: a message to an idle RFC 6455 connection is written
at once from the sender's greenlet, as frame bytes shared by every recipient
(outgoing.py), with one non-blocking ``send()``. A writer greenlet only
carries what does not fit and the close, in order, and then ends.
"""

from __future__ import annotations

import logging
import time

import gevent
from webob import Request, Response

from .. import headers, protocol, wsframing
from ..hijack import READER_KEY, HijackedResponse, detach, release, take_socket
from ..outgoing import Outgoing
from ..receiver import Receiver, frames
from ..session import CLOSED, Session
from .heartbeats import heartbeats, pings
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


class WebSocketReceiver(Receiver):
    """An RFC 6455 connection's receiver: writes a message at once when it can,
    and keeps no writer greenlet while idle.

    ``ready`` is set once the open frame (if any) is out, so that nothing
    overtakes it; the session asks only while nothing is queued, and
    ``Conn.try_send`` declines while a write is under way: order is kept.
    What cannot be written at once (a queue, the close) is written by a
    greenlet spawned for it (``wake``), which ends when nothing is left.
    Heartbeats of SockJS-framed connections come from one shared timer
    (``Heartbeats``); the raw WebSocket has none.
    """

    def __init__(self, session: Session, conn: Conn, framing: wsframing.Rfc6455, decode):
        super().__init__(session, cut=conn.cut)
        self.conn = conn
        self.framing = framing
        self.decode = decode
        self.ready = False
        self.finished = False  # the WebSocket close is out: nothing more is written
        self.writer: gevent.Greenlet | None = None
        self.beats = None
        self.pings = None
        self.heard = time.monotonic()  # when the client last sent anything (a pong counts)
        self.pinged: float | None = None  # when it was pinged, if silent since

    def serve(self) -> None:
        """Open the session, then read only when the client sends: until
        then the gevent hub watches the socket and no greenlet waits."""
        try:
            self.open()  # before reading: a client may send at once
        except OSError:
            self._end()
            return
        if not self.session.raw:
            self.beats = heartbeats(self.session.registry)
            self.beats.add(self)
        self.pings = pings(self.session.registry)
        if self.pings is not None:
            self.pings.add(self)
        self.conn.when_readable(self._readable)

    def _readable(self) -> None:
        gevent.spawn(self._read)  # called from the hub, which must not block

    def _read(self) -> None:
        """Handle what the client sent (one read), then watch again; a
        client sending fast is read in turns with everyone else."""
        data = self.conn.recv_now()
        if data:
            self.heard = time.monotonic()
        try:
            if data is None or _handle(self.session, self.conn, self.framing, self.decode, data):
                self.conn.when_readable(self._readable)
                return
        except OSError:
            pass  # the client is gone
        except Exception:  # a bug must not leave the connection unwatched forever
            log.exception("reading WebSocket session %s failed", self.session.id)
            self.conn.cut()
        self._end()

    def _end(self) -> None:
        """The client hung up, closed or was cut: end the session and the socket."""
        session = self.session
        if self.beats is not None:
            self.beats.discard(self)
        if self.pings is not None:
            self.pings.discard(self)
        if session.state != CLOSED:
            session.interrupt()  # the socket is gone: so is its session
        self.stop()
        session.registry.remove(session)
        self.conn.cancel()
        self.conn.close()

    def send_now(self, message: Outgoing) -> bool:
        if not self.ready or self.gone or not self.framing.is_open:
            return False
        return self.conn.try_send(message.ws_raw if self.session.raw else message.ws_framed)

    def wake(self) -> None:
        if self.writer is None and self.ready and not self.finished and not self.gone:
            self.writer = gevent.spawn(self._write)

    def closing(self) -> None:
        super().closing()
        self.wake()

    def open(self) -> None:
        """Attach, open the session and send ``o`` (SockJS framing); then
        anything on_open queued, or its close."""
        session = self.session
        session.attach(self)  # a private session: nobody else holds it
        if session.raw:
            session.open()
        else:
            self.conn.send(self.framing.text(session.next_frame()))  # "o"
        self.ready = True
        if session.has_queued or session.state == CLOSED:
            self.wake()

    def heartbeat(self) -> None:
        """Send ``h`` unless the connection is busy writing or closing."""
        if self.ready and not self.finished and not self.gone and self.framing.is_open:
            if self.session.state != CLOSED:
                self.conn.try_send(HEARTBEAT_FRAME)

    def ping(self) -> None:
        """Every ``ping_interval``: cut a client silent since its last ping
        (it is gone, or too stuck to answer); ping one silent since the last
        tick; leave one that spoke alone."""
        now = time.monotonic()
        if self.pinged is not None and self.heard < self.pinged:
            log.info("WebSocket session %s did not answer a ping: closed", self.session.id)
            self.conn.cut()  # its reader wakes to the hang-up and ends the session
            return
        self.pinged = None
        if now - self.heard >= self.session.registry.options.ping_interval * 0.9:
            if not self.finished and not self.gone:
                self.conn.try_send(PING_FRAME)
            self.pinged = now

    def _write(self) -> None:
        session = self.session
        try:
            while not self.gone:
                if session.raw:
                    items = self.take()
                    if items:  # all at once: nothing can come between them
                        self.conn.send(b"".join(self.framing.text(text) for text in items))
                        continue
                    if session.state != CLOSED:
                        return
                else:
                    frame = self.poll()
                    if frame is None:
                        return
                    if not protocol.is_close_frame(frame):
                        self.conn.send(self.framing.text(frame))
                        continue
                    self.conn.send(self.framing.text(frame))
                self.finished = True
                _finish(self.conn, self.framing, session)
                return
        except OSError:
            self.finished = True
        finally:
            self.writer = None

    def stop(self) -> None:
        """The socket is gone: let a last write finish briefly, then detach."""
        writer = self.writer
        if writer is not None:
            writer.join(timeout=1)
            writer.kill()
        self.finished = True
        self.session.detach(self)


HEARTBEAT_FRAME = wsframing.text_frame(protocol.HEARTBEAT)
#: A server's ping with no payload (RFC 6455 5.5.2: FIN + opcode 0x9, unmasked, length 0);
#: the client answers with a pong, which wsproto takes in like any frame.
PING_FRAME = b"\x89\x00"


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


def _close_code(session: Session) -> tuple[int, str]:
    """The WebSocket close for a closed session: application codes (3000-4999)
    and 1001 "going away" (the server stops: reconnect) pass through, the
    protocol's own become a normal closure."""
    code, reason = session.close_reason
    return (code, reason) if code == 1001 or 3000 <= code <= 4999 else (wsframing.NORMAL, "")


def _serve(request: Request, session: Session, start_writer, decode) -> object:
    registry = session.registry
    sock = take_socket(request.environ)
    if sock is None:
        registry.remove(session)
        return headers.error(501, "This server cannot upgrade to WebSocket.")
    conn = Conn(sock, request.environ.get(READER_KEY))
    try:
        framing = _handshake(request, conn, registry.options.max_message)
        if isinstance(framing, wsframing.Rfc6455):
            conn = Conn(detach(sock))  # the view returns; the connection goes on
    except OSError:
        session.interrupt()
        registry.remove(session)
        release(sock)
        return HijackedResponse()
    if isinstance(framing, wsframing.Rfc6455):
        WebSocketReceiver(session, conn, framing, decode).serve()
        return HijackedResponse()
    del request  # the read loop needs none of the request
    _read_loop_hixie76(session, conn, framing, start_writer, decode)
    release(sock)
    return HijackedResponse()


def _handle(session: Session, conn: Conn, framing, decode, data: bytes) -> bool:
    """Hand what the client sent to the session; False once the connection
    is to end (the client closed or hung up, or sent what cannot be decoded)."""
    got = framing.feed(data)
    conn.send(got.reply)
    for text in got.messages:
        try:
            messages = decode(text)
        except protocol.BadPayload:  # "the server must abruptly terminate"
            conn.cut()
            return False
        session.receive(messages)
    return not got.closed


def _read_loop_hixie76(session: Session, conn: Conn, framing, start_writer, decode) -> None:
    """Hixie-76: frames are not shared; a writer greenlet per connection."""
    registry = session.registry
    writer = None
    try:
        receiver = Receiver(session, cut=conn.cut)
        # open the session before reading: a client may send at once
        writer = gevent.spawn(start_writer(conn, framing, receiver))
        while _handle(session, conn, framing, decode, conn.recv()):
            gevent.sleep(0)  # a client sending fast must not starve the others
    except OSError:
        pass
    finally:
        if session.state != CLOSED:
            session.interrupt()  # the socket is gone: so is its session
        if writer is not None:
            writer.join(timeout=1)
            writer.kill()
        registry.remove(session)
        conn.cancel()


def _finish(conn: Conn, framing, session: Session) -> None:
    """Send the WebSocket close; cut the socket if the client never answers it."""
    conn.send(framing.close(*_close_code(session)))
    conn.cut_later(session.registry.options.write_timeout)


def _sockjs_writer(conn: Conn, framing, receiver: Receiver):
    """Open the session and send ``o``; return the writer loop for the rest."""
    stream = frames(receiver, streaming=True)
    try:
        conn.send(framing.text(next(stream)))
    except BaseException:
        stream.close()  # let the session go
        raise
    receiver.ready = True  # "o" is out: messages may now be written at once

    def write() -> None:
        try:
            for frame in stream:
                conn.send(framing.text(frame))
            if not receiver.gone:
                _finish(conn, framing, receiver.session)
        except OSError:
            pass
        finally:
            stream.close()

    return write


def _raw_writer(conn: Conn, framing, receiver: Receiver):
    """Open the session (no frame); return the writer loop."""
    session = receiver.session
    session.attach(receiver)
    session.open()
    receiver.ready = True  # no open frame to wait for
    return lambda: _raw_write(conn, framing, receiver)


def _raw_write(conn: Conn, framing, receiver: Receiver) -> None:
    session = receiver.session
    try:
        while not receiver.gone:
            items = receiver.take()
            if items:  # all at once: nothing can come between them
                conn.send(b"".join(framing.text(text) for text in items))
            else:
                if session.state == CLOSED:
                    _finish(conn, framing, session)
                    return
                receiver.wait(None)  # the raw WebSocket has no heartbeats
    except OSError:
        pass
    finally:
        session.detach(receiver)


def _decode_framed(text: str) -> list[str]:
    """Empty frames are ignored ("WebSocket: test_empty_frame")."""
    return protocol.decode_messages(text) if text else []


def _decode_raw(text: str) -> list[str]:
    return [text]


def websocket(request: Request, session: Session):
    """SockJS-framed WebSocket: ``o``, ``a[...]``, ``h``, ``c[...]`` frames."""
    return _serve(request, session, _sockjs_writer, _decode_framed)


def raw_websocket(request: Request, session: Session):
    """Plain WebSocket: one message per frame, no SockJS framing, no heartbeats
    ("Raw WebSocket url")."""
    session.raw = True
    return _serve(request, session, _raw_writer, _decode_raw)
