"""Sessions, free of I/O, and their reaping (protocol, "Protocol and framing":
open, heartbeat, the 2010 and 3000 closes, the disconnect delay; "Handling
close": 1002), plus our bounds: the outgoing queue, and 10,000 abandoned
sessions reaped."""

import time

import gevent
import gevent.event
import pytest

from piratechat.sockjs import Options, Session
from piratechat.sockjs.reaper import Reaper
from piratechat.sockjs.receiver import Receiver, frames
from piratechat.sockjs.registry import SessionRegistry
from piratechat.sockjs.session import CLOSED, NEW, OPEN


class Clock:
    """Time that moves only when the test says."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Recording(Session):
    def on_open(self):
        self.events = ["open"]

    def on_message(self, text):
        self.events.append(text)
        if text == "boom":
            raise RuntimeError("an application bug")

    def on_close(self):
        self.events.append("close")


def registry(clock=None, **options) -> SessionRegistry:
    return SessionRegistry(Recording, Options(**options), clock or Clock())


def test_protocol_section_first_frame_opens_then_messages_then_close():
    session = registry().create("s", {})
    assert session.state == NEW
    assert session.next_frame() == "o" and session.state == OPEN
    assert session.next_frame() is None
    session.send("one")
    session.send("two", '"two"')
    assert session.next_frame() == 'a["one","two"]'
    session.send("last")
    session.close()
    assert session.next_frame() == 'a["last"]'  # what was queued goes first
    assert session.next_frame() == 'c[3000,"Go away!"]'
    assert session.next_frame() == 'c[3000,"Go away!"]'  # to every receiver, until reaped
    assert session.events == ["open", "close"]
    assert session.send("too late") is False


def test_protocol_section_messages_reach_the_application_in_order_despite_bugs():
    session = registry().create("s", {})
    session.receive(["early"])  # not open yet: dropped
    session.next_frame()
    session.receive(["a", "boom", "b"])
    assert session.events == ["open", "a", "boom", "b"]


def test_protocol_section_second_receiver_is_refused():
    session = registry().create("s", {})
    first, second = Receiver(session), Receiver(session)
    assert session.attach(first) and not session.attach(second)
    assert list(frames(second, streaming=False)) == ['c[2010,"Another connection still open"]']
    assert session.receiver is first  # the refused one leaves the session alone


def test_protocol_section_polling_receiver_takes_one_frame():
    session = registry(heartbeat_delay=0.01).create("s", {})
    assert list(frames(Receiver(session), streaming=False)) == ["o"]
    assert list(frames(Receiver(session), streaming=False)) == ["h"]
    session.send("x")
    assert list(frames(Receiver(session), streaming=False)) == ['a["x"]']
    assert not session.attached


def test_protocol_section_streaming_receiver_until_close():
    session = registry(heartbeat_delay=0.02).create("s", {})
    receiver = Receiver(session)
    stream = frames(receiver, streaming=True)
    assert next(stream) == "o"
    assert next(stream) == "h"
    gevent.spawn_later(0.01, session.send, "woken")
    assert next(stream) == 'a["woken"]'
    gevent.spawn_later(0.01, session.close, 3001, "bye")
    assert list(stream) == ['c[3001,"bye"]']
    assert not session.attached


def test_handling_close_section_hang_up_interrupts_the_session():
    session = registry().create("s", {})
    session.next_frame()
    receiver = Receiver(session)
    stream = frames(receiver, streaming=True)
    gevent.spawn_later(0.01, receiver.hang_up)
    assert list(stream) == []
    assert session.state == CLOSED and session.close_reason == (1002, "Connection interrupted")
    assert session.next_frame() == 'c[1002,"Connection interrupted"]'


def test_protocol_section_disconnect_delay_then_reaped():
    clock = Clock()
    sessions = registry(clock, disconnect_delay=5)
    session = sessions.create("s", {})
    list(frames(Receiver(session), streaming=False))  # opened, then idle from t=0
    clock.now = 4.9
    assert sessions.reap() == 0 and sessions.get("s") is session
    session.attach(Receiver(session))  # a receiver: never reaped
    clock.now = 100
    assert sessions.reap() == 0
    session.detach(session.receiver)  # idle again from t=100
    clock.now = 105.1
    assert sessions.reap() == 1 and sessions.get("s") is None
    assert session.state == CLOSED and session.events == ["open", "close"]


def test_slow_consumer_is_closed_with_4008_and_its_queue_freed():
    session = registry(max_queue=100).create("s", {})
    session.next_frame()
    assert session.send("x" * 40) and session.send("y" * 40)
    assert session.send("z" * 40) is False
    assert session.state == CLOSED and session.close_reason == (4008, "Slow consumer")
    assert session.take() == []  # nothing held for a client that cannot take it
    assert session.next_frame() == 'c[4008,"Slow consumer"]'


def test_slow_consumer_stuck_receiver_is_cut_after_the_write_timeout():
    session = registry(max_queue=10, write_timeout=0.05).create("s", {})
    cut = gevent.event.Event()
    receiver = Receiver(session, cut=cut.set)
    assert session.attach(receiver)
    session.send("x" * 20)  # the receiver is stuck writing (never detaches)
    assert cut.wait(10) and receiver.gone  # cut, by the write timeout's timer


def test_raw_sessions_queue_text_unframed():
    session = registry().create("s", {})
    session.raw = True
    session.open()
    session.send("plain <text>")
    assert session.take() == ["plain <text>"]


def test_websocket_sessions_sharing_an_id_are_distinct():
    sessions = registry()
    a, b = sessions.create_private("same", {}), sessions.create_private("same", {})
    assert a is not b and len(sessions) == 2 and sessions.get("same") is None
    sessions.remove(a)
    sessions.remove(b)
    assert len(sessions) == 0


@pytest.mark.parametrize("count", [10_000])
def test_ten_thousand_abandoned_sessions_are_all_reaped(count, record_property):
    """Opened by a poll each, then dropped; the real reaper greenlet frees them all."""
    sessions = SessionRegistry(Recording, Options(disconnect_delay=0.2))
    for i in range(count):
        session = sessions.create(str(i), {})
        assert list(frames(Receiver(session), streaming=False)) == ["o"]
    assert len(sessions) == count
    started = time.monotonic()
    reaper = Reaper(sessions)
    reaper.ensure_running()
    all_closed = gevent.event.Event()
    closed = []
    for session in list(sessions.sessions.values()):
        session.on_close = lambda: (closed.append(1), len(closed) == count and all_closed.set())
    assert all_closed.wait(60)  # a bound for a stuck reaper, not a measurement
    elapsed = time.monotonic() - started
    reaper._greenlet.kill()
    record_property("reap_seconds", round(elapsed, 3))  # measured, not asserted
    assert len(sessions) == 0 and not sessions._idle


def test_handling_close_section_a_holder_whose_client_left_is_noticed_by_the_next_receiver():
    """Even before its watcher runs, a receiver whose client closed does not
    make the next one hear 2010: the session is interrupted (1002) and free."""
    import socket

    from piratechat.sockjs.transports.http import _hung_up

    session = registry().create("s", {})
    session.next_frame()
    server_end, client_end = socket.socketpair()
    holder = Receiver(session, hung_up=lambda: _hung_up(server_end))
    assert session.attach(holder)
    assert list(frames(Receiver(session), streaming=False)) == [
        'c[2010,"Another connection still open"]']  # its client is still there
    client_end.close()
    assert list(frames(Receiver(session), streaming=False)) == ['c[1002,"Connection interrupted"]']
    assert holder.gone
    server_end.close()


class Direct:
    """A receiver that writes at once until told its connection is full."""

    def __init__(self):
        self.written: list[str] = []
        self.full = False
        self.woken = 0

    def send_now(self, message) -> bool:
        if self.full:
            return False
        self.written.append(message.text)
        return True

    def wake(self):
        self.woken += 1

    def closing(self):
        pass


def test_messages_are_written_at_once_until_one_queues_then_all_queue_behind_it():
    session = SessionRegistry(Session, Options(), Clock()).create("direct", {})
    receiver = Direct()
    session.attach(receiver)
    session.send("before open")  # NEW: never written at once (the "o" comes first)
    session.take()
    session.open()
    session.send("one")
    receiver.full = True
    session.send("two")
    receiver.full = False
    session.send("three")  # "two" is queued: "three" must not overtake it
    assert receiver.written == ["one"] and session.take() == ['"two"', '"three"']
    session.send("four")
    assert receiver.written == ["one", "four"] and receiver.woken == 3  # one per queued message


def test_a_session_keeps_the_requests_variables_not_the_servers_objects():
    """An open WebSocket lives for hours: what its session keeps of the
    request must not pin the server's and the frameworks' request objects."""
    environ = {"REMOTE_ADDR": "127.0.0.1", "PATH_INFO": "/sockjs/websocket",
               "HTTP_USER_AGENT": "pirate", "wsgi.input": object(),
               "gunicorn.socket": object(), "webob._parsed_query_vars": ({}, ""),
               "SERVER_PORT": "6543", "CONTENT_LENGTH": 0}
    registry = SessionRegistry(Session, Options(), Clock())
    for session in (registry.create("a", environ), registry.create_private("b", environ)):
        assert session.environ == {"REMOTE_ADDR": "127.0.0.1", "PATH_INFO": "/sockjs/websocket",
                                   "HTTP_USER_AGENT": "pirate", "SERVER_PORT": "6543"}
