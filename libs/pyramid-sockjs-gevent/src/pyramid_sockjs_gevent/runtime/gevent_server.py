"""gevent's WSGI server, able to hand sockets to WebSocket handlers.

Used by ``pserve`` (``server_factory``; an application may wrap it, as
PirateChat's ``egg:piratechat#gevent`` does), by the SockJS test server and by
applications' own commands, so development serves exactly like production's
gunicorn gevent worker does.

Idle connections are closed: every read from the client (a request's line,
its header, its body) waits at most ``idle_timeout`` seconds, so connections
that send nothing, or half a request, cannot pile up until the process runs
out of descriptors. Only reads wait for the client: a streaming SockJS
response only writes (each write too gets ``idle_timeout``), and a WebSocket
takes its socket without the timeout (hijack.take_socket).
"""

from __future__ import annotations

import logging
import signal
import socket

import gevent
from gevent import pywsgi
from gevent.event import Event

from .hijack import HIJACKED, READER_KEY, SOCKET_KEY

log = logging.getLogger(__name__)

#: The URL ``serve`` serves on in this process (None before it is bound): where a
#: part of the app asks the server it runs in (e.g. for a page served beside it).
SERVING_URL: str | None = None
#: What ``serve``, once it listens, waits for before it says it serves (each at most
#: READY_WAIT seconds): a part of the app that needs this very server to get ready
#: (e.g. a list it fetches from a site served by this same process).
READY: list[Event] = []
READY_WAIT = 60.0


class Handler(pywsgi.WSGIHandler):
    """Adds the client socket to the environ; writes nothing after a hijack;
    closes a connection idle for the server's ``idle_timeout``."""

    def handle(self):
        self.socket.settimeout(self.server.idle_timeout)
        return super().handle()

    def _handle_client_error(self, ex):
        """A request header still unfinished after ``idle_timeout``: close, quietly."""
        if isinstance(ex, socket.timeout):
            self.close_connection = True
            return None
        return super()._handle_client_error(ex)

    def _connection_upgrade_requested(self):
        """Only a GET is upgraded (RFC 6455, 4.1). pywsgi hands any request with an
        Upgrade header the raw socket as its body, which a read of the body waits
        on until the client closes: every other request keeps a body reader that
        stops at its end (Content-Length, or the last chunk)."""
        return self.command == "GET" and super()._connection_upgrade_requested()

    def get_environ(self):
        environ = super().get_environ()
        environ[SOCKET_KEY] = self.socket
        environ[READER_KEY] = self.rfile
        return environ

    def log_error(self, msg, *args):
        """pywsgi's word on a request HTTP cannot parse, which it answers 400:
        the client's mistake, logged as such rather than as the server's error."""
        log.info("bad request from a client, answered 400: %s", msg % args if args else msg)

    def start_response(self, status, headers, exc_info=None):
        """An HTTP/1.0 response of unknown length can only end with the
        connection, so say so, even if the client asked for keep-alive
        (protocol, "Http10: test_streaming")."""
        if (
            self.request_version == "HTTP/1.0"
            and not status.startswith(("101", "204", "304"))
            and not any(name.lower() in ("content-length", "connection") for name, _ in headers)
        ):
            headers = [*headers, ("Connection", "close")]
        return super().start_response(status, headers, exc_info)

    def run_application(self):
        result = self.application(self.environ, self.start_response)
        if result is HIJACKED:  # the app wrote the response itself
            self.close_connection = True
            return
        self.result = result
        try:
            self.process_result()
        finally:
            close = getattr(result, "close", None)
            self.result = None
            if close is not None:
                close()


class Server(pywsgi.WSGIServer):
    idle_timeout: float | None = None


def make_server(app, host: str, port: int, backlog: int = 2048,
                idle_timeout: float | None = None) -> pywsgi.WSGIServer:
    server = Server((host, port), app, handler_class=Handler, backlog=backlog, log=None,
                    error_log=log)
    server.idle_timeout = idle_timeout
    return server


def serve(app, host: str, port: int, backlog: int = 2048, on_stop=None,
          idle_timeout: float | None = None) -> int:
    """Serve until SIGTERM or SIGINT; print the bound URL first (port 0 picks one,
    and tests read the line to learn it). On a signal the server stops
    accepting, then ``on_stop()`` runs (an application closes its sessions and
    its storage there), then this returns."""
    server = make_server(app, host, port, backlog, idle_timeout)
    server.init_socket()
    stopping = Event()
    handlers = [gevent.signal_handler(sig, stopping.set) for sig in (signal.SIGTERM, signal.SIGINT)]
    server.start()
    global SERVING_URL
    local = "127.0.0.1" if host in ("", "0.0.0.0") else f"[{host}]" if ":" in host else host
    SERVING_URL = f"http://{local}:{server.server_port}"
    for ready in READY:
        if not ready.wait(READY_WAIT):
            log.warning("serving before a part of the app was ready (%s s)", READY_WAIT)
    print(f"Serving on http://{host}:{server.server_port}", flush=True)
    try:
        stopping.wait()
        log.info("stopping: no new connections")
        server.close()
        if on_stop is not None:
            on_stop()
    finally:
        for handler in handlers:
            handler.cancel()
    return 0


def server_factory(global_conf, host="127.0.0.1", port="6543", backlog="2048",
                   idle_timeout=None, **options):
    """PasteDeploy server factory for any WSGI app:
    ``use = egg:pyramid-sockjs-gevent#gevent``, with ``host``, ``port``,
    ``backlog`` and ``idle_timeout`` (seconds, > 0; none: no limit).

    pserve loads the server before the app, so patching here comes before
    the app opens any socket or lock.
    """
    from gevent import monkey

    monkey.patch_all()
    timeout = None
    if idle_timeout is not None:
        try:
            timeout = float(idle_timeout)
        except ValueError:
            timeout = -1.0
        if not timeout > 0 or timeout == float("inf"):
            raise SystemExit(f"idle_timeout must be a number of seconds above 0, "
                             f"not {idle_timeout!r}")
    return runner(host, port, backlog, idle_timeout=timeout)


def runner(host, port, backlog=2048, idle_timeout: float | None = None, on_stop=None):
    """What a PasteDeploy server factory returns: serves the app it is given
    (``serve``); ``on_stop(app)``, if given, runs once the server has stopped
    accepting (an application closes its sessions and storage there)."""

    def run(app):
        serve(app, host, int(port), int(backlog),
              on_stop=None if on_stop is None else (lambda: on_stop(app)),
              idle_timeout=idle_timeout)

    return run
