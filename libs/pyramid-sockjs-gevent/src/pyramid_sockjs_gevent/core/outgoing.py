"""One message for many clients: encoded and framed once, however many get it.

A chat line goes to every member of a room. Its SockJS encoding and its
WebSocket frames do not depend on the recipient (server frames are unmasked
and we negotiate no extensions), so each is built the first time a recipient
needs it and then shared: per recipient, only the write is left.

Lines that go out together (the hub coalesces a room's lines under load) are
one ``Outgoing``: one ``a[...]`` frame for SockJS, and for the raw WebSocket
their frames back to back; either way one write per recipient for them all.
A single line is a batch of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from . import protocol, wsframing


class Outgoing:
    """``texts`` and, built lazily and cached, what each transport sends of them."""

    def __init__(self, texts: str | Iterable[str], encoded: str | None = None):
        self.texts: tuple[str, ...] = (texts,) if isinstance(texts, str) else tuple(texts)
        if encoded is not None:  # the encoding of a single text, known already
            self.encoded_texts = (encoded,)  # fills the cached_property below

    @property
    def text(self) -> str:
        """The text of a batch of one."""
        (text,) = self.texts
        return text

    @property
    def encoded(self) -> str:
        """The SockJS JSON string of a batch of one."""
        (encoded,) = self.encoded_texts
        return encoded

    @classmethod
    def join(cls, batches) -> Outgoing:
        """One batch of several, in order (what queued up for one client)."""
        joined = cls(text for batch in batches for text in batch.texts)
        if all("encoded_texts" in batch.__dict__ for batch in batches):  # else built when asked
            joined.encoded_texts = tuple(e for batch in batches for e in batch.encoded_texts)
        return joined

    @cached_property
    def raw_size(self) -> int:
        """Characters the raw WebSocket's queue counts for it."""
        return sum(map(len, self.texts))

    @cached_property
    def framed_size(self) -> int:
        """Characters a SockJS queue counts for it (the encoded texts)."""
        return sum(map(len, self.encoded_texts))

    @cached_property
    def encoded_texts(self) -> tuple[str, ...]:
        """Each text as a SockJS JSON string (what ``a[...]`` frames hold)."""
        return tuple(map(protocol.encode_message, self.texts))

    @cached_property
    def ws_raw(self) -> bytes:
        """The raw WebSocket's RFC 6455 text frames, one per text, back to back."""
        return b"".join(map(wsframing.text_frame, self.texts))

    @cached_property
    def ws_framed(self) -> bytes:
        """The SockJS WebSocket's one RFC 6455 text frame: ``a[<encoded>,...]``."""
        return wsframing.text_frame(protocol.message_frame(self.encoded_texts))
