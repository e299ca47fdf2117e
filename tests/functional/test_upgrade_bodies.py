"""A request that asks to upgrade but is no WebSocket handshake (issue 25,
finding 1, found by the fuzz test after the bodies and fuzz work met): gevent's
server handed its body over as the raw socket, so reading a chunked body
waited for the client to close. Only a GET is upgraded now, and chunks on a
raw socket are refused: each is answered at once, over a real socket."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from tests.functional.test_unparsable_requests import server  # noqa: F401

CHUNKED_FORM = b"4\r\nroom\r\n7\r\n=harbor\r\n0\r\n\r\n"
ASKING_TO_UPGRADE = [
    (b"POST /rooms/ HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: close\r\n"
     b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
     + CHUNKED_FORM, b"HTTP/1.1 303"),
    (b"POST /rooms/ HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\n"
     b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
     + CHUNKED_FORM, b"HTTP/1.1 303"),
    (b"GET /rooms/ HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n" + CHUNKED_FORM, b"HTTP/1.1 400"),
]


def status_line(url: str, raw: bytes) -> bytes:
    """The answer's status line (the connection may be kept open after it)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(raw.replace(b"{host}", parts.netloc.encode()))
        data = b""
        while b"\r\n" not in data and (chunk := sock.recv(65536)):
            data += chunk
        return data.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("raw, status", ASKING_TO_UPGRADE)
def test_a_request_asking_to_upgrade_is_answered_at_once(server, raw, status):  # noqa: F811
    got = status_line(server.url, raw)  # the socket's timeout (10 s) fails a wait
    assert got.startswith(status), got
