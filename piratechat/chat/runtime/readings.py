"""Each reader's own parrot: a line read through the translator its reader chose.

A line is stored and said once, with its room's parrot (the room's choice,
chat/runtime/choice.py): that stays the default reading. A reader may choose another
(``read_as``, docs/protocol.md): any translator on offer, or ``original``
for the line as said. The lines it is sent then carry that reading in
``translation`` and ``translator``, and the room parrot's beside it in
``room_translation`` and ``room_translator`` (``room_fallback`` when the
room's parrot had failed).

Each other reading of a line is made once per process, the first time some
reader here needs it, and kept in the reading cache (IReadingCache): the
hub reads a batch once per reading its members chose, not once per member
(chat/runtime/hub.py). A reading is translated as a line is: through the guard
(translators/guard.py: the pirate stands in for a failing translator, and
``fallback`` says so) and within the room's translation budget (chat/runtime/limits.py).
"""

from __future__ import annotations

import json

from ...interfaces import IReadingCache
from ...translators.guard import Translation
from ...translators.registry import guard, offered, translator_named
from ..core.messages import ChatError, dumps

#: The reading of a line as said, untranslated.
ORIGINAL = "original"


class Readings:
    """Lines as their readers chose to read them; None reads as the room's parrot."""

    def __init__(self, registry, budget, cache: IReadingCache):
        self.registry = registry
        self.budget = budget  # chat/limits.py's TranslationBudget
        self.cache = cache

    def choice(self, name: object) -> str | None:
        """``name`` as a reading: None (the room's parrot), ``original``, or an
        offered translator's name; else ChatError ``unknown_translator``."""
        if name is None or name == ORIGINAL:
            return name
        if not isinstance(name, str):
            raise ChatError("bad_message", "A reading is a translator's name, or 'original'.")
        if translator_named(self.registry, name) is None:
            names = ", ".join([ORIGINAL, *(offer.name for offer in offered(self.registry))])
            raise ChatError("unknown_translator", f"No translator {name!r} to read through; "
                            f"offered: {names}.")
        return name

    def line(self, line: dict, reading: str | None) -> dict:
        """``line`` (a ``line`` message) as ``reading`` reads it; the line itself
        when that is the room's parrot's reading."""
        if reading is None or line.get("type") != "line" or line.get("retracted"):
            return line  # a line taken back has no words left to read (moderation/)
        if reading == line.get("translator") and not line.get("fallback"):
            return line  # the room's parrot is the one chosen
        words = self._words(line, reading)
        read = dict(line, translation=words.text, translator=words.translator,
                    room_translation=line.get("translation"),
                    room_translator=line.get("translator"))
        read.pop("fallback", None)
        if words.fallback:
            read["fallback"] = words.fallback
        if line.get("fallback"):
            read["room_fallback"] = line["fallback"]
        return read

    def payloads(self, payloads: list[str], reading: str | None) -> list[str]:
        """Encoded messages (lines among them) as ``reading`` reads them: parsed
        once per reading of a batch, never per member."""
        if reading is None:
            return payloads
        read = []
        for payload in payloads:
            message = json.loads(payload)
            changed = self.line(message, reading)
            read.append(payload if changed is message else dumps(changed))
        return read

    def _words(self, line: dict, reading: str) -> Translation:
        """The reading's words for ``line``: from the cache, else translated once."""
        if reading == ORIGINAL:
            return Translation(line["text"], ORIGINAL)
        key = (line.get("room"), line.get("seq"), line.get("at"), reading)
        words = self.cache.get(key)
        if words is None:
            translator = translator_named(self.registry, reading)
            if translator is None:  # no longer offered: the room's parrot it is
                return Translation(line["translation"], line["translator"], line.get("fallback"))
            words = self.budget.translate(guard(self.registry), line.get("room"), translator,
                                          line["text"])
            self.cache.put(key, words)
        return words
