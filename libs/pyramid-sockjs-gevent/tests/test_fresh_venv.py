"""The library alone: installed from its folder into a new virtual environment
(no PirateChat, nothing else of this repository), its echo example
(examples/echo.py) echoes a message over every transport.

Slow (a venv and an install, from pip's cache when warm): ``-m "not
fresh_venv"`` leaves it out of a quick loop; the test command runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
import venv
from pathlib import Path

import pytest
import websocket
from sockjs_client import GET, POST, stream
from sockjs_servers import LiveServer

pytestmark = pytest.mark.fresh_venv

LIBRARY = Path(__file__).resolve().parents[1]
ECHO = LIBRARY / "examples" / "echo.py"
#: The repository's pins, when the library is tested inside it.
CONSTRAINTS = LIBRARY.parents[1] / "constraints.txt"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def echo(tmp_path_factory):
    """The echo example's URL, served by a venv holding only the library."""
    home = tmp_path_factory.mktemp("fresh-venv")
    venv.create(home / "venv", with_pip=True)
    python = str(home / "venv" / "bin" / "python")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    pins = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
    # A copy: pip builds in the folder it installs, and none of an old build may come along.
    source = shutil.copytree(LIBRARY, home / "library", ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__", "tests"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *pins, str(source)], check=True, cwd=home, env=env, timeout=900)
    where = subprocess.run(
        [python, "-c", "import importlib.util as u, pyramid_sockjs_gevent as p; "
         "print(p.__file__, u.find_spec('piratechat') is not None)"],
        check=True, cwd=home, env=env, capture_output=True, text=True).stdout.split()
    assert where[0].startswith(str(home)), where  # installed, not this checkout's source
    assert where[1] == "False"  # and the chat is not there
    server = LiveServer(command=[python, "-u", str(ECHO), "0"])
    server.env = env  # not this process's PYTHONPATH: the venv's own packages only
    url = server.start(timeout=60)
    yield url + "/echo"
    server.stop()
    assert not any("Traceback" in line for line in server.output), "".join(server.output)


def session(base: str) -> str:
    return f"{base}/000/{uuid.uuid4().hex}"


def said(transport: str) -> str:
    return f"ahoy over {transport} {uuid.uuid4().hex[:8]}"


def frame(text: str) -> str:
    """How a message appears in an ``a[...]`` frame."""
    return json.dumps([text])


def read_until(conn, wanted: bytes) -> bytes:
    """Chunks of a streaming response up to the one holding ``wanted`` (each
    read waits at most the connection's timeout)."""
    seen = b""
    while wanted not in seen:
        chunk = conn.read_chunk()
        assert chunk, f"the stream ended before {wanted!r}: {seen[-300:]!r}"
        seen += chunk
    return seen


@pytest.mark.parametrize("transport, opened, quoted", [
    ("xhr_streaming", b"o\n", lambda t: frame(t).encode()),
    ("eventsource", b"data: o", lambda t: frame(t).encode()),
    ("htmlfile?c=cb", b'p("o")', lambda t: json.dumps("a" + frame(t)).encode()),
])
def test_a_streaming_transport_echoes(echo, transport, opened, quoted):
    url, text = session(echo), said(transport)
    method = "POST" if transport.startswith("xhr") else "GET"
    response, conn = stream(method, f"{url}/{transport}")
    try:
        assert response.status == 200
        read_until(conn, opened)
        assert POST(url + "/xhr_send", body=frame(text)).status == 204
        read_until(conn, quoted(text))
    finally:
        conn.close()


def test_xhr_polling_echoes(echo):
    url, text = session(echo), said("xhr-polling")
    assert POST(url + "/xhr").body == b"o\n"
    assert POST(url + "/xhr_send", body=frame(text)).status == 204
    assert POST(url + "/xhr").body == b"a" + frame(text).encode() + b"\n"


def test_jsonp_polling_echoes(echo):
    url, text = session(echo), said("jsonp-polling")
    assert GET(url + "/jsonp?c=cb").body == b'/**/cb("o");\r\n'
    sent = POST(url + "/jsonp_send", body="d=" + _quoted(frame(text)), headers=FORM)
    assert (sent.status, sent.body) == (200, b"ok")
    assert GET(url + "/jsonp?c=cb").body == (
        b"/**/cb(" + json.dumps("a" + frame(text)).encode() + b");\r\n")


def test_websocket_echoes(echo):
    text = said("websocket")
    ws = websocket.create_connection("ws" + session(echo)[4:] + "/websocket", timeout=10)
    try:
        assert ws.recv() == "o"
        ws.send(frame(text))
        assert ws.recv() == "a" + frame(text)
    finally:
        ws.close()


def test_raw_websocket_echoes(echo):
    text = said("raw websocket")
    ws = websocket.create_connection("ws" + echo[4:] + "/websocket", timeout=10)
    try:
        ws.send(text)
        assert ws.recv() == text
    finally:
        ws.close()


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")

