"""The endpoints the SockJS protocol test suite expects, on our gevent server.

    python -m pyramid_sockjs_gevent.testserver --host 127.0.0.1 --port 8081

serves ``/echo``, ``/close``, ``/disabled_websocket_echo`` and
``/cookie_needed_echo`` (sockjs-protocol, "Base URL"), with the streaming
response limit lowered to 4,096 bytes as the suite asks, ``/sessions``:
how many sessions each endpoint holds, so tests can see none leak,
``/session?endpoint=echo&id=ID``: whether a session exists and has a
receiver attached, so tests wait for that instead of sleeping, and
``/greenlets``: how many greenlets are alive, so tests can see what an idle
connection costs.
"""

from __future__ import annotations

import argparse
import sys

#: The iframe page loads this; the suite only checks it is a URL.
SOCKJS_URL = "https://cdn.jsdelivr.net/npm/sockjs-client@1.6.1/dist/sockjs.min.js"


def _sessions():
    from .core.session import Session

    class EchoSession(Session):
        def on_message(self, text: str) -> None:
            self.send(text)

    class CloseSession(Session):
        def on_open(self) -> None:
            self.close(3000, "Go away!")

    return EchoSession, CloseSession


def make_app(**options):
    """The test app; ``options`` (session.Options fields) apply to every endpoint."""
    from pyramid.config import Configurator
    from pyramid.response import Response

    echo, close = _sessions()
    options.setdefault("response_limit", 4096)
    with Configurator() as config:
        config.include("pyramid_sockjs_gevent")
        endpoints = {
            "echo": config.add_sockjs_route("/echo", echo, sockjs_url=SOCKJS_URL, **options),
            "close": config.add_sockjs_route("/close", close, sockjs_url=SOCKJS_URL, **options),
            "disabled_websocket_echo": config.add_sockjs_route(
                "/disabled_websocket_echo",
                echo,
                sockjs_url=SOCKJS_URL,
                **{**options, "websocket": False},
            ),
            "cookie_needed_echo": config.add_sockjs_route(
                "/cookie_needed_echo",
                echo,
                sockjs_url=SOCKJS_URL,
                **{**options, "cookie_needed": True},
            ),
        }

        def sessions(request):
            return Response(
                json={name: len(endpoint.sessions) for name, endpoint in endpoints.items()}
            )

        def greenlets(request):
            import gc

            from greenlet import greenlet

            alive = sum(1 for o in gc.get_objects() if isinstance(o, greenlet) and not o.dead)
            return Response(json={"alive": alive})

        def session_state(request):
            """Whether session ``id`` of endpoint ``endpoint`` exists and has a
            receiver attached, so tests wait for a state instead of sleeping."""
            endpoint = endpoints.get(request.params.get("endpoint", "echo"))
            session = endpoint.sessions.get(request.params.get("id", "")) if endpoint else None
            return Response(json={"exists": session is not None,
                                  "attached": session is not None and session.attached})

        config.add_route("session", "/session")
        config.add_view(session_state, route_name="session")
        config.add_route("sessions", "/sessions")
        config.add_view(sessions, route_name="sessions")
        config.add_route("greenlets", "/greenlets")
        config.add_view(greenlets, route_name="greenlets")
        app = config.make_wsgi_app()
    app.endpoints = endpoints
    return app


PROG = "python -m pyramid_sockjs_gevent.testserver"


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081, help="0 picks a free port (printed)")
    p.add_argument("--heartbeat-delay", type=float, help="seconds (protocol default: 25)")
    p.add_argument("--disconnect-delay", type=float, help="seconds (protocol default: 5)")
    p.add_argument("--max-queue", type=int, help="characters queued per session")
    p.add_argument("--write-timeout", type=float, help="seconds a stuck receiver may block")
    p.add_argument("--response-limit", type=int, help="streaming bytes (suite default: 4096)")
    return p


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    from gevent import monkey

    monkey.patch_all()
    from .runtime.gevent_server import serve

    args = parser(prog).parse_args(argv)
    options = {
        name: value
        for name, value in (
            ("heartbeat_delay", args.heartbeat_delay),
            ("disconnect_delay", args.disconnect_delay),
            ("max_queue", args.max_queue),
            ("write_timeout", args.write_timeout),
            ("response_limit", args.response_limit),
        )
        if value is not None
    }
    return serve(make_app(**options), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
