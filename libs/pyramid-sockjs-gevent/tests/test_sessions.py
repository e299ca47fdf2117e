"""The session state machine, fed events and the time: no socket, no
gevent, no sleep; the clock is the test's.

Protocol sections: "Protocol and framing" (open, heartbeat, the 2010 and
3000 closes, the disconnect delay), "Handling close" (1002), "XhrStreaming"
(the response limit), "WebSocket" (close codes); and our rules: the
outgoing queue's bound (4008), the cut of a stuck receiver, WebSocket pings.
"""

import pytest
from pyramid_sockjs_gevent import Options, Session
from pyramid_sockjs_gevent.core.outgoing import Outgoing
from pyramid_sockjs_gevent.core.registry import SessionRegistry
from pyramid_sockjs_gevent.core.session import (
    CLOSED,
    CUT,
    NEW,
    OPEN,
    PING,
    POLLING,
    STREAMING,
    WEBSOCKET,
    frame_text,
    websocket_close,
)

ANOTHER = 'c[2010,"Another connection still open"]'


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


class Receiver:
    """The transport's side, reduced to what the session sees of it."""

    def __init__(self, kind=STREAMING):
        self.kind = kind
        self.woken = 0

    def wake(self):
        self.woken += 1

    def write_now(self, batch):
        return False


def make(clock=None, **options) -> tuple[Session, Clock]:
    clock = clock or Clock()
    return SessionRegistry(Recording, Options(**options), clock).create("s", {}), clock


def texts(frames) -> list[str]:
    return [frame_text(frame) for frame in frames]


def test_protocol_section_open_then_messages_then_close_to_every_receiver():
    session, _ = make()
    assert session.state == NEW
    streaming = Receiver()
    assert session.attach(streaming) is None
    assert texts(session.frames_to_send()) == ["o"] and session.state == OPEN
    assert session.frames_to_send() == []
    session.send("one")
    session.send("two", '"two"')
    assert texts(session.frames_to_send()) == ['a["one","two"]']
    session.send("last")
    session.close()
    assert texts(session.frames_to_send()) == ['a["last"]', 'c[3000,"Go away!"]']
    assert not session.attached  # a close frame ends a streaming receiver
    poll = Receiver(POLLING)
    assert session.attach(poll) is None
    assert texts(session.frames_to_send()) == ['c[3000,"Go away!"]']  # until reaped
    assert session.events == ["open", "close"]
    assert session.send("too late") is False


def test_protocol_section_a_polling_receiver_takes_one_frame():
    session, _ = make()
    session.attach(Receiver(POLLING))
    session.send("queued by now")
    assert texts(session.frames_to_send()) == ["o"] and not session.attached
    session.attach(Receiver(POLLING))
    assert texts(session.frames_to_send()) == ['a["queued by now"]'] and not session.attached


def test_protocol_section_second_receiver_gets_2010_and_the_session_stays_with_the_first():
    session, _ = make()
    first = Receiver()
    assert session.attach(first) is None
    assert session.attach(Receiver(POLLING)) == ANOTHER
    assert session.receiver is first and session.kind == STREAMING


def test_protocol_section_messages_reach_the_application_in_order_despite_bugs():
    session, _ = make()
    session.receive(["early"])  # not open yet: dropped
    session.attach(Receiver())
    session.frames_to_send()
    session.receive(["a", "boom", "b"])
    assert session.events == ["open", "a", "boom", "b"]


def test_protocol_section_heartbeat_after_a_silence_of_heartbeat_delay():
    session, clock = make(heartbeat_delay=25)
    receiver = Receiver()
    session.attach(receiver)
    session.frames_to_send()
    assert session.deadline == 25
    clock.now = 24.9
    assert session.tick(clock.now) is None and session.frames_to_send() == []
    clock.now = 25
    session.tick(clock.now)
    assert receiver.woken == 1 and session.frames_to_send() == ["h"]
    session.wrote(2, 30.0)  # a frame written: the silence starts again
    assert session.deadline == 55
    session.tick(54.0)
    assert session.frames_to_send() == []


def test_protocol_section_no_heartbeat_while_messages_wait_nor_on_the_raw_websocket():
    session, clock = make(heartbeat_delay=1)
    session.attach(Receiver())
    session.frames_to_send()
    session.send("x")
    session.tick(5.0)
    assert texts(session.frames_to_send()) == ['a["x"]']
    raw, clock = make(heartbeat_delay=1, ping_interval=0)
    raw.raw = True
    raw.attach(Receiver(WEBSOCKET))
    assert raw.frames_to_send() == []  # opened, without "o"
    assert raw.state == OPEN and raw.deadline == float("inf")


