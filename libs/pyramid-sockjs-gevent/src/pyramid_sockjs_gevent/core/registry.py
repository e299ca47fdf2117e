"""The live sessions of one endpoint, and which of them have outstayed.

Free of I/O: ``reap`` is called by the reaper greenlet (reaper.py) and by
tests, with any clock. Sessions without a receiver are kept in the order
they lost it, so reaping looks only at the ones that expired: with 10,000
idle sessions a tick costs what the expired ones cost, not a full scan.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from . import protocol
from .session import CLOSED, Options, Session


def request_variables(environ: dict) -> dict[str, str]:
    """What a session keeps of the request that opened it: the CGI variables
    and headers (REMOTE_ADDR, PATH_INFO, HTTP_*...), not the server's and the
    frameworks' objects, which would otherwise live as long as the connection
    (several KB for every open WebSocket)."""
    return {k: v for k, v in environ.items() if "." not in k and isinstance(v, str)}


class SessionRegistry:
    def __init__(
        self,
        factory: type[Session],
        options: Options,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.factory = factory
        self.options = options
        self.clock = clock
        self.sessions: dict[str, Session] = {}
        self._idle: dict[Session, float] = {}  # insertion order = order they went idle
        self._private = itertools.count()

    def __len__(self) -> int:
        return len(self.sessions)

    def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    def create(self, session_id: str, environ: dict) -> Session:
        """A new session known by its id (the HTTP transports look it up)."""
        session = self.factory(session_id, self, request_variables(environ))
        self.sessions[session_id] = session
        self.idle(session)
        return session

    def create_private(self, session_id: str, environ: dict) -> Session:
        """A session only its WebSocket knows: the protocol lets two WebSockets
        share a session id ("test_reuseSessionId"), so they must not meet here."""
        session = self.factory(session_id, self, request_variables(environ))
        key = session.key = f"{session_id}#ws{next(self._private)}"
        self.sessions[key] = session
        self.idle(session)
        return session

    def remove(self, session: Session) -> None:
        if self.sessions.get(session.key) is session:
            del self.sessions[session.key]
        self._idle.pop(session, None)

    # --- called by Session.attach / detach ---------------------------------
    def busy(self, session: Session) -> None:
        self._idle.pop(session, None)

    def idle(self, session: Session) -> None:
        self._idle.pop(session, None)
        if self.sessions.get(session.key) is session:  # not one already forgotten
            self._idle[session] = self.clock()

    # --- reaping -------------------------------------------------------------
    def reap(self, now: float | None = None) -> int:
        """Close and forget sessions idle for longer than the disconnect delay.

        Returns how many were forgotten. An open session closes with 1002
        (its client is gone); a closed one has answered its close frame long
        enough ("Protocol: test_closeSession").
        """
        now = self.clock() if now is None else now
        limit = now - self.options.disconnect_delay
        expired = []
        for session, since in self._idle.items():
            if since > limit:
                break  # the rest went idle later
            expired.append(session)
        for session in expired:
            del self._idle[session]
            if session.state != CLOSED:
                session.close(*protocol.INTERRUPTED)
            if self.sessions.get(session.key) is session:
                del self.sessions[session.key]
        return len(expired)
