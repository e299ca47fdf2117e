"""interfaces.IReceiver, one suite run against each implementation: the HTTP
receiver (transports/http.py) and the WebSocket one (transports/websocket.py),
each serving a session over a socket pair in this process.

The contract's rule: ``wake`` and ``tick`` return at once and never call the
application. The ticker is one greenlet for every receiver of an endpoint,
so a cut that waited for a stuck client, or ran an ``on_close`` that waits on
I/O (the chat's leaves presence in Redis), would hold up every other
member's heartbeats and cuts. The last two tests give the application an
``on_close`` that waits until the test ends, and check that another
session's heartbeats keep coming meanwhile.

The timers run on the real clock with delays of a few milliseconds; tests
wait for events (a frame, a flag) with generous deadlines, never for time.
"""

from __future__ import annotations

import json
import socket

import gevent
import pytest
from gevent import socket as gsocket
from gevent.event import Event
from pyramid_sockjs_gevent import Options, Session
from pyramid_sockjs_gevent.core import wsframing
from pyramid_sockjs_gevent.core.outgoing import Outgoing
from pyramid_sockjs_gevent.core.registry import SessionRegistry
from pyramid_sockjs_gevent.core.session import NEVER, STREAMING
from pyramid_sockjs_gevent.interfaces import IReceiver
from pyramid_sockjs_gevent.runtime.transports.http import HttpReceiver, _body
from pyramid_sockjs_gevent.runtime.transports.websocket import WebSocketReceiver, _decode_framed
from pyramid_sockjs_gevent.runtime.transports.wsconn import Conn
from sockjs_loopback import DEADLINE, wait_for
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Ping, TextMessage
from zope.interface.verify import verifyObject

KINDS = ["http", "websocket"]





class SlowToClose(Session):
    """An application whose ``on_close`` waits (as on Redis) until ``release``."""

    opened: list[SlowToClose] = []

    def on_open(self):
        self.closing, self.release = Event(), Event()
        self.opened.append(self)

    def on_close(self):
        self.closing.set()
        self.release.wait()


class Served:
    """A receiver serving a session over a socket pair, and the client's end,
    which reads the SockJS frames it is sent."""

    def __init__(self, session, client, websocket: bool):
        self.session = session
        self.receiver = session.receiver
        self.client = client
        client.settimeout(DEADLINE)
        self.ws = Connection(ConnectionType.CLIENT) if websocket else None
        self._buffer = b""

    def _parse(self, data: bytes) -> list[str]:
        if self.ws is None:  # xhr_streaming's envelope: one frame a line
            self._buffer += data
            *lines, self._buffer = self._buffer.split(b"\n")
            return [line.decode() for line in lines]
        self.ws.receive_data(data or None)
        frames = []
        for event in self.ws.events():
            if isinstance(event, TextMessage):
                frames.append(event.data)
            elif isinstance(event, Ping):
                frames.append("ping")
            elif isinstance(event, CloseConnection):
                frames.append(f"close {event.code}")
        return frames

    def frames(self) -> list[str]:
        """The next frames; [] at the end of the connection."""
        while True:
            data = self.client.recv(65536)
            frames = self._parse(data)
            if frames or not data:
                return frames

    def drain(self) -> None:
        """Forget what was sent so far, without waiting."""
        while True:
            try:
                data = self.client._sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            self._parse(data)
            if not data:
                return

    def until(self, frame: str) -> None:
        try:
            while frame not in self.frames():
                pass
        except TimeoutError:
            raise AssertionError(f"no {frame!r} within {DEADLINE} s: the ticker stalled?") from None

    def at_end(self) -> bool:
        """Read to the end: True once the server closed or reset the connection."""
        try:
            while self.client.recv(65536):
                pass
        except ConnectionResetError:
            pass
        return True


def serve(registry, kind: str, session_id: str) -> Served:
    server_end, client_end = gsocket.socketpair()
    server_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    if kind == "websocket":
        session = registry.create_private(session_id, {})
        receiver = WebSocketReceiver(session, Conn(server_end), wsframing.Rfc6455(65536),
                                     _decode_framed)
        receiver.serve()
        served = Served(session, client_end, websocket=True)
    else:
        session = registry.create(session_id, {})
        body = _body(server_end, session, lambda text: (text + "\n").encode(), STREAMING, b"")

        def respond():  # what the WSGI server does with a streaming response
            try:
                for chunk in body:
                    server_end.sendall(chunk)
            except OSError:
                body.close()  # the client is gone
            server_end.close()

        gevent.spawn(respond)
        assert wait_for(lambda: session.attached)
        served = Served(session, client_end, websocket=False)
    assert served.frames() == ["o"]
    return served


