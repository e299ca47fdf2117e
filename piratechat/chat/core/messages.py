"""The client message protocol (docs/protocol.md): parsing and building messages.

Every message is a JSON object with a ``type``. Parsing turns anything a
client may send into either a clean dict or a ChatError with a code the
client can act on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from ...timestamps import iso_us
from .text import BadText, check_line


class ChatError(Exception):
    """A client mistake, answered with ``{"type": "error", "code", "message"}``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_message(self) -> dict:
        return {"type": "error", "code": self.code, "message": self.message}


CLIENT_TYPES = ("join", "listen", "say", "translator")


def parse(raw: str) -> dict:
    """One client message, or ChatError("bad_json" | "bad_message" | "unknown_type")."""
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):
        raise ChatError("bad_json", "Messages must be JSON objects.") from None
    if not isinstance(message, dict):
        raise ChatError("bad_message", "Messages must be JSON objects with a type.")
    kind = message.get("type")
    if kind not in CLIENT_TYPES:
        raise ChatError(
            "unknown_type", f"Unknown message type {kind!r}; expected one of {CLIENT_TYPES}."
        )
    return message


def text_field(message: dict, name: str, limit: int, what: str,
               check: Callable[[str, str], str] = check_line) -> str:
    """A required, non-blank string field of at most ``limit`` characters that
    ``check`` accepts (chat/core/text.py: a line's rules by default)."""
    value = message.get(name)
    if not isinstance(value, str):
        raise ChatError("bad_message", f"{what} must be a string in {name!r}.")
    if not value.strip():
        raise ChatError("empty", f"{what} is empty.")
    if len(value) > limit:
        raise ChatError("too_long", f"{what} is {len(value)} characters; the limit is {limit}.")
    if "\x00" in value:
        raise ChatError("bad_message", f"{what} contains a NUL character.")
    try:
        return check(value, what)
    except BadText as error:
        raise ChatError("bad_text", error.reason) from None


#: Characters a client-made line id (``say``'s ``client_id``) may have at most.
MAX_CLIENT_ID = 64


def client_id_field(message: dict) -> str | None:
    """``say``'s optional ``client_id``: 1-64 printable ASCII characters, or None."""
    value = message.get("client_id")
    if value is None:
        return None
    if (not isinstance(value, str) or not 1 <= len(value) <= MAX_CLIENT_ID
            or not value.isascii() or not value.isprintable()):
        raise ChatError("bad_message", "'client_id' must be 1 to 64 printable ASCII "
                        "characters.")
    return value


def new_line(author: str, text: str, translation, repeat_key: str | None = None) -> dict:
    """What a line is before it is stored (the history adds ``room`` and ``seq``):
    who said what, the parrot's words (``translation``: translators/guard.py's
    Translation), which translator's they are, and when. ``fallback`` names a
    translator that failed; ``repeat_key`` is what the room knows a resend of
    it by (chat/core/senders.py): stored, never sent to anyone."""
    line = {
        "type": "line",
        "author": author,
        "text": text,
        "translation": translation.text,
        "translator": translation.translator,
        "at": now(),
    }
    if translation.fallback:
        line["fallback"] = translation.fallback
    if repeat_key:
        line["repeat_key"] = repeat_key
    return line


def now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a Z, as stored
    lines write theirs (rooms/lines.py's ``iso_us``: no datetime made)."""
    return iso_us(round(time.time() * 1_000_000))  # to the µs, as datetime rounds


def dumps(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
