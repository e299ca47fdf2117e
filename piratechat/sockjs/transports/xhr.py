"""XHR transports: xhr (long polling), xhr_streaming and xhr_send."""

from __future__ import annotations

from webob import Request, Response

from .. import headers, protocol
from ..session import Options, Session
from .http import receiver_response

JAVASCRIPT = "application/javascript"
#: xhr_streaming opens with 2 KiB of "h" so browsers start delivering chunks.
STREAMING_PRELUDE = b"h" * 2048 + b"\n"


def _line(frame: str) -> bytes:
    return frame.encode("utf-8") + b"\n"


def xhr(request: Request, session: Session, options: Options) -> Response:
    return receiver_response(request, session, options, JAVASCRIPT, _line, streaming=False)


def xhr_streaming(request: Request, session: Session, options: Options) -> Response:
    return receiver_response(
        request, session, options, JAVASCRIPT, _line, streaming=True, prelude=STREAMING_PRELUDE
    )


def read_messages(request: Request, options: Options, body: bytes | None = None) -> list[str]:
    """Messages in a send request's body; raises protocol.BadPayload."""
    if body is None:
        body = request.body_file.read(options.max_message + 1)
    if len(body) > options.max_message:
        raise protocol.BadPayload("Payload too large.")
    return protocol.decode_messages(body)


def error_response(request: Request, options: Options, message: str) -> Response:
    response = Response(status=500, body=message.encode(), content_type="text/plain")
    headers.no_cache(response)
    headers.cors(request, response)
    headers.session_cookie(request, response, options.cookie_needed)
    return response


def xhr_send(request: Request, session: Session | None, options: Options) -> Response:
    if session is None:
        return Response(status=404)
    try:
        messages = read_messages(request, options)
    except protocol.BadPayload as exc:
        return error_response(request, options, str(exc))
    session.receive(messages)
    response = Response(status=204, content_type="text/plain", charset="UTF-8")
    headers.no_cache(response)
    headers.cors(request, response)
    headers.session_cookie(request, response, options.cookie_needed)
    return response
