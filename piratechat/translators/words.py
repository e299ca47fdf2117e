"""What a word is, and how a replacement takes its case, for every local translator.

The pirate and the bard read the same chat, so they must agree on where a
word starts and ends and on how "Hello" or "HELLO" carries over to the
replacement; defining it twice let them drift apart. Both take it from here.

* A word character is a ``\\w`` character, a combining mark or a zero-width
  joiner ("the\\u0301" is one decomposed word, not "the" and a mark).
* A word is word characters, maybe joined by apostrophes ("isn't", "o'er");
  the typographic apostrophe (’) counts as the ASCII one.
* A run of non-space characters holding ``://``, ``www.`` or ``@`` is a URL,
  an e-mail address or a handle, and is never translated.
* Case carries over: lower -> lower, ``Capitalized`` -> ``Capitalized``
  (for a phrase, "Excuse me" and "Excuse Me" both count), ALL CAPS (two or
  more letters) -> ALL CAPS; any other mix ("hElLo") is read as a typo and
  gets the replacement as written. A word written with typographic
  apostrophes gets them in its replacement too.
"""

from __future__ import annotations

__all__ = [
    "APOSTROPHE",
    "CHAR",
    "PROTECTED",
    "WORD",
    "carry_apostrophe",
    "carry_case",
    "lookup_key",
    "may_hold_protected",
]

# Combining marks and zero-width joiners continue a word though ``\w`` does not match them.
_JOINERS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u200c\u200d"
CHAR = rf"[\w{_JOINERS}]"
APOSTROPHE = "['’]"
WORD = rf"{CHAR}+(?:{APOSTROPHE}{CHAR}+)*"
# The whole non-space run around the mark; tried only where such a run starts.
PROTECTED = r"(?<!\S)\S*?(?:://|[Ww]{3}\.|@)\S*+"


def may_hold_protected(text: str, lowered: str) -> bool:
    """Cheap test first (``lowered`` is ``text.lower()``): most lines hold no
    URL, address or handle at all."""
    return "@" in text or "://" in text or "www." in lowered


def lookup_key(word: str) -> str:
    """How a word (or phrase) is looked up: lower case, ASCII apostrophes, single spaces."""
    return " ".join(word.replace("’", "'").lower().split())


def carry_apostrophe(source: str, target: str) -> str:
    """``target`` with the typographic apostrophes ``source`` was written with."""
    if "’" in source and "'" not in source:
        return target.replace("'", "’")
    return target


def carry_case(source: str, target: str) -> str:
    """``target`` in the case of ``source`` (see the module docstring)."""
    if not target or source.islower():
        return target
    if source.isupper() and sum(c.isalpha() for c in source) > 1:
        return target.upper()
    if source[0].isupper() and not any(c.isupper() for part in source.split() for c in part[1:]):
        first = next((i for i, c in enumerate(target) if c.isalpha()), 0)
        return target[:first] + target[first].upper() + target[first + 1 :]
    return target
