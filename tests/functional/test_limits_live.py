"""Limits per client address and per room on a live server (issue 13, finding 1).

The server trusts 127.0.0.1 as a proxy, so each test plays several clients
by sending X-Forwarded-For, as nginx would. Rates are tiny (nothing refills
while a test runs) and bursts small: what is counted is how many are taken.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
import websocket

from tests.support.server import LiveServer

LIMITS = {
    "PIRATECHAT_TRUSTED_PROXIES": "127.0.0.1",
    "PIRATECHAT_ADDRESS_CONNECTIONS": "3",
    "PIRATECHAT_ADDRESS_LINES_PER_SECOND": "0.0001",
    "PIRATECHAT_ADDRESS_BURST": "4",
    "PIRATECHAT_ROOM_LINES_PER_SECOND": "0.0001",
    "PIRATECHAT_ROOM_BURST": "6",
    "PIRATECHAT_ROOMS_PER_MINUTE": "0.0001",
    "PIRATECHAT_ROOMS_BURST": "2",
    "PIRATECHAT_TRANSLATOR_CHANGES_PER_MINUTE": "2",
    "PIRATECHAT_TRANSLATION_SHARE": "0.000001",
}


@pytest.fixture(scope="module")
def url():
    server = LiveServer(env=LIMITS)
    yield server.start()
    server.stop()


def an_address() -> str:
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


def a_room() -> str:
    return "limits-" + uuid.uuid4().hex[:10]


class Client:
    """A raw WebSocket chat client, as the address ``address``."""

    def __init__(self, url: str, address: str):
        self.ws = websocket.create_connection(
            "ws" + url[len("http"):] + "/sockjs/websocket", timeout=10,
            header=[f"X-Forwarded-For: {address}"])

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps(message))

    def next_of(self, *kinds: str) -> dict:
        while True:
            message = json.loads(self.ws.recv())
            if message["type"] in (*kinds, "error"):
                return message

    def join(self, room: str) -> dict:
        self.name = "Ann " + uuid.uuid4().hex[:6]  # names are unique in a room
        self.send({"type": "join", "name": self.name, "room": room})
        return self.next_of("joined")

    def say(self, text: str) -> dict:
        """The line as stored, or the error."""
        self.send({"type": "say", "text": text})
        while True:
            message = self.next_of("line")
            if message["type"] == "error" or message["text"] == text:
                return message


def post_room(url: str, name: str, address: str) -> tuple[int, str]:
    request = urllib.request.Request(url + "/rooms/", data=f"room={name}".encode(),
                                     headers={"X-Forwarded-For": address})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_an_address_holds_at_most_address_connections(url):
    address = an_address()
    held = [Client(url, address) for _ in range(3)]
    for client in held:
        assert client.join(a_room())["type"] == "joined"
    extra = Client(url, address)
    error = json.loads(extra.ws.recv())
    assert error["code"] == "too_many_connections"
    assert "at most 3" in error["message"]
    frame = extra.ws.recv_data_frame()[1]
    assert frame.opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(frame.data[:2], "big") == 4029
    other = Client(url, an_address())  # another address is not affected
    assert other.join(a_room())["type"] == "joined"
    held.pop().ws.close()
    for _ in range(100):  # bounded: the server counts the close once it has read it
        again = Client(url, address)
        again.send({"type": "join", "name": "Ann", "room": a_room()})
        answer = again.next_of("joined")
        if answer["type"] == "joined":
            break
        again.ws.close()
    assert answer["type"] == "joined", answer


def test_lines_from_one_address_are_limited_over_all_its_connections(url):
    address = an_address()
    one, two = Client(url, address), Client(url, address)
    one.join(a_room())
    two.join(a_room())
    for n in range(2):
        assert one.say(f"one {n}")["type"] == "line"
        assert two.say(f"two {n}")["type"] == "line"
    refused = one.say("one more")
    assert refused["code"] == "flood"
    assert "your address is saying lines too fast" in refused["message"]
    assert Client(url, an_address()).join(a_room())["type"] == "joined"


def test_lines_in_one_room_are_limited_over_all_its_addresses(url):
    room = a_room()
    speakers = [Client(url, an_address()) for _ in range(4)]
    for speaker in speakers:
        speaker.join(room)
    for number, speaker in enumerate(speakers[:3]):
        for n in range(2):
            assert speaker.say(f"line {number}.{n}")["type"] == "line"  # 6: the room's burst
    refused = speakers[3].say("one too many")
    assert refused.get("code") == "flood", refused
    assert "this room is taking lines too fast" in refused["message"]
    elsewhere = Client(url, an_address())
    elsewhere.join(a_room())
    assert elsewhere.say("another room")["type"] == "line"


def test_an_address_creates_at_most_rooms_burst_rooms(url):
    address = an_address()
    assert post_room(url, a_room(), address)[0] == 303
    assert post_room(url, a_room(), address)[0] == 303
    status, text = post_room(url, a_room(), address)
    assert status == 429 and "Too many new rooms from your address" in text
    assert post_room(url, "lobby", address)[0] == 303  # opening one that exists is no creation
    assert post_room(url, a_room(), an_address())[0] == 303


def test_a_rooms_parrot_changes_are_limited(url):
    room = a_room()
    assert post_room(url, room, an_address())[0] == 303
    clients = [Client(url, an_address()) for _ in range(3)]
    for client in clients:
        client.join(room)
    for client, name in zip(clients[:2], ("bard", "pirate"), strict=True):
        client.send({"type": "translator", "name": name})
        while (notice := client.next_of("translator"))["by"] != client.name or (
                notice["name"] != name):
            assert notice["type"] == "translator", notice
    clients[2].send({"type": "translator", "name": "bard"})
    while True:  # past the notices of the two changes made
        refused = clients[2].next_of("translator")
        if refused["type"] == "error":
            break
    assert refused["code"] == "flood" and "parrot was changed too often" in refused["message"]


def test_a_room_over_its_translation_share_hears_the_pirate(url):
    room = a_room()
    assert post_room(url, room, an_address())[0] == 303
    ann = Client(url, an_address())
    ann.join(room)
    ann.send({"type": "translator", "name": "bard"})
    assert ann.next_of("translator")["name"] == "bard"
    first = ann.say("Thank you")
    assert first["translator"] == "bard"  # the first call is let through, then charged
    second = ann.say("Thank you again")
    assert (second["translator"], second.get("fallback")) == ("pirate", "bard")
