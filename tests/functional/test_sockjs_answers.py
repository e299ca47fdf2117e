"""SockJS requests that were left waiting (issue 25, finding 1), over real
sockets to a live server: a receiving request (xhr_streaming, eventsource,
xhr) whose announced body never comes all waited for it, so the stream never
started; a send (xhr_send, jsonp_send) that says ``Connection: Upgrade`` read
on past its body, waiting for bytes the client never meant to send. Each
is answered at once now (a socket timeout is the only bound: the bug is a wait
without end)."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest

#: Past this the request is taken as never answered (the server waits at most
#: a second for a receiver's body: the SockJS library's
#: runtime/transports/http.py, DRAIN_SECONDS).
NEVER = 8.0


class Raw:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.netloc = parts.netloc
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=NEVER)
        self.data = b""

    def send(self, method: str, path: str, headers: str, body: bytes = b"") -> None:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.netloc}\r\n{headers}\r\n"
        self.sock.sendall(head.encode() + body)

    def until(self, marker: bytes) -> bytes:
        while marker not in self.data:
            chunk = self.sock.recv(65536)  # TimeoutError: not answered
            assert chunk, self.data
            self.data += chunk
        return self.data

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("method, transport, first", [
    ("POST", "xhr_streaming", b"\no\n"), ("GET", "eventsource", b"data: o\r\n"),
    ("POST", "xhr", b"o\n"), ("GET", "htmlfile?c=cb", b'p("o")'),
    ("GET", "jsonp?c=cb", b'cb("o")')])
def test_a_receiver_whose_body_never_comes_is_answered(live_server, method, transport, first):
    client = Raw(live_server)
    try:
        client.send(method, f"/sockjs/000/{uuid.uuid4().hex}/{transport}",
                    "Content-Length: 52\r\nContent-Type: text/plain\r\n", b"[")
        assert client.until(first).startswith(b"HTTP/1.1 200 ")
    finally:
        client.close()


@pytest.mark.parametrize("transport, body, content_type, status", [
    ("xhr_send", json.dumps(['{"type": "nonsense"}']).encode(), "text/plain", b"204"),
    ("jsonp_send", b"d=" + json.dumps(['{"type": "nonsense"}']).encode(),
     "application/x-www-form-urlencoded", b"200"),
])
def test_a_send_that_asks_for_an_upgrade_is_answered_and_delivered(
        live_server, transport, body, content_type, status):
    session = f"/sockjs/000/{uuid.uuid4().hex}"
    poll = Raw(live_server)
    send = Raw(live_server)
    try:
        poll.send("POST", session + "/xhr", "Content-Length: 0\r\n")
        poll.until(b"o\n")
        send.send("POST", f"{session}/{transport}", f"Connection: Upgrade\r\nContent-Type: "
                  f"{content_type}\r\nContent-Length: {len(body)}\r\n", body)
        assert send.until(b"\r\n\r\n").startswith(b"HTTP/1.1 " + status)
        poll.data = b""
        poll.send("POST", session + "/xhr", "Content-Length: 0\r\n")
        assert b"unknown_type" in poll.until(b"]\n")  # the chat's answer to the message
    finally:
        poll.close()
        send.close()
