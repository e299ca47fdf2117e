"""WebSocket transports: SockJS-framed (``.../websocket``) and raw (``<prefix>/websocket``).

The request's socket is taken from the WSGI server (hijack.py); framing is
wsframing's (RFC 6455 through wsproto, or Hixie-76). Two greenlets per
connection: the request's reads, a writer sends. A WebSocket session lives
and dies with its socket ("WebSocket: test_reuseSessionId").

Fan-out is the hot path: a message to an idle RFC 6455 connection is written
at once from the sender's greenlet, as frame bytes shared by every recipient
(outgoing.py), with one non-blocking ``send()``. The writer greenlet only
carries what does not fit, heartbeats and the close, in order.
"""

from __future__ import annotations

import socket

import gevent
from gevent.lock import Semaphore
from webob import Request, Response

from .. import headers, protocol, wsframing
from ..hijack import READER_KEY, HijackedResponse, abort, release, take_socket
from ..outgoing import Outgoing
from ..receiver import Receiver, frames
from ..session import CLOSED, Session

READ_SIZE = 64 * 1024
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


class Conn:
    """The hijacked socket: reads (from what the server had already
    buffered first), locked writes, writes that never wait (``try_send``),
    and a cut that wakes both greenlets."""

    def __init__(self, sock, reader=None):
        self.sock = sock
        self.reader = reader
        self._os_sock = getattr(sock, "_sock", sock)  # gevent's socket wraps the OS one
        self._lock = Semaphore()
        self._pending = b""  # the rest of a partial try_send, written before anything else
        self._timer: gevent.Greenlet | None = None

    def recv(self) -> bytes:
        try:
            if self.reader is not None:
                return self.reader.read1(READ_SIZE)
            return self.sock.recv(READ_SIZE)
        except (OSError, ValueError):
            return b""

    def recv_exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.recv() if self.reader is None else self.reader.read(size - len(data))
            if not chunk:
                raise OSError("closed during handshake")
            data += chunk
        return data

    def send(self, data: bytes) -> None:
        """Write all of data (after any pending rest), waiting as needed."""
        if data or self._pending:
            with self._lock:
                data, self._pending = self._pending + data, b""
                self.sock.sendall(data)

    def try_send(self, data: bytes) -> bool:
        """Write data now if nothing else is being written, without waiting.

        False: nothing was written (busy, full, broken); the caller queues it.
        A partial write keeps the rest, which a greenlet then writes, before
        any later ``send``. One syscall, none of gevent's ``sendall``
        (which asks the kernel for SO_SNDBUF on every call).
        """
        if self._pending or self._lock.locked():
            return False
        try:
            sent = self._os_sock.send(data, socket.MSG_DONTWAIT)
        except OSError:  # BlockingIOError: full; others: the writer finds out
            return False
        if sent < len(data):
            self._pending = data[sent:]
            gevent.spawn(self._flush)
        return True

    def _flush(self) -> None:
        try:
            self.send(b"")
        except (OSError, ValueError):
            pass  # the connection is gone; the reader and the writer notice it

    def cut(self) -> None:
        abort(self.sock)

    def cut_later(self, seconds: float) -> None:
        if self._timer is None:
            self._timer = gevent.spawn_later(seconds, self.cut)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.kill(block=False)


class WebSocketReceiver(Receiver):
    """An RFC 6455 connection's receiver: writes a message at once when it can.

    ``ready`` is set once the open frame (if any) is out, so that nothing
    overtakes it; the session asks only while nothing is queued, and
    ``Conn.try_send`` declines while the writer is writing: order is kept.
    """

    def __init__(self, session: Session, conn: Conn, framing: wsframing.Rfc6455):
        super().__init__(session, cut=conn.cut)
        self.conn = conn
        self.framing = framing
        self.ready = False

    def send_now(self, message: Outgoing) -> bool:
        if not self.ready or self.gone or not self.framing.is_open:
            return False
        return self.conn.try_send(message.ws_raw if self.session.raw else message.ws_framed)


def _receiver(session: Session, conn: Conn, framing) -> Receiver:
    """Hixie-76 frames are not shared: its connections keep the writer path."""
    if isinstance(framing, wsframing.Rfc6455):
        return WebSocketReceiver(session, conn, framing)
    return Receiver(session, cut=conn.cut)


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
    pass through, the protocol's own become a normal closure."""
    code, reason = session.close_reason
    return (code, reason) if 3000 <= code <= 4999 else (wsframing.NORMAL, "")


def _serve(request: Request, session: Session, start_writer, decode) -> object:
    registry = session.registry
    sock = take_socket(request.environ)
    if sock is None:
        registry.remove(session)
        return headers.error(501, "This server cannot upgrade to WebSocket.")
    conn = Conn(sock, request.environ.get(READER_KEY))
    writer = None
    try:
        framing = _handshake(request, conn, registry.options.max_message)
        receiver = _receiver(session, conn, framing)
        # open the session before reading: a client may send at once
        writer = gevent.spawn(start_writer(conn, framing, receiver))
        while True:
            got = framing.feed(conn.recv())
            conn.send(got.reply)
            for text in got.messages:
                try:
                    messages = decode(text)
                except protocol.BadPayload:  # "the server must abruptly terminate"
                    conn.cut()
                    return HijackedResponse()
                session.receive(messages)
            if got.closed:
                break
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
        release(sock)
    return HijackedResponse()


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
