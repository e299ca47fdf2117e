"""The gevent layer in this process, on socket pairs: the one WebSocket
lifecycle (RFC 6455 and Hixie-76 alike), the HTTP receiver's hang-up, the
ticker. No server process; the session's timers are ticked by hand with a
time far enough ahead, so no test waits for time to pass (``wait_for``
only lets the greenlets under test run, until a condition or a deadline)."""

import time

import pytest
import sockjs_loopback as loopback
from gevent import socket as gsocket
from pyramid_sockjs_gevent import Options, Session
from pyramid_sockjs_gevent.core import wsframing
from pyramid_sockjs_gevent.core.registry import SessionRegistry
from pyramid_sockjs_gevent.core.session import CLOSED, NEVER
from pyramid_sockjs_gevent.runtime.ticker import Ticker
from pyramid_sockjs_gevent.runtime.transports.http import HttpReceiver, _hung_up
from pyramid_sockjs_gevent.runtime.transports.websocket import (
    WebSocketReceiver,
    _decode_framed,
    _decode_raw,
)
from pyramid_sockjs_gevent.runtime.transports.wsconn import Conn
from pyramid_sockjs_gevent.testserver import _sessions
from sockjs_loopback import wait_for
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Ping, TextMessage

Echo, _ = _sessions()





class Client:
    """The far end of the socket pair: reads what the server wrote."""

    def __init__(self, sock):
        self.sock = sock
        self.ws = Connection(ConnectionType.CLIENT)

    def read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            assert chunk, "closed"
            data += chunk
        return data

    def events(self, count: int) -> list:
        """The next ``count`` events, a text message's fragments joined."""
        got: list = []
        part = ""
        while len(got) < count:
            self.ws.receive_data(self.sock.recv(65536) or None)
            for event in self.ws.events():
                if isinstance(event, TextMessage):
                    part += event.data
                    if not event.message_finished:
                        continue
                    event, part = TextMessage(data=part), ""
                got.append(event)
        return got

    def send(self, event) -> None:
        self.sock.sendall(self.ws.send(event))

    def at_eof(self) -> bool:
        return self.sock.recv(65536) == b""


def websocket(framing_class, raw: bool = False, **options):
    registry = SessionRegistry(Echo, Options(**options))
    session = registry.create_private("s", {})
    session.raw = raw
    server_end, client_end = gsocket.socketpair()
    framing = framing_class(65536)
    receiver = WebSocketReceiver(session, Conn(server_end), framing,
                                 _decode_raw if raw else _decode_framed)
    return registry, session, receiver, Client(client_end)


def test_rfc6455_open_echo_and_close_on_one_lifecycle():
    registry, session, receiver, client = websocket(wsframing.Rfc6455)
    receiver.serve()
    assert [e.data for e in client.events(1)] == ["o"]
    client.send(TextMessage(data='["a","b"]'))
    assert [e.data for e in client.events(2)] == ['a["a"]', 'a["b"]']  # echoed one by one
    session.close(3001, "bye")
    close, code = client.events(2)
    assert close.data == 'c[3001,"bye"]' and (code.code, code.reason) == (3001, "bye")
    client.send(CloseConnection(code=3001))  # the client answers: the connection ends
    assert wait_for(lambda: len(registry) == 0)
    assert client.at_eof() and not session.attached and receiver.finished


def test_hixie76_lives_the_same_life():
    registry, session, receiver, client = websocket(wsframing.Hixie76)
    receiver.serve(early=b'\x00["early"]\xff')  # sent right behind the handshake
    assert client.read(3) == b"\x00o\xff"
    assert client.read(len('\x00a["early"]\xff')) == b'\x00a["early"]\xff'
    client.sock.sendall(b'\x00["hi"]\xff')
    assert client.read(9) == b'\x00a["hi"]\xff'
    client.sock.sendall(b"\xff\x00")  # the closing handshake
    assert client.read(2) == b"\xff\x00"
    assert wait_for(lambda: len(registry) == 0) and session.state == CLOSED
    assert session.close_reason == (1002, "Connection interrupted")


