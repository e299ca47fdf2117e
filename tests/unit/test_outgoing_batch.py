"""A room's lines go out as one batch (pyramid_sockjs_gevent/core/outgoing.py,
Session.send, chat/runtime/hub.py):
one ``a[...]`` frame, or the raw WebSocket's frames back to back, written
with one send per member, the same bytes for every member; queued, they
are the same messages one by one."""

from __future__ import annotations

import json

from pyramid_sockjs_gevent import Options, Session
from pyramid_sockjs_gevent.core import protocol
from pyramid_sockjs_gevent.core.outgoing import Outgoing
from pyramid_sockjs_gevent.core.registry import SessionRegistry
from pyramid_sockjs_gevent.core.session import CLOSED, WEBSOCKET, frame_text
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from piratechat.chat.runtime.hub import Hub


def wsproto_frame(text: str) -> bytes:
    return Connection(ConnectionType.SERVER).send(TextMessage(data=text))


class Transport:
    """The transport's side of a session (the Receiver protocol): woken, it
    drains the session and keeps the bytes it would write with one send(),
    or leaves them queued (busy)."""

    kind = WEBSOCKET

    def __init__(self, session: Session, idle: bool = True):
        self.session, self.idle = session, idle
        self.writes: list[bytes] = []
        self.messages: list[Outgoing] = []

    def write_now(self, batch: Outgoing) -> bool:
        return False  # woken instead: the queue's path, which these tests count

    def wake(self) -> None:
        if not self.idle:
            return
        for message in self.session.frames_to_send():
            self.messages.append(message)
            self.writes.append(message.ws_raw if self.session.raw else message.ws_framed)


def open_session(registry: SessionRegistry, name: str, raw: bool, idle: bool = True):
    session = registry.create(name, {})
    session.raw = raw
    transport = Transport(session, idle)
    session.attach(transport)
    session.open()
    return session, transport


def lines(*seqs: int) -> list[str]:
    return [json.dumps({"type": "line", "seq": seq, "room": "deck", "text": f"Arr ☠\u2028 {seq}"})
            for seq in seqs]


def test_a_batch_of_one_is_the_single_message_it_was():
    (text,) = lines(1)
    one = Outgoing(text)
    assert one.texts == (text,) and one.text == text
    assert one.encoded == protocol.encode_message(text)
    assert one.ws_raw == wsproto_frame(text)
    assert one.ws_framed == wsproto_frame(protocol.message_frame([one.encoded]))


def test_a_batch_is_one_frame_for_sockjs_and_back_to_back_frames_raw():
    texts = lines(1, 2, 3)
    batch = Outgoing(texts)
    encoded = [protocol.encode_message(text) for text in texts]
    assert batch.encoded_texts == tuple(encoded)
    assert batch.ws_framed == wsproto_frame("a[" + ",".join(encoded) + "]")
    assert batch.ws_raw == b"".join(wsproto_frame(text) for text in texts)
    assert batch.ws_raw is batch.ws_raw and batch.ws_framed is batch.ws_framed  # built once


def test_lines_published_in_one_go_reach_each_member_in_one_write():
    registry = SessionRegistry(Session, Options())
    hub = Hub()
    members = [open_session(registry, f"s{i}", raw=i % 2 == 0) for i in range(4)]
    for session, _ in members:
        hub.join("deck", session)
        hub.caught_up("deck", session, 0)
    texts = lines(1, 2, 3)
    for text in texts:
        hub.deliver("deck", text)
    hub.drain()
    framed = wsproto_frame(protocol.message_frame([protocol.encode_message(t) for t in texts]))
    raw = b"".join(wsproto_frame(text) for text in texts)
    for session, transport in members:
        assert transport.writes == [raw if session.raw else framed]  # one send, three lines
    first = members[0][1].messages[0]
    assert all(transport.messages[0] is first for _, transport in members)  # framed once


def test_a_queued_batch_is_its_messages_one_by_one():
    registry = SessionRegistry(Session, Options())
    texts = lines(1, 2, 3)
    framed, _ = open_session(registry, "framed", raw=False, idle=False)
    raw, _ = open_session(registry, "raw", raw=True, idle=False)
    batch = Outgoing(texts)
    assert framed.send(Outgoing(lines(0))) and framed.send(batch)
    assert [frame_text(f) for f in framed.frames_to_send()] == [protocol.message_frame(
        [protocol.encode_message(t) for t in lines(0) + texts])]
    assert raw.send(batch) and raw.take() == texts


def test_a_queued_batch_counts_every_line_against_max_queue():
    texts = lines(1, 2, 3)
    size = sum(len(protocol.encode_message(t)) for t in texts)
    registry = SessionRegistry(Session, Options(max_queue=size))
    fits, _ = open_session(registry, "fits", raw=False, idle=False)
    assert fits.send(Outgoing(texts)) and fits.has_queued
    over, _ = open_session(registry, "over", raw=False, idle=False)
    assert over.send(texts[0])
    assert not over.send(Outgoing(texts))  # one more line than fits
    assert over.state == CLOSED and over.close_reason == (4008, "Slow consumer")
