"""What every HTTP transport shares: receiver responses that stream frames,
and send requests whose bodies carry messages.

A receiver's body is a generator: each frame the session gives
(``frames_to_send``) is yielded on its own, so the server sends it as one
HTTP chunk at once (preludes too), and its size is reported back (``wrote``:
the session ends a stream at the response limit). The session decides
everything else; ``HttpReceiver`` only waits to be woken, and the ticker
brings the session's timers. While it waits, a watcher greenlet notices a
client that hangs up, so a dropped long-poll frees its session at once
instead of at the next heartbeat.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import gevent
from gevent.event import Event
from gevent.socket import wait_read
from webob import Request, Response
from zope.interface import implementer

from ...core import framing, protocol
from ...core.session import CLOSED, CUT, NEVER, POLLING, STREAMING, Frame, Session, frame_text
from ...interfaces import IReceiver
from .. import headers
from ..hijack import abort, client_socket
from ..ticker import ticker

JAVASCRIPT = "application/javascript; charset=UTF-8"
PLAIN = "text/plain; charset=UTF-8"
HTML = "text/html; charset=UTF-8"
EVENT_STREAM = "text/event-stream"


class PayloadTooLarge(ValueError):
    """A send body over ``max_message``: 413."""


class IncompleteBody(ValueError):
    """The client hung up before its body was complete: 400 (if anyone hears it)."""


def session_headers(request: Request, response: Response, session: Session) -> Response:
    """Every session URL's answer: not cached, CORS, the sticky cookie."""
    headers.no_cache(response)
    headers.cors(request, response, session.registry.options.origins)
    headers.session_cookie(request, response, session.registry.options.cookie_needed)
    return response


def receiver_response(
    request: Request,
    session: Session,
    content_type: str,
    encode: Callable[[str], bytes],
    streaming: bool,
    prelude: bytes = b"",
) -> Response:
    """The response of a receiving request: frames, each in ``encode``'s envelope."""
    options = session.registry.options
    _drain(request, options.max_message)
    kind = STREAMING if streaming else POLLING
    body = _body(client_socket(request.environ), session, encode, kind, prelude)
    response = Response(app_iter=body)
    response.headers["Content-Type"] = content_type
    return session_headers(request, response, session)


#: How long a receiving request waits for the body it announced. The body
#: means nothing to it (it is read only so that what is readable afterwards
#: can be told apart: a hang-up, a new request); one announced but not sent
#: must not hold back the answer (issue 25: streams that hung for 10 s).
DRAIN_SECONDS = 1.0


def _drain(request: Request, limit: int) -> None:
    """Read what the client sent with a receiving request, so what remains
    readable on the socket afterwards can only be a hang-up or a new request."""
    if request.content_length:
        with gevent.Timeout(DRAIN_SECONDS, False):
            try:
                request.body_file_raw.read(min(request.content_length, limit))
            except OSError:
                pass  # the client left; the hang-up watcher will say so


@implementer(IReceiver)
class HttpReceiver:
    """One receiving HTTP request attached to a session: it writes what
    the session says, waits to be woken, and tells the session when its
    client hangs up. The session's timers reach it through the ticker."""

    def __init__(self, session: Session, kind: str, sock=None):
        self.session = session
        self.kind = kind
        self.sock = sock  # None: the server does not expose it (no hang-up detection)
        self.tick_token = 0
        self.tick_due = NEVER  # the ticker's
        self._event = Event()

    def wake(self) -> None:
        self._event.set()
        if self.session.state == CLOSED:  # the cut of a stuck receiver is due sooner
            ticker(self.session.registry).schedule(self, self.session.deadline)

    def write_now(self, batch) -> bool:
        """Never at once: the response's own greenlet writes the body (IReceiver)."""
        return False

    def tick(self, now: float) -> float:
        session = self.session
        if session.receiver is not self:
            return NEVER
        if session.tick(now) == CUT:  # stuck writing to a client that does not read
            self.cut()
            return NEVER
        return session.deadline

    def cut(self) -> None:
        """Drop a client stuck reading the close, from the ticker's greenlet,
        so without waiting and without the application: the session, closed
        already (its ``on_close`` ran where it closed), lets go of this
        receiver, and the socket is reset, which wakes the response's
        greenlet blocked in its write. (Not ``hang_up``: it closes an open
        session, which runs ``on_close`` right here.)"""
        self.session.detach(self)
        self._event.set()
        if self.sock is not None:
            abort(self.sock)

    def hang_up(self) -> None:
        """The client went away: the session ends (1002) and is free at once."""
        self.session.hang_up(self)
        self._event.set()

    def check(self) -> None:
        """Hang up now if the client already has (asked without waiting)."""
        if self.sock is not None and _hung_up(self.sock):
            self.hang_up()

    def next_frames(self) -> list[Frame]:
        """The frames to write next, waiting for some; [] once the session
        is done with this receiver."""
        session = self.session
        while session.receiver is self:
            self._event.clear()
            frames = session.frames_to_send()
            if frames:
                return frames
            ticker(session.registry).schedule(self, session.deadline)
            self._event.wait()
        return []