def test_xhr_streaming_section_the_response_limit_ends_a_streaming_receiver():
    session, _ = make(response_limit=100)
    session.attach(Receiver())
    session.frames_to_send()
    session.wrote(60, 1.0)
    assert session.attached
    session.wrote(40, 2.0)
    assert not session.attached and session.state == OPEN  # the client opens a fresh one
    websocket, _ = make(response_limit=100)
    websocket.attach(Receiver(WEBSOCKET))
    websocket.wrote(1000, 1.0)
    assert websocket.attached  # a WebSocket has no response limit


def test_handling_close_section_a_hang_up_interrupts_the_session_and_frees_it():
    session, _ = make()
    receiver = Receiver()
    session.attach(receiver)
    session.frames_to_send()
    session.hang_up(Receiver())  # not the holder: nothing happens
    assert session.state == OPEN
    session.hang_up(receiver)
    assert session.state == CLOSED and session.close_reason == (1002, "Connection interrupted")
    assert not session.attached and session.events == ["open", "close"]
    session.attach(Receiver(POLLING))
    assert texts(session.frames_to_send()) == ['c[1002,"Connection interrupted"]']


def test_protocol_section_disconnect_delay_then_reaped():
    clock = Clock()
    sessions = SessionRegistry(Recording, Options(disconnect_delay=5), clock)
    session = sessions.create("s", {})
    poll = Receiver(POLLING)
    session.attach(poll)
    session.frames_to_send()  # opened, then idle from t=0
    clock.now = 4.9
    assert sessions.reap() == 0 and sessions.get("s") is session
    session.attach(Receiver())  # a receiver: never reaped
    clock.now = 100
    assert sessions.reap() == 0
    session.detach(session.receiver)  # idle again from t=100
    clock.now = 105.1
    assert sessions.reap() == 1 and sessions.get("s") is None
    assert session.state == CLOSED and session.events == ["open", "close"]


def test_slow_consumer_is_closed_with_4008_and_its_queue_freed():
    session, _ = make(max_queue=100)
    receiver = Receiver()
    session.attach(receiver)
    session.frames_to_send()
    assert session.send("x" * 40) and session.send("y" * 40)
    assert receiver.woken == 1  # woken for the first message queued, not for each
    assert session.send("z" * 40) is False
    assert session.state == CLOSED and session.close_reason == (4008, "Slow consumer")
    assert session.take() == []  # nothing held for a client that cannot take it
    assert texts(session.frames_to_send()) == ['c[4008,"Slow consumer"]']


class Draining(Receiver):
    """A receiver that takes what it is woken for at once (an idle WebSocket)."""

    def __init__(self, session):
        super().__init__(WEBSOCKET)
        self.session, self.taken = session, []

    def wake(self):
        self.taken += self.session.frames_to_send()


def test_only_what_stays_queued_counts_against_max_queue():
    """A coalesced batch bigger than the bound, taken at once, is no slow consumer."""
    session, _ = make(max_queue=100)
    receiver = Draining(session)
    session.attach(receiver)
    session.frames_to_send()
    big = Outgoing(["x" * 60, "y" * 60])
    assert session.send(big) and receiver.taken == [big] and session.state == OPEN


class Writing(Receiver):
    """A receiver with ``write_now`` (an idle WebSocket's fan-out path):
    takes a batch while ``free``, else refuses it."""

    def __init__(self):
        super().__init__(WEBSOCKET)
        self.free, self.written = True, []

    def write_now(self, batch):
        if self.free:
            self.written.append(batch)
        return self.free


def test_a_message_to_an_empty_queue_is_written_at_once_else_queued_in_order():
    session, clock = make(max_queue=100, heartbeat_delay=5)
    receiver = Writing()
    assert session.send("early") and receiver.written == []  # not attached: queued
    session.attach(receiver)
    assert texts(session.frames_to_send()) == ["o", 'a["early"]']  # opened: write_now from now on
    one = Outgoing("x" * 60)
    assert session.send(one) and receiver.written == [one] and receiver.woken == 0
    assert session.send(one) and session.state == OPEN  # taken at once: nothing counts
    clock.now = 5
    session.tick(clock.now)
    assert texts(session.frames_to_send()) == ["h"]
    receiver.free = False  # busy: queued and woken, and what follows waits behind it
    assert session.send("a") and receiver.woken == 2
    receiver.free = True
    assert session.send("b") and receiver.written == [one, one]  # not before "a"
    assert session.take() == ['"a"', '"b"']
    session.detach(receiver)
    assert session.send("c") and receiver.written == [one, one]  # detached: queued


def test_a_receiver_still_attached_write_timeout_after_the_close_is_cut():
    session, clock = make(write_timeout=10)
    session.attach(Receiver(WEBSOCKET))  # a WebSocket stays attached after its close frame
    session.frames_to_send()
    clock.now = 3
    session.close()
    assert session.frames_to_send() == ['c[3000,"Go away!"]'] and session.attached
    assert session.deadline == 13
    assert session.tick(12.9) is None
    assert session.tick(13) == CUT


