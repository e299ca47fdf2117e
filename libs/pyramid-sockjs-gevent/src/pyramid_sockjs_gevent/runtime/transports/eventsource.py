"""EventSource transport: frames as server-sent events (protocol, "EventSource")."""

from __future__ import annotations

from webob import Request, Response

from ...core import framing
from ...core.session import Session
from .http import EVENT_STREAM, receiver_response


def eventsource(request: Request, session: Session) -> Response:
    return receiver_response(
        request,
        session,
        EVENT_STREAM,
        framing.eventsource,
        streaming=True,
        prelude=framing.EVENTSOURCE_PRELUDE,
    )
