"""``listen``: a read-only listener (the site's lobby box) hears a room's lines,
and is nobody in it: in no presence list, never counted, cannot speak."""

from __future__ import annotations

import uuid

from tests.functional.test_socket import SockJSClient


def room_name() -> str:
    return "listen-" + uuid.uuid4().hex[:8]


def listen(client: SockJSClient, room: str, **extra) -> dict:
    """Listen to ``room``: its ``listening`` answer (an error fails the test at once)."""
    client.send({"type": "listen", "room": room, **extra})
    answer = client.next()
    assert answer["type"] == "listening", answer
    return answer


def test_a_listener_gets_recent_lines_then_live_ones(live_server):
    room = room_name()
    speaker, listener = SockJSClient(live_server), SockJSClient(live_server)
    try:
        speaker.join("Speaker", room=room)
        speaker.send({"type": "say", "text": "before " + room})
        speaker.line_saying("before " + room)
        heard = listen(listener, room)
        assert heard["room"] == room and heard["epoch"]
        assert listener.line_saying("before " + room)["author"] == "Speaker"
        speaker.send({"type": "say", "text": "after " + room})
        assert listener.line_saying("after " + room)["author"] == "Speaker"
    finally:
        speaker.close()
        listener.close()


def test_a_listener_is_in_no_presence_list_and_is_never_counted(live_server):
    room = room_name()
    listener, first, second = (SockJSClient(live_server) for _ in range(3))
    try:
        first.join("First", room=room, presence=True)
        assert first.next_of("presence")["count"] == 1
        listen(listener, room, presence=True)
        second.join("Second", room=room, presence=True)
        listing = second.next_of("presence")
        assert listing["count"] == 2
        assert sorted(m["name"] for m in listing["members"]) == ["First", "Second"]
        # The first member hears of the second only: the listener entered nothing.
        assert first.next_of("enter")["name"] == "Second"
        # The listener is sent no presence at all, only lines.
        second.send({"type": "say", "text": "hello " + room})
        listener.line_saying("hello " + room)
        assert not any(m["type"] in ("presence", "enter", "leave") for m in listener.pending)
    finally:
        for client in (listener, first, second):
            client.close()


def test_a_listener_cannot_speak_or_choose_the_parrot(live_server):
    listener = SockJSClient(live_server)
    try:
        listen(listener, room_name())
        listener.send({"type": "say", "text": "let me in"})
        assert listener.next_of("error")["code"] == "not_joined"
        listener.send({"type": "translator", "name": "pirate"})
        assert listener.next_of("error")["code"] == "not_joined"
        listener.send({"type": "listen", "room": "Not A Slug"})
        assert listener.next_of("error")["code"] == "bad_room"
    finally:
        listener.close()
