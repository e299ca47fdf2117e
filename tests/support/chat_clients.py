"""Chat clients for the functional and cluster tests: SockJS over WebSocket,
and SockJS over xhr-polling (every poll a request of its own, so a proxy must
route each to the process holding the session)."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid

import websocket
from sockjs_client import POST


class Client:
    """What both transports share: the chat protocol on top of ``_frames``."""

    def __init__(self, timeout: float):
        self.timeout = timeout  # seconds to wait for a message (heartbeats don't count)
        self.pending: list[dict] = []
        self.seen: list[dict] = []  # every line message received, in order
        self.refused = 0  # says answered ``unavailable`` (and said again)

    def next(self) -> dict:
        """The next message; a line is also kept in ``seen``, whoever reads it."""
        deadline = time.monotonic() + self.timeout
        while not self.pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no message in {self.timeout} s")
            for frame in self._frames():
                if frame.startswith("a"):
                    self.pending.extend(json.loads(m) for m in json.loads(frame[1:]))
                elif frame.startswith("c"):
                    raise ConnectionError(frame)
        message = self.pending.pop(0)
        if message["type"] == "line":
            self.seen.append(message)
        return message

    def next_of(self, kind: str) -> dict:
        while True:
            message = self.next()
            if message["type"] == kind:
                return message
            assert message["type"] != "error", message

    def answer(self, kind: str) -> dict:
        """The next message of ``kind``, or an error, which a test may expect."""
        while True:
            message = self.next()
            if message["type"] in (kind, "error"):
                return message

    def choose(self, name: str, **extra) -> dict:
        """Choose the room's translator: the notice of this choice, or the error."""
        self.send({"type": "translator", "name": name, **extra})
        while True:
            answer = self.answer("translator")
            if answer["type"] == "error" or answer["name"] == name:
                return answer

    def join(self, room: str, name: str = "Tester", **extra) -> dict:
        self.send({"type": "join", "name": name, "room": room, **extra})
        return self.next_of("joined")

    def say(self, text: str) -> None:
        self.send({"type": "say", "text": text})

    def line_of(self, text: str) -> dict:
        """The next line that says ``text``, whoever said it."""
        while True:
            line = self.next_of("line")
            if line["text"] == text:
                return line

    def say_stored(self, text: str) -> dict:
        """Say ``text`` and wait for its line; said again when the storage
        answered ``unavailable`` (the protocol's advice: nothing was kept)."""
        self.say(text)
        while True:
            message = self.next()
            if message["type"] == "line":
                if message["text"] == text:
                    return message
            elif message["type"] == "error":
                assert message["code"] == "unavailable", message
                self.refused += 1
                self.say(text)

    def lines(self, count: int) -> list[dict]:
        """The first ``count`` line messages received (other messages skipped)."""
        while len(self.seen) < count:
            message = self.next()
            assert message["type"] != "error", message
        return self.seen[:count]


class WebSocketClient(Client):
    def __init__(self, url: str, timeout: float = 60):
        super().__init__(timeout)
        ws_url = "ws" + url[len("http"):] + f"/sockjs/000/{uuid.uuid4().hex}/websocket"
        self.ws = websocket.create_connection(ws_url, timeout=timeout)
        assert self.ws.recv() == "o"

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps([json.dumps(message)]))

    def _frames(self):
        return [self.ws.recv()]

    def close(self) -> None:
        self.ws.close()


def joined(url: str, room: str, name: str, timeout: float = 10) -> WebSocketClient:
    """A WebSocket client that has joined ``room`` as ``name``."""
    client = WebSocketClient(url, timeout=timeout)
    client.join(room, name)
    return client


class PollingClient(Client):
    """Polls all the time, from a thread of its own, as a browser does: a
    session nobody polls for ``disconnect_delay`` seconds is closed."""

    def __init__(self, url: str, timeout: float = 60):
        super().__init__(timeout)
        self.base = f"{url}/sockjs/{uuid.uuid4().int % 1000:03d}/{uuid.uuid4().hex}"
        self.frames: queue.Queue = queue.Queue()
        self.stopped = threading.Event()
        threading.Thread(target=self._poll_forever, daemon=True).start()
        assert self._frames() == ["o"]

    def _poll_forever(self) -> None:
        while not self.stopped.is_set():
            try:
                response = POST(self.base + "/xhr", timeout=self.timeout)
            except OSError as error:
                self.frames.put(f"c[0, {json.dumps(str(error))}]")
                return
            self.frames.put(response.text.rstrip("\n") if response.status == 200
                            else f"c[{response.status}, \"poll refused\"]")

    def send(self, message: dict) -> None:
        response = POST(self.base + "/xhr_send", body=json.dumps([json.dumps(message)]),
                        timeout=self.timeout)
        assert response.status == 204, (response.status, response.body)

    def _frames(self):
        try:
            return [self.frames.get(timeout=self.timeout)]
        except queue.Empty:
            raise TimeoutError(f"no frame in {self.timeout} s") from None

    def close(self) -> None:
        self.stopped.set()  # the server reaps the session after its disconnect delay
