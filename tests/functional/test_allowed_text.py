"""What text gets in (chat/core/text.py, docs/protocol.md "Allowed text"), on every
transport of a live server: the raw WebSocket, SockJS over WebSocket and SockJS
over HTTP (xhr). A refused message is answered with ``bad_text`` and stores
nothing; a name is held by one live connection per room."""

from __future__ import annotations

import json
import uuid

import pytest
import websocket
from sockjs_client import POST

from tests.functional.test_socket import SockJSClient, ws_url


class RawClient:
    """The raw WebSocket endpoint: one JSON message per text frame."""

    def __init__(self, url: str):
        self.ws = websocket.create_connection(ws_url(url, "/sockjs/websocket"), timeout=10)

    def send(self, raw: str) -> None:
        self.ws.send(raw)

    def next(self) -> dict:
        return json.loads(self.ws.recv())

    def close(self) -> None:
        self.ws.close()


class XhrClient:
    """SockJS over xhr-polling: sends with xhr_send, receives by polling xhr."""

    def __init__(self, url: str):
        self.url = f"{url}/sockjs/000/{uuid.uuid4().hex}"
        assert POST(self.url + "/xhr").body == b"o\n"
        self.pending: list[dict] = []

    def send(self, raw: str) -> None:
        assert POST(self.url + "/xhr_send", body=json.dumps([raw])).status == 204

    def next(self) -> dict:
        for _ in range(10):  # the live server's heartbeat is 2 s: 20 s at most
            if self.pending:
                break
            frame = POST(self.url + "/xhr", timeout=10).body.decode("utf-8")
            if frame.startswith("a"):
                self.pending.extend(json.loads(m) for m in json.loads(frame[1:]))
        assert self.pending, "no message in 10 polls"
        return self.pending.pop(0)

    def close(self) -> None:
        pass


class WsClient(SockJSClient):
    def send(self, raw) -> None:
        self.ws.send(json.dumps([raw]))


TRANSPORTS = {"raw websocket": RawClient, "sockjs websocket": WsClient, "sockjs xhr": XhrClient}


@pytest.fixture(params=list(TRANSPORTS))
def connect(request, live_server):
    opened = []

    def open_client():
        opened.append(TRANSPORTS[request.param](live_server))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()


def room() -> str:
    return "text-" + uuid.uuid4().hex[:12]


def next_not_line(client) -> dict:
    """The next message that is not a line (a new room has none; a line here
    means a refused one was stored)."""
    message = client.next()
    assert message["type"] != "line", message
    return message


def next_line(client) -> dict:
    """The next line (the sender is told ``said`` about its own too, maybe first)."""
    message = client.next()
    while message["type"] == "said":
        message = client.next()
    assert message["type"] == "line", message
    return message


def join(client, name: str, where: str) -> dict:
    client.send(json.dumps({"type": "join", "name": name, "room": where}))
    return next_not_line(client)


# JSON text as a client writes it: ``\\ud800`` is JSON's escape for a lone surrogate.
BAD_LINES = [
    ('"\\ud800"', "lone surrogate U+D800 at position 1"),
    ('"ahoy \\udfff!"', "lone surrogate U+DFFF at position 6"),
    ('"red \\u001b[31m"', "control character U+001B at position 5"),
    ('"bell \\u0007"', "control character U+0007"),
    ('"c1 \\u009b"', "control character U+009B"),
]
BAD_NAMES = [
    ('"Cap\\ud83d"', "lone surrogate U+D83D at position 4"),
    ('"\\u202eniatpaC"', "direction character U+202E at position 1"),
    ('"Ann\\u2066"', "direction character U+2066"),
    ('"Ann\\tBob"', "control or direction character U+0009"),
    ('"Ann\\u001b"', "control or direction character U+001B"),
]


@pytest.mark.parametrize("text, says", BAD_LINES, ids=[s for _, s in BAD_LINES])
def test_a_line_that_is_not_allowed_text_is_refused_and_not_stored(connect, text, says):
    speaker, where = connect(), room()
    assert join(speaker, "Ann", where)["type"] == "joined"
    speaker.send('{"type": "say", "text": ' + text + "}")
    error = next_not_line(speaker)
    assert (error["type"], error["code"]) == ("error", "bad_text") and says in error["message"]
    speaker.send(json.dumps({"type": "say", "text": "still here"}))  # the connection goes on
    line = next_line(speaker)
    assert (line["seq"], line["text"]) == (1, "still here")


@pytest.mark.parametrize("name, says", BAD_NAMES, ids=[s for _, s in BAD_NAMES])
def test_a_name_that_is_not_allowed_text_is_refused(connect, name, says):
    client = connect()
    client.send('{"type": "join", "name": ' + name + ', "room": "' + room() + '"}')
    error = client.next()
    assert (error["type"], error["code"]) == ("error", "bad_text") and says in error["message"]
    assert join(client, "Ann", room())["type"] == "joined"


def test_tabs_newlines_and_any_script_are_allowed_in_a_line(connect):
    client, where = connect(), room()
    join(client, "Ann", where)
    text = "tab\there\nnewline, 日本語, עברית \u202bmixed\u202c, 🦜"
    client.send(json.dumps({"type": "say", "text": text}))
    assert next_line(client)["text"] == text


def test_a_name_in_use_in_the_room_is_refused_until_its_holder_leaves(connect):
    where = room()
    first, second = connect(), connect()
    assert join(first, "Captain", where)["type"] == "joined"
    refused = join(second, "captain", where)  # case-blind
    assert (refused["type"], refused["code"]) == ("error", "name_taken")
    assert "'captain' is already in the room" in refused["message"]
    assert join(second, "Captain", room())["type"] == "joined"  # other rooms: free
    assert join(first, "Captain", where)["type"] == "joined"  # a rejoin as oneself: fine
    assert join(first, "Captain", room())["type"] == "joined"  # left the first room...
    assert join(second, "Captain", where)["type"] == "joined"  # ...so the name is free there
