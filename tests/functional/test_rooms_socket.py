"""Rooms over real sockets: a live server, SockJS WebSocket clients, one room each test.

Lines stay in their room; a join gets the stored lines, then live ones; a
reconnect with ``after`` gets exactly what it missed; many connections at
once agree on one order. (test_join_race.py pins down a join racing a commit.)
"""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.functional.test_socket import SockJSClient


def fresh_room() -> str:
    return "room-" + uuid.uuid4().hex[:12]


def lines_of(client: SockJSClient, count: int) -> list[dict]:
    """The next ``count`` line messages, failing on any error message."""
    got = []
    while len(got) < count:
        message = client.next()
        assert message["type"] != "error", message
        if message["type"] == "line":
            got.append(message)
    return got


def say_and_wait(client: SockJSClient, text: str) -> dict:
    client.send({"type": "say", "text": text})
    return client.line_saying(text)


@pytest.fixture
def clients(live_server):
    opened: list[SockJSClient] = []

    def open_client() -> SockJSClient:
        opened.append(SockJSClient(live_server))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()


def test_lines_never_cross_rooms(clients):
    deck, hold = fresh_room(), fresh_room()
    ann, bob = clients(), clients()
    ann.join("Ann", room=deck)
    bob.join("Bob", room=hold)
    assert say_and_wait(ann, "on deck")["room"] == deck
    bob.send({"type": "say", "text": "in the hold"})
    (first,) = lines_of(bob, 1)  # "on deck" was published before this was said
    assert (first["room"], first["text"], first["seq"]) == (hold, "in the hold", 1)
    assert say_and_wait(ann, "still on deck")["seq"] == 2


def test_a_join_gets_the_recent_lines_then_live_ones(clients):
    room = fresh_room()
    writers = [clients() for _ in range(3)]
    for n, writer in enumerate(writers):
        writer.join(f"W{n}", room=room)
    for n in range(55):  # three connections: each stays within its burst
        say_and_wait(writers[n % 3], f"line {n + 1}")
    late = clients()
    assert late.join("Late", room=room)["room"] == room
    backlog = lines_of(late, 50)  # recent_lines: the last 50, oldest first
    assert [line["seq"] for line in backlog] == list(range(6, 56))
    assert [line["text"] for line in backlog[:2]] == ["line 6", "line 7"]
    writers[0].send({"type": "say", "text": "live now"})
    (live,) = lines_of(late, 1)
    assert (live["seq"], live["text"]) == (56, "live now")


def test_a_reconnect_with_after_gets_exactly_what_it_missed(clients):
    room = fresh_room()
    ann, bob = clients(), clients()
    ann.join("Ann", room=room)
    bob.join("Bob", room=room)
    for n in range(1, 6):
        say_and_wait(ann, f"line {n}")
    assert [line["seq"] for line in lines_of(bob, 5)] == [1, 2, 3, 4, 5]
    bob.close()  # the connection drops...
    for n in range(6, 10):
        say_and_wait(ann, f"line {n}")  # ...while the room goes on
    bob = clients()
    bob.join("Bob", room=room, after=5)
    ann.send({"type": "say", "text": "line 10"})
    got = lines_of(bob, 5)
    assert [(line["seq"], line["text"]) for line in got] == [
        (n, f"line {n}") for n in range(6, 11)]
    bob.send({"type": "say", "text": "back"})
    assert lines_of(bob, 1)[0]["seq"] == 11  # nothing repeated before it


def test_after_beyond_the_rooms_history_resets_the_client(clients):
    room = fresh_room()
    ann = clients()
    ann.join("Ann", room=room)
    say_and_wait(ann, "one")
    say_and_wait(ann, "two")
    again = clients()
    again.join("Ann again", room=room, after=1000)  # e.g. the server's database was replaced
    assert again.next() == {"type": "reset", "room": room, "seq": 2}
    assert [line["seq"] for line in lines_of(again, 2)] == [1, 2]


@pytest.mark.parametrize("room", ["Bad Room", "../lobby", "a/b", "", "x" * 65, 42, "lobby\x00"])
def test_a_room_must_be_a_slug(clients, room):
    client = clients()
    client.send({"type": "join", "name": "Ann", "room": room})
    error = client.next_of("error")
    assert error["code"] == "bad_room" and error["message"]
    assert client.join("Ann", room="lobby")["room"] == "lobby"  # and the connection is usable


@pytest.mark.parametrize("after", [-1, "3", True, 1.5])
def test_after_must_be_a_whole_number(clients, after):
    client = clients()
    client.send({"type": "join", "name": "Ann", "room": "lobby", "after": after})
    assert client.next_of("error")["code"] == "bad_message"


def test_hundreds_of_lines_at_once_from_many_connections_all_kept_in_one_order(
        clients, live_server):
    room = fresh_room()
    crew = [clients() for _ in range(20)]
    for n, client in enumerate(crew):
        client.join(f"P{n}", room=room)
    for n, client in enumerate(crew):  # everyone talks at once, without waiting
        for k in range(20):
            client.send({"type": "say", "text": f"P{n} line {k}"})
    seen = [[(line["seq"], line["text"]) for line in lines_of(client, 400)] for client in crew]
    assert all(order == seen[0] for order in seen)  # one order, seen by everyone
    assert [seq for seq, _ in seen[0]] == list(range(1, 401))
    assert sorted(text for _, text in seen[0]) == sorted(
        f"P{n} line {k}" for n in range(20) for k in range(20))
    stored = []
    while len(stored) < 400:
        url = f"{live_server}/rooms/{room}/history?after={len(stored)}&limit=1000"
        stored += json.load(urllib.request.urlopen(url))["lines"]
    assert [(line["seq"], line["text"]) for line in stored] == seen[0]  # what all saw is kept
