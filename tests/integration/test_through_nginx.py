"""The SockJS transport tests again, through nginx in front of two test
servers (piratechat/cluster/nginx.conf): every request of one session must
reach the process holding it, streams must pass unbuffered, WebSockets
upgraded. The test functions are those of the direct suites, given a
``server`` that is nginx; and the streams once more through an nginx that
compresses, where only ``proxy_buffering off`` keeps them live."""

from __future__ import annotations

import os
import tempfile
import zlib
from urllib.parse import urlsplit

import pytest
import sockjs_servers as direct
from sockjs_client import POST, stream
from test_streams import *  # noqa: F403 (the tests to run again)
from test_websocket import (  # noqa: F401
    test_raw_websocket_section_close,
    test_raw_websocket_section_transport,
    test_websocket_section_broken_json_terminates,
    test_websocket_section_close,
    test_websocket_section_empty_frames_are_ignored,
    test_websocket_section_reuse_session_id,
    test_websocket_section_transport,
)
from test_xhr import *  # noqa: F403
from test_xhr import url_of

from piratechat.cluster.processes import free_port, nginx_server
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


@pytest.fixture
def inproc(server):
    """The imported tests that run in-process under libs/pyramid-sockjs-gevent/tests run through
    nginx here: the point of this module."""
    return server


@pytest.fixture(scope="module")
def compressing_server():
    """One SockJS test server behind an nginx that compresses (gzip on, as
    Debian's stock ``http`` block says): where a stream is held back if
    nginx buffers it."""
    backend = LiveServer(command=direct.TESTSERVER)
    port = urlsplit(backend.start()).port
    folder = tempfile.mkdtemp(prefix="piratechat-nginx-gzip-")
    nginx = nginx_server(free_port(), [port], folder, compress=True).start()
    try:
        yield direct.Server(f"http://127.0.0.1:{nginx.port}", backend)
    finally:
        nginx.stop()
        backend.stop()


class Stream:
    """A streaming response read as a browser reads it: chunks as they come,
    gunzipped when nginx compressed them."""

    def __init__(self, response, conn):
        self.conn, self.got = conn, b""
        gzipped = response["content-encoding"] == "gzip"
        self.gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None

    def read_until(self, needle: bytes) -> None:
        """Read up to ``needle``, however nginx chunked (or compressed) it;
        times out (the connection's 5 s) if it never comes, as it does when
        nginx holds the stream in a buffer."""
        while needle not in self.got:
            chunk = self.conn.read_chunk()
            assert chunk, "the stream ended"
            self.got += self.gunzip.decompress(chunk) if self.gunzip else chunk
        self.got = self.got[self.got.index(needle) + len(needle):]


STREAMS = [
    ("xhr_streaming", b"o\n", b'a["%s"]\n'),
    ("eventsource", b"data: o\r\n\r\n", b'data: a["%s"]\r\n\r\n'),
    ("htmlfile?c=callback", b'p("o");', b'p("a[\\"%s\\"]");'),
]


def each_frame_at_once(server, transport: str, opened: bytes, frame: bytes) -> None:
    url = url_of(server.echo)
    method = "POST" if transport == "xhr_streaming" else "GET"
    r, conn = stream(method, f"{url}/{transport}", headers={"Accept-Encoding": "gzip"})
    try:
        assert r.status == 200
        frames = Stream(r, conn)
        frames.read_until(opened)
        for n in range(3):  # each frame arrives while the response stays open
            text = f"x{n}"
            assert POST(url + "/xhr_send", body=f'["{text}"]').status == 204
            frames.read_until(frame % text.encode())
        assert not conn.closed(timeout=0.2)  # still the same open response
    finally:
        conn.close()


@pytest.mark.parametrize("transport, opened, frame", STREAMS)
def test_a_stream_passes_each_frame_at_once(server, transport, opened, frame):
    each_frame_at_once(server, transport, opened, frame)


@pytest.mark.parametrize("transport, opened, frame", STREAMS)
def test_a_compressed_stream_passes_each_frame_at_once(compressing_server, transport, opened,
                                                       frame):
    """``proxy_buffering off`` is what keeps this live: with it, nginx
    flushes its gzip stream after each frame it reads; buffering, it holds
    the compressed frames until its buffers fill (proxy_buffering on: red)."""
    each_frame_at_once(compressing_server, transport, opened, frame)
