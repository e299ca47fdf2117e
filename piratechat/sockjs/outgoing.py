"""One message for many clients: encoded and framed once, however many get it.

A chat line goes to every member of a room. Its SockJS encoding and its
WebSocket frames do not depend on the recipient (server frames are unmasked
and we negotiate no extensions), so each is built the first time a recipient
needs it and then shared: per recipient, only the write is left.
"""

from __future__ import annotations

from functools import cached_property

from . import protocol, wsframing


class Outgoing:
    """``text`` and, built lazily and cached, what each transport sends of it."""

    def __init__(self, text: str, encoded: str | None = None):
        self.text = text
        if encoded is not None:
            self.encoded = encoded  # fills the cached_property below

    @cached_property
    def encoded(self) -> str:
        """The message as a SockJS JSON string (what ``a[...]`` frames hold)."""
        return protocol.encode_message(self.text)

    @cached_property
    def ws_raw(self) -> bytes:
        """The RFC 6455 text frame of the raw WebSocket: the text as it is."""
        return wsframing.text_frame(self.text)

    @cached_property
    def ws_framed(self) -> bytes:
        """The RFC 6455 text frame of the SockJS WebSocket: ``a[<encoded>]``."""
        return wsframing.text_frame(protocol.message_frame((self.encoded,)))
