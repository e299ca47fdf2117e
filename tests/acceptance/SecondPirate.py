"""A second chat client for the Robot suites: a program on the raw WebSocket endpoint.

It joins a room and says lines after the page under test connected, so a page
that shows them got them live over its own transport, not from a backlog.
"""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import websocket
from robot.api.deco import keyword, library


@library(scope="TEST", auto_keywords=False)
class SecondPirate:
    def __init__(self):
        self.sockets: list[websocket.WebSocket] = []

    @keyword("second pirate joins room ${room} at ${app_url}")
    def join(self, room: str, app_url: str) -> None:
        parts = urlsplit(app_url)
        ws = websocket.create_connection(f"ws://{parts.netloc}/sockjs/websocket", timeout=10)
        self.sockets.append(ws)
        ws.send(json.dumps({"type": "join", "name": "Second Pirate", "room": room}))
        self._next(ws, "joined")

    @keyword("second pirate says \"${text}\"")
    def say(self, text: str) -> int:
        """Say ``text``; returns the stored line's seq once the room sent it back."""
        ws = self.sockets[-1]
        ws.send(json.dumps({"type": "say", "text": text}))
        while True:
            message = self._next(ws, "line")
            if message["text"] == text:
                return message["seq"]

    @keyword("second pirate says \"${text}\" with client id \"${client_id}\"")
    def say_with_id(self, text: str, client_id: str) -> int:
        """Say ``text`` with ``client_id`` (e.g. one made to look like the page's)."""
        ws = self.sockets[-1]
        ws.send(json.dumps({"type": "say", "text": text, "client_id": client_id}))
        while True:
            message = self._next(ws, "line")
            if message["text"] == text:
                return message["seq"]

    @keyword("second pirate leaves")
    def leave(self) -> None:
        for ws in self.sockets:
            ws.close()
        self.sockets.clear()

    @keyword("room ${room} at ${app_url} holds ${count} lines")
    def room_holds(self, room: str, app_url: str, count: str) -> None:
        """The room's stored history (its JSON history URL) has exactly ``count`` lines."""
        with urllib.request.urlopen(f"{app_url}/rooms/{room}/history") as response:
            page = json.load(response)
        texts = [line["text"] for line in page["lines"]]
        if page["last"] != int(count) or len(texts) != int(count):
            raise AssertionError(f"room {room} holds {page['last']} lines: {texts}")

    def _next(self, ws: websocket.WebSocket, kind: str) -> dict:
        while True:
            message = json.loads(ws.recv())
            if message["type"] == "error":
                raise AssertionError(f"the server refused: {message}")
            if message["type"] == kind:
                return message
