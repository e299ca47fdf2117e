"""In-process sockets for the receiver tests: a loopback TCP pair, and waiting
for what the greenlets under test do."""

from __future__ import annotations

import time

import gevent
from gevent import socket

DEADLINE = 5.0  # seconds to wait for an event before a test fails (not a measure)


def tcp_pair() -> tuple[socket.socket, socket.socket]:
    """(server end, client end) of a loopback TCP connection with small buffers,
    so TCP takes part of a write and a client that stops reading fills it soon
    (a reset is TCP's: a socket pair's cut is only an EOF)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client_end = socket.socket()
    client_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client_end.connect(listener.getsockname())
    server_end, _ = listener.accept()
    listener.close()
    server_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    return server_end, client_end


def wait_for(predicate, timeout: float = DEADLINE) -> bool:
    """Let the hub run until ``predicate()`` holds (a deadline, not a measure)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        gevent.sleep(0.001)  # yield to the greenlets under test
    return True
