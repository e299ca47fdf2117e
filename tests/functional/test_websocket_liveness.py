"""WebSockets that went quiet, and a process near its open-files limit (issue 13, finding 3).

A live server pings WebSockets that say nothing and closes those that do not
answer; near RLIMIT_NOFILE it answers new connections 503 instead of
letting them time out. Waits are bounded by deadlines, never timed.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
import urllib.request
import uuid

import pytest
import websocket

from tests.support.server import ROOT, LiveServer

PING_INTERVAL = "0.2"


@pytest.fixture(scope="module")
def url():
    server = LiveServer(env={"PIRATECHAT_WS_PING_INTERVAL": PING_INTERVAL})
    yield server.start()
    server.stop()


def ws(url: str, path: str) -> str:
    return "ws" + url[len("http"):] + path


def handshake(url: str) -> socket.socket:
    """A raw WebSocket opened by hand, whose client then neither reads nor answers."""
    host, port = url[len("http://"):].split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /sockjs/websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def test_a_websocket_that_never_answers_a_ping_is_closed(url):
    sock = handshake(url)
    received = b""
    try:
        for _ in range(1000):  # bounded; each recv waits at most the socket's 20 s
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    except ConnectionResetError:
        pass  # closed with a reset: what a dead connection gets
    except TimeoutError:
        pytest.fail("the silent WebSocket was never closed")
    assert received.startswith(b"\x89\x00")  # it was pinged first
    sock.close()


@pytest.mark.parametrize("path", ["/sockjs/websocket", "/sockjs/000/{}/websocket"])
def test_a_websocket_that_answers_pings_stays_open(url, path):
    client = websocket.create_connection(ws(url, path.format(uuid.uuid4().hex)), timeout=20)
    framed = "{}" in path
    pings = 0
    while pings < 4:  # four intervals, each answered with a pong by the client library
        frame = client.recv_data_frame(control_frame=True)[1]
        if frame.opcode == websocket.ABNF.OPCODE_PING:
            pings += 1
        assert frame.opcode != websocket.ABNF.OPCODE_CLOSE
    join = json.dumps({"type": "join", "name": "Ann", "room": "alive-" + uuid.uuid4().hex[:8]})
    client.send(json.dumps([join]) if framed else join)
    while True:
        text = client.recv()
        if "joined" in text:
            break
    client.close()


def test_new_connections_are_shed_with_a_503_before_descriptors_run_out():
    limited = LiveServer(
        env={"PIRATECHAT_FD_HEADROOM": "40", "PIRATECHAT_WS_PING_INTERVAL": "0"},
        command=["prlimit", "--nofile=200:200", sys.executable, "-m", "piratechat.cli",
                 "serve", "--ini", str(ROOT / "development.ini"), "--host", "127.0.0.1",
                 "--port", "0"])
    url = limited.start()
    held = []
    try:
        shed = None
        for _ in range(250):  # more than the limit: without shedding, a handshake hangs
            try:
                held.append(websocket.create_connection(ws(url, "/sockjs/websocket"),
                                                        timeout=10))
            except websocket.WebSocketBadStatusException as refused:
                shed = refused
                break
        assert shed is not None, "no connection was shed"
        assert shed.status_code == 503
        assert b"too many connections open" in shed.resp_body
        assert 100 < len(held) < 200
        # a plain request is still served
        with urllib.request.urlopen(url + "/rooms/lobby/history", timeout=10) as answer:
            assert answer.status == 200
        for client in held[:20]:
            client.close()
        for _ in range(100):  # bounded: the server frees them once it reads the closes
            try:
                held.append(websocket.create_connection(ws(url, "/sockjs/websocket"),
                                                        timeout=10))
                break
            except websocket.WebSocketBadStatusException:
                continue
        else:
            pytest.fail("no connection was taken again after some closed")
    finally:
        for client in held:
            client.close()
        limited.stop()
