"""The chat over real sockets: a live server, WebSocket clients, bad input."""

import json
import uuid

import pytest
import websocket


def ws_url(http_url: str, path: str) -> str:
    return "ws" + http_url[len("http"):] + path


class SockJSClient:
    """A minimal SockJS-over-WebSocket client speaking the chat protocol."""

    def __init__(self, url: str):
        self.ws = websocket.create_connection(
            ws_url(url, f"/sockjs/000/{uuid.uuid4().hex}/websocket"), timeout=10
        )
        assert self.ws.recv() == "o"
        self.pending: list[dict] = []

    def send(self, message) -> None:
        raw = message if isinstance(message, str) else json.dumps(message)
        self.ws.send(json.dumps([raw]))

    def next(self) -> dict:
        while not self.pending:
            frame = self.ws.recv()
            if frame.startswith("a"):
                self.pending.extend(json.loads(m) for m in json.loads(frame[1:]))
            elif frame.startswith("c"):
                raise ConnectionError(frame)
        return self.pending.pop(0)

    def next_of(self, kind: str) -> dict:
        while True:
            message = self.next()
            if message["type"] == kind:
                return message

    def line_saying(self, text: str) -> dict:
        """The next line whose original text is ``text`` (skips the backlog)."""
        while True:
            message = self.next()
            if message["type"] == "line" and message["text"] == text:
                return message
            assert message["type"] != "error", message

    def join(self, name=None, **extra) -> dict:
        """Join as ``name``; by default a name of its own (names are unique in a room)."""
        self.send({"type": "join", "name": name or "Tester " + uuid.uuid4().hex[:8], **extra})
        return self.next_of("joined")

    def close(self):
        self.ws.close()


@pytest.fixture
def client(live_server):
    c = SockJSClient(live_server)
    yield c
    c.close()


def test_story_over_websocket(live_server, client):
    client.join("Ann")
    client.send({"type": "say", "text": "pyramid_sockjs is cool"})
    line = client.line_saying("pyramid_sockjs is cool")
    assert (line["author"], line["text"], line["translation"]) == (
        "Ann", "pyramid_sockjs is cool", "pyramid_sockjs be cool")


def test_everyone_in_the_room_gets_the_line(live_server):
    a, b = SockJSClient(live_server), SockJSClient(live_server)
    try:
        a.join("A")
        b.join("B")
        text = "Hello mate " + uuid.uuid4().hex
        a.send({"type": "say", "text": text})
        got_a, got_b = a.line_saying(text), b.line_saying(text)
        assert got_a == got_b and got_a["translation"].startswith("Avast mate")
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize(
    "message, code",
    [
        ("this is not json", "bad_json"),
        ({"type": "dance"}, "unknown_type"),
        ({"type": "say", "text": "x" * 2001}, "too_long"),
        ({"type": "say", "text": "   "}, "empty"),
        ({"type": "say", "text": 42}, "bad_message"),
    ],
)
def test_bad_input_gets_an_error_and_the_connection_stays_usable(client, message, code):
    client.join()
    client.send(message)
    error = client.next_of("error")
    assert error["code"] == code and error["message"]
    client.send({"type": "say", "text": "still here"})
    assert client.line_saying("still here")["author"].startswith("Tester")


def test_a_line_at_the_limit_is_accepted(client):
    client.join()
    client.send({"type": "say", "text": "y" * 2000})
    assert client.line_saying("y" * 2000)["translation"] == "y" * 2000


def test_say_before_join_is_refused(client):
    client.send({"type": "say", "text": "hello"})
    assert client.next_of("error")["code"] == "not_joined"


def test_raw_websocket_speaks_plain_json(live_server):
    ws = websocket.create_connection(ws_url(live_server, "/sockjs/websocket"), timeout=10)
    try:
        ws.send(json.dumps({"type": "join", "name": "Raw"}))
        assert json.loads(ws.recv())["type"] == "joined"
        ws.send(json.dumps({"type": "say", "text": "Hello, friend"}))
        while (message := json.loads(ws.recv()))["type"] != "line" or message["author"] != "Raw":
            pass
        assert message["translation"] == "Avast, mate"
    finally:
        ws.close()


def test_broken_sockjs_framing_closes_only_that_socket(live_server, client):
    bad = websocket.create_connection(
        ws_url(live_server, f"/sockjs/000/{uuid.uuid4().hex}/websocket"), timeout=10)
    assert bad.recv() == "o"
    bad.send('["unterminated')
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        while True:
            if not bad.recv():
                raise websocket.WebSocketConnectionClosedException()
    client.join()
    client.send({"type": "say", "text": "the worker lives"})
    assert client.line_saying("the worker lives")["translation"] == "thar worker lives"
