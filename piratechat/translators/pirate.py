"""English to pirate speak, worked out locally.

PirateChat used to send every line to the "arrpi" web service (2013), which
is gone. This translator gives the same answers without the network: whole
words from ``pirate_words.txt`` are replaced, once, left to right, and every
other character is copied exactly. It is deterministic (no random "Arrr!"
sprinkled in) so a line reads the same for everyone and in the history.

Speed matters because every chat line goes through here. All entries are
compiled once into a single regular expression shaped as a trie (one branch
per first letter, shared prefixes written once), so the regex engine does
the scanning in C and Python only runs for the words that matched, mostly
as one dict lookup. On top of that, the answer for each space-separated
chunk ("the", "beer.") is remembered in a bounded dict, since chat repeats
the same words all day. Every repetition in the patterns is bounded by the
word list or possessive, so the work is linear in the length of the text.

Rules (the tests spell out each one):

* Whole words only (translators/words.py says what a word is): a word
  joined to letters, digits, underscores, combining marks, or joined by an
  apostrophe or a dot to another word ("island", "pyramid_sockjs", "the2",
  "example.the", "isn't") is not split up.
* A run of non-space characters holding ``://``, ``www.`` or ``@`` is a
  URL, an e-mail address or a handle and is copied untouched as a whole
  ("http://example.com/the", "<friend@example.com>", "@friend").
* Case is carried over (translators/words.py): lower, ``Capitalized`` (for a
  phrase, "Excuse me" and "Excuse Me" both count) and ALL CAPS keep their
  shape; any other mix ("hElLo") is read as a typo and gets the lower-case
  replacement.
* Contractions: only those listed in the word list are replaced as a whole
  ("you're" -> "ye're", "isn't" -> "ain't"). A trailing ``'s`` (possessive
  or "is") after any entry is kept and the entry translated ("friend's" ->
  "mate's", "there's" -> "thar's"). Any other contraction ("don't", "I'm",
  "friend'll") is left alone. Typographic apostrophes (’) work like ASCII
  ones, and a word written with them gets them in its replacement too.
* Phrases ("excuse me") match across spaces and tabs, not line breaks.
"""

from __future__ import annotations

import re
from importlib.resources import files

from zope.interface import implementer

from piratechat.interfaces import ITranslator

from .words import (
    CHAR,
    PROTECTED,
    carry_apostrophe,
    carry_case,
    lookup_key,
    may_hold_protected,
)

__all__ = ["PirateTranslator", "load_words"]

_W = CHAR
# Not inside a word, and not the second half of "x'y" or "x.y".
_START = rf"(?<!{_W})(?<!{_W}['’.])"
# Optional "'s", then the word must really end here.
_END = rf"(?:['’][sS])?(?!{_W}|['’.]{_W})"
_PROTECTED = re.compile(PROTECTED)
_SUFFIXES = ("'s", "'S", "’s", "’S")
# Memory cap of the chunk memo: at most ~32k chunks of up to 32 characters;
# when full it starts again, so chunks seen once (numbers, times) cannot
# crowd out the words chat repeats.
_SEEN_CHUNKS = 32_768
_SEEN_CHUNK_CHARS = 32
_KEY_CHARS = re.compile(r"[a-z]+(?:[' ][a-z]+)*")
_VALUE_CHARS = re.compile(r"[A-Za-z' ]+")

WORDS_FILE = "pirate_words.txt"


def load_words(text: str) -> dict[str, str]:
    """Parse the word-list format: ``english = pirate`` lines, ``#`` comments."""
    words: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        english, sep, pirate = (part.strip() for part in line.partition("="))
        if not sep:
            raise ValueError(f"line {number}: expected 'english = pirate': {raw!r}")
        english = " ".join(english.split())
        if english in words:
            raise ValueError(f"line {number}: duplicate entry {english!r}")
        words[english] = pirate
    return _checked(words)


def _checked(words: dict[str, str]) -> dict[str, str]:
    """Refuse entries the pattern cannot hold.

    Strict so that a typo in the data fails at start-up, not as an odd
    translation in a chat room; the keys also go into a regex unescaped.
    """
    for english, pirate in words.items():
        if not _KEY_CHARS.fullmatch(english):
            raise ValueError(f"english side must be lower-case words: {english!r}")
        if not _VALUE_CHARS.fullmatch(pirate) or pirate != pirate.strip():
            raise ValueError(f"pirate side must be letters, ' and spaces: {pirate!r}")
    return dict(words)


def _default_words() -> dict[str, str]:
    return load_words(files(__package__).joinpath(WORDS_FILE).read_text(encoding="utf-8"))


