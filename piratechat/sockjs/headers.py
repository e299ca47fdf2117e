"""The HTTP headers the SockJS protocol asks for: caching, CORS, cookies."""

from __future__ import annotations

import time
from email.utils import formatdate

from webob import Request, Response

NO_CACHE = "no-store, no-cache, no-transform, must-revalidate, max-age=0"
ONE_YEAR = 365 * 24 * 3600


def no_cache(response: Response) -> None:
    response.headers["Cache-Control"] = NO_CACHE


def cache_for_a_year(response: Response) -> None:
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}"
    response.headers["Expires"] = formatdate(time.time() + ONE_YEAR, usegmt=True)


def cors(request: Request, response: Response) -> None:
    """Allow the page's origin (echoed, ``null`` included) with credentials."""
    origin = request.headers.get("Origin") or "*"
    response.headers["Access-Control-Allow-Origin"] = origin
    if origin != "*":
        response.headers["Vary"] = "Origin"
    response.headers["Access-Control-Allow-Credentials"] = "true"
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:
        response.headers["Access-Control-Allow-Headers"] = asked


def session_cookie(request: Request, response: Response, needed: bool) -> None:
    """Sticky-session cookie for load balancers: echo the client's or set dummy."""
    if needed:
        value = request.cookies.get("JSESSIONID", "dummy")
        response.headers.add("Set-Cookie", f"JSESSIONID={value}; path=/")


def preflight(request: Request, methods: str) -> Response:
    """Answer a CORS preflight (OPTIONS) for a SockJS endpoint."""
    response = Response(status=204)
    del response.content_type
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Max-Age"] = str(ONE_YEAR)
    cache_for_a_year(response)
    cors(request, response)
    return response