def test_the_raw_websocket_has_no_open_frame_and_sends_each_message_alone():
    registry, session, receiver, client = websocket(wsframing.Rfc6455, raw=True)
    receiver.serve()
    client.send(TextMessage(data="plain ☠"))
    assert [e.data for e in client.events(1)] == ["plain ☠"]
    session.close()
    (close,) = client.events(1)
    assert (close.code, close.reason) == (3000, "Go away!")


def test_a_silent_client_is_pinged_then_cut():
    registry, session, receiver, client = websocket(wsframing.Rfc6455, ping_interval=25,
                                                  heartbeat_delay=1000)
    receiver.serve()
    client.events(1)  # "o"
    later = registry.clock() + 100
    assert receiver.tick(later) < NEVER
    assert isinstance(client.events(1)[0], Ping)
    receiver.tick(later + 100)  # no pong: dead
    assert wait_for(lambda: len(registry) == 0)
    assert session.close_reason == (1002, "Connection interrupted")


def test_hixie76_cannot_be_pinged_so_is_never_cut_for_silence():
    registry, session, receiver, client = websocket(wsframing.Hixie76, ping_interval=25)
    receiver.serve()
    client.read(3)
    later = registry.clock() + 100
    receiver.tick(later)
    receiver.tick(later + 100)
    assert session.attached and session.state != CLOSED
    receiver.conn.cut()
    assert wait_for(lambda: len(registry) == 0)


def test_what_does_not_fit_is_written_by_a_writer_in_order():
    registry, session, receiver, client = websocket(wsframing.Rfc6455, raw=True)
    receiver.conn.sock.setsockopt(gsocket.SOL_SOCKET, gsocket.SO_SNDBUF, 4096)
    receiver.serve()
    texts = [f"{n:04d}" + "x" * 2000 for n in range(200)]  # far more than the buffers hold
    for text in texts:
        assert session.send(text)
    assert receiver.writer is not None  # the rest waits for the client to read
    got = [e.data for e in client.events(len(texts))]
    assert got == texts
    assert wait_for(lambda: receiver.writer is None)


def test_a_stuck_websocket_is_cut_write_timeout_after_its_close():
    registry, session, receiver, client = websocket(wsframing.Rfc6455, write_timeout=10)
    receiver.serve()
    session.close()  # the client never answers the close
    assert receiver.finished and session.attached
    receiver.tick(registry.clock() + 11)
    assert wait_for(lambda: len(registry) == 0)


def tcp_pair():
    server_end, client_end = loopback.tcp_pair()
    client_end.settimeout(5)  # a deadline for what the test waits for
    return server_end, client_end


def slow_member(**options):
    """A SockJS WebSocket member that read its "o", then stopped reading
    while lines were sent until it was closed as a slow consumer (4008)."""
    registry = SessionRegistry(Echo, Options(max_queue=20_000, write_timeout=10,
                                             heartbeat_delay=1000, ping_interval=0))
    session = registry.create_private("s", {})
    server_end, client_end = tcp_pair()
    receiver = WebSocketReceiver(session, Conn(server_end), wsframing.Rfc6455(65536),
                                 _decode_framed)
    receiver.serve()
    client = Client(client_end)
    assert [e.data for e in client.events(1)] == ["o"]
    sent = 0
    while session.send(f"{sent:05d} " + "x" * 1000):
        sent += 1
        assert sent < 10_000, "never dropped"
    assert session.close_reason == (4008, "Slow consumer")
    return registry, session, receiver, client, sent


def read_to_the_end(client) -> tuple[list[int], list[str], str]:
    """What a member that reads again gets: line numbers, the SockJS close
    frames and the WebSocket close, and how the connection ended."""
    lines: list[int] = []
    closes: list[str] = []
    part = ""
    while True:
        try:
            data = client.sock.recv(65536)
        except ConnectionResetError:
            return lines, closes, "reset"
        client.ws.receive_data(data or None)
        for event in client.ws.events():
            if isinstance(event, TextMessage):
                part += event.data
                if not event.message_finished:
                    continue
                if part.startswith("a"):
                    lines.append(int(part[3:8]))
                else:
                    closes.append(part)
                part = ""
            elif isinstance(event, CloseConnection):
                closes.append(f"close {event.code}")
                return lines, closes, "closed"
        if not data:
            return lines, closes, "eof"


