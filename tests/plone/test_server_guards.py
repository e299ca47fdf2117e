"""plone.ini's server guards (issue 25, finding 7), on a server of this module's
own (a copy of the test site, short timeouts, a small body limit):

* Zope read CONTENT_LENGTH bytes of every body into memory (an anonymous 300 MB
  POST: RSS 215 -> 519 MB) and none of a chunked one (a chunked login failed);
* Plone's pages were built from any Host (evil.example links on /, /blog and
  the password-reset form);
* idle connections were never closed;
* a topic with a title of about 60 characters was a 500 page for everyone.
"""

from __future__ import annotations

import re
import shutil
import socket
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from tests.conftest import scratch_zodb_uri
from tests.functional.test_idle_connections import closed_by_server
from tests.plone.conftest import MEMBERS
from tests.plone.test_site import authenticator
from tests.support.server import LiveServer

MAX_BODY = 256 * 1024
EVIL = "evil.example"


@pytest.fixture(scope="module")
def guarded(site_setup):
    """A plone.ini server on a copy of the test site: (url, (host, port))."""
    instance = Path(tempfile.mkdtemp(prefix="piratechat-plone-guards-"))
    shutil.copytree(site_setup["instance"], instance, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.lock", "*.pid", "*.tmp"))
    server = LiveServer(ini="plone.ini", env={
        "PIRATECHAT_PLONE_VAR": str(instance),
        "PIRATECHAT_ZODB_URI": scratch_zodb_uri(),
        "PIRATECHAT_IDLE_TIMEOUT": "1",
        "PIRATECHAT_PLONE_MAX_BODY": str(MAX_BODY),
    })
    url = server.start(timeout=300)
    host, port = url[len("http://"):].rstrip("/").split(":")
    yield url, (host, int(port))
    server.stop()
    shutil.rmtree(instance, ignore_errors=True)


def raw_request(address, head: bytes, body: bytes = b"") -> bytes:
    """Send a request's head and the start of its body; the whole answer (the
    server closes after a refusal)."""
    sock = socket.create_connection(address, timeout=30)
    try:
        sock.sendall(head)
        if body:
            try:
                sock.sendall(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered and closed before the body was all sent
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer
    finally:
        sock.close()


def login_form(member=MEMBERS[0]) -> bytes:
    user, password, _ = member
    return urlencode({"__ac_name": user, "__ac_password": password,
                      "buttons.login": "Log in"}).encode()


def test_a_body_said_to_be_300_mb_is_refused_before_it_is_read(guarded):
    _, address = guarded
    head = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 314572800\r\n\r\n")
    answer = raw_request(address, head, b"a" * 65536)  # the server reads none of it
    assert answer.startswith(b"HTTP/1.1 413")
    assert f"at most {MAX_BODY} bytes".encode() in answer


def test_a_chunked_body_over_the_limit_is_refused(guarded):
    url, _ = guarded
    blocks = (b"a" * 65536 for _ in range(MAX_BODY // 65536 * 4))
    try:
        answer = requests.post(f"{url}/login", data=blocks, timeout=30, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
    except requests.ConnectionError:  # closed while still sending: ask the raw way
        head = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        chunk = b"10000\r\n" + b"a" * 65536 + b"\r\n"
        raw = raw_request(guarded[1], head, chunk * (MAX_BODY // 65536 + 1))
        assert raw.startswith(b"HTTP/1.1 413")
        return
    assert answer.status_code == 413
    assert f"at most {MAX_BODY} bytes" in answer.text


def test_a_chunked_login_works(guarded):
    url, _ = guarded
    session = requests.Session()
    answer = session.post(f"{url}/login", data=iter([login_form()]), timeout=60, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    sent = (answer.history or [answer])[0].request  # before any redirect
    assert sent.headers.get("Transfer-Encoding") == "chunked"
    assert answer.status_code == 200
    assert "__ac" in session.cookies


@pytest.mark.parametrize("path", ["/", "/blog", "/mail_password_form"])
def test_a_host_not_allowed_gets_a_400_and_no_page(guarded, path):
    url, (_, port) = guarded
    answer = requests.get(url + path, headers={"Host": f"{EVIL}:{port}"}, timeout=60)
    assert answer.status_code == 400
    assert "does not answer for that host name" in answer.text
    assert EVIL not in answer.text


def test_an_allowed_host_gets_the_page(guarded):
    url, (_, port) = guarded
    answer = requests.get(url + "/", headers={"Host": f"localhost:{port}"}, timeout=60)
    assert answer.status_code == 200
    assert f"http://localhost:{port}/" in answer.text  # its links are built from that Host


def test_idle_connections_are_closed(guarded):
    _, address = guarded
    idle = [socket.create_connection(address, timeout=10) for _ in range(10)]
    half = [socket.create_connection(address, timeout=10) for _ in range(10)]
    for sock in half:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    assert requests.get(guarded[0] + "/", timeout=60).status_code == 200  # while held
    assert all(closed_by_server(sock) for sock in idle + half)


def test_a_topic_with_a_long_title_has_a_page_and_a_room(guarded):
    url, _ = guarded
    session = requests.Session()
    assert session.post(f"{url}/login", data=login_form(MEMBERS[1]), timeout=60).ok
    title = ("Where the long lost treasure of Captain Flint may lie buried now "
             + uuid.uuid4().hex[:8])  # 73 characters: its id is that long too
    form = f"{url}/forums/general/++add++Topic"
    answer = session.post(form, timeout=60, data={
        "form.widgets.IBasic.title": title, "form.widgets.body": "Dig, lads.",
        "form.buttons.save": "Save", "_authenticator": authenticator(session.get(form).text)})
    assert answer.status_code == 200 and title in answer.text
    assert requests.get(answer.url, timeout=60).status_code == 200  # anyone's view too
    room = re.search(r'id="topic-room" href="([^"]+)"', answer.text).group(1)
    slug = room.rstrip("/").rsplit("/", 1)[1]
    assert slug.startswith("general-where-the-long-lost-treasure") and len(slug) <= 64
    assert requests.get(room, timeout=60).status_code == 200
