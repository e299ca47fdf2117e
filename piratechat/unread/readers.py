"""Who a reader is, to their last-read marks: a member by name, anyone else by
the key their page keeps.

A member (a ``join`` with a valid token, chat/core/tokens.py) is the same reader in
every browser and device they log in from. Anyone else is the page's own
``sender_key`` (chat/core/senders.py: a random secret the page keeps in
localStorage and sends to nobody but the chat). Either is kept and sent
between processes only as a digest: marks, pushes and Redis keys never hold
a member's key or let one reader's key be read by another.
"""

from __future__ import annotations

import hashlib


def reader_of(member: str | None, sender_key: str | None) -> str | None:
    """The reader a joined connection is, or None (no token, no key: no marks)."""
    if member is not None:
        seed = "member\n" + member
    elif sender_key is not None:
        seed = "key\n" + sender_key
    else:
        return None
    return hashlib.blake2b(f"reader\n{seed}".encode(), digest_size=16).hexdigest()
