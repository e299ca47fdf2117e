"""gevent's WSGI server, able to hand sockets to WebSocket handlers.

Used by ``pserve`` (the ``egg:piratechat#gevent`` server runner), by
``piratechat serve`` and by the SockJS test server, so development serves
exactly like production's gunicorn gevent worker does.
"""

from __future__ import annotations

import logging
import signal

import gevent
from gevent import pywsgi
from gevent.event import Event

from .hijack import HIJACKED, READER_KEY, SOCKET_KEY

log = logging.getLogger(__name__)


class Handler(pywsgi.WSGIHandler):
    """Adds the client socket to the environ; writes nothing after a hijack."""

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


def make_server(app, host: str, port: int, backlog: int = 2048) -> pywsgi.WSGIServer:
    return pywsgi.WSGIServer(
        (host, port), app, handler_class=Handler, backlog=backlog, log=None, error_log=log
    )


def serve(app, host: str, port: int, backlog: int = 2048, on_stop=None) -> int:
    """Serve until SIGTERM or SIGINT; print the bound URL first (port 0 picks one,
    and tests read the line to learn it). On a signal the server stops
    accepting, then ``on_stop()`` runs (the chat closes its sessions and its
    database there: piratechat/shutdown.py), then this returns."""
    server = make_server(app, host, port, backlog)
    server.init_socket()
    stopping = Event()
    handlers = [gevent.signal_handler(sig, stopping.set) for sig in (signal.SIGTERM, signal.SIGINT)]
    server.start()
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


def server_factory(global_conf, host="127.0.0.1", port="6543", backlog="2048"):
    """PasteDeploy server factory: ``use = egg:piratechat#gevent``.

    pserve loads the server before the app, so patching here comes before
    the app opens any socket or lock.
    """
    from gevent import monkey

    monkey.patch_all()

    def run(app):
        from ..shutdown import close_app

        serve(app, host, int(port), int(backlog), on_stop=lambda: close_app(app))

    return run
