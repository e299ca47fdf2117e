"""A resent ``say`` (same ``client_id``) never shows its line twice on one connection.

The probe of issue 25 (finding 6): members that came back after a fault and
said their unconfirmed lines again (docs/protocol.md, Sending a line exactly
once) got each such line twice, the second time out of order: once from the
catch-up or live, and again as the repeat's answer (``"repeat": true``),
after newer lines. The answer is for a line the connection would not
otherwise be sent; one it has or is sent confirms the ``client_id`` itself.
"""

from __future__ import annotations

import uuid

import pytest

from tests.functional.test_socket import SockJSClient
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def server():
    running = LiveServer(env={"PIRATECHAT_RECENT_LINES": "1"})
    running.start()
    yield running.url
    running.stop()


def room() -> str:
    return "repeat-" + uuid.uuid4().hex[:10]


def say(client: SockJSClient, text: str, client_id: str) -> None:
    client.send({"type": "say", "text": text, "client_id": client_id})


def next_line(client: SockJSClient) -> dict:
    return client.next_of("line")


def test_a_resent_line_the_connection_was_sent_is_not_sent_again(server):
    where = room()
    ann = SockJSClient(server)
    try:
        epoch = ann.join("Ann", room=where)["epoch"]
        say(ann, "ahoy", "ann-1")
        assert next_line(ann)["seq"] == 1
        say(ann, "ahoy", "ann-1")  # its echo was seen: the page would not, but may
        say(ann, "matey", "ann-2")
        assert (next_line(ann)["seq"], ann.pending) == (2, [])  # nothing between
    finally:
        ann.close()

    back = SockJSClient(server)  # came back, having seen line 2
    try:
        back.join("Ann", room=where, after=2, epoch=epoch)
        say(back, "ahoy", "ann-1")
        say(back, "matey", "ann-2")
        say(back, "arr", "ann-3")
        assert next_line(back)["seq"] == 3  # lines 1 and 2 not again
    finally:
        back.close()


def test_a_resent_line_in_the_catch_up_comes_once(server):
    where = room()
    ann = SockJSClient(server)
    try:
        epoch = ann.join("Ann", room=where)["epoch"]
        say(ann, "ahoy", "ann-1")
        assert next_line(ann)["seq"] == 1
    finally:
        ann.close()
    back = SockJSClient(server)  # its echo lost: it knew no line of the room
    try:
        back.join("Ann", room=where, after=0, epoch=epoch)
        assert next_line(back)["seq"] == 1  # the catch-up confirms it
        say(back, "ahoy", "ann-1")  # and the outbox still sends it
        say(back, "arr", "ann-2")
        assert next_line(back)["seq"] == 2
    finally:
        back.close()


def test_the_repeat_is_answered_when_the_line_is_not_sent_otherwise(server):
    where = room()
    ann = SockJSClient(server)
    try:
        ann.join("Ann", room=where)
        say(ann, "ahoy", "ann-1")
        say(ann, "arr", "ann-2")
        assert [next_line(ann)["seq"] for _ in range(2)] == [1, 2]
    finally:
        ann.close()
    fresh = SockJSClient(server)  # a new page with the old outbox: one recent line
    try:
        fresh.join("Ann", room=where)
        assert next_line(fresh)["seq"] == 2
        say(fresh, "ahoy", "ann-1")
        answer = next_line(fresh)
        assert (answer["seq"], answer["client_id"], answer["repeat"]) == (1, "ann-1", True)
    finally:
        fresh.close()
