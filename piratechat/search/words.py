"""The words of a text, as the index keeps them and a query asks for them.

Splitting: ICU's word BreakIterator (PyICU, already what chat/names.py uses),
by Unicode's word rules (UAX #29) and, for scripts written without spaces
(Chinese, Japanese, Thai, Lao, Khmer, Myanmar), by ICU's dictionaries. Only
the pieces ICU calls words count (letters, numbers, kana, ideographs):
spaces, punctuation and emoji are not words. ICU keeps "don't", "3.14" and
"e.g" whole, on both sides alike.

Folding, so that case and accents do not matter in any script: each word
is decomposed (NFKD: "ﬁ" is "fi", a full-width "Ａ" is "A"), its combining
marks left out ("café" is "cafe"), case-folded ("Straße" and "STRASSE" are
one word) and composed again (NFC). Words are split before they are folded:
dropping a mark first would change what the dictionaries see (Japanese
"で" would become "て").

A query (``parse``) is words that must all be in a line, and phrases in
double quotes whose words must follow one another.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import icu

#: Words longer than this (characters, once folded) are cut: a 2,000-letter "word"
#: would only bloat the lexicon.
MAX_WORD = 40
#: Words a query may ask for at most; more is a bad query (400).
MAX_QUERY_WORDS = 16

_QUOTED = re.compile(r'"([^"]*)"?')


def fold(word: str) -> str:
    """``word`` case- and accent-blind (see the module)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare.casefold())


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (repeats kept: phrases need them)."""
    plain = text.isascii()  # then folding is lower(), which moves no boundary
    breaker = _breaker()
    units = icu.UnicodeString(text.lower() if plain else text)  # ICU counts UTF-16 units
    breaker.setText(units)
    found, start = [], 0
    for end in breaker:
        if breaker.getRuleStatus() != icu.UWordBreak.NONE:
            word = str(units[start:end]) if plain else fold(str(units[start:end]))
            if word:
                found.append(word[:MAX_WORD])
        start = end
    return found


_breakers: list = []


def _breaker():
    """One word BreakIterator for the process (making one costs ~50 µs): ``words``
    uses it start to end without yielding to another greenlet."""
    if not _breakers:
        _breakers.append(icu.BreakIterator.createWordInstance(icu.Locale.getRoot()))
    return _breakers[0]


class Query(NamedTuple):
    """What a search asks for: every word in ``words``, each phrase in ``phrases``
    (a phrase: its words one after another)."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    def every_word(self) -> set[str]:
        return set(self.words).union(*self.phrases)

    def matches(self, said: list[str]) -> bool:
        """Whether a line of these ``said`` words (``words(text)``) answers the query."""
        if not set(self.words).issubset(said):
            return False
        return all(_follows(phrase, said) for phrase in self.phrases)


def _follows(phrase: tuple[str, ...], said: list[str]) -> bool:
    size = len(phrase)
    return any(tuple(said[at:at + size]) == phrase
               for at, word in enumerate(said) if word == phrase[0])


class BadQuery(ValueError):
    """A query with no word to look for, or too many."""


def parse(text: str) -> Query:
    """The query typed as ``text``: phrases in double quotes (a quote left open runs to
    the end), the other words each on their own. BadQuery if there is nothing to
    find or more than MAX_QUERY_WORDS words."""
    phrases = []
    for quoted in _QUOTED.findall(text):
        phrase = tuple(words(quoted))
        if phrase:  # (one word in quotes is that word)
            phrases.append(phrase)
    loose = tuple(dict.fromkeys(words(_QUOTED.sub(" ", text))))
    query = Query(loose, tuple(dict.fromkeys(phrases)))
    count = len(query.words) + sum(len(phrase) for phrase in query.phrases)
    if count == 0:
        raise BadQuery("Type a word to look for.")
    if count > MAX_QUERY_WORDS:
        raise BadQuery(f"Look for {MAX_QUERY_WORDS} words at most.")
    return query


class WordSplitter:
    """zope.index's Lexicon pipeline element (ISplitter): ``words`` above. Stored by
    reference in the Lexicon's state, so its name and module must stay."""

    def process(self, texts: list[str]) -> list[str]:
        found: list[str] = []
        for text in texts:
            found += words(text)
        return found

    def processGlob(self, texts: list[str]) -> list[str]:  # noqa: N802 (ISplitter's name)
        return self.process(texts)
