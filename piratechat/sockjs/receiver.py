"""Receivers: the connections (HTTP responses, WebSockets) that carry a
session's frames to its client, on gevent.

The session (session.py) decides what to send; a receiver waits until there
is something, sends heartbeats when there is nothing, and is cut off when
its client stops reading after the session closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import gevent
from gevent.event import Event

from . import protocol
from .session import Session


class Receiver:
    """One connection attached to a session.

    ``cut`` (optional) drops the connection: called when the session closed
    and the receiver is still attached ``write_timeout`` seconds later, which
    only happens when it is stuck writing to a client that does not read.
    ``hung_up`` (optional) says, without waiting, whether the client is gone.
    """

    def __init__(
        self,
        session: Session,
        cut: Callable[[], None] | None = None,
        hung_up: Callable[[], bool] | None = None,
    ):
        self.session = session
        self.gone = False  # the client hung up; nothing more is sent
        self._cut = cut
        self._hung_up = hung_up
        self._event = Event()

    # --- session.Receiver protocol ---------------------------------------
    def wake(self) -> None:
        self._event.set()

    def send_now(self, message) -> bool:
        """HTTP receivers always queue (transports/websocket.py writes at once)."""
        return False

    def closing(self) -> None:
        self._event.set()
        if self._cut is not None:
            gevent.spawn_later(self.session.registry.options.write_timeout, self._cut_if_stuck)

    # --- used by transports -------------------------------------------------
    def hang_up(self) -> None:
        """The client went away (transports.http notices it while idle):
        the session ends (1002) and is free for the next receiver at once."""
        if self.gone:
            return
        self.gone = True
        if self.session.receiver is self:
            self.session.interrupt()
            self.session.detach(self)
        self._event.set()

    def check(self) -> bool:
        """Hang up now if the client already has; True if it is still there."""
        if not self.gone and self._hung_up is not None and self._hung_up():
            self.hang_up()
        return not self.gone

    def poll(self) -> str | None:
        """The session's next frame, or None (then ``wait``)."""
        self._event.clear()
        return self.session.next_frame()

    def take(self) -> list[str]:
        """Everything queued, unframed (the raw WebSocket)."""
        self._event.clear()
        return self.session.take()

    def wait(self, timeout: float | None) -> bool:
        """Sleep until woken (True) or timeout (False)."""
        return self._event.wait(timeout)

    def _cut_if_stuck(self) -> None:
        if self.session.receiver is self and self._cut is not None:
            self.gone = True
            self._cut()


def frames(receiver: Receiver, streaming: bool) -> Iterator[str]:
    """The frames one receiver carries: one for polling, many for streaming.

    A session another receiver holds answers ``c[2010,...]`` and is left to
    it ("Protocol: test_simpleSession"). Silence longer than the heartbeat
    delay is filled with ``h``. A close frame ends every receiver.
    """
    session = receiver.session
    heartbeat = session.registry.options.heartbeat_delay
    holder = session.receiver
    if isinstance(holder, Receiver):
        holder.check()  # its client may have left before its watcher could say so
    if not session.attach(receiver):
        yield protocol.close_frame(*protocol.ANOTHER_CONNECTION)
        return
    try:
        while not receiver.gone:
            frame = receiver.poll()
            if frame is None:
                if receiver.wait(heartbeat) or receiver.gone:
                    continue
                frame = protocol.HEARTBEAT
            yield frame
            if not streaming or protocol.is_close_frame(frame):
                return
    finally:
        session.detach(receiver)
