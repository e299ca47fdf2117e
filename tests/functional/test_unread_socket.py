"""Unread counts that follow a reader, over real sockets (docs/protocol.md,
"Unread counts"): a member's marks are theirs in every connection, an anonymous
reader's are their page key's, and reading in one connection tells the others."""

import uuid

import pytest

from piratechat.chat.core.tokens import issue
from tests.functional.test_member_tokens_socket import SECRET, server  # noqa: F401
from tests.functional.test_socket import SockJSClient


def room() -> str:
    return "unread-" + uuid.uuid4().hex[:10]


def key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def clients(server):  # noqa: F811
    made = []

    def make():
        made.append(SockJSClient(server))
        return made[-1]

    yield make
    for client in made:
        client.close()


def as_member(client: SockJSClient, name: str, where: str) -> dict:
    return client.join(name, room=where, token=issue(SECRET, name), sender_key=key())


def say_lines(client: SockJSClient, where: str, count: int) -> int:
    client.join(room=where)
    seq = 0
    for n in range(count):
        text = f"line {n} {uuid.uuid4().hex[:6]}"
        client.send({"type": "say", "text": text})
        seq = client.line_saying(text)["seq"]
    return seq


def test_reading_in_one_connection_clears_the_count_in_the_members_others(clients):
    member, where, elsewhere = "Anne " + uuid.uuid4().hex[:6], room(), room()
    laptop, phone, speaker = clients(), clients(), clients()
    joined = as_member(laptop, member, where)
    assert joined["last_read"] is None  # never read here
    laptop.send({"type": "read", "seq": 0})
    assert laptop.next_of("unread") == {"type": "unread", "room": where, "last_read": 0,
                                        "last": 0, "count": 0}
    last = say_lines(speaker, where, 3)
    as_member(phone, member, elsewhere)  # the same member, another room, another key
    phone.send({"type": "unread", "rooms": [where, elsewhere]})
    assert phone.next_of("unread") == {"type": "unread", "room": where, "last_read": 0,
                                       "last": last, "count": 3}
    laptop.send({"type": "read", "seq": last})
    pushed = phone.next_of("unread")
    assert (pushed["room"], pushed["last_read"], pushed["count"]) == (where, last, 0)


def test_a_mark_never_goes_past_the_rooms_last_line_nor_back(clients):
    where = room()
    speaker, reader = clients(), clients()
    last = say_lines(speaker, where, 2)
    reader.join(room=where, sender_key=key())
    reader.send({"type": "read", "seq": 10**9})
    assert reader.next_of("unread")["last_read"] == last
    reader.send({"type": "read", "seq": 1})
    assert reader.next_of("unread")["last_read"] == last


def test_an_anonymous_reader_is_their_pages_key_and_nobody_elses(clients):
    where, mine, theirs = room(), key(), key()
    speaker, one, other = clients(), clients(), clients()
    say_lines(speaker, where, 2)
    one.join(room=where, sender_key=mine)
    one.send({"type": "read", "seq": 1})
    one.next_of("unread")
    other.join(room=where, sender_key=theirs)
    other.send({"type": "unread", "rooms": [where]})
    other.send({"type": "read", "seq": 0})
    told = other.next_of("unread")  # only the answer to its own read: no count of one's
    assert told["last_read"] == 0
    again = clients()
    assert again.join(room=where, sender_key=mine)["last_read"] == 1


@pytest.mark.parametrize(("message", "code"), [
    ({"type": "read", "seq": -1}, "bad_message"),
    ({"type": "read", "seq": "3"}, "bad_message"),
    ({"type": "read", "seq": 1, "room": "another-room"}, "bad_room"),
    ({"type": "unread", "rooms": "lobby"}, "bad_message"),
    ({"type": "unread", "rooms": ["bad room/../"]}, "bad_room"),
    ({"type": "unread", "rooms": ["r"] * 51}, "bad_message"),
])
def test_bad_requests_get_their_code_and_the_connection_stays(clients, message, code):
    client = clients()
    client.join(room=room(), sender_key=key())
    client.send(message)
    assert client.next_of("error")["code"] == code
    client.send({"type": "read", "seq": 0})
    assert client.next_of("unread")["last_read"] == 0


def test_a_reader_without_a_key_or_token_has_no_marks(clients):
    client = clients()
    client.send({"type": "read", "seq": 0})
    assert client.next_of("error")["code"] == "not_joined"
    client.join(room=room())
    client.send({"type": "read", "seq": 0})
    assert client.next_of("error")["code"] == "no_reader"
