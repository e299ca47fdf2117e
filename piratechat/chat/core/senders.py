"""Whose repeat is whose: a ``say``'s ``client_id`` counts only for its sender.

A client resends a line whose echo it missed with the same ``client_id``
(docs/protocol.md, "Sending a line exactly once"). Were ids compared across
members, anyone who saw or guessed another's next id could say a line with
it first, and the other's own line would then be taken as a repeat and lost.
So a room looks a line up by its *repeat key*: a digest of who sent it and
its client id. Who sent it is the ``sender_key`` the client gave in ``join``
(a random secret it keeps, e.g. the page's in localStorage) or, without one,
the name it chats under. Other members are never sent a line's client id,
and the stored key reveals neither the id nor the sender key.
"""

from __future__ import annotations

import base64
import hashlib

from .messages import ChatError

#: Characters a ``join``'s ``sender_key`` has: enough randomness to be unguessable.
MIN_SENDER_KEY, MAX_SENDER_KEY = 16, 64


def sender_key_field(message: dict) -> str | None:
    """``join``'s optional ``sender_key``: 16-64 printable ASCII characters, or None."""
    value = message.get("sender_key")
    if value is None:
        return None
    if (not isinstance(value, str) or not MIN_SENDER_KEY <= len(value) <= MAX_SENDER_KEY
            or not value.isascii() or not value.isprintable()):
        raise ChatError("bad_message", f"'sender_key' must be {MIN_SENDER_KEY} to "
                        f"{MAX_SENDER_KEY} printable ASCII characters.")
    return value


def sender(sender_key: str | None, name: str) -> str:
    """Who a connection's lines are from, as repeat keys see it: its key, else its name."""
    return "key\n" + sender_key if sender_key is not None else "name\n" + name


def repeat_key(sender_of_line: str, client_id: str | None) -> str | None:
    """What the room stores and looks up for a line sent with ``client_id``
    (None without one): 128 bits of BLAKE2b, as 22 URL-safe base64 characters."""
    if not client_id:
        return None
    digest = hashlib.blake2b(f"{sender_of_line}\n{client_id}".encode(), digest_size=16)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def name_owner(sender_key: str | None) -> str | None:
    """Who holds a name in a room (chat/core/names.py), when the client says so with a
    ``sender_key``: a digest of it (the key itself never leaves this process)."""
    if sender_key is None:
        return None
    return hashlib.blake2b(f"name owner\n{sender_key}".encode(), digest_size=16).hexdigest()