def test_a_slow_member_that_reads_again_within_write_timeout_gets_4008():
    registry, session, receiver, client, sent = slow_member()
    lines, closes, end = read_to_the_end(client)  # before the cut is due
    assert lines == list(range(len(lines))) and len(lines) < sent  # a prefix, in order
    assert closes == ['c[4008,"Slow consumer"]', "close 4008"] and end == "closed"
    receiver.tick(registry.clock() + 10)  # it never answered the close: cut now
    assert wait_for(lambda: len(registry) == 0)


def test_a_slow_member_still_not_reading_at_write_timeout_is_reset_without_4008():
    registry, session, receiver, client, sent = slow_member()
    assert receiver.tick(registry.clock() + 10) == NEVER  # the cut is due
    assert wait_for(lambda: len(registry) == 0)  # the socket is closed (linger 0)
    lines, closes, end = read_to_the_end(client)
    assert lines == list(range(len(lines))) and len(lines) < sent  # what reached it, in order
    assert closes == [] and end == "reset"  # the 4008 had not left the server


def test_a_client_sending_broken_json_is_cut():
    registry, session, receiver, client = websocket(wsframing.Rfc6455)
    receiver.serve()
    client.events(1)
    client.send(TextMessage(data='["a'))
    assert wait_for(lambda: len(registry) == 0)


def test_an_http_holder_whose_client_left_is_noticed_by_the_next_receiver():
    """Even before its watcher runs, a receiver whose client closed does not
    make the next one hear 2010: the session is interrupted (1002) and free."""
    registry = SessionRegistry(Session, Options())
    session = registry.create("s", {})
    server_end, client_end = gsocket.socketpair()
    holder = HttpReceiver(session, "streaming", server_end)
    assert session.attach(holder) is None
    holder.check()
    assert session.receiver is holder  # its client is still there
    client_end.close()
    assert _hung_up(server_end)
    holder.check()
    assert session.state == CLOSED and not session.attached
    assert session.close_reason == (1002, "Connection interrupted")
    server_end.close()


def test_a_stuck_http_receiver_is_cut_after_the_write_timeout():
    registry = SessionRegistry(Session, Options(write_timeout=1))
    session = registry.create("s", {})
    server_end, client_end = gsocket.socketpair()
    receiver = HttpReceiver(session, "streaming", server_end)
    session.attach(receiver)
    session.frames_to_send()
    session.close()
    assert receiver.tick(registry.clock()) < NEVER  # not yet
    assert receiver.tick(registry.clock() + 2) == NEVER
    assert not session.attached and client_end.recv(1) == b""  # cut
    assert receiver.tick(registry.clock()) == NEVER  # nothing more to do


class Counting:
    def __init__(self, fail: bool = False):
        self.tick_token = 0
        self.tick_due = NEVER
        self.ticks = 0
        self.fail = fail

    def tick(self, now: float) -> float:
        self.ticks += 1
        if self.fail:
            raise RuntimeError("a bug")
        return NEVER if self.ticks >= 2 else now


def test_the_ticker_ticks_each_receiver_at_its_deadline_and_survives_a_failing_one():
    ticker = Ticker()
    now = time.monotonic()
    failing, late, cancelled = Counting(fail=True), Counting(), Counting()
    ticker.schedule(late, now + 0.05)
    ticker.schedule(failing, now)
    ticker.schedule(cancelled, now)
    ticker.cancel(cancelled)
    ticker.schedule(late, now)  # rescheduled sooner: the later entry is void
    ticker.schedule(late, now + 60)  # later: the sooner tick comes anyway (and says when next)
    assert wait_for(lambda: late.ticks == 2)
    assert failing.ticks == 1 and cancelled.ticks == 0
    assert wait_for(lambda: ticker._greenlet is None)  # nothing left: the greenlet ends


@pytest.mark.parametrize("framing", [wsframing.Rfc6455(10), wsframing.Hixie76(10)])
def test_nothing_is_framed_once_a_websocket_closes(framing):
    from pyramid_sockjs_gevent.core.outgoing import Outgoing

    assert framing.message(Outgoing("x"), raw=False)
    framing.close()
    assert framing.message(Outgoing("x"), raw=True) == b"" and not framing.is_open
