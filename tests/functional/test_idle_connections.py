"""Idle connections are closed (issue 25, finding 7): a client that connects and
sends nothing, or half a request header, is dropped by the server after
``idle_timeout`` seconds, on `piratechat serve` (the gevent server pserve and
plone.ini run too) and on gunicorn (production.ini, where it is gunicorn's
keepalive). So idle connections cannot hold the process's descriptors: with
256 of them, 300 idle connections used to make every later request time out.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import time
import urllib.request
import uuid

import pytest
import websocket

from tests.functional.test_socket import ws_url
from tests.support.server import ROOT, LiveServer

IDLE_TIMEOUT = "1"
#: How long a test waits for the server to close a connection (far above IDLE_TIMEOUT).
CLOSE_WITHIN = 20


def serve_command(*prefix: str) -> list[str]:
    return [*prefix, sys.executable, "-m", "piratechat.cli", "serve", "--ini",
            str(ROOT / "development.ini"), "--host", "127.0.0.1", "--port", "0"]


SERVERS = {
    "piratechat-serve": dict(command=serve_command()),
    "gunicorn": dict(command=[sys.executable, "-m", "gunicorn", "--paste",
                              str(ROOT / "production.ini"), "--bind", "127.0.0.1:0"],
                     pattern=r"Listening at: (http://\S+)"),
}


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request):
    live = LiveServer(env={"PIRATECHAT_IDLE_TIMEOUT": IDLE_TIMEOUT}, **SERVERS[request.param])
    url = live.start()
    host, port = url[len("http://"):].rstrip("/").split(":")
    yield host, int(port)
    live.stop()
    log = "".join(live.output)
    assert "Traceback" not in log, log


def held(address, opening: bytes = b"") -> socket.socket:
    sock = socket.create_connection(address, timeout=10)
    if opening:
        sock.sendall(opening)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closes the connection within CLOSE_WITHIN seconds (EOF or reset)."""
    sock.settimeout(CLOSE_WITHIN)
    try:
        while sock.recv(4096):
            pass  # an answer (gunicorn may say 400 first) ends in the close
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    finally:
        sock.close()


def healthy(host: str, port: int) -> bool:
    with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=10) as answer:
        return answer.status == 200


def test_connections_sending_nothing_or_half_a_header_are_closed(server):
    idle = [held(server) for _ in range(20)]
    half = [held(server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            for _ in range(20)]
    assert healthy(*server)  # while all 40 are held
    assert all(closed_by_server(sock) for sock in idle + half)
    assert healthy(*server)


def test_a_half_sent_body_is_answered_and_closed(server):
    sock = held(server, b"POST /rooms/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: 100\r\n\r\nroom=half")
    sock.settimeout(CLOSE_WITHIN)
    assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    assert closed_by_server(sock)


def test_a_keep_alive_connection_is_closed_once_idle(server):
    sock = held(server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert closed_by_server(sock)


def test_idle_connections_do_not_use_up_the_descriptors():
    """The probe's case, scaled: 256 descriptors, 300 idle connections, then a
    request; it is answered once the server has dropped the idle ones."""
    live = LiveServer(env={"PIRATECHAT_IDLE_TIMEOUT": IDLE_TIMEOUT},
                      command=serve_command("prlimit", "--nofile=256:256"))
    url = live.start()
    host, port = url[len("http://"):].rstrip("/").split(":")
    idle = []
    try:
        for _ in range(300):
            idle.append(held((host, int(port))))
        deadline = time.monotonic() + CLOSE_WITHIN
        answered = False
        while not answered and time.monotonic() < deadline:
            try:
                answered = healthy(host, int(port))
            except OSError:  # refused or timed out while the descriptors are all taken
                answered = False
        assert answered
    finally:
        for sock in idle:
            sock.close()
        live.stop()


@pytest.mark.parametrize("kind", ["piratechat serve", "pserve", "gunicorn"])
def test_an_idle_timeout_out_of_range_stops_the_start_naming_it(tmp_path, kind):
    from tests.functional.test_settings_start_up import assert_refused, ini_with, start

    done = start(kind, ini_with(tmp_path, kind, ""), env={"PIRATECHAT_IDLE_TIMEOUT": "0"})
    assert_refused(done, "PIRATECHAT_IDLE_TIMEOUT (environment) = '0' is out of range: "
                         "it must be more than 0")


@pytest.fixture(scope="module")
def streaming_server():
    """Timers past the idle timeout: a heartbeat, a WebSocket ping every 3 s."""
    live = LiveServer(env={"PIRATECHAT_IDLE_TIMEOUT": IDLE_TIMEOUT,
                           "PIRATECHAT_HEARTBEAT_DELAY": "3", "PIRATECHAT_WS_PING_INTERVAL": "3"})
    url = live.start()
    yield url.rstrip("/")
    live.stop()


def test_a_stream_silent_for_longer_than_the_idle_timeout_stays_open(streaming_server):
    """A streaming response only writes: its heartbeat comes after 3 s (idle_timeout: 1 s)."""
    host, port = streaming_server[len("http://"):].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=CLOSE_WITHIN)
    connection.request("POST", f"/sockjs/000/{uuid.uuid4().hex}/xhr_streaming")
    answer = connection.getresponse()
    assert answer.readline().startswith(b"hhhh")  # the prelude
    assert answer.readline() == b"o\n"
    assert answer.readline() == b"h\n"
    connection.close()


def test_websockets_silent_for_longer_than_the_idle_timeout_stay_open(streaming_server):
    framed = websocket.create_connection(
        ws_url(streaming_server, f"/sockjs/000/{uuid.uuid4().hex}/websocket"), timeout=CLOSE_WITHIN)
    raw = websocket.create_connection(ws_url(streaming_server, "/sockjs/websocket"),
                                      timeout=CLOSE_WITHIN)
    try:
        assert framed.recv() == "o"
        assert framed.recv() == "h"  # 3 s later
        opcode, _ = raw.recv_data_frame(control_frame=True)  # its ping, 3 s later
        assert opcode == websocket.ABNF.OPCODE_PING
        raw.send(json.dumps({"type": "join", "name": "Still Here", "room": "idle-ws"}))
        assert json.loads(raw.recv())["type"] == "joined"
    finally:
        framed.close()
        raw.close()
