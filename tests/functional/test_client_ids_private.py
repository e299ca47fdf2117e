"""A line's ``client_id`` is its sender's business (issue 25, finding 3): over a live
server, other members are never sent it, a repeat is found per sender only, and
only the sender is told a line was its own (``said``).

The attack these guard against: Mallory, seeing Alice's ids, says a line with
Alice's next id first; Alice's own line was then taken as a repeat of
Mallory's, not stored, and her page showed Mallory's text as its echo.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.request

import pytest

from tests.functional.test_rooms_socket import clients, fresh_room  # noqa: F401


def history(live_server: str, room: str) -> dict:
    with urllib.request.urlopen(f"{live_server}/rooms/{room}/history") as response:
        return json.load(response)


def sender_key() -> str:
    return secrets.token_urlsafe(16)


#: Seconds a test waits for a message it expects (heartbeats keep a socket busy).
WAIT = 20


def next_within(client, deadline: float) -> dict:
    """``client.next()`` that gives up at ``deadline`` (heartbeats never end a wait)."""
    while not client.pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not told in {WAIT} s")
        frame = client.ws.recv()
        if frame.startswith("a"):
            client.pending.extend(json.loads(m) for m in json.loads(frame[1:]))
        elif frame.startswith("c"):
            raise ConnectionError(frame)
    return client.pending.pop(0)


def line_saying(client, text: str) -> dict:
    return everything_until(client, text)[-1]


def answer_to_say(client, client_id: str) -> dict:
    """What the sender is told of its ``say`` with ``client_id``: ``said``, or the
    ``line`` marked ``repeat`` (the room held the id already)."""
    deadline = time.monotonic() + WAIT
    while True:
        message = next_within(client, deadline)
        assert message["type"] != "error", message
        if ((message["type"] == "said" or message.get("repeat"))
                and message.get("client_id") == client_id):
            return message


def everything_until(client, text: str) -> list[dict]:
    """Every message ``client`` gets up to the line saying ``text``."""
    got, deadline = [], time.monotonic() + WAIT
    while not (got and got[-1]["type"] == "line" and got[-1]["text"] == text):
        got.append(next_within(client, deadline))
    return got


@pytest.mark.parametrize("keyed", [True, False], ids=["sender keys", "names only"])
def test_another_member_cannot_make_alice_s_line_a_repeat(clients, live_server, keyed):  # noqa: F811
    room = fresh_room()
    alice, mallory = clients(), clients()
    alice.join("Alice", room=room, **({"sender_key": sender_key()} if keyed else {}))
    mallory.join("Mallory", room=room, **({"sender_key": sender_key()} if keyed else {}))
    alice.send({"type": "say", "text": "Hello, friend", "client_id": "alice-1"})
    line_saying(mallory, "Hello, friend")
    # Mallory says a line with Alice's next id before she does...
    mallory.send({"type": "say", "text": "I am a fool", "client_id": "alice-2"})
    line_saying(alice, "I am a fool")
    # ...and Alice's own line with it is still hers: stored, and told to her as new
    alice.send({"type": "say", "text": "the beer", "client_id": "alice-2"})
    told = answer_to_say(alice, "alice-2")
    assert not told.get("repeat"), f"Alice's line was taken for Mallory's: {told}"
    assert (told["type"], told["seq"]) == ("said", 3)
    assert line_saying(alice, "the beer")["author"] == "Alice"
    lines = history(live_server, room)["lines"]
    assert [(line["author"], line["text"]) for line in lines] == [
        ("Alice", "Hello, friend"), ("Mallory", "I am a fool"), ("Alice", "the beer")]
    assert answer_to_say(mallory, "alice-2")["seq"] == 2  # and Mallory's is Mallory's


def test_other_members_never_get_a_line_s_client_id(clients, live_server):  # noqa: F811
    room = fresh_room()
    alice, bob = clients(), clients()
    alice.join("Alice", room=room, sender_key=sender_key())
    bob.join("Bob", room=room, sender_key=sender_key())
    alice.send({"type": "say", "text": "Hello, friend", "client_id": "alice-1"})
    live = everything_until(bob, "Hello, friend")
    newcomer = clients()  # a join's backlog...
    newcomer.join("Carl", room=room)
    backlog = everything_until(newcomer, "Hello, friend")
    again = clients()  # ...and a rejoin's catch-up
    again.join("Dora", room=room, after=0)
    catch_up = everything_until(again, "Hello, friend")
    page = history(live_server, room)
    assert page["lines"][0]["text"] == "Hello, friend"
    for seen in (live, backlog, catch_up, page["lines"]):
        assert "alice-1" not in json.dumps(seen), seen
        assert not any(message["type"] == "said" for message in seen), seen
    assert answer_to_say(alice, "alice-1")["seq"] == 1  # the sender alone is told


def test_said_tells_only_the_sender_which_lines_were_its_own(clients):  # noqa: F811
    room = fresh_room()
    alice, bob = clients(), clients()
    alice.join("Alice", room=room, sender_key=sender_key())
    bob.join("Bob", room=room)
    alice.send({"type": "say", "text": "Hello, friend", "client_id": "alice-1"})
    alice.send({"type": "say", "text": "Thank you", "client_id": "alice-2"})
    bob.send({"type": "say", "text": "the beer"})  # without a client id: told all the same
    to_alice = [answer_to_say(alice, "alice-1"), answer_to_say(alice, "alice-2")]
    to_alice += everything_until(alice, "the beer")
    to_bob = everything_until(bob, "the beer")
    bob.send({"type": "say", "text": "Goodbye"})
    to_bob += everything_until(bob, "Goodbye")
    while sum(message["type"] == "said" for message in to_bob) < 2:
        to_bob.append(next_within(bob, time.monotonic() + WAIT))  # may follow its line
    seqs = {message["text"]: message["seq"] for message in to_bob if message["type"] == "line"}
    assert [(m["seq"], m.get("client_id")) for m in to_alice if m["type"] == "said"] == [
        (seqs["Hello, friend"], "alice-1"), (seqs["Thank you"], "alice-2")]
    assert [(m["seq"], m.get("client_id")) for m in to_bob if m["type"] == "said"] == [
        (seqs["the beer"], None), (seqs["Goodbye"], None)]


def test_a_resend_with_the_same_sender_key_is_a_repeat_whatever_the_name(clients, live_server):  # noqa: F811
    room, key = fresh_room(), sender_key()
    first = clients()
    first.join("Ann", room=room, sender_key=key)
    first.send({"type": "say", "text": "Hello, friend", "client_id": "ann-1"})
    first.close()  # cut: its answer may never arrive
    watcher = clients()
    watcher.join("Watcher", room=room, after=0)
    line_saying(watcher, "Hello, friend")  # stored
    again = clients()
    again.join("Ann the Bold", room=room, sender_key=key, after=0)  # renamed meanwhile
    again.send({"type": "say", "text": "Hello, friend", "client_id": "ann-1"})
    answer = answer_to_say(again, "ann-1")  # its join sent line 1: a said, not the line again
    assert (answer["type"], answer["seq"], answer.get("repeat")) == ("said", 1, None)
    other = clients()  # another browser's key: ids of its own, even the same ones
    other.join("Ann", room=room, sender_key=sender_key())
    other.send({"type": "say", "text": "Hello, friend", "client_id": "ann-1"})
    assert answer_to_say(other, "ann-1") == {"type": "said", "room": room,
                                             "epoch": answer["epoch"], "seq": 2,
                                             "client_id": "ann-1"}
    assert history(live_server, room)["last"] == 2


@pytest.mark.parametrize("bad", [5, "", "short", "x" * 65, "new\nline-and-more!", "é" * 20])
def test_a_bad_sender_key_is_refused(clients, bad):  # noqa: F811
    client = clients()
    client.send({"type": "join", "name": "Ann", "room": fresh_room(), "sender_key": bad})
    error = next_within(client, time.monotonic() + WAIT)
    assert error["type"] == "error", error
    assert error["code"] == "bad_message" and "sender_key" in error["message"]
    client.send({"type": "say", "text": "Hello"})
    refused = next_within(client, time.monotonic() + WAIT)
    assert (refused["type"], refused["code"]) == ("error", "not_joined")  # the join was refused
