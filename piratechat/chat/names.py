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

A room holds each key once per process (``RoomNames``); an anonymous
nickname may not have a member's key (chat/members.py). Characters that show
nothing are refused before any key is made (chat/text.py, ``check_name``).
"""

from __future__ import annotations

import icu

from .messages import ChatError

_NFKC_CASEFOLD = icu.Normalizer2.getInstance(None, "nfkc_cf", icu.UNormalizationMode2.COMPOSE)
_CONFUSABLES = icu.SpoofChecker()


def name_key(name: str) -> str:
    """The key two names share if and only if the chat takes them for one."""
    skeleton = _CONFUSABLES.getSkeleton(0, _NFKC_CASEFOLD.normalize(name))
    return " ".join(_NFKC_CASEFOLD.normalize(skeleton).split())


class RoomNames:
    """Who goes by which name in each room of this process.

    "Is this name taken here" is one lookup of the name's key in the room's
    mapping, kept up to date as connections take names (join, join again
    under another name) and give them up (close): a join costs the same in a
    room of ten as in a room of ten thousand."""

    def __init__(self):
        self._rooms: dict[str, dict[str, tuple[object, str]]] = {}  # room -> key -> (holder, name)
        self._held: dict[object, tuple[str, str]] = {}  # holder -> (room, key) it holds

    def take(self, room: str, name: str, holder: object) -> None:
        """``holder`` goes by ``name`` in ``room`` from now on, giving up the
        name it held; or ChatError ``name_taken`` if another holds its key."""
        key = name_key(name)
        held = self._rooms.get(room, {}).get(key)
        if held is not None and held[0] is not holder:
            other = "" if held[1] == name else f" (as {held[1]!r})"
            raise ChatError("name_taken", f"{name!r} is already in the room {room!r}{other}; "
                            "choose another name.")
        self.release(holder)
        self._rooms.setdefault(room, {})[key] = (holder, name)
        self._held[holder] = (room, key)

    def release(self, holder: object) -> None:
        """``holder`` gives up its name (it left, or its join failed)."""
        held = self._held.pop(holder, None)
        if held is None:
            return
        room, key = held
        names = self._rooms[room]
        if names.get(key, (None,))[0] is holder:
            del names[key]
        if not names:
            del self._rooms[room]

    def __len__(self) -> int:
        """How many names are held, in every room (tests: nothing is kept for leavers)."""
        return len(self._held)