def _trie_pattern(keys: list[str]) -> str:
    """One regex alternation for all keys, sharing common prefixes.

    A plain ``a|b|c`` list makes the engine try every entry at every word
    start; a trie tries one branch per letter. The first letter is written
    as two plain literals ("t" and "T"), which the engine rejects fastest;
    later letters as ``[hH]``. Not re.IGNORECASE: its Unicode folding would
    also let "ſ" (long s) or "K" (Kelvin sign) match.
    """
    trie: dict[str, dict] = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict], first: bool) -> str:
        branches = []
        for char in sorted(c for c in node if c):
            rest = emit(node[char], first=False)
            if char == "'":
                branches.append("['’]" + rest)
            elif char == " ":
                branches.append(r"[ \t]++" + rest)
            elif first:
                branches += [char + rest, char.upper() + rest]
            else:
                branches.append(f"[{char}{char.upper()}]" + rest)
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # Quantifiers are greedy: the longest entry is tried first, a shorter
        # one only if the longer does not end on a word boundary.
        return f"(?:{body})?" if "" in node else body

    return emit(trie, first=True)


@implementer(ITranslator)
class PirateTranslator:
    """Translate English to pirate speak the way the arrpi service did."""

    name = "pirate"
    title = "Pirate"

    def __init__(self, words: dict[str, str] | None = None) -> None:
        self.words = _default_words() if words is None else _checked(words)
        trie = _trie_pattern(sorted(self.words))
        self._words_re = re.compile(f"{_START}(?:{trie}){_END}")
        self._phrase_starts = tuple({key.split()[0] for key in self.words if " " in key})
        # Most words are spelled exactly like an entry in lower case,
        # Capitalized or ALL CAPS (maybe with 's): answer those from a dict.
        self._exact: dict[str, str] = {}
        for key in self.words:
            for spelling in {key, key.replace("'", "’")}:
                for form in (spelling, spelling[0].upper() + spelling[1:], spelling.upper()):
                    for suffix in ("", *_SUFFIXES):
                        self._exact[form + suffix] = self._translate_word(form + suffix)
        lookup, slow = self._exact.get, self._translate_word

        def replace(match: re.Match[str]) -> str:
            word = match[0]
            return lookup(word) or slow(word)

        self._replace = replace
        self._seen: dict[str, str] = {}  # chunk -> its translation

    def translate(self, text: str) -> str:
        """Return ``text`` in pirate speak; everything but the words is kept."""
        lowered = text.lower()
        words = self._translate_chunks
        for start in self._phrase_starts:
            if start in lowered:
                words = self._translate_words
                break
        if not may_hold_protected(text, lowered):
            return words(text)
        pieces: list[str] = []
        done = 0
        for protected in _PROTECTED.finditer(text):
            # Pieces are cut at whitespace, which ends words anyway.
            pieces.append(words(text[done : protected.start()]))
            pieces.append(protected.group())
            done = protected.end()
        pieces.append(words(text[done:]))
        return "".join(pieces)

    def _translate_words(self, text: str) -> str:
        """The reference path: one regex over the whole text."""
        return self._words_re.sub(self._replace, text)

    def _translate_chunks(self, text: str) -> str:
        """Same answer as _translate_words, two to four times faster on chat.

        A space always ends a word, and only phrases match across one
        (translate() sends any text that may hold a phrase down the regex
        path), so each space-separated chunk can be translated on its own.
        Chat repeats the same few thousand chunks ("the", "you", "beer."),
        so a chunk's answer is remembered and a line costs about one dict
        lookup per word.
        """
        seen = self._seen.get
        learn = self._learn
        return " ".join([seen(chunk) or learn(chunk) for chunk in text.split(" ")])

    def _learn(self, chunk: str) -> str:
        # Every entry is ASCII letters matched case by case, so a chunk with
        # no cased letter ("17", "1234567.891", "!!") holds no word: no regex.
        if chunk.lower() == chunk.upper():
            result = chunk
        else:
            result = self._words_re.sub(self._replace, chunk)
        # Bounded, so odd input (long or random chunks) cannot grow it; when
        # full it starts afresh, so one-off chunks cannot keep new words out.
        if len(chunk) <= _SEEN_CHUNK_CHARS:
            if len(self._seen) >= _SEEN_CHUNKS:
                self._seen.clear()
            self._seen[chunk] = result
        return result

    def _translate_word(self, word: str) -> str:
        """Translate one matched word or phrase, with an optional 's."""
        suffix = ""
        pirate = self.words.get(lookup_key(word))
        if pirate is None and word.endswith(_SUFFIXES):
            word, suffix = word[:-2], word[-2:]
            pirate = self.words.get(lookup_key(word))
        if pirate is None:  # not an entry: only when called from outside
            return word + suffix
        return carry_apostrophe(word + suffix, carry_case(word, pirate)) + suffix
