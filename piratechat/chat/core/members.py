"""The names members chat under, so nobody else can take them.

Where the chat is told of the site's members (``member_names_url``,
chat/runtime/member_list.py), the site's list of every member's reserved name keys
(chat/core/names.py: their full name, login name and disambiguated chat name,
whether or not they ever chatted) is fetched at start and every
``member_names_refresh`` seconds, and each fetch replaces the last: a member
renamed or removed is reflected that much later. Until the first list has
come, anonymous joins are answered ``unavailable`` rather than let through
unchecked. Names learned from members' tokens (chat/core/tokens.py) count too,
until the next list (which has them). Without a list, tokens are all the
chat knows: a member is protected once they chatted, until the process ends.

An anonymous join under a reserved key, or one the chat takes for it (case,
runs of spaces and look-alike letters aside), is refused with
``name_taken``: one lookup in a set, however many members there are.
"""

from __future__ import annotations

from collections.abc import Iterable

from .messages import ChatError
from .names import name_key


class MemberNames:
    def __init__(self, from_site: bool = False):
        self.from_site = from_site  # a list is fetched from the site
        self.loaded = not from_site  # ... and has come
        self._site: frozenset[str] = frozenset()  # the keys of the last list
        self._seen: set[str] = set()  # keys from tokens since then

    def add(self, name: str) -> None:
        self._seen.add(name_key(name))

    def replace(self, keys: Iterable[str]) -> None:
        """The site's list of reserved keys, as it is now."""
        self._site, self._seen, self.loaded = frozenset(keys), set(), True

    def taken(self, name: str) -> bool:
        if not self.loaded:
            raise ChatError("unavailable", "The members' names are not known yet; "
                            "join again in a moment.")
        key = name_key(name)
        return key in self._site or key in self._seen

    def __len__(self) -> int:
        return len(self._site | self._seen)
