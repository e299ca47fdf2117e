"""Taking the client socket out of a WSGI server, for WebSocket upgrades.

WSGI has no upgrade; each gevent server hands the socket over its own way.
gunicorn's gevent worker puts it in ``environ["gunicorn.socket"]`` and closes
it without a response when the app raises ``StopIteration``; our pywsgi handler
(gevent_server.py) does the same with the names below, and also hands over
its buffered reader, which may already hold bytes the client sent early.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

from webob import Response

SOCKET_KEY = "pyramid_sockjs_gevent.socket"
READER_KEY = "pyramid_sockjs_gevent.reader"


class _Hijacked(list):
    """An empty WSGI result that tells our handler the response was written."""


HIJACKED = _Hijacked()


def client_socket(environ: dict) -> Any | None:
    """The connected client socket, if the server exposes it."""
    return environ.get("gunicorn.socket") or environ.get(SOCKET_KEY)


def take_socket(environ: dict) -> Any | None:
    """The client socket for the app to own, or None when the server cannot hand it over."""
    sock = client_socket(environ)
    if sock is not None:
        sock.settimeout(None)  # the server's keep-alive timeout no longer applies
    return sock


def detach(sock) -> Any:
    """The connection on a socket object of the app's own.

    The server's socket object lets go of the descriptor (it is closed as
    far as the server is concerned: closing it again does nothing) and
    gevent drops its watchers, so the view can return: that ends the
    handler's greenlet and frees what the request held (gunicorn's request,
    Pyramid's, their frames), and an idle WebSocket costs no greenlet at
    all. Under gunicorn it also leaves the worker_connections count, which
    then bounds HTTP requests only: the open-files limit bounds WebSockets.
    (A dup() of the descriptor would do the same but leave epoll watching
    the server's closed number for the same connection.)
    """
    from gevent import socket as gevent_socket

    family, kind, proto = sock.family, sock.type, sock.proto
    return gevent_socket.socket(family, kind, proto, fileno=sock.detach())


def abort(sock) -> None:
    """Drop a client connection now, even one that stopped reading.

    A plain close would queue the FIN behind megabytes the client will never
    read; linger 0 makes the final close a reset, which frees the kernel's
    buffer too. The shutdown, done on the OS socket under gevent's, wakes every
    greenlet blocked on it with what a vanished client causes (EPIPE, EOF),
    which servers already handle quietly; gevent's own shutdown would wake them
    with EBADF, which they log as errors.
    """
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        getattr(sock, "_sock", sock).shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def release(sock) -> None:
    """End a hijacked connection: shut it down for both sides, whoever
    closes the descriptor (the server its own, the app a detached one)."""
    try:
        getattr(sock, "_sock", sock).shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def hijacked_result(environ: dict) -> Any:
    """What the WSGI app must return once it wrote to the socket itself.

    Under gunicorn it raises instead: its keep-alive loop would go on reading
    the socket for a next request after ``ALREADY_HANDLED`` and so eat what a
    WebSocket client sends next; ``StopIteration`` is gunicorn's own signal
    (its eventlet worker raises it) to close the connection quietly, without
    writing anything.
    """
    if "gunicorn.socket" in environ:
        raise StopIteration("the app took the connection over")
    return HIJACKED


class HijackedResponse(Response):
    """What a view returns once it served the socket itself: as a WSGI app
    it answers the server's "already handled" marker, which the server writes
    nothing for. The status it starts is only for logs (and for WSGI tools
    that insist on one). WSGI middleware that rewrites responses would break
    this: serve SockJS routes without any."""

    def __call__(self, environ, start_response):
        start_response("101 Switching Protocols", [])
        return hijacked_result(environ)
