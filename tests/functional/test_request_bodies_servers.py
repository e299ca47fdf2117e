"""Bounded, chunk-aware bodies on every server the chat ships on (issue 25,
finding 7): `piratechat serve` (development.ini's gevent server), gunicorn
(production.ini) and the cluster's nginx in front of gunicorn. A body said to
be 300 MB is refused with a 413 before it is sent; a chunked one over
``max_body`` gets a 413; a chunked one within it is read whole (the room is
made). plone.ini: tests/plone/test_server_guards.py."""

from __future__ import annotations

import socket
import sys
import tempfile
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from piratechat.cluster.processes import free_port, nginx_server
from tests.support.server import ROOT, LiveServer

MAX_BODY = 4096
GUNICORN = [sys.executable, "-m", "gunicorn", "--paste", str(ROOT / "production.ini"),
            "--bind", "127.0.0.1:0"]


@pytest.fixture(scope="module", params=["piratechat-serve", "gunicorn", "cluster-nginx"])
def server(request):
    env = {"PIRATECHAT_MAX_BODY": str(MAX_BODY)}
    if request.param == "piratechat-serve":
        chat = LiveServer(env=env)
    else:
        chat = LiveServer(env=env, command=GUNICORN, pattern=r"Listening at: (http://\S+)")
    url = chat.start()
    nginx = None
    if request.param == "cluster-nginx":
        folder = tempfile.mkdtemp(prefix="piratechat-nginx-bodies-")
        nginx = nginx_server(free_port(), [urlsplit(url).port], folder).start()
        url = f"http://127.0.0.1:{nginx.port}"
    yield url.rstrip("/")
    if nginx is not None:
        nginx.stop()
    chat.stop()


def test_a_body_said_to_be_300_mb_is_refused_before_it_is_sent(server):
    parts = urlsplit(server)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    try:
        sock.sendall(b"POST /rooms/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 314572800\r\n\r\nroom=big")
        answer = sock.recv(65536)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 413")


def post_chunked(server: str, body: bytes) -> requests.Response:
    blocks = (body[i:i + 1000] for i in range(0, len(body), 1000))
    return requests.post(f"{server}/rooms/", data=blocks, allow_redirects=False, timeout=30,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_a_chunked_body_over_max_body_is_a_413(server):
    try:
        answer = post_chunked(server, b"room=chunky&pad=" + b"a" * (MAX_BODY * 4))
    except requests.ConnectionError:
        pytest.fail("the server closed the connection without an answer")
    assert answer.status_code == 413
    assert f"at most {MAX_BODY} bytes" in answer.text


def test_a_chunked_body_within_max_body_is_read_whole(server):
    room = "chunked-" + uuid.uuid4().hex[:8]
    answer = post_chunked(server, f"room={room}&pad=".encode() + b"a" * (MAX_BODY - 100))
    assert answer.status_code == 303
    assert answer.headers["Location"].rstrip("/").endswith(f"/rooms/{room}")