@pytest.fixture
def sessions():
    """A registry of SlowToClose sessions; at the end every on_close is let go."""
    SlowToClose.opened = []
    yield lambda **options: SessionRegistry(SlowToClose, Options(**options))
    for session in SlowToClose.opened:
        session.release.set()
        session.close()


def stuck(served: Served) -> None:
    """Make the receiver's write wait: far more than the socket pair holds,
    which the client does not read."""
    served.session.send("x" * 300_000)
    assert wait_for(lambda: not served.session.has_queued)  # taken: being written


@pytest.mark.parametrize("kind", KINDS)
def test_it_provides_the_interface(kind, sessions):
    served = serve(sessions(), kind, "a")
    assert verifyObject(IReceiver, served.receiver)
    assert IReceiver.implementedBy(HttpReceiver) and IReceiver.implementedBy(WebSocketReceiver)


@pytest.mark.parametrize("kind", KINDS)
def test_woken_it_writes_what_the_session_queued(kind, sessions):
    served = serve(sessions(heartbeat_delay=1000), kind, "a")
    served.session.send("hello")
    served.session.send("world")  # a batch, or written at once one by one: in order
    messages: list[str] = []
    while len(messages) < 2:
        messages += [m for frame in served.frames() for m in json.loads(frame[1:])]
    assert messages == ["hello", "world"]


@pytest.mark.parametrize("kind", KINDS)
def test_write_now_writes_a_batch_whole_or_nothing_and_never_waits(kind, sessions):
    """The fan-out's call: True once the batch is written, or False with nothing
    written (the session then queues it); with a write stuck, always False."""
    served = serve(sessions(heartbeat_delay=1000, ping_interval=0), kind, "a")
    served.drain()
    took = served.receiver.write_now(Outgoing(["ahoy", "matey"]))
    assert took is (kind == "websocket")  # an idle WebSocket takes it; HTTP declines
    if took:
        messages: list[str] = []
        while len(messages) < 2:
            messages += [m for frame in served.frames() for m in json.loads(frame[1:])]
        assert messages == ["ahoy", "matey"]
    else:
        served.session.send("queued instead")  # what the session does then
        assert served.frames() == ['a["queued instead"]']  # nothing came before it
    stuck(served)
    assert served.receiver.write_now(Outgoing("late")) is False


@pytest.mark.parametrize("kind", KINDS)
def test_the_ticker_brings_it_heartbeats(kind, sessions):
    served = serve(sessions(heartbeat_delay=0.01, ping_interval=0), kind, "a")
    served.until("h")


@pytest.mark.parametrize("kind", KINDS)
def test_stuck_after_the_close_it_is_cut_at_the_write_timeout(kind, sessions):
    registry = sessions(write_timeout=10, heartbeat_delay=1000, ping_interval=0)
    served = serve(registry, kind, "a")
    stuck(served)
    served.session.release.set()
    served.session.close()
    assert served.receiver.tick(registry.clock() + 5) < NEVER  # not yet
    assert served.receiver.tick(registry.clock() + 11) == NEVER  # cut
    assert wait_for(lambda: not served.session.attached)
    assert served.at_end()


@pytest.mark.parametrize("kind", KINDS)
def test_the_ticker_cuts_a_stuck_connection_while_its_on_close_waits(kind, sessions):
    """The application closes a session whose client stopped reading; its
    ``on_close`` waits. The ticker still cuts the connection at the write
    timeout, and another session's heartbeats keep coming."""
    registry = sessions(write_timeout=0.02, heartbeat_delay=0.01, ping_interval=0)
    other = serve(registry, "http", "other")
    victim = serve(registry, kind, "victim")
    stuck(victim)
    gevent.spawn(victim.session.close)  # on_close waits in that greenlet
    assert victim.session.closing.wait(DEADLINE)
    assert wait_for(lambda: not victim.session.attached), "not cut"
    other.drain()
    other.until("h")  # a heartbeat written after the cut
    assert not victim.session.release.is_set() and victim.at_end()


def test_a_silent_websocket_cut_by_the_ticker_closes_outside_the_ticker(sessions):
    """A WebSocket silent after its ping is cut while its session is open:
    the cut wakes the connection's reader, which ends the session there;
    ``on_close`` waiting there holds up nobody else's timers."""
    registry = sessions(ping_interval=0.01, heartbeat_delay=0.01)
    other = serve(registry, "http", "other")
    victim = serve(registry, "websocket", "victim")
    assert victim.session.closing.wait(DEADLINE)  # pinged, silent, cut: on_close began
    other.drain()
    other.until("h")
    assert victim.session.close_reason == (1002, "Connection interrupted")
    assert not victim.session.release.is_set()
