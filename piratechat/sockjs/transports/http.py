"""What every HTTP receiver shares: a response body that is a stream of frames.

Polling transports carry one frame per request, streaming ones many, each in
its own encoding (``encode``). Each frame is yielded on its own so the server
sends it as one HTTP chunk at once.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import gevent
from gevent.socket import wait_read
from webob import Request, Response

from .. import headers
from ..hijack import SOCKET_KEY
from ..receiver import frames
from ..session import Options, Session


def receiver_response(
    request: Request,
    session: Session,
    options: Options,
    content_type: str,
    encode: Callable[[str], bytes],
    streaming: bool,
    prelude: bytes = b"",
) -> Response:
    body = _body(request.environ, session, options, encode, streaming, prelude)
    response = Response(content_type=content_type, charset="UTF-8", app_iter=body)
    headers.no_cache(response)
    headers.cors(request, response)
    headers.session_cookie(request, response, options.cookie_needed)
    return response


def _body(environ, session, options, encode, streaming, prelude) -> Iterator[bytes]:
    sock = environ.get("gunicorn.socket") or environ.get(SOCKET_KEY)
    watcher = gevent.spawn(_notice_hang_up, sock, session) if sock is not None else None
    stream = frames(session, options.heartbeat_delay, streaming)
    try:
        if prelude:
            yield prelude
        sent = 0
        for frame in stream:
            chunk = encode(frame)
            yield chunk
            sent += len(chunk)
            if sent >= options.response_limit:  # let the client open a fresh one
                break
    finally:
        stream.close()
        if watcher is not None:
            watcher.kill(block=False)


def _notice_hang_up(sock, session: Session) -> None:
    """Free the session as soon as an idle receiver's client hangs up.

    Without this a dropped long-poll would hold its session until the next
    heartbeat write failed, 25 s later.
    """
    try:
        wait_read(sock.fileno())
        if sock.recv(1, socket.MSG_PEEK) != b"":
            return  # the client sent something (a pipelined request): not a hang-up
    except OSError:
        pass
    session.receiver_gone()
