"""Budgets of reads, joins, rooms, keys and translation on a live server (issue 25,
findings 4 and 7).

As in test_limits_live.py, the server trusts 127.0.0.1 as a proxy, so each test
plays several clients by sending X-Forwarded-For, and rates are tiny (nothing
refills while a test runs): what is counted is how much is taken.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from piratechat.chat.core.messages import dumps
from tests.functional.test_limits_live import Client, a_room, an_address, post_room
from tests.support.server import LiveServer

READ_BURST = 20_000
BUDGETS = {
    "PIRATECHAT_TRUSTED_PROXIES": "127.0.0.1",
    "PIRATECHAT_BURST": "1000",  # one connection says a room's 40 lines at once
    "PIRATECHAT_READ_BYTES_PER_SECOND": "0.0001",
    "PIRATECHAT_READ_BURST": str(READ_BURST),
    "PIRATECHAT_JOINS_PER_MINUTE": "0.0001",
    "PIRATECHAT_JOINS_BURST": "4",
    "PIRATECHAT_ROOMS_PER_MINUTE": "0.0001",
    "PIRATECHAT_ROOMS_BURST": "2",
    "PIRATECHAT_TRANSLATOR_CHANGES_PER_MINUTE": "2",
    "PIRATECHAT_WRONG_KEYS_PER_MINUTE": "0.0001",  # one at once (its burst is at least 1)
    "PIRATECHAT_PROCESS_TRANSLATION_SHARE": "0.000001",
    "PIRATECHAT_METRICS_ADDRESSES": "127.0.0.1 ::1 192.0.2.0/24",
}


@pytest.fixture(scope="module")
def url():
    server = LiveServer(env=BUDGETS)
    yield server.start()
    server.stop()


def get(url: str, address: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": address})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def room_with_lines(url: str, count: int, size: int = 1000) -> str:
    """A new room holding ``count`` lines of ``size`` characters (said from an address
    of their own, so no other test's budget is touched)."""
    room = a_room()
    assert post_room(url, room, an_address())[0] == 303
    speaker = Client(url, an_address())
    speaker.join(room)
    for n in range(count):
        assert speaker.say(f"{n} " + "y" * size)["type"] == "line"
    speaker.ws.close()
    return room


def joined_with_backlog(client: Client, room: str, after: int) -> list[dict]:
    """What a join with ``after`` is sent before live lines: up to its last line."""
    client.name = "Bo " + an_address()
    client.send({"type": "join", "name": client.name, "room": room, "after": after})
    assert client.next_of("joined")["type"] == "joined"
    got = []
    while not got or got[-1].get("seq") != 40:  # the room's last line comes last
        message = json.loads(client.ws.recv())
        assert message["type"] in ("gap", "line"), message
        got.append(message)
    return got


def test_history_requests_past_an_addresss_read_budget_get_429(url):
    room = room_with_lines(url, 30)
    history = f"{url}/rooms/{room}/history?limit=1000"
    reader = an_address()
    status, _, body = get(history, reader)
    assert status == 200 and len(json.loads(body)["lines"]) == 30  # one answer may overdraw
    status, headers, body = get(history, reader)
    assert status == 429, status
    assert "Too much history read from your address" in json.loads(body)["error"]
    assert headers["Retry-After"]
    assert get(history, an_address())[0] == 200  # another address reads on


def test_a_rejoin_with_after_0_gets_what_its_address_may_read_and_a_gap(url):
    room = room_with_lines(url, 40)
    client = Client(url, an_address())
    first = joined_with_backlog(client, room, 0)
    lines = [m for m in first if m["type"] == "line"]
    assert first[0] == {"type": "gap", "room": room, "after": 0, "before": lines[0]["seq"]}
    assert 1 < len(lines) < 40
    assert sum(len(dumps(m)) for m in lines) <= READ_BURST
    again = joined_with_backlog(client, room, 0)  # the budget is spent: one line, and a gap
    assert [m["type"] for m in again] == ["gap", "line"] and again[1]["seq"] == 40
    elsewhere = joined_with_backlog(Client(url, an_address()), room, 0)
    assert len(elsewhere) == len(first)  # another address has its own budget


def test_joins_past_an_addresss_budget_are_refused(url):
    address = an_address()
    client = Client(url, address)
    for _ in range(4):
        assert client.join(a_room())["type"] == "joined"
    refused = client.join(a_room())
    assert refused["code"] == "too_many_joins", refused
    assert "joining rooms too often" in refused["message"]
    assert Client(url, an_address()).join(a_room())["type"] == "joined"


def test_metrics_answer_only_the_addresses_in_metrics_addresses(url):
    status, _, body = get(url + "/metrics", an_address())  # 10.x: not listed
    assert status == 403 and b"metrics_addresses" in body
    status, _, body = get(url + "/metrics", "192.0.2.7")  # in a listed network
    assert status == 200 and b"piratechat_lines_total" in body
    with urllib.request.urlopen(url + "/metrics", timeout=10) as answer:  # loopback itself
        assert answer.status == 200


def test_lines_that_make_rooms_count_as_rooms_made(url):
    address = an_address()
    client = Client(url, address)
    for _ in range(2):  # the rooms burst: two rooms made by lines
        client.join(a_room())
        assert client.say("first!")["type"] == "line"
        assert client.say("and again")["type"] == "line"  # one room, counted once
    client.join(a_room())
    refused = client.say("a third new room")
    assert refused.get("code") == "too_many_rooms", refused
    assert "Too many new rooms from your address" in refused["message"]
    made = a_room()
    assert post_room(url, made, an_address())[0] == 303  # made by the form, empty
    client.join(made)
    assert client.say("a room someone made")["type"] == "line"


def test_the_process_share_of_translation_caps_all_rooms_together(url):
    line_of = {}
    for speaker in range(2):
        room = a_room()
        assert post_room(url, room, an_address())[0] == 303
        client = Client(url, an_address())
        client.join(room)
        client.send({"type": "translator", "name": "bard"})
        assert client.next_of("translator")["name"] == "bard"
        line_of[speaker] = client.say("Thank you, my friend")
    assert line_of[0]["translator"] == "bard"  # the first call is let through, then charged
    assert (line_of[1]["translator"], line_of[1].get("fallback")) == ("pirate", "bard")


def owned_room(url: str) -> tuple[str, str]:
    """A new room and its owner key."""
    room = a_room()
    request = urllib.request.Request(url + "/rooms/", data=f"room={room}".encode(),
                                     headers={"Accept": "application/json",
                                              "X-Forwarded-For": an_address()})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return room, json.loads(answer.read())["owner_key"]


def choose(client: Client, name: str, **extra) -> dict:
    """The room's notice of ``client``'s change, or the error."""
    client.send({"type": "translator", "name": name, **extra})
    while True:
        answer = client.next_of("translator")
        if answer["type"] == "error" or answer["by"] == client.name:
            return answer


def test_wrong_keys_never_spend_the_owners_changes(url):
    room, key = owned_room(url)
    owner, stranger = Client(url, an_address()), Client(url, an_address())
    owner.join(room)
    stranger.join(room)
    assert choose(owner, "bard", key=key, lock=True)["name"] == "bard"
    assert choose(stranger, "pirate", key="not the key")["code"] == "bad_key"
    refused = choose(stranger, "pirate", key="nor this")  # its address's wrong keys: spent
    assert refused["code"] == "flood" and "too many wrong keys" in refused["message"]
    assert choose(stranger, "pirate")["code"] == "locked"
    assert choose(stranger, "pirate")["code"] == "locked"
    assert choose(owner, "pirate", key=key)["name"] == "pirate"  # 2 a minute: the second


def test_others_changes_never_keep_the_owner_out(url):
    room, key = owned_room(url)
    owner, stranger = Client(url, an_address()), Client(url, an_address())
    owner.join(room)
    stranger.join(room)
    assert stranger.say("ahoy")["type"] == "line"  # the room is made, unlocked
    assert choose(stranger, "bard")["name"] == "bard"
    assert choose(stranger, "pirate")["name"] == "pirate"
    assert choose(stranger, "bard")["code"] == "flood"  # everyone's 2 a minute: spent
    assert choose(owner, "bard", key=key, lock=True)["name"] == "bard"