def _body(sock, session: Session, encode, kind: str, prelude: bytes) -> Iterator[bytes]:
    holder = session.receiver
    if isinstance(holder, HttpReceiver):
        holder.check()  # its client may have left before its watcher could say so
    receiver = HttpReceiver(session, kind, sock)
    refusal = session.attach(receiver)
    if prelude:
        yield prelude
    if refusal is not None:
        yield encode(refusal)
        return
    watcher = gevent.spawn(_notice_hang_up, sock, receiver) if sock is not None else None
    clock = session.registry.clock
    try:
        while frames := receiver.next_frames():
            for frame in frames:
                chunk = encode(frame_text(frame))
                yield chunk
                if session.receiver is receiver:  # else done: polled, closed, over the limit
                    session.wrote(len(chunk), clock())
    except GeneratorExit:  # the server stopped writing: the client is gone
        receiver.hang_up()
        raise
    finally:
        session.detach(receiver)
        ticker(session.registry).cancel(receiver)
        if watcher is not None:
            watcher.kill()


def _hung_up(sock) -> bool:
    """Whether the client closed its side, asked without waiting."""
    try:
        return getattr(sock, "_sock", sock).recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False  # nothing to read: still there
    except ValueError:
        return False  # a TLS socket takes no flags: we cannot tell, so assume it is there
    except OSError:
        return True


def _notice_hang_up(sock, receiver: HttpReceiver) -> None:
    """Tell the receiver when its idle client hangs up."""
    try:
        wait_read(sock.fileno())
        if sock.recv(1, socket.MSG_PEEK) != b"":
            return  # the client sent something (a pipelined request): not a hang-up
    except ValueError:
        return  # a TLS socket cannot peek: leave it to the next heartbeat's write
    except OSError:
        pass
    # In a greenlet of its own: the hang-up closes the session, which ends this
    # response, whose end kills this watcher; the application's on_close, which
    # may wait on I/O (the chat's takes the member out of presence in Redis),
    # must not be cut short by that (tests/test_hang_up_close.py).
    gevent.spawn(receiver.hang_up)


def read_messages(request: Request, session: Session, decode=None) -> list[str]:
    """Messages in a send request's body.

    Raises protocol.BadPayload (the protocol's 500), PayloadTooLarge (413)
    or IncompleteBody (400).
    """
    limit = session.registry.options.max_message
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge()
    try:  # body_file stops at Content-Length: the raw stream of a request asking
        # for an upgrade (``Connection: Upgrade``) does not, and would wait for more
        body = request.body_file.read(limit + 1) if request.is_body_readable else b""
    except OSError:
        raise IncompleteBody() from None
    if len(body) > limit:
        raise PayloadTooLarge()
    if decode is None:
        return protocol.decode_messages(body)
    return decode(body, request.headers.get("Content-Type", ""))


def callback_name(request: Request) -> str:
    """The ``c`` parameter of htmlfile and jsonp, checked (framing.BadCallback)."""
    try:
        value = request.GET.get("c")
    except UnicodeDecodeError:
        raise framing.BadCallback(framing.CALLBACK_INVALID) from None
    return framing.callback(value)


def callback_error(request: Request) -> Response | None:
    """500 for a missing or unsafe callback (htmlfile, jsonp), before any
    session is made ("test_no_callback", "test_invalid_callback")."""
    try:
        callback_name(request)
    except framing.BadCallback as exc:
        return headers.error(500, str(exc))
    return None


def send_error(request: Request, session: Session, exc: Exception) -> Response:
    if isinstance(exc, PayloadTooLarge):
        response = headers.error(413, "Payload too large.")
    elif isinstance(exc, IncompleteBody):
        response = headers.error(400, "Incomplete body.")
    else:
        response = headers.error(500, str(exc))
    return session_headers(request, response, session)
