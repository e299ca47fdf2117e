"""Requests HTTP itself cannot parse (issue 25, finding 1): gevent's server
answers them 400, and logged each as an ERROR of the server's, so an operator
could not tell a client's garbage from a fault. They are logged as what they
are now, a client's bad request; over real sockets, to a live server."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from tests.conftest import scratch_zodb_uri
from tests.support.server import LiveServer

UNPARSABLE = [
    b"HEAD / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\n\r\n{{}}",
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: {host}\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: -4\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: {host}\r\nContent-Length: x\r\n\r\n",
]


@pytest.fixture(scope="module")
def server():
    live = LiveServer(env={"PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    live.start()
    yield live
    live.stop()


def answer(url: str, raw: bytes) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(raw.replace(b"{host}", parts.netloc.encode()).replace(b"{{}}", b"{}"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


@pytest.mark.parametrize("raw", UNPARSABLE)
def test_an_unparsable_request_is_a_400_and_no_error_in_the_log(server, raw):
    before = len(server.output)
    assert answer(server.url, raw).startswith(b"HTTP/1.1 400 ")
    logged = "".join(server.output[before:])
    assert "Traceback" not in logged and " ERROR " not in logged, logged[-2000:]
