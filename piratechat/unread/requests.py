"""A client's ``read`` and ``unread`` messages read as requests (docs/protocol.md,
"Unread counts"), or ChatError with the code the client acts on. Plain values in,
plain values out, as chat/core/rules.py's are."""

from __future__ import annotations

from ..chat.core.messages import ChatError
from ..rooms.slugs import BadRoomName, check_slug
from .counts import MAX_ROOMS


def read(message: dict, room: str | None, reader: str | None) -> int:
    """The seq a ``read`` marks, in the room the connection joined (``room``)."""
    if room is None:
        raise ChatError("not_joined", "Join a room before marking it read.")
    if reader is None:
        raise ChatError("no_reader", "Join with a token or a sender_key to keep "
                        "what you have read.")
    if message.get("room", room) != room:
        raise ChatError("bad_room", "Mark read the room you joined.")
    seq = message.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ChatError("bad_message", "'seq' must be a whole number, 0 or more.")
    return seq


def unread(message: dict, reader: str | None) -> list[str]:
    """The rooms an ``unread`` request asks about: at most MAX_ROOMS slugs."""
    if reader is None:
        raise ChatError("no_reader", "Join with a token or a sender_key to have "
                        "unread counts.")
    rooms = message.get("rooms")
    if (not isinstance(rooms, list) or len(rooms) > MAX_ROOMS
            or not all(isinstance(room, str) for room in rooms)):
        raise ChatError("bad_message", f"'rooms' must be a list of at most {MAX_ROOMS} "
                        "room names.")
    try:
        return list(dict.fromkeys(check_slug(room) for room in rooms))
    except BadRoomName as error:
        raise ChatError("bad_room", error.reason) from None
