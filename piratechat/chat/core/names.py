"""When two names are one name, and which names each room holds.

Two names are one when their comparison keys are equal. A name's key is,
in Unicode's terms: NFKC_Casefold (NFKC with case folding: "ＣＡＰＴＡＩＮ" and
"captain" are one), then the UTS #39 skeleton (Unicode's confusables data,
confusables.txt: "Captaіn" with a Cyrillic і, "rn" and "m" are one), folded
again (the skeleton writes "0" as "O": "B0nny" is "Bonny"), then runs of
white space as one space. Both come from ICU through PyICU, so from
the Unicode version of the ICU the chat runs on (``icu.UNICODE_VERSION``).
What the skeleton does not map stays apart: "Capta1n" is not "Captain" (the
data reads "1" as "l", not "i"), and letter case is folded before the
skeleton, so "CAPTAIN" is "captain" but not "CAPTAlN".

A room holds each key once, across every process of a cluster
(IRoomNames: ``RoomNames`` in one process's memory, ``RedisRoomNames`` in
the cluster's Redis); an anonymous nickname may not have a member's key
(chat/core/members.py). Characters that show
nothing are refused before any key is made (chat/core/text.py, ``check_name``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import icu
from zope.interface import implementer

from ...interfaces import IRoomNames
from .messages import ChatError

_NFKC_CASEFOLD = icu.Normalizer2.getInstance(None, "nfkc_cf", icu.UNormalizationMode2.COMPOSE)
_CONFUSABLES = icu.SpoofChecker()


def name_key(name: str) -> str:
    """The key two names share if and only if the chat takes them for one."""
    skeleton = _CONFUSABLES.getSkeleton(0, _NFKC_CASEFOLD.normalize(name))
    return " ".join(_NFKC_CASEFOLD.normalize(skeleton).split())


@implementer(IRoomNames)
class RoomNames:
    """Who goes by which name in each room of this process (IRoomNames in memory).

    "Is this name taken here" is one lookup of the name's key in the room's
    mapping, kept up to date as connections take names (join, join again
    under another name) and give them up (close): a join costs the same in a
    room of ten as in a room of ten thousand. Names expire as IRoomNames
    says, though in one process they are given up on close long before."""

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.time):
        self.ttl = ttl
        self.clock = clock
        # room -> key -> (holder, name, expiry, owner)
        self._rooms: dict[str, dict[str, tuple[object, str, float, str | None]]] = {}
        self._held: dict[object, tuple[str, str, str]] = {}  # holder -> (room, key, name)

    def take(self, room: str, name: str, holder: object, owner: str | None = None) -> None:
        key = name_key(name)
        held = self._rooms.get(room, {}).get(key)
        if (held is not None and held[0] is not holder and held[2] > self.clock()
                and (owner is None or held[3] != owner)):
            raise taken(name, room, held[1])
        if self._held.get(holder, ())[:2] != (room, key):
            self.release(holder)
        self._rooms.setdefault(room, {})[key] = (holder, name, self.clock() + self.ttl, owner)
        self._held[holder] = (room, key, name)

    def release(self, holder: object) -> None:
        held = self._held.pop(holder, None)
        if held is None:
            return
        room, key, _ = held
        names = self._rooms.get(room, {})
        if names.get(key, (None,))[0] is holder:
            del names[key]
        if not names:
            self._rooms.pop(room, None)

    def refresh(self) -> list:
        lost, now = [], self.clock()
        for holder, (room, key, name) in self._held.items():
            names = self._rooms.setdefault(room, {})
            held = names.get(key)
            if held is None or held[0] is holder or held[2] <= now:
                names[key] = (holder, name, now + self.ttl, held[3] if held else None)
            else:
                lost.append(holder)
        return lost

    def __len__(self) -> int:
        """How many names are held, in every room (tests: nothing is kept for leavers)."""
        return len(self._held)


def taken(name: str, room: str, holders_name: str) -> ChatError:
    """The ``name_taken`` error for ``name``, held in ``room`` as ``holders_name``."""
    other = "" if holders_name == name else f" (as {holders_name!r})"
    return ChatError("name_taken", f"{name!r} is already in the room {room!r}{other}; "
                     "choose another name.")
