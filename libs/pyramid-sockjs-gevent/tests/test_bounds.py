"""Bounds on a live server: a client that stops reading is dropped with 4008
and the server's memory stays flat; abandoned sessions are all reaped."""

import http.client
import json
import socket
import time
import uuid
from urllib.parse import urlsplit

import pytest
from sockjs_client import POST, Connection, wait_until
from wsproto.connection import Connection as WsConnection
from wsproto.connection import ConnectionType
from wsproto.events import TextMessage

MESSAGE = "x" * (32 * 1024)
SLOW = b'c[4008,"Slow consumer"]\n'
PUSHED = 24 * 1024 * 1024  # bytes pushed at each stuck client
LIMIT = 16 * 1024 * 1024  # RSS growth allowed: less than what was pushed


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def non_reading_socket(url: str) -> socket.socket:
    """A client socket with a tiny receive window that will never be read."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    return sock


def server_closed(sock: socket.socket, timeout: float = 10) -> bool:
    """Drain what reached us; True once the server has closed (or reset) the connection."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(1 << 20):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return False


def push(server, path: str, total: int) -> None:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle delays
    body = json.dumps([MESSAGE])
    try:
        for _ in range(total // len(MESSAGE)):
            conn.request("POST", path, body=body)
            response = conn.getresponse()
            response.read()
            assert response.status in (204, 404)
    finally:
        conn.close()


def test_slow_xhr_streaming_consumer_is_closed_with_4008_and_memory_stays_flat(
        bounded, record_property):
    url = f"{bounded.echo}/000/{uuid.uuid4().hex}"
    path = urlsplit(url).path
    warm_up = f"/echo/000/{uuid.uuid4().hex}"
    POST(bounded.url + warm_up + "/xhr")
    push(bounded, warm_up + "/xhr_send", 4 * 1024 * 1024)  # let the allocator settle
    before = rss(bounded.pid)
    stuck = non_reading_socket(url)
    answers: set[bytes] = set()
    try:
        stuck.sendall(f"POST {path}/xhr_streaming HTTP/1.1\r\nHost: x\r\n"
                      "Content-Length: 0\r\n\r\n".encode())
        assert wait_until(lambda: POST(url + "/xhr_send", body="[]").status == 204)
        push(bounded, path + "/xhr_send", PUSHED)
        # The session closed as a slow consumer. While the stuck response still holds it,
        # a poll hears 2010; the response is cut after the write timeout (1 s) and then
        # every poll hears 4008 (if its close frame fitted in the kernel's buffer and it
        # ended by itself, at once).

        def slow_consumer_heard():
            answers.add(POST(url + "/xhr").body)
            return SLOW in answers

        assert wait_until(slow_consumer_heard, timeout=5, interval=0.1)
        assert answers <= {SLOW, b'c[2010,"Another connection still open"]\n'}
        if len(answers) == 2:
            assert server_closed(stuck, timeout=3)  # it was stuck: it was cut
    finally:
        stuck.close()
    growth = rss(bounded.pid) - before
    record_property("slow_client_rss_growth_bytes", growth)
    print(f"\npolls heard {sorted(answers)}; "
          f"server RSS growth with a stuck xhr_streaming client after {PUSHED >> 20} MiB "
          f"pushed: {growth / 2**20:.1f} MiB")
    assert growth < LIMIT
    assert wait_until(lambda: bounded.sessions()["echo"] == 0, timeout=15)


def test_slow_websocket_consumer_is_dropped_and_memory_stays_flat(bounded, record_property):
    """A WebSocket client that keeps sending but never reads: its echoes pile up."""
    before = rss(bounded.pid)
    sock = non_reading_socket(bounded.url)
    sock.settimeout(10)
    sock.sendall(b"GET /echo/000/slow/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
                 b"Sec-WebSocket-Version: 13\r\n\r\n")
    ws = WsConnection(ConnectionType.CLIENT)
    frame = ws.send(TextMessage(data=json.dumps([MESSAGE])))
    sent = 0
    try:
        while sent < PUSHED:
            sock.sendall(frame)
            sent += len(frame)
    except (BrokenPipeError, ConnectionResetError):
        pass  # already cut off
    finally:
        assert server_closed(sock)
        sock.close()
    growth = rss(bounded.pid) - before
    record_property("slow_websocket_rss_growth_bytes", growth)
    print(f"\nserver RSS growth with a stuck WebSocket client after {sent >> 20} MiB "
          f"sent: {growth / 2**20:.1f} MiB")
    assert growth < LIMIT
    assert wait_until(lambda: bounded.sessions()["echo"] == 0, timeout=15)


@pytest.mark.parametrize("count", [1000])
def test_abandoned_live_sessions_are_reaped(bounded, count):
    """Half dropped mid-poll (noticed at once), half opened and never polled again."""
    waiting = []
    for i in range(count):
        conn = Connection(bounded.url)
        path = f"/echo/000/{uuid.uuid4().hex}/xhr"
        assert conn.read_body(conn.request("POST", path), "POST") == b"o\n"
        if i % 2:  # poll again, and hang up below while it waits
            conn.send_request("POST", path)
            waiting.append(conn)
        else:
            conn.close()
    assert bounded.sessions()["echo"] >= count // 2  # the waiting ones at least
    for conn in waiting:
        conn.close()
    assert wait_until(lambda: bounded.sessions()["echo"] == 0, timeout=20)
    assert bounded.alive()
