"""The session transports, by the name that ends their URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from webob import Request, Response

from . import eventsource, htmlfile, jsonp, websocket, xhr
from .http import callback_error

#: How a transport finds its session.
NEW = "new"  # a receiver: opens the session if the id is unknown
EXISTING = "existing"  # a sender: 404 for an unknown id
PRIVATE = "private"  # a WebSocket: a session of its own, whatever the id


@dataclass(frozen=True)
class Transport:
    view: Callable
    method: str  # the one method it answers besides a CORS preflight
    sessions: str  # NEW, EXISTING or PRIVATE
    cors: bool = True  # answers OPTIONS preflights
    #: validates the request before any session is made; a Response is the answer
    check: Callable[[Request], Response | None] | None = None
    websocket: bool = False  # off when the endpoint disables WebSocket


TRANSPORTS: dict[str, Transport] = {
    "websocket": Transport(
        websocket.websocket,
        "GET",
        PRIVATE,
        cors=False,
        check=websocket.handshake_error,
        websocket=True,
    ),
    "xhr": Transport(xhr.xhr, "POST", NEW),
    "xhr_streaming": Transport(xhr.xhr_streaming, "POST", NEW),
    "xhr_send": Transport(xhr.xhr_send, "POST", EXISTING),
    "eventsource": Transport(eventsource.eventsource, "GET", NEW, cors=False),
    "htmlfile": Transport(htmlfile.htmlfile, "GET", NEW, cors=False, check=callback_error),
    "jsonp": Transport(jsonp.jsonp, "GET", NEW, cors=False, check=callback_error),
    "jsonp_send": Transport(jsonp.jsonp_send, "POST", EXISTING, cors=False),
}
