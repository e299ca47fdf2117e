"""A SockJS server for Pyramid on gevent; it knows nothing of chat.

Use it from any Pyramid app::

    config.include("piratechat.sockjs")
    config.add_sockjs_route("/echo", EchoSession)

``EchoSession`` subclasses ``piratechat.sockjs.Session``. Serve the app with
gevent: ``piratechat.sockjs.gevent_server`` (pserve, ``piratechat serve``) or
gunicorn's gevent worker.

The modules, from the protocol inwards-out: ``protocol`` (frames, bodies)
and ``framing`` (each transport's envelope) and ``wsframing`` (WebSocket
frames) are free of I/O, and so is ``outgoing`` (one message for many
clients, encoded and framed once); ``session`` and ``registry`` are the
session state machine, also free of I/O: events and the time in, frames
out, every rule of the protocol; ``ticker`` and ``reaper`` drive their
timers on gevent; ``transports`` (which only move bytes) and ``endpoint``
are the Pyramid views; ``testserver`` mounts the protocol test suite's
endpoints.
"""

from .endpoint import Endpoint, add_sockjs_route
from .session import Options, Session

__all__ = ["Endpoint", "Options", "Session", "add_sockjs_route", "includeme"]


def includeme(config):
    from pyramid.exceptions import URLDecodeError

    config.add_directive("add_sockjs_route", add_sockjs_route)
    # A path that is not UTF-8 cannot match any route; Pyramid would answer it
    # with a traceback and a 500. It is the client's mistake: 400. (An app
    # including us may register its own view for it; the includer's wins.)
    config.add_exception_view(_bad_url, context=URLDecodeError)


def _bad_url(exc, request):
    from webob import Response

    return Response("Bad URL encoding.", status=400, content_type="text/plain", charset="UTF-8")
