"""Who may say what: a client's ``join``, ``say`` and ``translator`` read as rules.

The rules of docs/protocol.md apart from sockets, storage and greenlets:
each function takes a parsed message (chat/core/messages.py) and what the chat
knows (settings, names in use) and returns a plain request, or raises
ChatError with the code the client acts on. chat/runtime/session.py is the adapter
that feeds them a connection's messages and does what they return; the unit
tests (tests/unit/test_chat_rules.py) call them with plain values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ...rooms.slugs import BadRoomName, check_slug
from .messages import ChatError, client_id_field, text_field
from .text import BadText, check_name
from .tokens import BadToken

DEFAULT_ROOM = "lobby"


class Where(NamedTuple):
    """Where a ``join`` goes: the room, from which line, and whether it wants presence."""

    room: str
    after: int | None  # the last seq the client saw; None: a newcomer
    presence: bool  # wants who is here, and who comes and goes


class Say(NamedTuple):
    text: str
    client_id: str | None


class ChooseTranslator(NamedTuple):
    name: str
    key: str | None  # the room's owner key, to change a locked choice
    lock: bool | None


def who(message: dict, max_name: int, verify: Callable[[object], str],
        is_member_name: Callable[[str], bool]) -> tuple[str, bool]:
    """Who joins, and whether as a member: the member a valid ``token`` names
    (``verify`` checks it; a ``name`` sent along must be theirs, a long one is
    cut to ``max_name``), or the nickname in ``name``, if no member chats under it."""
    token = message.get("token")
    if token is None:
        name = text_field(message, "name", max_name, "The name", check_name).strip()
        if is_member_name(name):
            raise ChatError("name_taken", f"{name!r} is a member's name: log in to "
                            "chat under it, or pick another.")
        return name, False
    try:
        member = verify(token)
    except BadToken as error:
        raise ChatError("bad_token", str(error)) from None
    if not member.strip():
        raise ChatError("bad_token", "The token names nobody.")
    try:  # the site signed it, but a member's name keeps the names' rules too
        check_name(member, "The member's name")
    except BadText as error:
        raise ChatError("bad_text", error.reason) from None
    claimed = message.get("name", member)
    if not isinstance(claimed, str) or claimed.strip() != member:
        raise ChatError("bad_token", "The token is for another name.")
    return member[:max_name], True


def where(message: dict) -> Where:
    """The room, ``after`` and ``presence`` of a ``join`` message."""
    try:
        room = check_slug(message.get("room", DEFAULT_ROOM))
    except BadRoomName as error:
        raise ChatError("bad_room", error.reason) from None
    after = message.get("after")
    if after is not None and (not isinstance(after, int) or isinstance(after, bool) or after < 0):
        raise ChatError("bad_message", "'after' must be a whole number, 0 or more.")
    presence = message.get("presence", False)
    if not isinstance(presence, bool):
        raise ChatError("bad_message", "'presence' must be true or false.")
    return Where(room, after, presence)


def known_epoch(message: dict) -> str | None:
    """The ``epoch`` a ``join``'s ``after`` counts in (docs/protocol.md, Epochs)."""
    epoch = message.get("epoch")
    if epoch is not None and not isinstance(epoch, str):
        raise ChatError("bad_message", "'epoch' must be a string (a joined or line epoch).")
    return epoch


def say(message: dict, max_line: int, joined: bool) -> Say:
    """A ``say`` message's request: only once joined, a line's text, a client id."""
    if not joined:
        raise ChatError("not_joined", "Send a join message before saying anything.")
    return Say(text_field(message, "text", max_line, "The line"), client_id_field(message))


def choose_translator(message: dict, joined: bool) -> ChooseTranslator:
    """A ``translator`` message's request: only once joined; name, key, lock."""
    if not joined:
        raise ChatError("not_joined", "Send a join message before choosing a translator.")
    name = message.get("name")
    if not isinstance(name, str):
        raise ChatError("bad_message", "The translator's name must be a string in 'name'.")
    key, lock = message.get("key"), message.get("lock")
    if key is not None and not isinstance(key, str):
        raise ChatError("bad_message", "The room's key must be a string in 'key'.")
    if lock is not None and not isinstance(lock, bool):
        raise ChatError("bad_message", "'lock' must be true or false.")
    return ChooseTranslator(name, key, lock)
