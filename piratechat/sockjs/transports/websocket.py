"""WebSocket transports: SockJS-framed (``.../websocket``) and raw (``<prefix>/websocket``).

The handshake is answered from the WSGI environ; framing is wsproto's
sans-I/O ``Connection``. We offer no extensions (no permessage-deflate), so a
server frame is the same bytes for every recipient.
"""

from __future__ import annotations

import logging
import socket

import gevent
from gevent.lock import Semaphore
from webob import Request, Response
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import LocalProtocolError, generate_accept_token

from .. import protocol
from ..hijack import HijackedResponse, take_socket
from ..receiver import frames
from ..session import CLOSED, Options, Session

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
TOO_BIG = 1009  # RFC 6455 7.4.1: message too big to process


def handshake_error(request: Request) -> Response | None:
    """The protocol's answer to a request that cannot be upgraded, or None."""
    if request.method != "GET":
        response = Response(status=405)
        response.headers["Allow"] = "GET"
        del response.content_type
        return response
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return Response('Can "Upgrade" only to "WebSocket".', status=400)
    connection = [v.strip().lower() for v in request.headers.get("Connection", "").split(",")]
    if "upgrade" not in connection:
        return Response('"Connection" must be "Upgrade".', status=400)
    if not request.headers.get("Sec-WebSocket-Key"):
        return Response("Missing Sec-WebSocket-Key.", status=400)
    return None


class WebSocket:
    """One upgraded connection: a reader (the request's greenlet) and a writer."""

    def __init__(self, sock, options: Options):
        self.sock = sock
        self.options = options
        self.ws = Connection(ConnectionType.SERVER)
        self._write_lock = Semaphore()

    def accept(self, key: str) -> None:
        self.sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + generate_accept_token(key.encode("latin-1")) + b"\r\n\r\n"
        )

    def send_bytes(self, data: bytes) -> None:
        with self._write_lock:
            self.sock.sendall(data)

    def send_text(self, text: str) -> None:
        self.send_bytes(self.ws.send(TextMessage(data=text)))

    def close(self, code: int = 1000, reason: str = "") -> None:
        try:
            self.send_bytes(self.ws.send(CloseConnection(code=code, reason=reason)))
        except (OSError, LocalProtocolError):
            pass

    def messages(self):
        """Yield each complete text message the client sends, until it closes."""
        parts: list[str] = []
        size = 0
        while True:
            try:
                data = self.sock.recv(READ_SIZE)
            except OSError:
                data = b""
            self.ws.receive_data(data or None)
            for event in self.ws.events():
                if isinstance(event, TextMessage):
                    parts.append(event.data)
                    size += len(event.data)
                    if size > self.options.max_message:
                        self.close(TOO_BIG, "Message too big")
                        return
                    if event.message_finished:
                        yield "".join(parts)
                        parts, size = [], 0
                elif isinstance(event, BytesMessage):
                    self.close(1003, "Text frames only")
                    return
                elif isinstance(event, Ping):
                    self.send_bytes(self.ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    if self.ws.state is ConnectionState.REMOTE_CLOSING:
                        self.send_bytes(self.ws.send(event.response()))
                    return
            if not data:
                return


def _serve(request: Request, session: Session, options: Options, write_loop, decode) -> object:
    sock = take_socket(request.environ)
    if sock is None:
        return Response("This server cannot upgrade to WebSocket.", status=501)
    conn = WebSocket(sock, options)
    owned = session.state != CLOSED and not session.attached  # else the writer refuses it
    try:
        conn.accept(request.headers["Sec-WebSocket-Key"])
        writer = gevent.spawn(write_loop, conn, session, options)
        try:
            for text in conn.messages():
                try:
                    messages = decode(text)
                except protocol.BadPayload:
                    conn.close(1002, "Broken framing")  # sockjs: broken JSON ends the socket
                    break
                session.receive(messages)
        finally:
            if owned:  # a WebSocket session lives and dies with its socket
                session.close(*protocol.INTERRUPTED)
            writer.join(timeout=1)
            writer.kill(block=False)
    except OSError:
        pass
    finally:
        if owned:
            session.detach()
            session.registry.sessions.pop(session.id, None)
        _hang_up(sock)
    return HijackedResponse()


def _hang_up(sock) -> None:
    """End the TCP connection but leave closing the socket to the server,
    which still owns it (gunicorn reads it once more and sees EOF)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _sockjs_writer(conn: WebSocket, session: Session, options: Options) -> None:
    try:
        for frame in frames(session, options.heartbeat_delay, streaming=True):
            conn.send_text(frame)
        conn.close()
    except OSError:
        pass


def _raw_writer(conn: WebSocket, session: Session, options: Options) -> None:
    try:
        while True:
            messages = session.take(options.heartbeat_delay)
            for text in messages:
                conn.send_text(text)
            if session.state == CLOSED and not messages:
                code, reason = session.close_reason
                conn.close(1000 if code < 3000 else code, reason)
                return
    except OSError:
        pass


def _raw_decode(text: str) -> list[str]:
    return [text]


def websocket(request: Request, session: Session, options: Options):
    """SockJS-framed WebSocket: ``o``, ``a[...]``, ``h``, ``c[...]`` frames."""
    return handshake_error(request) or _serve(
        request, session, options, _sockjs_writer, _decode_framed
    )


def raw_websocket(request: Request, session: Session, options: Options):
    """Plain WebSocket: one message per frame, no SockJS framing, no heartbeats."""
    session.raw = True
    refusal = handshake_error(request)
    if refusal is not None:
        return refusal
    # Open before reading: the client may speak as soon as it has the 101.
    session.attach()
    session.open()
    return _serve(request, session, options, _raw_writer, _raw_decode)


def _decode_framed(text: str) -> list[str]:
    return protocol.decode_messages(text) if text else []
