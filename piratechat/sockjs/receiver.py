"""The frames one receiver (an HTTP request or a WebSocket) carries for a session.

Shared by every transport: each only wraps the frames in its own encoding.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import protocol
from .session import CLOSED, NEW, Session


def frames(session: Session, heartbeat: float, streaming: bool) -> Iterator[str]:
    """Yield frames: one for a polling receiver, until closed for a streaming one.

    A closed session answers with what was still queued, then its close frame; a session another receiver
    holds answers ``c[2010,...]`` and is left to that receiver.
    """
    if not session.attach():
        yield protocol.close_frame(*protocol.ANOTHER_CONNECTION)
        return
    try:
        if session.state == NEW:
            session.open()
            yield protocol.OPEN
            if not streaming:
                return
        while True:
            messages = session.take(heartbeat)
            if not session.attached:  # the client went away (see transports.http)
                return
            if messages:
                yield protocol.message_frame(messages)
            elif session.state == CLOSED:
                yield protocol.close_frame(*session.close_reason)
                return
            else:
                yield protocol.HEARTBEAT
            if not streaming:
                return
    finally:
        session.detach()
