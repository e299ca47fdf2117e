"""A long-poll whose client hangs up ends its session, and the application's
``on_close`` runs to its end even when it waits on I/O (the chat's removes the
member from presence in Redis, then tells the room ``leave``).

The hang-up is noticed by a watcher greenlet of the pending response; the
close wakes that response, which then ends. Ending it must not cut the
``on_close`` still running short: that once left a member in presence for
good, its page shown as here to every other member.

An in-process server on a free loopback port, and a client on gevent sockets
(so that it and the server share this process's event loop).
"""

from __future__ import annotations

import uuid

import gevent
from gevent import socket
from gevent.event import Event
from pyramid.config import Configurator
from pyramid_sockjs_gevent import Session
from pyramid_sockjs_gevent.interfaces import ISockJSEndpoint
from pyramid_sockjs_gevent.runtime.gevent_server import make_server


class SlowToClose(Session):
    """``on_close`` waits for another greenlet, as any I/O (Redis) does."""

    finished: list[str]  # ids of sessions whose on_close ran to its end
    done: Event

    def on_close(self) -> None:
        answered = Event()
        gevent.spawn(answered.set)  # the "reply" comes from elsewhere
        answered.wait(5)
        self.finished.append(self.id)
        self.done.set()


def request(port: int, path: str, hang_up: bool = False) -> bytes:
    """POST ``path``; its answer, or (``hang_up``) nothing: the connection is
    closed right after sending, as a closed tab's pending poll is."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
                     "Content-Length: 0\r\n\r\n".encode())
        if hang_up:
            return b""
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer
    finally:
        sock.close()


def test_a_long_poll_hung_up_lets_on_close_finish():
    SlowToClose.finished, SlowToClose.done = [], Event()
    with Configurator() as config:
        config.include("pyramid_sockjs_gevent")
        config.add_sockjs_route("/slow", SlowToClose, disconnect_delay=60)
        app = config.make_wsgi_app()
    sessions = app.registry.getUtility(ISockJSEndpoint, name="sockjs_slow").sessions
    server = make_server(app, "127.0.0.1", 0)
    server.start()
    try:
        session_id = uuid.uuid4().hex
        path = f"/slow/000/{session_id}/xhr"
        assert b"\r\no\n\r\n" in request(server.server_port, path)  # opened
        request(server.server_port, path, hang_up=True)
        assert SlowToClose.done.wait(5), "on_close was cut short"
        assert SlowToClose.finished == [session_id]
        assert sessions.get(session_id).state == "closed"
    finally:
        server.stop()
