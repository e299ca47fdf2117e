"""How each HTTP transport wraps a frame in bytes, free of I/O.

A frame (protocol.py) is the same on every transport; what differs is its
envelope: a line for xhr, an event for EventSource, a ``<script>`` for
htmlfile, a function call for JSONP. Preludes are sent once, before the
first frame, each in its own chunk.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from . import protocol

#: xhr_streaming opens with 2 KiB of "h" so browsers start delivering chunks
#: ("XhrStreaming: test_transport").
XHR_STREAMING_PRELUDE = b"h" * 2048 + b"\n"

#: EventSource opens with an empty line, for Opera ("EventSource").
EVENTSOURCE_PRELUDE = b"\r\n"

#: The htmlfile page's head, exactly as the protocol gives it ("HtmlFile");
#: ``%s`` is the client's callback. Padded past 1 KiB so old IE renders it.
HTMLFILE_HEAD = """<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.%s;
    c.start();
    function p(d) {c.message(d);};
    window.onload = function() {c.stop();};
  </script>"""

# "Invalid characters are any matching the following regexp: [^a-zA-Z0-9-_.]"
_CALLBACK = re.compile(r"[a-zA-Z0-9_.\-]+\Z")

CALLBACK_REQUIRED = '"callback" parameter required'
CALLBACK_INVALID = 'invalid "callback" parameter'


class BadCallback(ValueError):
    """A missing or unsafe JSONP/htmlfile callback; str(exc) is the answer."""


def callback(value: str | None) -> str:
    """The client's callback name, checked: it is written into a script."""
    if not value:
        raise BadCallback(CALLBACK_REQUIRED)
    if not _CALLBACK.match(value):
        raise BadCallback(CALLBACK_INVALID)
    return value


def xhr(frame: str) -> bytes:
    """xhr and xhr_streaming: one frame per line."""
    return frame.encode("utf-8") + b"\n"


def eventsource(frame: str) -> bytes:
    """One server-sent event. Frames are JSON-escaped, so no raw newline
    can end the event early."""
    return b"data: " + frame.encode("utf-8") + b"\r\n\r\n"


def htmlfile_prelude(name: str) -> bytes:
    head = HTMLFILE_HEAD % name
    return (head + " " * max(0, 1024 - len(head)) + "\r\n\r\n").encode("utf-8")


def _script_string(frame: str) -> str:
    """The frame as a JavaScript string literal that is safe inside HTML.

    ``<`` is written ``\\u003c`` so a message saying ``</script>`` cannot
    end the script element and run as markup on our origin.
    """
    return json.dumps(frame).replace("<", "\\u003c")


def htmlfile(frame: str) -> bytes:
    return ("<script>\np(" + _script_string(frame) + ");\n</script>\r\n").encode("utf-8")


def jsonp(name: str, frame: str) -> bytes:
    """A JSONP answer. ``/**/`` first, so no answer can start like a Flash
    file (the "Rosetta Flash" attack on JSONP endpoints)."""
    return ("/**/" + name + "(" + _script_string(frame) + ");\r\n").encode("utf-8")


def jsonp_messages(body: bytes, content_type: str, max_fields: int = 64) -> list[str]:
    """Messages in a jsonp_send body: a form's ``d`` field, or a plain body.

    Raises protocol.BadPayload with the protocol's answer ("JsonPolling:
    test_invalid_json", "test_content_types").
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(
                body.decode("ascii"), encoding="utf-8", errors="strict", max_num_fields=max_fields
            )
        except ValueError:  # UnicodeDecodeError included
            raise protocol.BadPayload(protocol.BROKEN_JSON) from None
        values = form.get("d")
        if not values or not values[0]:
            raise protocol.BadPayload(protocol.PAYLOAD_EXPECTED)
        return protocol.decode_messages(values[0])
    return protocol.decode_messages(body)
