"""The SockJS transport tests again, through nginx in front of two test
servers (piratechat/cluster/nginx.conf): every request of one session must
reach the process holding it, streams must pass unbuffered, WebSockets
upgraded. The test functions are those of the direct suites, given a
``server`` that is nginx."""

from __future__ import annotations

import os
import tempfile
from urllib.parse import urlsplit

import pytest

from piratechat.cluster.processes import free_port, nginx_server
from tests.sockjs import conftest as direct
from tests.sockjs.client import POST, stream
from tests.sockjs.test_streams import *  # noqa: F403 (the tests to run again)
from tests.sockjs.test_websocket import (  # noqa: F401
    test_raw_websocket_section_close,
    test_raw_websocket_section_transport,
    test_websocket_section_broken_json_terminates,
    test_websocket_section_close,
    test_websocket_section_empty_frames_are_ignored,
    test_websocket_section_reuse_session_id,
    test_websocket_section_transport,
)
from tests.sockjs.test_xhr import *  # noqa: F403
from tests.sockjs.test_xhr import url_of
from tests.support.server import LiveServer

# Chunk boundaries and when the client's connection closes are nginx's to
# choose (it re-chunks what it reads and keeps client connections alive):
# those tests check our HTTP framing, which only the direct suite sees.
del test_eventsource_section_response_limit  # noqa: F821
del test_htmlfile_section_transport  # noqa: F821
del test_htmlfile_section_response_limit  # noqa: F821
del test_xhr_streaming_section_transport_each_frame_its_own_chunk  # noqa: F821
del test_xhr_streaming_section_response_limit  # noqa: F821
del test_eventsource_section_transport  # noqa: F821 (its stream is checked below)
del test_htmlfile_section_script_end_tags_in_messages_cannot_escape  # noqa: F821

HASH_ON_SESSION = os.environ.get("PIRATECHAT_TEST_NGINX_ROUND_ROBIN") is None


@pytest.fixture(scope="module")
def server():
    """Two SockJS test servers behind one nginx (``Server.live`` is the first)."""
    backends = [LiveServer(command=direct.TESTSERVER) for _ in range(2)]
    ports = [urlsplit(backend.start()).port for backend in backends]
    folder = tempfile.mkdtemp(prefix="piratechat-nginx-")
    nginx = nginx_server(free_port(), ports, folder, hash_on_session=HASH_ON_SESSION).start()
    try:
        yield direct.Server(f"http://127.0.0.1:{nginx.port}", backends[0])
    finally:
        nginx.stop()
        for backend in backends:
            backend.stop()


def read_until(conn, needle: bytes) -> bytes:
    """Bytes of the stream up to and including ``needle``, however nginx
    chunked them; times out (the connection's 5 s) if it never comes, as it
    would if nginx held the stream in a buffer."""
    got = b""
    while needle not in got:
        got += conn.read_chunk()
    return got


@pytest.mark.parametrize("transport, opened, frame", [
    ("xhr_streaming", b"o\n", b'a["%s"]\n'),
    ("eventsource", b"data: o\r\n\r\n", b'data: a["%s"]\r\n\r\n'),
    ("htmlfile?c=callback", b'p("o");', b'p("a[\\"%s\\"]");'),
])
def test_a_stream_passes_each_frame_at_once(server, transport, opened, frame):
    url = url_of(server.echo)
    method = "POST" if transport == "xhr_streaming" else "GET"
    r, conn = stream(method, f"{url}/{transport}")
    try:
        assert r.status == 200
        read_until(conn, opened)
        for n in range(3):  # each frame arrives while the stream stays open
            text = f"x{n}"
            assert POST(url + "/xhr_send", body=f'["{text}"]').status == 204
            read_until(conn, frame % text.encode())
    finally:
        conn.close()
