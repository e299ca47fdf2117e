"""The chat's moderator for the Robot suites: a program on the raw WebSocket endpoint,
a member named in the server's ``moderators`` setting (robot_suite.acceptance_env),
and rooms made in a group of rooms, as the Plone site makes its topics' rooms."""

from __future__ import annotations

import json
import urllib.request
import uuid
from urllib.parse import urlsplit

import websocket
from robot.api.deco import keyword, library

from piratechat.chat.core.tokens import issue
from tests.acceptance.robot_suite import MODERATOR, TOKEN_SECRET


@library(scope="TEST", auto_keywords=False)
class Moderator:
    def __init__(self):
        self.sockets: list[websocket.WebSocket] = []

    @keyword("a new room in group ${group} at ${app_url}")
    def room_in_group(self, group: str, app_url: str) -> str:
        """A room made now (POST /rooms/ with its ``group``); returns its name."""
        room = "robot-" + uuid.uuid4().hex[:12]
        request = urllib.request.Request(f"{app_url}/rooms/",
                                         data=f"room={room}&group={group}".encode(),
                                         headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)["room"]

    @keyword("the chat's moderator sets slow mode of ${seconds} s on the group of room "
             "${room} at ${app_url}")
    def slow_group(self, seconds: str, room: str, app_url: str) -> None:
        ws = self._join(room, app_url)
        ws.send(json.dumps({"type": "moderate", "action": "slow", "scope": "group",
                            "seconds": int(seconds)}))
        self._next(ws, "moderated")

    @keyword("a pirate in room ${room} at ${app_url} cannot take back line ${seq}")
    def cannot_take_back(self, room: str, app_url: str, seq: str) -> None:
        """Another pirate (no moderator, not its author) asks; the server refuses."""
        ws = self._connect(app_url)
        ws.send(json.dumps({"type": "join", "name": "Sly Pirate", "room": room}))
        self._next(ws, "joined")
        ws.send(json.dumps({"type": "retract", "seq": int(seq)}))
        answer = self._next(ws, "retracted", errors=True)
        if answer.get("code") != "not_allowed":
            raise AssertionError(f"the server did not refuse: {answer}")

    def _connect(self, app_url: str) -> websocket.WebSocket:
        ws = websocket.create_connection(
            f"ws://{urlsplit(app_url).netloc}/sockjs/websocket", timeout=10)
        self.sockets.append(ws)
        return ws

    def _join(self, room: str, app_url: str) -> websocket.WebSocket:
        ws = self._connect(app_url)
        ws.send(json.dumps({"type": "join", "name": MODERATOR, "room": room,
                            "token": issue(TOKEN_SECRET, MODERATOR)}))
        joined = self._next(ws, "joined")
        if not joined.get("moderator"):
            raise AssertionError(f"the moderator does not moderate: {joined}")
        return ws

    @staticmethod
    def _next(ws: websocket.WebSocket, kind: str, errors: bool = False) -> dict:
        while True:
            message = json.loads(ws.recv())
            if message["type"] == "error":
                if errors:
                    return message
                raise AssertionError(f"the server refused: {message}")
            if message["type"] == kind:
                return message

    def close(self) -> None:
        for ws in self.sockets:
            ws.close()
