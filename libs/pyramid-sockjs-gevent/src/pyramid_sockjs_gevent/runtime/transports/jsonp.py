"""JSONP polling: jsonp (one frame as a script call) and jsonp_send (a form
post, or a plain body) (protocol, "JsonPolling")."""

from __future__ import annotations

from functools import partial

from webob import Request, Response

from ...core import framing, protocol
from ...core.session import Session
from .http import (
    JAVASCRIPT,
    PLAIN,
    IncompleteBody,
    PayloadTooLarge,
    callback_name,
    read_messages,
    receiver_response,
    send_error,
    session_headers,
)


def jsonp(request: Request, session: Session) -> Response:
    name = callback_name(request)
    return receiver_response(
        request, session, JAVASCRIPT, partial(framing.jsonp, name), streaming=False
    )


def jsonp_send(request: Request, session: Session) -> Response:
    """200 "ok" rather than 204, which Konqueror mishandles."""
    try:
        messages = read_messages(request, session, decode=framing.jsonp_messages)
    except (protocol.BadPayload, PayloadTooLarge, IncompleteBody) as exc:
        return send_error(request, session, exc)
    session.receive(messages)
    response = Response(body=b"ok")
    response.headers["Content-Type"] = PLAIN
    return session_headers(request, response, session)
