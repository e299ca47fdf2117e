"""Room names as people type them, and the slugs rooms are found by.

A person types a name ("Käpt'n Blaubär's Deck"); the room lives at its slug
("käpt-n-blaubär-s-deck"): NFKC-normalised, case-folded, the letters, marks
and digits of every script kept, and each other run of characters turned into
one hyphen. Slugs keep unicode so a name in any script gets a room of its own
(and a URL a browser shows as typed) instead of an empty ASCII transliteration.

The slug is what URLs (``/rooms/<slug>/``) and the protocol's ``room`` carry,
so both are checked by ``check_slug``: a slug must already be in canonical
form, which rules out dots, slashes, percent signs and control characters.

Names that try to be paths ("../etc", "a/b", "a%2Fb") or hold control
characters are refused with a reason rather than quietly slugged, so the
person sees why nothing happened; so are names with nothing to slug.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters in a room's name, and in its slug.
MAX_LENGTH = 64

#: Unicode categories a name may not contain: controls, surrogates, private
#: use and unassigned code points.
_REFUSED_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}
#: Bidirectional overrides and isolates: they make a title read differently
#: from what it is.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: A slash, backslash or dot in percent-encoded form.
_ENCODED_PATH = re.compile(r"%(2f|5c|2e)", re.IGNORECASE)


class BadRoomName(ValueError):
    """A room name or slug that cannot name a room; ``reason`` says why, for people."""

    def __init__(self, reason: str, suggestion: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion


def slugify(name: str) -> str:
    """The slug of ``name``, without any checks (may be empty or long)."""
    slug = name
    for _ in range(4):  # NFKC and case folding settle within a round or two
        before = slug
        text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", slug).casefold())
        kept: list[str] = []
        for char in text:
            if unicodedata.category(char)[0] in "LMN":
                kept.append(char)
            elif kept and kept[-1] != "-":
                kept.append("-")
        slug = "".join(kept).strip("-")
        if slug == before:
            break
    return slug


def slug_for(name: str, max_length: int = MAX_LENGTH) -> str:
    """The slug of a typed room name, or BadRoomName saying what is wrong with it."""
    if not isinstance(name, str):
        raise BadRoomName("A room name must be text.")
    name = name.strip()
    if not name:
        raise BadRoomName("The room name is empty.")
    if len(name) > max_length:
        raise BadRoomName(f"The room name is {len(name)} characters; the limit is {max_length}.")
    for char in name:
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _BIDI_CONTROLS:
            raise BadRoomName(f"The room name contains a control character (U+{ord(char):04X}).")
    if "/" in name or "\\" in name or _ENCODED_PATH.search(name) or name in (".", ".."):
        raise BadRoomName("A room name is not a path: no slashes, no '..', no '%2F'.")
    slug = slugify(name)
    if not slug:
        raise BadRoomName("The room name needs at least one letter or digit.")
    if len(slug) > max_length:
        raise BadRoomName(f"The room's address would be {len(slug)} characters; "
                          f"the limit is {max_length}.")
    return slug


def check_slug(slug: object, max_length: int = MAX_LENGTH) -> str:
    """``slug`` if it is a canonical room slug, else BadRoomName (with a suggestion if any)."""
    if not isinstance(slug, str):
        raise BadRoomName("A room must be named by its slug, a string.")
    if not slug:
        raise BadRoomName("The room's slug is empty.")
    if len(slug) > max_length:
        raise BadRoomName(f"The room's slug is {len(slug)} characters; the limit is {max_length}.")
    if slugify(slug) != slug:
        try:
            suggestion = slug_for(slug, max_length)
        except BadRoomName:
            suggestion = None
        raise BadRoomName(
            "Rooms are named by slugs: lower case letters, digits and single hyphens.",
            suggestion,
        )
    return slug
