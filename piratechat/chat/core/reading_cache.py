"""The translations readers chose, kept once per process: a bounded LRU.

A line is stored with its room's parrot only. A reader who reads through
another parrot (chat/runtime/readings.py) gets that parrot's words for the line,
made the first time some member here needs them and kept here, so the
next member, the next backlog and the history page reuse them: each
(line, translator) is translated once per process, never once per member.
Bounded: the least recently used readings go first, so memory stays flat
however long the process runs. (``collections.OrderedDict`` keeps the use
order; the standard library has no keyed LRU to reuse, ``functools.lru_cache``
caches calls, not values we put.)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

#: Readings kept by default: a few thousand lines' worth of four parrots.
DEFAULT_SIZE = 20_000


class ReadingCache:
    """IReadingCache in memory: ``size`` entries at most, least recently used out first."""

    def __init__(self, size: int = DEFAULT_SIZE):
        if size < 1:
            raise ValueError("a reading cache holds at least one reading")
        self.size = size
        self._kept: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable):
        """The reading kept under ``key`` (now the most recently used), or None."""
        value = self._kept.get(key)
        if value is not None:
            self._kept.move_to_end(key)
        return value

    def put(self, key: Hashable, value) -> None:
        """Keep ``value`` under ``key``; past ``size``, the least recently used goes."""
        self._kept[key] = value
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
