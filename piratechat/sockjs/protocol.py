"""SockJS 0.3 frames and message bodies, free of I/O.

Everything a transport needs to turn application messages into bytes on the
wire and client bodies back into messages. No sockets, no clocks, no gevent:
the protocol can be tested by feeding it strings.

Frame grammar (SockJS protocol 0.3.3, "Framing"):
``o`` open, ``h`` heartbeat, ``a[...]`` an array of messages,
``c[code,"reason"]`` close.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

__all__ = [
    "OPEN",
    "HEARTBEAT",
    "BadPayload",
    "close_frame",
    "decode_messages",
    "encode_message",
    "message_frame",
]

OPEN = "o"
HEARTBEAT = "h"

#: Close codes used by the protocol ("Session" section of the protocol).
GO_AWAY = (3000, "Go away!")
ANOTHER_CONNECTION = (2010, "Another connection still open")
INTERRUPTED = (1002, "Connection interrupted")

# Characters that some browsers mangle inside transports (the protocol's
# "JSON Unicode encoding" section): escape them as \uXXXX even though JSON
# would allow them raw.
_ESCAPABLE = re.compile(
    "[\x00-\x1f\u007f-\u009f\u00ad\u0600-\u0604\u070f\u17b4\u17b5"
    "\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufff0-\uffff"
    "\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    return "\\u%04x" % ord(match.group(0))


def encode_message(text: str) -> str:
    """One message as a JSON string literal, escaped for every transport.

    Encode once per message and reuse the result for every recipient.
    """
    return _ESCAPABLE.sub(_escape, json.dumps(text, ensure_ascii=False))


def message_frame(encoded: Iterable[str]) -> str:
    """An ``a[...]`` frame from messages already passed through encode_message."""
    return "a[" + ",".join(encoded) + "]"


def close_frame(code: int, reason: str) -> str:
    return "c[%d,%s]" % (code, encode_message(reason))


class BadPayload(ValueError):
    """A client body the protocol rejects; str(exc) is the protocol's answer."""


def decode_messages(body: bytes | str) -> list[str]:
    """Messages from a client body: a JSON array of strings (or one string).

    Raises BadPayload with "Payload expected." for an empty body and
    "Broken JSON encoding." for anything that is not JSON text of strings.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadPayload("Broken JSON encoding.") from None
    if not body:
        raise BadPayload("Payload expected.")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BadPayload("Broken JSON encoding.") from None
    if isinstance(data, str):
        return [data]
    if isinstance(data, list) and all(isinstance(item, str) for item in data):
        return data
    raise BadPayload("Broken JSON encoding.")
