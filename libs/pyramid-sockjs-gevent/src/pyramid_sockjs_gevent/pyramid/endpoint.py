"""One SockJS endpoint under a URL prefix: its routes and the views behind them.

URL layout (SockJS protocol 0.3.3, "Base URL", "Static URLs", "Session URLs")::

    <prefix> and <prefix>/            greeting
    <prefix>/info                     capabilities, entropy (CORS)
    <prefix>/iframe[-anything].html   iframe bootstrap page (cached a year)
    <prefix>/websocket                raw WebSocket
    <prefix>/<server>/<session>/<transport>
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable

from pyramid.config import Configurator
from webob import Request, Response

from ..core.registry import SessionRegistry
from ..core.session import Options, Session
from ..interfaces import ISockJSEndpoint, provide
from ..runtime import descriptors, headers
from ..runtime.reaper import Reaper
from ..runtime.transports import EXISTING, NEW, PRIVATE, TRANSPORTS, Transport
from ..runtime.transports.websocket import handshake_error, raw_websocket

#: The iframe page, exactly as the protocol gives it ("IframePage").
IFRAME_PAGE = """<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="{sockjs_url}"></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>"""

_entropy = random.SystemRandom()


def _bad_id(value: str) -> bool:
    """Server and session ids: non-empty, no dots ("Session URLs: test_invalidPaths")."""
    return not value or "." in value


class Endpoint:
    """The views of one SockJS endpoint, sharing its sessions and options."""

    def __init__(self, session_factory: type[Session], options: Options, sockjs_url: str):
        self.options = options
        self.sessions = SessionRegistry(session_factory, options)
        self.reaper = Reaper(self.sessions)
        self.iframe = IFRAME_PAGE.format(sockjs_url=sockjs_url).encode()
        self.iframe_etag = hashlib.md5(self.iframe).hexdigest()

    def greeting(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return headers.not_allowed("GET")
        return Response("Welcome to SockJS!\n", content_type="text/plain", charset="UTF-8")

    def info(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return headers.preflight(request, "OPTIONS, GET", self.options.origins)
        if request.method not in ("GET", "HEAD"):
            return headers.not_allowed("OPTIONS, GET")
        body = {
            "websocket": self.options.websocket,
            "cookie_needed": self.options.cookie_needed,
            "origins": ["*:*"],
            "entropy": _entropy.randint(0, 2**32 - 1),
        }
        response = Response(json.dumps(body))
        response.headers["Content-Type"] = "application/json; charset=UTF-8"
        headers.no_cache(response)
        headers.cors(request, response, self.options.origins)
        return response

    def iframe_page(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return headers.not_allowed("GET")
        if self.iframe_etag in request.if_none_match:
            response = Response(status=304)
            del response.content_type
        else:
            response = Response(self.iframe, content_type="text/html", charset="UTF-8")
        response.etag = self.iframe_etag
        headers.cache_for_a_year(response)
        return response

    def raw(self, request: Request):
        if not self.options.websocket:
            return headers.not_found()
        error = handshake_error(request) or self._refusal(request)
        if error is not None:
            return error
        self.reaper.ensure_running()
        session = self.sessions.create_private(uuid.uuid4().hex, request.environ)
        return raw_websocket(request, session)

    def _refusal(self, request: Request) -> Response | None:
        """Why a new connection is not taken: an origin not allowed (403), or
        too few descriptors left (503, so it fails now with a reason rather
        than every request timing out later)."""
        if not headers.origin_allowed(request, self.options.origins):
            return headers.forbidden_origin()
        if descriptors.near_limit(request.environ, self.options.fd_headroom):
            response = headers.error(503, "The server has too many connections open; "
                                     "try again in a moment.")
            response.headers["Retry-After"] = "5"
            return response
        return None

    def session_transport(self, request: Request):
        match = request.matchdict
        server, session_id, name = match["server"], match["session"], match["transport"]
        transport: Transport | None = TRANSPORTS.get(name)
        if transport is None or _bad_id(server) or _bad_id(session_id):
            return headers.not_found()
        if transport.websocket and not self.options.websocket:
            return headers.not_found()
        if self.options.websocket_only and not transport.websocket:
            return headers.not_found()
        if request.method == "OPTIONS" and transport.cors:
            response = headers.preflight(request, "OPTIONS, " + transport.method,
                                         self.options.origins)
            headers.session_cookie(request, response, self.options.cookie_needed)
            return response
        if request.method != transport.method:
            return headers.not_allowed(("OPTIONS, " if transport.cors else "") + transport.method)
        if transport.check is not None:
            error = transport.check(request)
            if error is not None:
                return error
        self.reaper.ensure_running()
        if transport.sessions == PRIVATE:
            error = self._refusal(request)
            if error is not None:
                return error
            session = self.sessions.create_private(session_id, request.environ)
        else:
            session = self.sessions.get(session_id)
            if session is None and transport.sessions == NEW:
                error = self._refusal(request)
                if error is not None:
                    headers.cors(request, error, self.options.origins)
                    return error
                session = self.sessions.create(session_id, request.environ)
        if session is None:
            assert transport.sessions == EXISTING
            return headers.not_found()
        return transport.view(request, session)


def add_sockjs_route(
    config: Configurator,
    prefix: str,
    session_factory: type[Session],
    name: str | None = None,
    sockjs_url: str = "/static/vendor/sockjs.min.js",
    **options,
) -> Endpoint:
    """Serve SockJS at ``prefix`` with sessions made by ``session_factory``.

    ``options`` are the fields of session.Options (heartbeat_delay, ...);
    ``sockjs_url`` is the sockjs-client script the iframe page loads (the
    same version as the page's). Returns the endpoint, whose ``sessions`` the
    application may inspect; it is registered, at commit, as the named
    ISockJSEndpoint utility ``name``.

    A configuration action whose discriminator is the prefix: two endpoints
    on one prefix (whatever their names) are a conflict at start-up, since
    the second could never be reached; as everywhere in Pyramid, an app may
    override instead the endpoint a package it includes declares.
    """
    prefix = "/" + prefix.strip("/")
    name = name or "sockjs" + prefix.replace("/", "_")
    endpoint = Endpoint(session_factory, Options(**options), sockjs_url)
    routes: list[tuple[str, str, Callable]] = [
        ("", prefix, endpoint.greeting),
        ("_slash", prefix + "/", endpoint.greeting),
        ("_info", prefix + "/info", endpoint.info),
        ("_iframe", prefix + r"/{iframe:iframe[^/]*\.html}", endpoint.iframe_page),
        ("_websocket", prefix + "/websocket", endpoint.raw),
        ("_session", prefix + "/{server}/{session}/{transport}", endpoint.session_transport),
    ]
    for suffix, pattern, view in routes:
        config.add_route(name + suffix, pattern)
        config.add_view(view, route_name=name + suffix)
    registry = config.registry

    def register():
        provide(registry, endpoint, ISockJSEndpoint, name=name)

    intr = config.introspectable("sockjs endpoints", prefix, f"SockJS at {prefix}",
                                 "sockjs endpoint")
    intr["name"] = name
    intr["session_factory"] = session_factory
    config.action(("sockjs endpoint", prefix), register, introspectables=(intr,))
    return endpoint
