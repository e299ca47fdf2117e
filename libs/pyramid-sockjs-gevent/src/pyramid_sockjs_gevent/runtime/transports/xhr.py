"""XHR transports: xhr (long polling), xhr_streaming and xhr_send
(protocol, "XhrPolling" and "XhrStreaming")."""

from __future__ import annotations

from webob import Request, Response

from ...core import framing, protocol
from ...core.session import Session
from .http import (
    JAVASCRIPT,
    PLAIN,
    IncompleteBody,
    PayloadTooLarge,
    read_messages,
    receiver_response,
    send_error,
    session_headers,
)


def xhr(request: Request, session: Session) -> Response:
    return receiver_response(request, session, JAVASCRIPT, framing.xhr, streaming=False)


def xhr_streaming(request: Request, session: Session) -> Response:
    return receiver_response(
        request,
        session,
        JAVASCRIPT,
        framing.xhr,
        streaming=True,
        prelude=framing.XHR_STREAMING_PRELUDE,
    )


def xhr_send(request: Request, session: Session) -> Response:
    """204, text/plain even without a body (Firefox wants it)."""
    try:
        messages = read_messages(request, session)
    except (protocol.BadPayload, PayloadTooLarge, IncompleteBody) as exc:
        return send_error(request, session, exc)
    session.receive(messages)
    response = Response(status=204)
    response.headers["Content-Type"] = PLAIN
    return session_headers(request, response, session)
