"""Every line a page: ``/rooms/<slug>/lines/<seq>`` by traversal.

Not stored: Room["lines"] is a RoomLines made per request, and its items are
SaidLine views of the room's stored lines (rooms/lines.py). Any name gives a
SaidLine, so an unknown number reaches the line's view, which answers with
the themed 404 page (a KeyError would leave it to Pyramid's bare 404).
"""

from __future__ import annotations

import re

from ..search.index import shown
from .lines import StoredLine

_NUMBER = re.compile(r"[1-9][0-9]{0,17}")


class RoomLines:
    """A room's lines by number (``<room>/lines/``)."""

    __name__ = "lines"

    def __init__(self, room):
        self.__parent__ = room
        self.room = room

    def __getitem__(self, name: str) -> SaidLine:
        line = None
        if _NUMBER.fullmatch(name) and self.room._p_jar is not None:
            line = self.room.history.line(int(name))
        said = SaidLine(line)
        said.__name__, said.__parent__ = name, self
        return said


class SaidLine:
    """One line of a room; ``line`` is None when the room has no such line."""

    def __init__(self, line: StoredLine | None):
        self.line = line

    @property
    def room(self):
        return self.__parent__.room

    def found(self) -> bool:
        return self.line is not None

    def gone(self) -> bool:
        """A line stored once but taken away (moderation: search/index.py, ``shown``)."""
        return self.line is not None and not shown(self.line)

    def around(self, count: int) -> tuple[list[StoredLine], list[StoredLine]]:
        """Up to ``count`` lines before it and after it, oldest first, those that
        are shown."""
        seq, history = self.line.seq, self.room.history
        before = history.between(max(seq - count, 1), seq - 1)
        after = history.between(seq + 1, seq + count)
        return [x for x in before if shown(x)], [x for x in after if shown(x)]
