"""What every page answer guarantees, whatever the request says.

* Known hosts only: page URLs (the script, the form, the SockJS address, the
  links) are built from ``public_url`` when it is set, else from a Host the
  ``allowed_hosts`` setting names; a request for any other host gets a 400,
  so a forged Host cannot make a page point elsewhere. SockJS requests too
  must name a known host (``allowed_hosts``, or ``public_url``'s): a page on
  a rebound DNS name (evil.example resolving to 127.0.0.1) would pass the
  origin check, its Origin being its own Host, but not this one.
* Bounded bodies: a page request's body over ``max_body`` bytes gets a 413
  before anything reads it (a chunked one is read up to the bound, no
  further); one within it is read whole first (bodies.py).
* Security headers: a Content-Security-Policy allowing scripts, styles and
  connections from the page's own origin only (no inline script or style:
  the templates hold none), nosniff, no framing, a same-origin Referer. The
  SockJS iframe page, which sockjs-client frames, stays frameable by the
  page's origin (and the allowed ones); other SockJS answers are the
  protocol's and are left alone.

``filter_factory`` (plone.ini's ``[filter:guard]``) puts the first two in front
of a WSGI app that is not ours: plone.ini's Plone site, whose pages Zope
builds from whatever Host says, and which reads ``CONTENT_LENGTH`` bytes
(none of a chunked body), with the limit ``plone_max_body``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pyramid.response import Response
from webob import Request

from ..interfaces import ISettings
from ..settings import Settings, parse
from .bodies import BadBody, TooLarge, read_whole, refusal

SOCKJS_PREFIX = "/sockjs"
NOSNIFF = ("X-Content-Type-Options", "nosniff")
REFERRER = ("Referrer-Policy", "same-origin")


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, content_type="text/plain", charset="UTF-8")


def hostname(host: str) -> str:
    """``example.org:8080`` -> ``example.org``; ``[::1]:80`` -> ``[::1]``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if ":" in host else host


def origins(settings: Settings) -> tuple[str, ...]:
    """The origins the chat's SockJS endpoint answers (pyramid_sockjs_gevent/runtime/headers.py):
    ``allowed_origins``, else the page's own ("self"), and ``public_url``'s."""
    found = tuple(settings.allowed_origins.replace(",", " ").split()) or ("self",)
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        found += (f"{parts.scheme}://{parts.netloc}",)
    return found


class Guard:
    def __init__(self, settings: Settings, max_body: int | None = None):
        self.settings = settings
        self.max_body = settings.max_body if max_body is None else max_body
        named = settings.allowed_hosts.replace(",", " ").split()
        self.hosts = frozenset(hostname(h) for h in named)
        public = urlsplit(settings.public_url) if settings.public_url else None
        if public is not None and (public.scheme not in ("http", "https") or not public.netloc):
            raise ValueError(f"public_url must be http(s)://host[:port]: {settings.public_url!r}")
        self.public = public
        self.frame_origins = " ".join(o for o in origins(settings) if o != "self")

    def host_error(self, request) -> Response | None:
        """Fix the request's host to ``public_url``, or refuse a host not allowed."""
        if self.public is not None:
            request.environ["HTTP_HOST"] = self.public.netloc
            request.environ["wsgi.url_scheme"] = self.public.scheme
            return None
        return self.known_host_error(request)

    def known_host_error(self, request) -> Response | None:
        """Refuse a host that is neither in ``allowed_hosts`` nor ``public_url``'s."""
        host = hostname(request.host)
        if "*" in self.hosts or host in self.hosts:
            return None
        if self.public is not None and host == hostname(self.public.netloc):
            return None
        return _plain(400, "This server does not answer for that host name "
                      "(see the allowed_hosts and public_url settings).")

    def body_error(self, request) -> Response | None:
        try:
            read_whole(request.environ, self.max_body)
        except (TooLarge, BadBody) as error:
            return refusal(error, self.max_body)
        return None

    def page_headers(self, request, response) -> None:
        host = request.host
        response.headers.update([NOSNIFF, REFERRER, ("X-Frame-Options", "DENY")])
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' ws://{host} wss://{host}; frame-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
        )

    def iframe_headers(self, response) -> None:
        """sockjs-client frames this page from the chat's page: 'self' may."""
        response.headers.update([NOSNIFF, REFERRER])
        ancestors = ("'self' " + self.frame_origins).strip()
        response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
        if not self.frame_origins:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"


def _is_iframe_page(path: str) -> bool:
    rest = path[len(SOCKJS_PREFIX) + 1:]
    return rest.startswith("iframe") and rest.endswith(".html") and "/" not in rest


def tween_factory(handler, registry):
    """The tween that applies Guard to every answer (see the module docstring)."""
    guard = Guard(registry.getUtility(ISettings))

    def tween(request):
        path = request.environ.get("PATH_INFO", "")  # as sent: it may not even be UTF-8
        if path == SOCKJS_PREFIX or path.startswith(SOCKJS_PREFIX + "/"):
            response = guard.known_host_error(request) or handler(request)
            if _is_iframe_page(path):
                guard.iframe_headers(response)
            return response
        response = guard.host_error(request) or guard.body_error(request) or handler(request)
        guard.page_headers(request, response)
        return response

    return tween


def filter_factory(global_conf, **settings):
    """``[filter:guard]``, ``use = call:piratechat.web.security:filter_factory``:
    known hosts and bounded, whole bodies for the app behind it (see the module
    docstring); its settings (``piratechat.allowed_hosts``, ``piratechat.public_url``,
    ``piratechat.plone_max_body``) as anywhere."""
    parsed = parse(settings)
    guard = Guard(parsed, max_body=parsed.plone_max_body)

    def wrap(app):
        def guarded(environ, start_response):
            request = Request(environ)
            refused = guard.host_error(request) or guard.body_error(request)
            return (refused or app)(environ, start_response)

        return guarded

    return wrap
