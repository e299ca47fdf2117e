"""WebSocket framing, free of I/O: bytes in, messages and bytes out.

Two dialects behind one small interface (``feed``, ``text``, ``close``):

* ``Rfc6455`` (hybi-07/08/13, every browser since 2012), wsproto's
  sans-I/O frame layer. We offer no extensions, so a frame is the same bytes
  for every recipient.
* ``Hixie76`` (draft-hixie-76 / hybi-00), which the protocol's test suite
  still checks ("WebSocket: test_haproxy"): text between ``\\x00`` and
  ``\\xff``, a ``\\xff\\x00`` close, and an MD5 challenge in the handshake.

The handshakes are here too, as functions from request headers to the
bytes to answer; transports/websocket.py does the socket work.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import LocalProtocolError, generate_accept_token

from . import protocol

if TYPE_CHECKING:
    from .outgoing import Outgoing

NORMAL = 1000
PROTOCOL_ERROR = 1002
UNSUPPORTED_DATA = 1003
TOO_BIG = 1009  # RFC 6455 7.4.1: message too big to process
BAD_TEXT = 1007  # RFC 6455 7.4.1: a text message that is not UTF-8

#: A server's ping with no payload (RFC 6455 5.5.2: FIN + opcode 0x9, unmasked, length 0).
PING_FRAME = b"\x89\x00"


class HandshakeError(ValueError):
    """A request we cannot upgrade; str(exc) is the 400 answer."""


@dataclass
class Received:
    """What one ``feed`` produced."""

    messages: list[str] = field(default_factory=list)
    reply: bytes = b""  # to send back at once (pong, close reply)
    closed: bool = False  # the conversation is over; stop reading
    close_code: int | None = None  # set when we closed it for a fault of the client


# --- RFC 6455 ----------------------------------------------------------------


def rfc6455_handshake(key: str) -> bytes:
    """The 101 answer to an RFC 6455 upgrade (no Content-Length, "test_headersSanity")."""
    if not key:
        raise HandshakeError("Missing Sec-WebSocket-Key.")
    return (
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + generate_accept_token(key.encode("latin-1")) + b"\r\n\r\n"
    )


def text_frame(text: str) -> bytes:
    """A server's RFC 6455 text frame: FIN, opcode 1, unmasked, no extensions.

    Those bytes are the same for every connection, so a message sent to many
    is framed once (outgoing.py). Lone surrogates become "?" as in ``text``.
    """
    data = text.encode("utf-8", "replace")
    size = len(data)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + data


def _unmask(mask: bytes, payload: bytes) -> bytes:
    """RFC 6455 5.3: the payload XOR the 4-byte key repeated, as one big-int XOR."""
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def plain_frames(data: bytes, max_message: int) -> tuple[list[str], int, bool]:
    """The messages of the whole, plain frames at the start of ``data``, the
    bytes they took, and whether what follows may still be a plain frame
    (True: wait for more). Plain: final, no reserved bits, masked, text
    (opcode 1) of valid UTF-8 and at most ``max_message`` bytes, or a pong
    (ignored). A chat client sends nothing else, and wsproto's generic
    parser costs several times more per frame; anything else is left to it.
    """
    messages: list[str] = []
    at, end = 0, len(data)
    while at < end:
        if end - at < 2:
            return messages, at, True
        first, second = data[at], data[at + 1]
        if first not in (0x81, 0x8A) or not second & 0x80:  # FIN, no RSV, text|pong; masked
            return messages, at, False
        size, head = second & 0x7F, at + 6
        if size == 126 and first == 0x81:  # RFC 6455 5.2: 16-bit length, never below 126
            if end - at < 4:
                return messages, at, True
            size, head = (data[at + 2] << 8) | data[at + 3], at + 8
            if size < 126:
                return messages, at, False
        elif size >= 126:  # a 64-bit length, or a control frame's too long
            return messages, at, False
        if size > max_message:
            return messages, at, False
        if end < head + size:
            return messages, at, True
        if first == 0x81:
            try:
                messages.append(_unmask(data[head - 4:head], data[head:head + size]).decode())
            except UnicodeDecodeError:
                return messages, at, False
        at = head + size
    return messages, at, True


class Rfc6455:
    """Server side of an RFC 6455 connection whose handshake is done.

    Plain text frames (``plain_frames``) are read here; the first frame
    that is anything else (a ping, a close, a fragment, a fault) and
    everything after it goes to wsproto, for the rest of the connection.
    wsproto's connection is made only then (or for a close): until then text
    frames are built here (``text_frame``), so an idle chat connection holds
    none of its nine objects, which every full garbage collection would walk.
    """

    def __init__(self, max_message: int):
        self.max_message = max_message
        self._wsproto: Connection | None = None
        self.is_open = True  # text frames may still be sent (neither side began to close)
        self._parts: list[str] = []
        self._size = 0
        self._plain = True  # every frame so far was plain: wsproto has seen no byte
        self._rest = b""  # the start of a plain frame not whole yet

    @property
    def _ws(self) -> Connection:
        """wsproto's side of the connection, made when first needed."""
        if self._wsproto is None:
            self._wsproto = Connection(ConnectionType.SERVER)
        return self._wsproto

    def feed(self, data: bytes) -> Received:
        """Bytes from the client (``b""``: it hung up)."""
        if self._plain and data:
            messages, used, plain = plain_frames(self._rest + data if self._rest else data,
                                                 self.max_message)
            data = (self._rest + data)[used:] if self._rest else data[used:]
            if plain:
                self._rest = data
                return Received(messages)
            self._plain, self._rest = False, b""
            out = self._feed(data)
            out.messages[:0] = messages
        else:
            out = self._feed(data)
        self.is_open = self._ws.state is ConnectionState.OPEN
        return out

    def _feed(self, data: bytes) -> Received:
        out = Received()
        self._ws.receive_data(data or None)
        for event in self._ws.events():
            if isinstance(event, TextMessage):
                self._parts.append(event.data)
                self._size += len(event.data)
                if self._size > self.max_message:
                    return self._fail(out, TOO_BIG, "Message too big")
                if event.message_finished:
                    out.messages.append("".join(self._parts))
                    self._parts, self._size = [], 0
            elif isinstance(event, BytesMessage):
                return self._fail(out, UNSUPPORTED_DATA, "Text frames only")
            elif isinstance(event, Ping):
                out.reply += self._ws.send(event.response())
            elif isinstance(event, CloseConnection):
                if self._ws.state is ConnectionState.REMOTE_CLOSING:
                    out.reply += self._ws.send(event.response())
                elif self._ws.state is ConnectionState.OPEN:  # a frame wsproto could not parse
                    # Not wsproto's reason for bad UTF-8: Python's decoder's words, with a
                    # position that depends on how TCP cut the frame.
                    reason = "Text must be UTF-8" if event.code == BAD_TEXT else event.reason
                    return self._fail(out, event.code, reason or "")
                out.closed = True
                return out
        if not data:
            out.closed = True
        return out

    def message(self, batch: Outgoing, raw: bool) -> bytes:
        """A batch's frames, built once for every recipient (outgoing.py)."""
        if not self.is_open:
            return b""
        return batch.ws_raw if raw else batch.ws_framed

    def ping(self) -> bytes:
        """A ping with no payload; the client answers with a pong."""
        return PING_FRAME

    def text(self, text: str) -> bytes:
        """A text frame; nothing once the connection is closing."""
        if self._wsproto is None:  # plain frames only so far: still open unless closed here
            return text_frame(text) if self.is_open else b""
        if self._ws.state is not ConnectionState.OPEN:
            return b""
        try:
            return self._ws.send(TextMessage(data=text))
        except UnicodeEncodeError:  # a lone surrogate from the application
            return self.text(text.encode("utf-8", "replace").decode("utf-8"))

    def close(self, code: int = NORMAL, reason: str = "") -> bytes:
        self.is_open = False
        try:
            return self._ws.send(CloseConnection(code=code, reason=reason))
        except LocalProtocolError:  # already closed
            return b""

    def _fail(self, out: Received, code: int, reason: str) -> Received:
        out.reply += self.close(code, reason)
        out.closed = True
        out.close_code = code
        return out


