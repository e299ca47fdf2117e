"""The HTTP headers and small answers the SockJS protocol asks for:
caching, CORS, the JSESSIONID cookie, 404/405/500."""

from __future__ import annotations

import re
import time
from email.utils import formatdate

from webob import Request, Response

#: "verify_not_cached": exactly this, and no Expires or Last-Modified.
NO_CACHE = "no-store, no-cache, no-transform, must-revalidate, max-age=0"
ONE_YEAR = 365 * 24 * 3600

# RFC 6265 cookie-octet: what may be echoed back in Set-Cookie unquoted.
_COOKIE_VALUE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,256}\Z")


def no_cache(response: Response) -> None:
    response.headers["Cache-Control"] = NO_CACHE


def cache_for_a_year(response: Response) -> None:
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}"
    response.headers["Expires"] = formatdate(time.time() + ONE_YEAR, usegmt=True)


def origin_allowed(request: Request, origins: tuple[str, ...]) -> bool:
    """Whether the request's Origin (if any) may use the endpoint (Options.origins).

    "self" is the request's own host: the Origin's host and port are the
    Host header's (whatever the scheme: a TLS proxy may sit in front), or
    its host alone when Host carries no port (a proxy passing ``$host``).
    """
    origin = request.headers.get("Origin")
    if origin is None or "*" in origins or origin in origins:
        return True
    if "self" in origins and "://" in origin:
        scheme, netloc = origin.lower().split("://", 1)
        default = {"http": ":80", "https": ":443"}.get(scheme, "")
        host = request.host.lower()
        netloc, host = netloc.removesuffix(default), host.removesuffix(default)
        return netloc == host or (":" not in host.rsplit("]", 1)[-1]
                                  and netloc.rsplit(":", 1)[0] == host)
    return False


def forbidden_origin() -> Response:
    return error(403, "Origin not allowed.")


def cors(request: Request, response: Response, origins: tuple[str, ...] = ("*",)) -> None:
    """Allow the page's origin, with credentials so JSESSIONID flies.

    An allowed origin (``origins``: Options.origins) is echoed as sent,
    ``null`` included (a page from file://) when any origin is allowed; an
    origin not allowed gets no CORS headers, so the browser keeps the answer
    from its page; without an Origin, ``*`` and no credentials, which CORS
    forbids together.
    """
    origin = request.headers.get("Origin")
    if origin and not origin_allowed(request, origins):
        response.headers["Vary"] = "Origin"
        return
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
    else:
        response.headers["Access-Control-Allow-Origin"] = "*"
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:
        response.headers["Access-Control-Allow-Headers"] = asked


def session_cookie(request: Request, response: Response, needed: bool) -> None:
    """Sticky-session cookie for load balancers: echo the client's or set dummy
    ("JSESSIONID cookie")."""
    if needed:
        value = request.cookies.get("JSESSIONID", "")
        if not _COOKIE_VALUE.match(value):
            value = "dummy"
        response.headers.add("Set-Cookie", f"JSESSIONID={value}; path=/")


def preflight(request: Request, methods: str, origins: tuple[str, ...] = ("*",)) -> Response:
    """Answer a CORS preflight (OPTIONS): 204, cacheable for a year."""
    response = Response(status=204)
    del response.content_type
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Max-Age"] = str(ONE_YEAR)
    cache_for_a_year(response)
    cors(request, response, origins)
    return response


def not_found() -> Response:
    return Response(status=404, body=b"Not found.", content_type="text/plain", charset="UTF-8")


def not_allowed(methods: str) -> Response:
    """405 with ``Allow``, no Content-Type and no body ("verify405")."""
    response = Response(status=405)
    response.headers["Allow"] = methods
    del response.content_type
    return response


def error(status: int, message: str) -> Response:
    """A protocol error answer: the protocol's sentence as plain text."""
    response = Response(status=status, body=message.encode(), content_type="text/plain")
    response.charset = "UTF-8"
    no_cache(response)
    return response
