"""The names members chat under, so nobody else can take them.

A member's name is known to the chat once a valid token for it was seen
(chat/tokens.py): from then on, until the process ends, an anonymous join
under that name, or under one the chat takes for it (chat/names.py: case,
runs of spaces and look-alike letters aside), is refused with
``name_taken``. The chat learns names only from tokens, so it needs no link
to the site's member list; a member who has not chatted since the process
started is not yet known (see README, "The Plone site").
"""

from __future__ import annotations

from .names import name_key


class MemberNames:
    def __init__(self):
        self._names: set[str] = set()

    def add(self, name: str) -> None:
        self._names.add(name_key(name))

    def taken(self, name: str) -> bool:
        return name_key(name) in self._names
