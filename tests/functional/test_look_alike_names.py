"""Look-alike names over real sockets to a live server (docs/protocol.md, "Names"):
a name padded with a character that shows nothing is refused, a look-alike of a
name in the room is taken, and a member's token keeps the same rules."""

from __future__ import annotations

import time
import uuid

import pytest

from piratechat.chat.core.tokens import issue
from tests.functional.test_member_tokens_socket import SECRET, server  # noqa: F401
from tests.functional.test_socket import SockJSClient


@pytest.fixture
def connect(server):  # noqa: F811
    clients = []

    def new() -> SockJSClient:
        clients.append(SockJSClient(server))
        return clients[-1]

    yield new
    for client in clients:
        client.close()


def room() -> str:
    return "names-" + uuid.uuid4().hex[:8]


def join(client: SockJSClient, where: str, name: str | None = None, **extra) -> dict:
    """``joined``, or the error the join got."""
    message = {"type": "join", "room": where, **extra}
    if name is not None:
        message["name"] = name
    client.send(message)
    while True:
        answer = client.next()
        if answer["type"] in ("joined", "error"):
            return answer


@pytest.mark.parametrize(("padded", "code_point"), [
    ("Captain\u3164", "U+3164"),  # HANGUL FILLER after the name
    ("\u115fCaptain", "U+115F"),  # HANGUL CHOSEONG FILLER before it
    ("Capt\u200bain", "U+200B"),  # ZERO WIDTH SPACE inside it
])
def test_a_present_name_padded_with_an_invisible_character_is_refused(connect, padded,
                                                                      code_point):
    where, captain, other = room(), connect(), connect()
    assert join(captain, where, "Captain")["type"] == "joined"
    refused = join(other, where, padded)
    assert (refused["type"], refused.get("code")) == ("error", "bad_text")
    assert code_point in refused["message"], refused
    assert join(other, room(), padded)["code"] == "bad_text"  # in any room
    assert join(other, where, "Captain Flint")["name"] == "Captain Flint"  # goes on


@pytest.mark.parametrize("alike", [
    "Capta\u0456n",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
    "\u0421aptain",  # CYRILLIC CAPITAL LETTER ES
    "\uff23\uff41\uff50\uff54\uff41\uff49\uff4e",  # FULLWIDTH letters
    "CAPTAIN",
])
def test_a_look_alike_of_a_present_name_is_taken_until_its_holder_goes(connect, alike):
    where, captain, other = room(), connect(), connect()
    assert join(captain, where, "Captain")["type"] == "joined"
    taken = join(other, where, alike)
    assert (taken["type"], taken.get("code")) == ("error", "name_taken")
    assert "(as 'Captain')" in taken["message"]
    assert join(other, room(), alike)["type"] == "joined"  # another room: free
    assert join(captain, room(), "Captain")["type"] == "joined"  # the holder moves on...
    assert join(other, where, alike)["name"] == alike  # ...so the name is free here


def test_a_tokens_name_with_a_direction_override_is_refused(connect):
    client = connect()
    refused = join(client, room(), token=issue(SECRET, "Anne\u202eynnoB"))
    assert (refused["type"], refused.get("code")) == ("error", "bad_text")
    assert "U+202E" in refused["message"]
    refused = join(client, room(), token=issue(SECRET, "Anne Bonny\u3164"))
    assert (refused["type"], refused.get("code")) == ("error", "bad_text")
    assert join(client, room(), "Pirate " + uuid.uuid4().hex[:6])["type"] == "joined"


def test_an_anonymous_look_alike_of_a_members_name_is_taken(connect):
    tail = uuid.uuid4().hex[:6]
    member, stranger = connect(), connect()
    name = f"Anne Bonny {tail}"
    assert join(member, room(), token=issue(SECRET, name))["name"] == name
    alike = f"Anne B\u043enny {tail}"  # CYRILLIC SMALL LETTER O
    taken = join(stranger, room(), alike)
    assert (taken["type"], taken.get("code")) == ("error", "name_taken")
    assert "member" in taken["message"]


def test_a_name_is_free_again_once_its_holder_disconnects(connect):
    where, holder, other = room(), connect(), connect()
    assert join(holder, where, "Captain")["type"] == "joined"
    assert join(other, where, "Capta\u0456n")["code"] == "name_taken"
    holder.close()  # the server learns of it when the WebSocket closes: retry until then
    deadline = time.monotonic() + 10
    while (answer := join(other, where, "Capta\u0456n"))["type"] == "error":
        assert answer["code"] == "name_taken" and time.monotonic() < deadline, answer
        time.sleep(0.05)
    assert answer["name"] == "Capta\u0456n"
