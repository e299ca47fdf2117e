"""Taking the client socket out of a WSGI server, for WebSocket upgrades.

WSGI has no upgrade; each gevent server hands the socket over its own way.
gunicorn's gevent worker puts it in ``environ["gunicorn.socket"]`` and skips
its own response when the app returns ``ALREADY_HANDLED``; our pywsgi handler
(gevent_server.py) does the same with the names below.
"""

from __future__ import annotations

from typing import Any

from webob import Response

SOCKET_KEY = "piratechat.socket"


class _Hijacked(list):
    """An empty WSGI result that tells our handler the response was written."""


HIJACKED = _Hijacked()


def take_socket(environ: dict) -> Any | None:
    """The connected client socket, or None when the server cannot hand it over."""
    sock = environ.get("gunicorn.socket") or environ.get(SOCKET_KEY)
    if sock is not None:
        sock.settimeout(None)  # the server's keep-alive timeout no longer applies
    return sock


def hijacked_result(environ: dict) -> Any:
    """What the WSGI app must return once it wrote to the socket itself."""
    if "gunicorn.socket" in environ:
        from gunicorn.workers.base_async import ALREADY_HANDLED

        return ALREADY_HANDLED
    return HIJACKED


class HijackedResponse(Response):
    """The response of a view that wrote to the socket itself: the WSGI
    server must write nothing more."""

    def __call__(self, environ, start_response):
        return hijacked_result(environ)
