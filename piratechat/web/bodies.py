"""A request's body, read whole and bounded before an app sees it.

Apps that read ``CONTENT_LENGTH`` bytes (Zope) get nothing of a chunked body,
and a server that reads whatever ``CONTENT_LENGTH`` says holds it all in
memory. ``read_whole`` reads at most ``limit`` bytes of either kind into a
file of the request's own (in memory up to ``SPOOL`` bytes, on disk past
that) and rewrites the environ to say plainly what it holds: a seekable
``wsgi.input``, its ``CONTENT_LENGTH``, no chunking. A body said to be over
the limit is refused before any of it is read; a chunked one as soon as it
passes the limit.
"""

from __future__ import annotations

import io
import tempfile

from webob import Response

#: Bytes of a body kept in memory; the rest waits in a temporary file.
SPOOL = 1024 * 1024
BLOCK = 64 * 1024
#: Set in the environ once its body is whole (a second read_whole does nothing).
WHOLE = "piratechat.body_whole"


class TooLarge(ValueError):
    pass


class BadBody(ValueError):
    """A body that is not what its header says: cut short, or a length that is no number."""


def read_whole(environ: dict, limit: int) -> None:
    """Make the request's body whole (see the module docstring); raises TooLarge or BadBody."""
    if environ.get(WHOLE):
        return
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    try:
        length = None if chunked else int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadBody() from None
    if length is not None and (length < 0 or length > limit):
        raise TooLarge() if length > limit else BadBody()
    if chunked and environ.get("wsgi.input_terminated") is False:
        raise BadBody()  # chunks on a raw socket (a GET asking to upgrade): nobody decodes them
    if length == 0:  # nothing to read: an empty file, whatever the socket holds next
        environ.update({"wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "0", WHOLE: True})
        return
    body = tempfile.SpooledTemporaryFile(SPOOL)
    wanted = limit + 1 if length is None else length
    stream = environ["wsgi.input"]
    try:
        while wanted > 0 and (block := stream.read(min(BLOCK, wanted))):
            body.write(block)
            wanted -= len(block)
    except OSError:  # the client left, or went quiet for the server's idle_timeout
        body.close()
        raise BadBody() from None
    size = body.tell()
    if size > limit or (length is not None and size < length):
        body.close()
        raise TooLarge() if size > limit else BadBody()
    body.seek(0)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.update({"wsgi.input": body, "CONTENT_LENGTH": str(size), WHOLE: True,
                    "wsgi.input_terminated": True})


def refusal(error: ValueError, limit: int) -> Response:
    """The answer to a body read_whole refused: 413 or 400, with a sentence.
    The connection is closed after it: the rest of the body is never read."""
    if isinstance(error, TooLarge):
        status, text = 413, f"The request's body is too large: at most {limit} bytes."
    else:
        status, text = 400, "The request's body did not arrive whole."
    response = Response(text + "\n", status=status, content_type="text/plain", charset="UTF-8")
    response.headers["Connection"] = "close"
    return response