# --- Hixie-76 ----------------------------------------------------------------


def hixie76_key_number(key: str) -> int:
    """The number a Sec-WebSocket-Key1/2 stands for: its digits over its spaces."""
    digits = "".join(c for c in key if c.isdigit() and c.isascii())
    spaces = key.count(" ")
    if not digits or spaces == 0 or int(digits) % spaces or int(digits) // spaces > 0xFFFFFFFF:
        raise HandshakeError("Invalid Sec-WebSocket-Key1/2.")
    return int(digits) // spaces


def hixie76_handshake(origin: str, location: str) -> bytes:
    """The 101 head; sent before the client's 8-byte nonce is read, as
    HAProxy needs ("test_haproxy")."""
    return (
        "HTTP/1.1 101 WebSocket Protocol Handshake\r\n"
        "Upgrade: WebSocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Origin: {origin}\r\n"
        f"Sec-WebSocket-Location: {location}\r\n\r\n"
    ).encode("latin-1")


def hixie76_challenge(key1: str, key2: str, nonce: bytes) -> bytes:
    """The 16 bytes that answer the client's nonce."""
    return hashlib.md5(
        struct.pack(">II", hixie76_key_number(key1), hixie76_key_number(key2)) + nonce
    ).digest()


class Hixie76:
    """Server side of a draft-76 connection whose handshake is done."""

    def __init__(self, max_message: int):
        self.max_message = max_message
        self._buffer = bytearray()
        self._closed = False

    def feed(self, data: bytes) -> Received:
        out = Received()
        if not data:
            out.closed = True
            return out
        self._buffer += data
        while self._buffer:
            kind = self._buffer[0]
            if kind == 0x00:
                end = self._buffer.find(b"\xff", 0, self.max_message + 2)
                if end < 0:  # a frame longer than max_message, whole or not yet
                    if len(self._buffer) > self.max_message + 1:
                        out.closed, out.close_code = True, TOO_BIG
                    return out
                payload = bytes(self._buffer[1:end])
                del self._buffer[: end + 1]
                try:
                    out.messages.append(payload.decode("utf-8"))
                except UnicodeDecodeError:
                    out.closed, out.close_code = True, PROTOCOL_ERROR
                    return out
            elif kind == 0xFF:  # closing handshake (0xff 0x00) or a frame we do not take
                out.reply = self.close()
                out.closed = True
                return out
            else:
                out.closed, out.close_code = True, PROTOCOL_ERROR
                return out
        return out

    @property
    def is_open(self) -> bool:
        """Text frames may still be sent."""
        return not self._closed

    def text(self, text: str) -> bytes:
        """A text frame; nothing once the connection is closing."""
        if self._closed:
            return b""
        return b"\x00" + text.encode("utf-8", "replace") + b"\xff"

    def message(self, batch: Outgoing, raw: bool) -> bytes:
        """A batch's frames (one per text on the raw WebSocket)."""
        if raw:
            return b"".join(map(self.text, batch.texts))
        return self.text(protocol.message_frame(batch.encoded_texts))

    def ping(self) -> None:
        """None: the draft has no ping."""
        return None

    def close(self, code: int = NORMAL, reason: str = "") -> bytes:
        if self._closed:
            return b""
        self._closed = True
        return b"\xff\x00"
