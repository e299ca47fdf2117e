"""What text the chat accepts, and how stored text is shown on a terminal.

The rules (docs/protocol.md, "Allowed text"):

- Every string must be valid Unicode: a lone surrogate (U+D800-U+DFFF, which
  JSON's ``\\ud800`` escapes can smuggle in) cannot be encoded as UTF-8, so
  members on different transports would see different things. Refused.
- A line may hold any character but controls: C0 (U+0000-U+001F) except tab
  and newline, DEL and C1 (U+007F-U+009F). An ESC there would drive a
  terminal that prints the history.
- A name is one line of visible text: no control at all (tab and newline
  included) and no bidirectional formatting character (U+061C, U+200E,
  U+200F, U+202A-U+202E, U+2066-U+2069), which would make a name read as
  another ("Captain" written backwards after U+202E); and no character that
  shows nothing (``INVISIBLE``), which would make two names look one
  ("Captain" and "Captain" + U+3164 HANGUL FILLER). Which names are one
  name is chat/core/names.py's.

``printable`` is the terminal's side: whatever was stored (even before these
rules), controls, bidi formatting and surrogates come out as visible escapes.
"""

from __future__ import annotations

import re

import icu

SURROGATES = "\ud800-\udfff"
CONTROLS = "\x00-\x1f\x7f-\x9f"
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
LINE_SEPARATORS = "\u2028\u2029"

#: Characters that show nothing, or nothing of their own: Unicode's
#: Default_Ignorable_Code_Point (DerivedCoreProperties.txt: zero-width and
#: bidi controls, joiners, variation selectors, tag characters, the Hangul
#: fillers U+115F U+1160 U+3164 U+FFA0, soft hyphen ...), blanks that property
#: leaves out (U+2800 BRAILLE PATTERN BLANK, U+1D159 MUSICAL SYMBOL NULL
#: NOTEHEAD, U+16FE4 KHITAN SMALL SCRIPT FILLER), and unassigned code points
#: (General_Category Cn), whose look nobody knows yet. The properties are ICU's
#: (the Unicode version of the ICU the chat runs on: ``icu.UNICODE_VERSION``).
INVISIBLE = icu.UnicodeSet(r"[[:Default_Ignorable_Code_Point:][:Cn:]"
                           r"\u2800\U0001D159\U00016FE4]")


def _char_class(characters: icu.UnicodeSet) -> str:
    """The ranges of ``characters`` as the inside of a regular expression's [...]."""
    return "".join(f"\\U{ord(first):08x}-\\U{ord(last):08x}"
                   for first, last in characters.ranges())


_SURROGATE = re.compile(f"[{SURROGATES}]")
_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NAME_FORBIDDEN = re.compile(f"[{CONTROLS}{BIDI}{LINE_SEPARATORS}]")
_NAME_INVISIBLE = re.compile(f"[{_char_class(INVISIBLE)}]")
_UNPRINTABLE = re.compile(f"[{SURROGATES}{CONTROLS}{BIDI}{LINE_SEPARATORS}]")


class BadText(ValueError):
    """Text the chat does not accept; ``reason`` says which character and where."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _describe(match: re.Match, what: str, kind: str) -> str:
    return f"{what} holds {kind} U+{ord(match.group()):04X} at position {match.start() + 1}"


def check_line(text: str, what: str = "The line") -> str:
    """``text`` if a line may hold it, else BadText."""
    return _check(text, what, _LINE_FORBIDDEN, "the control character",
                  "only tab and newline are allowed.")


def check_name(text: str, what: str = "The name") -> str:
    """``text`` if a name may be it, else BadText."""
    _check(text, what, _NAME_FORBIDDEN, "the control or direction character",
           "names are one line of visible text.")
    bad = _NAME_INVISIBLE.search(text)
    if bad:
        raise BadText(f"{_describe(bad, what, 'the invisible or filler character')}; "
                      "names are one line of visible text.")
    return text


def _check(text: str, what: str, forbidden: re.Pattern, kind: str, rule: str) -> str:
    """``text``, or BadText naming the first surrogate or ``forbidden`` character."""
    bad = _SURROGATE.search(text)
    if bad:
        raise BadText(_describe(bad, what, "a lone surrogate") + ", which is not Unicode text.")
    bad = forbidden.search(text)
    if bad:
        raise BadText(f"{_describe(bad, what, kind)}; {rule}")
    return text


def printable(text: str) -> str:
    """``text`` safe for a terminal: controls, bidi formatting, line separators and
    surrogates as escapes (``\\x1b``, ``\\u202e``, ``\\n``); everything else as is."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
