"""A chat client's SockJS session: the message protocol on one connection."""

from __future__ import annotations

import logging

from ..sockjs import Session
from .flood import TokenBucket
from .messages import ChatError, dumps, parse, text_field
from .service import DEFAULT_ROOM, Chat

log = logging.getLogger(__name__)


class ChatSession(Session):
    """Speaks docs/protocol.md. Bad input is answered with an error message
    and the connection stays usable."""

    chat: Chat  # set by the app factory on a subclass

    def on_open(self) -> None:
        self.name: str | None = None
        self.room: str | None = None
        settings = self.chat.settings
        self.bucket = TokenBucket(settings.lines_per_second, settings.burst)

    def on_message(self, text: str) -> None:
        try:
            message = parse(text)
            getattr(self, "on_" + message["type"])(message)
        except ChatError as error:
            self.reply(error.to_message())

    def on_close(self) -> None:
        if self.room is not None:
            self.chat.hub.leave(self.room, self)

    def reply(self, message: dict) -> None:
        self.send(dumps(message))

    def on_join(self, message: dict) -> None:
        settings = self.chat.settings
        name = text_field(message, "name", settings.max_name, "The name").strip()
        room = message.get("room", DEFAULT_ROOM)
        if not isinstance(room, str) or not room.strip():
            raise ChatError("bad_room", "The room must be a non-empty string.")
        after = message.get("after")
        if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
            raise ChatError("bad_message", "'after' must be a whole number.")
        if self.room is not None:
            self.chat.hub.leave(self.room, self)
        self.name, self.room = name, room
        self.reply({"type": "joined", "room": room, "name": name})
        for line in self.chat.backlog(room, after):
            self.reply(line)
        self.chat.hub.join(room, self)

    def on_say(self, message: dict) -> None:
        if self.room is None or self.name is None:
            raise ChatError("not_joined", "Send a join message before saying anything.")
        text = text_field(message, "text", self.chat.settings.max_line, "The line")
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are saying lines too fast.")
        self.chat.say(self.room, self.name, text)
