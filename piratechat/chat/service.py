"""The parrot: a said line is translated, stored, then published to its room."""

from __future__ import annotations

import logging

from ..interfaces import IBroker, IHistory, ITranslator
from ..settings import Settings
from .hub import Hub
from .messages import dumps, now

log = logging.getLogger(__name__)

DEFAULT_ROOM = "lobby"


class Chat:
    def __init__(self, settings: Settings, registry, history: IHistory, broker: IBroker):
        self.settings = settings
        self.registry = registry
        self.history = history
        self.broker = broker
        self.hub = Hub()
        broker.subscribe(self.hub.deliver)

    def translator(self, room: str) -> ITranslator:
        return self.registry.getUtility(ITranslator, self.settings.translator)

    def say(self, room: str, author: str, text: str) -> dict:
        """Translate, store and publish one line; returns the stored line."""
        translator = self.translator(room)
        line = {
            "type": "line",
            "author": author,
            "text": text,
            "translation": translator.translate(text),
            "translator": translator.name,
            "at": now(),
        }
        stored = self.history.append(room, line)
        self.broker.publish(room, dumps(stored))
        return stored

    def backlog(self, room: str, after: int | None) -> list[dict]:
        """What a joining client is sent: recent lines, or all it missed after ``after``."""
        if after is None:
            return self.history.recent(room, self.settings.recent_lines)
        return self.history.after(room, after, 10_000)
