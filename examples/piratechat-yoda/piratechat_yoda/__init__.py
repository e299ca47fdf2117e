"""An example third-party PirateChat translator: Yoda's word order.

Kept deliberately small: it shows the two things a translator distribution
needs (an ITranslator, and an entry point in ``piratechat.translators``).
The chat's guard handles the rest (size bounds, markup, fallback).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from zope.interface import implementer

from piratechat.interfaces import ITranslator

__all__ = ["YodaTranslator"]

_PRONOUNS = "I|you|we|they|he|she|it"
_AUXILIARIES = "am|are|is|was|were|will|shall|can|could|must|should|would|may|might|have|has"
# A sentence: pronoun, auxiliary, then the rest up to the sentence's end
# mark, which is followed by a space or the end (the dots of "example.com"
# end nothing).
_SENTENCE = re.compile(
    rf"\b(?P<subject>{_PRONOUNS})\s+(?P<verb>{_AUXILIARIES})\s+(?P<rest>[^\n]*?[^\s.!?])"
    r"(?P<end>[.!?]+(?=\s|$)|$)",
    re.IGNORECASE | re.MULTILINE,
)


@implementer(ITranslator)
class YodaTranslator:
    """Moves what follows "pronoun + auxiliary" to the front of the sentence."""

    name = "yoda"
    title = "Yoda"

    def __init__(self, settings: Mapping | None = None) -> None:
        # PirateChat passes its settings; this translator needs none.
        self.settings = dict(settings or {})

    def translate(self, text: str) -> str:
        return _SENTENCE.sub(_reorder, text)


def _reorder(match: re.Match[str]) -> str:
    starts_sentence = match.start() == 0 or match.string[: match.start()].rstrip()[-1:] in ".!?"
    if not starts_sentence:
        return match[0]
    subject = match["subject"]
    if subject != "I":
        subject = subject.lower()
    rest = match["rest"]
    return f"{rest[0].upper()}{rest[1:]}, {subject} {match['verb'].lower()}{match['end']}"
