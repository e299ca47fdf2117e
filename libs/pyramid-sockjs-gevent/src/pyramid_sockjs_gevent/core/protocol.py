"""SockJS 0.3 frames and message bodies, free of I/O.

Everything a transport needs to turn application messages into frames and
client bodies back into messages. No sockets, no clocks, no gevent: the
protocol is tested by feeding it strings and bytes.

Frame grammar (SockJS protocol 0.3.3, "Protocol and framing"):
``o`` open, ``h`` heartbeat, ``a[...]`` an array of messages,
``c[code,"reason"]`` close.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

__all__ = [
    "ANOTHER_CONNECTION",
    "BROKEN_JSON",
    "GO_AWAY",
    "HEARTBEAT",
    "INTERRUPTED",
    "OPEN",
    "PAYLOAD_EXPECTED",
    "BadPayload",
    "close_frame",
    "decode_messages",
    "encode_message",
    "is_close_frame",
    "message_frame",
]

OPEN = "o"
HEARTBEAT = "h"

#: Close codes the protocol names ("Protocol and framing", "Handling close").
GO_AWAY = (3000, "Go away!")
ANOTHER_CONNECTION = (2010, "Another connection still open")
INTERRUPTED = (1002, "Connection interrupted")

#: The protocol's answers to a bad body (xhr_send, jsonp_send: "500").
PAYLOAD_EXPECTED = "Payload expected."
BROKEN_JSON = "Broken JSON encoding."

# Characters browsers mangle inside some transports (the protocol's "JSON
# Unicode Encoding" section lists \x00-\x1f, \u200c-\u200f, \u2028-\u202f,
# \u2060-\u206f and \ufff0-\uffff as "escapable by server"); we add the other
# invisible formatting characters and lone surrogates, which UTF-8 cannot
# carry. JSON allows them raw; we send them as \uXXXX.
_ESCAPABLE = re.compile(
    "[\x00-\x1f\u007f-\u009f\u00ad\u0600-\u0604\u070f\u17b4\u17b5"
    "\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufff0-\uffff"
    "\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def encode_message(text: str) -> str:
    """One message as a JSON string literal, escaped for every transport.

    Encode once per message and reuse the result for every recipient: the
    hub does, so a line to a thousand members is encoded once.
    """
    return _ESCAPABLE.sub(_escape, json.dumps(text, ensure_ascii=False))


def message_frame(encoded: Iterable[str]) -> str:
    """An ``a[...]`` frame from messages already passed through encode_message."""
    return "a[" + ",".join(encoded) + "]"


def close_frame(code: int, reason: str) -> str:
    return f"c[{int(code)},{encode_message(reason)}]"


def is_close_frame(frame: str) -> bool:
    """True for ``c[...]``: a receiver that carried one has nothing more to carry."""
    return frame.startswith("c")


class BadPayload(ValueError):
    """A client body the protocol rejects; str(exc) is the protocol's answer."""


def decode_messages(body: bytes | str) -> list[str]:
    """Messages from a client body: a JSON array of strings (or one string).

    Raises BadPayload with "Payload expected." for an empty body and
    "Broken JSON encoding." for anything that is not JSON text of strings
    ("XhrPolling: test_invalid_json").
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadPayload(BROKEN_JSON) from None
    if not body:
        raise BadPayload(PAYLOAD_EXPECTED)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BadPayload(BROKEN_JSON) from None
    if isinstance(data, str):
        return [data]
    if isinstance(data, list) and all(isinstance(item, str) for item in data):
        return data
    raise BadPayload(BROKEN_JSON)
