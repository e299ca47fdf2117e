"""A SockJS server for Pyramid on gevent; it knows nothing of chat.

Use it from any Pyramid app::

    config.include("piratechat.sockjs")
    config.add_sockjs_route("/echo", EchoSession)

``EchoSession`` subclasses ``piratechat.sockjs.Session``.
"""

from .endpoint import Endpoint, add_sockjs_route
from .session import Options, Session

__all__ = ["Endpoint", "Options", "Session", "add_sockjs_route", "includeme"]


def includeme(config):
    config.add_directive("add_sockjs_route", add_sockjs_route)
