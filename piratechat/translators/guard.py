"""One set of rules for every translator's answer, whoever wrote the translator.

Translators come from PirateChat, from third-party distributions and from a
web service; the chat must not trust any of them to behave. So the chat never
calls ``translate`` directly: it goes through ``Guard.translate``, which

* falls back to the local pirate when the translator raises (a service that
  is down, slow or busy raises TranslatorUnavailable; a buggy plugin raises
  anything) or answers something that is not a string, and says so in the
  result (``fallback`` names the translator that failed);
* keeps the answer text, never markup: an answer holding more "<" or "&"
  than the line gets the HTML tags and character references the line did
  not hold removed (escaped ones are unescaped first, so they go too); a tag
  the speaker typed is still echoed, as text. Control characters other than
  tab and newline are dropped;
* bounds the answer's size: at most ``factor`` times the line plus ``slack``
  characters. Real translations stay far below (the bard's worst case is
  under 4 times a line of "hi"), so a longer answer is a runaway: it is cut
  and logged, not refused, so the room still hears the line.

Doing this once here, not in each translator, is what lets a translator be
a few lines of code.
"""

from __future__ import annotations

import html
import logging
import re
from typing import NamedTuple

from ..interfaces import ITranslator, TranslatorUnavailable

__all__ = ["Guard", "Translation"]

log = logging.getLogger(__name__)

_TAG = re.compile(r"<!--.*?-->|<[/!?]?[A-Za-z][^<>]*>", re.S)
_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Translation(NamedTuple):
    """What the parrot says: the words, who said them, and who failed first."""

    text: str
    translator: str  # the name of the translator whose words these are
    fallback: str | None = None  # the chosen translator, when it failed


class Guard:
    def __init__(self, fallback: ITranslator, factor: int = 4, slack: int = 256):
        self.fallback = fallback
        self.factor = factor
        self.slack = slack

    def limit(self, text: str) -> int:
        """The most characters a translation of ``text`` may have."""
        return self.factor * len(text) + self.slack

    def translate(self, translator: ITranslator, text: str) -> Translation:
        """Translate ``text`` with ``translator``, or with the fallback if it fails."""
        try:
            answer = translator.translate(text)
            if not isinstance(answer, str):
                raise TypeError(f"translate() returned {type(answer).__name__}, not str")
        except TranslatorUnavailable as error:
            log.warning("translator %r unavailable (%s); falling back", translator.name, error)
        except Exception:
            if translator is self.fallback:
                raise  # nothing left to fall back to: a bug to see, not hide
            log.exception("translator %r failed; falling back", translator.name)
        else:
            return Translation(self.clean(translator.name, text, answer), translator.name)
        answer = self.fallback.translate(text)
        return Translation(
            self.clean(self.fallback.name, text, answer), self.fallback.name, translator.name
        )

    def clean(self, name: str, text: str, answer: str) -> str:
        """``answer`` as plain text of bounded size (see the module docstring)."""
        # A translation may rewrite the words of a tag the speaker typed
        # ("<hello>" -> "<avast>"), so only an answer with more "&" or "<"
        # than the line is checked, and then only what the line lacks goes.
        if answer.count("&") > text.count("&"):
            answer = _REFERENCE.sub(_keep_if_in(text, html.unescape), answer)
        if answer.count("<") > text.count("<"):
            answer = _TAG.sub(_keep_if_in(text, lambda tag: ""), answer)
        if not answer.isprintable():  # the usual answer is: no regex pass then
            answer = _CONTROL.sub("", answer)
        limit = self.limit(text)
        if len(answer) > limit:
            log.warning(
                "translator %r answered %d characters for a line of %d; cut to %d",
                name,
                len(answer),
                len(text),
                limit,
            )
            answer = answer[:limit]
        return answer


def _keep_if_in(text: str, otherwise):
    """A re.sub replacement: keep what the speaker wrote, else ``otherwise(it)``."""

    def replace(match: re.Match[str]) -> str:
        found = match[0]
        if found in text:
            return found
        log.info("dropped markup %r the line did not hold", found[:80])
        return otherwise(found)

    return replace
