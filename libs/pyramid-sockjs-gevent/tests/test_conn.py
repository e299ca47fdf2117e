"""Conn.try_send (transports/wsconn.py): a write that never waits; what
does not fit is written later by a greenlet, before anything sent after it."""

from __future__ import annotations

import gevent
from pyramid_sockjs_gevent.runtime.transports.wsconn import Conn
from sockjs_loopback import tcp_pair


def pair():
    """A loopback TCP connection with small buffers: TCP takes part of a write."""
    ours, theirs = tcp_pair()
    return Conn(ours), theirs


def read_all(sock, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += sock.recv(65536)
    return data


def test_a_partial_write_keeps_the_rest_and_nothing_overtakes_it():
    conn, client = pair()
    written = []
    n = 0
    while True:  # fill the socket: the last accepted chunk is partly written
        chunk = bytes([n % 251]) * 3000
        if not conn.try_send(chunk):
            break
        written.append(chunk)
        n += 1
    assert conn._pending  # the rest of the last chunk waits for the flush greenlet
    assert not conn.try_send(b"late")  # refused while anything is pending: it must queue
    reader = gevent.spawn(read_all, client, sum(map(len, written)) + 5)
    conn.send(b"after")  # the writer's path: after the pending rest
    assert reader.get(timeout=5) == b"".join(written) + b"after"
    assert conn.try_send(b"idle again") and client.recv(100) == b"idle again"


def test_a_full_socket_writes_nothing():
    conn, client = pair()
    while conn.try_send(b"x" * 65536):
        pass
    gevent.sleep(0)
    pending = conn._pending
    assert not conn.try_send(b"y")
    assert conn._pending == pending