def test_a_slow_consumer_has_write_timeout_from_its_close_to_take_the_4008_then_is_cut():
    """The rule that decides between a 4008 and a reset, for a member that
    stops reading: its queue outgrows ``max_queue`` at t, the session closes
    (4008) and drops what was queued, so the close frame is the very next
    thing its connection is given. From t, not from its last write, the
    connection has ``write_timeout`` to write everything ahead of that frame
    and the frame (a WebSocket: and to hear the client's close); still
    attached then, it is cut (the transport resets it). Reading slowly but
    steadily buys no time."""
    session, clock = make(max_queue=100, write_timeout=10)
    receiver = Receiver(WEBSOCKET)  # stuck writing: takes nothing when woken
    session.attach(receiver)
    session.frames_to_send()
    clock.now = 3
    assert session.send("x" * 60) and not session.send("y" * 60)  # t = 3
    assert session.close_reason == (4008, "Slow consumer") and session.deadline == 13
    session.wrote(100_000, 12.5)  # still writing the lines sent before it
    assert session.tick(12.9) is None
    assert session.tick(13) == CUT  # no later: the client gets a reset
    assert texts(session.frames_to_send()) == ['c[4008,"Slow consumer"]']  # only, if in time

    in_time, clock = make(max_queue=100, write_timeout=10)  # the client read it all by 12.9
    websocket = Receiver(WEBSOCKET)
    in_time.attach(websocket)
    in_time.frames_to_send()
    clock.now = 3
    in_time.send("x" * 101)
    assert texts(in_time.frames_to_send()) == ['c[4008,"Slow consumer"]']
    clock.now = 12.9
    in_time.detach(websocket)  # the client answered the close: the connection ends
    assert in_time.deadline == float("inf") and in_time.tick(13) is None


def test_websocket_ping_when_silent_then_cut_if_no_answer():
    session, clock = make(ping_interval=25, heartbeat_delay=1000)
    session.raw = True
    session.attach(Receiver(WEBSOCKET))
    session.frames_to_send()
    assert session.deadline == 25
    clock.now = 10
    session.heard(10)  # the client spoke: no ping at the next tick
    assert session.tick(25) is None and session.deadline == 50
    assert session.tick(50) == PING  # silent for 40 s
    session.heard(60)  # it answers (a pong, or any frame)
    assert session.tick(75) is None  # it spoke 15 s ago: left alone
    assert session.tick(100) == PING
    assert session.tick(125) == CUT  # no answer
    off, _ = make(ping_interval=0, heartbeat_delay=1000)
    off.attach(Receiver(WEBSOCKET))
    assert off.tick(10_000) is None  # 0: never pinged


def test_raw_sessions_queue_text_unframed():
    session, _ = make()
    session.raw = True
    session.open()
    session.send("plain <text>")
    assert session.take() == ["plain <text>"]
    session.send("a")
    session.send(Outgoing(["b", "c"]))
    session.attach(Receiver(WEBSOCKET))
    (batch,) = session.frames_to_send()
    assert batch.texts == ("a", "b", "c")


@pytest.mark.parametrize("reason, close", [
    ((3000, "Go away!"), (3000, "Go away!")), ((4008, "Slow consumer"), (4008, "Slow consumer")),
    ((1001, "Going away"), (1001, "Going away")), ((1002, "Connection interrupted"), (1000, "")),
    ((2010, "Another connection still open"), (1000, ""))])
def test_websocket_section_close_codes(reason, close):
    assert websocket_close(reason) == close


def test_an_application_closing_in_on_open_sends_o_then_the_close():
    class Refusing(Session):
        def on_open(self):
            self.send("why")
            self.close(4000, "No")

    session = SessionRegistry(Refusing, Options(), Clock()).create("s", {})
    session.attach(Receiver())
    assert texts(session.frames_to_send()) == ["o", 'a["why"]', 'c[4000,"No"]']


def test_websocket_sessions_sharing_an_id_are_distinct():
    sessions = SessionRegistry(Recording, Options(), Clock())
    a, b = sessions.create_private("same", {}), sessions.create_private("same", {})
    assert a is not b and len(sessions) == 2 and sessions.get("same") is None
    sessions.remove(a)
    sessions.remove(b)
    assert len(sessions) == 0


def test_ten_thousand_abandoned_sessions_are_all_reaped_looking_only_at_the_expired():
    clock = Clock()
    sessions = SessionRegistry(Recording, Options(disconnect_delay=5), clock)
    for i in range(10_000):
        session = sessions.create(str(i), {})
        session.attach(Receiver(POLLING))
        assert session.frames_to_send() == ["o"]
        if i == 4_999:
            clock.now = 1.0  # the second half goes idle later
    assert sessions.reap() == 0
    clock.now = 5.5  # the first half expired
    assert sessions.reap() == 5_000
    clock.now = 100
    assert sessions.reap() == 5_000 and len(sessions) == 0 and not sessions._idle


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
