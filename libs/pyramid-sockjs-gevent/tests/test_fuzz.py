"""Bad input everywhere: arbitrary methods, paths, headers, bodies and
WebSocket bytes at every endpoint. The worker never crashes, never leaks a
session, and every bad request gets the protocol's answer: no 5xx but the
protocol's own 500s (SockJS protocol, "Session URLs", "XhrPolling:
test_invalid_json", "JsonPolling: test_invalid_callback",
"WebsocketHttpErrors").

In-process through WebTest, with a real socket pair standing in for the
client connection (WebSockets are served on it), then raw bytes at a live
test server.
"""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import quote

import gevent.socket
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyramid_sockjs_gevent import testserver
from pyramid_sockjs_gevent.runtime.hijack import READER_KEY, SOCKET_KEY
from sockjs_client import GET, Connection, wait_until
from webtest import TestApp

PROTOCOL_500S = {
    b"Payload expected.",
    b"Broken JSON encoding.",
    b'"callback" parameter required',
    b'invalid "callback" parameter',
}

PREFIXES = ["/echo", "/close", "/disabled_websocket_echo", "/cookie_needed_echo", "/elsewhere"]
TRANSPORTS = ["websocket", "xhr", "xhr_send", "xhr_streaming", "eventsource", "htmlfile",
              "jsonp", "jsonp_send"]

ids = st.one_of(st.sampled_from(["a", "b", "000", "", ".", "a.b", "%20", "%2F"]),
                st.text(min_size=0, max_size=8).map(lambda t: quote(t, safe="")))
suffixes = st.one_of(
    st.sampled_from(["", "/", "/info", "/iframe.html", "/iframe-1.2.html", "/websocket",
                     "//", "/a/a/", "/sessions"]),
    st.builds(lambda s, i, t: f"/{s}/{i}/{t}", ids, ids,
              st.one_of(st.sampled_from(TRANSPORTS), st.text(max_size=6).map(quote))),
)
queries = st.one_of(st.just(""), st.builds(lambda c: "?c=" + c, st.one_of(
    st.sampled_from(["cb", "_jp.a1", "", "%FF", "a(", "%00"]), st.text(max_size=8).map(quote))))

header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=30)
headers = st.dictionaries(
    st.sampled_from(["Origin", "Content-Type", "Cookie", "Access-Control-Request-Headers",
                     "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                     "Sec-WebSocket-Key1", "Sec-WebSocket-Key2", "If-None-Match", "X-Anything"]),
    st.one_of(header_values, st.sampled_from([
        "websocket", "Upgrade", "keep-alive, Upgrade", "x3JJHMbDL1EzLkh9GBhXDw==", "13", "8",
        "4 @1  46546xW%0l 1 5", "12998 5 Y3 1  .P00", "application/x-www-form-urlencoded",
        "text/plain", "null", "JSESSIONID=abc", 'JSESSIONID="x y"'])),
    max_size=6,
)
messages = st.lists(st.text(max_size=20), max_size=3)
bodies = st.one_of(
    st.binary(max_size=200),
    messages.map(lambda m: json.dumps(m).encode()),
    messages.map(lambda m: b"d=" + quote(json.dumps(m)).encode()),
    st.sampled_from([b"", b"[", b'["a', b"d=", b"d=%5B", b"[1]", b'"x"', b"\xff\xfe"]),
)
ws_bytes = st.one_of(st.binary(max_size=120), st.sampled_from([
    b"", b"\x81\x82abcd\x3a\x40", b"\x88\x80abcd", b"\x00[\"a\"]\xff", b"\xff\x00", b"aaaaaaaa"]))


@pytest.fixture(scope="module")
def app():
    wsgi = testserver.make_app(
        heartbeat_delay=0.002, disconnect_delay=0.05, response_limit=8, write_timeout=0.2,
        max_message=1024,
    )
    return wsgi, TestApp(wsgi, lint=False)


def no_session_left(wsgi) -> bool:
    """Every receiver let go; once reaped (as if the delay passed), nothing remains."""
    for endpoint in wsgi.endpoints.values():
        registry = endpoint.sessions
        if any(s.attached for s in registry.sessions.values()):
            return False
        registry.reap(now=registry.clock() + 3600)
        if len(registry) or registry._idle:
            return False
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "OPTIONS", "PUT", "DELETE", "HEAD", "PATCH"]),
    prefix=st.sampled_from(PREFIXES),
    suffix=suffixes,
    query=queries,
    headers=headers,
    body=bodies,
    ws_in=ws_bytes,
)
def test_any_request_gets_a_protocol_answer_and_leaks_nothing(
        app, method, prefix, suffix, query, headers, body, ws_in):
    wsgi, client = app
    ours, theirs = gevent.socket.socketpair()
    theirs.sendall(ws_in)  # what the client sends after the head (WebSocket frames)
    theirs.shutdown(socket.SHUT_WR)
    try:
        response = client.request(
            prefix + suffix + query, method=method, headers=headers,
            body=body if method not in ("GET", "HEAD", "OPTIONS") else b"",
            environ={SOCKET_KEY: ours, READER_KEY: None}, expect_errors=True,
        )
    finally:
        ours.close()
        theirs.close()
    status = response.status_int
    if status >= 500:
        assert status == 500 and response.body.strip() in PROTOCOL_500S, (status, response.body)
    if status == 405:
        assert response.headers.get("Allow") and "Content-Type" not in response.headers
    assert no_session_left(wsgi)


def test_fuzz_app_is_really_exercised(app):
    """The property above can fail: this app does open sessions and answer frames."""
    wsgi, client = app
    assert client.post("/echo/0/fuzz/xhr").body == b"o\n"
    assert len(wsgi.endpoints["echo"].sessions) == 1
    assert client.post("/echo/0/fuzz/xhr_send", '["x"]').status_int == 204
    assert client.post("/echo/0/fuzz/xhr").body == b'a["x"]\n'
    assert client.post("/echo/0/fuzz/xhr_send", '["x', expect_errors=True).status_int == 500
    assert no_session_left(wsgi)


# --- raw bytes at a live server -------------------------------------------------------------

garbage_requests = st.one_of(
    st.binary(min_size=1, max_size=300),
    st.builds(
        lambda method, path, version, head, body: method + b" " + path + b" " + version
        + b"\r\n" + head + b"\r\n\r\n" + body,
        st.sampled_from([b"GET", b"POST", b"OPTIONS", b"BREW", b""]),
        st.one_of(st.sampled_from([b"/echo/0/x/xhr", b"/echo/0/x/xhr_streaming",
                                   b"/echo/0/x/websocket", b"/echo/websocket", b"/echo/info",
                                   b"/echo/0/x/jsonp?c=%FF", b"*", b"/%", b"/echo/0/%ZZ/xhr"]),
                  st.binary(max_size=40)),
        st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9.9", b"", b"HTTP/1.1 extra"]),
        st.one_of(st.sampled_from([
            b"Content-Length: 5", b"Content-Length: -1", b"Content-Length: 99999999999",
            b"Transfer-Encoding: chunked", b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==", b"Host: \xff"]),
            st.binary(max_size=60)),
        st.binary(max_size=60),
    ),
)


@settings(max_examples=60, deadline=None)
@given(data=garbage_requests)
def test_raw_garbage_never_gets_a_5xx_or_kills_the_worker(fast, data):
    conn = Connection(fast.url, timeout=2)
    try:
        conn.send(data)
        conn.sock.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := conn.sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    finally:
        conn.close()
    if answer.startswith(b"HTTP/"):
        status = int(answer.split(b" ", 2)[1])
        if status >= 500:
            assert status == 500 and any(m in answer for m in PROTOCOL_500S), answer[:300]
    assert GET(fast.echo).status == 200


def test_raw_garbage_leaves_no_session_behind(fast):
    assert wait_until(lambda: sum(fast.sessions().values()) == 0, timeout=5)
    time.sleep(0)  # the server's output is checked for tracebacks when it stops


HANDSHAKES = {
    "rfc6455": {"Upgrade": "websocket", "Connection": "Upgrade",
                "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw==", "Sec-WebSocket-Version": "13"},
    "hixie76": {"Upgrade": "WebSocket", "Connection": "Upgrade",
                "Sec-WebSocket-Key1": "4 @1  46546xW%0l 1 5",
                "Sec-WebSocket-Key2": "12998 5 Y3 1  .P00"},
}


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from(["/echo/0/s/websocket", "/echo/websocket", "/close/0/s/websocket",
                          "/close/websocket"]),
    dialect=st.sampled_from(sorted(HANDSHAKES)),
    frames=st.lists(ws_bytes, max_size=4),
)
def test_any_websocket_bytes_end_the_connection_cleanly(app, path, dialect, frames):
    """After a good handshake, whatever the client sends: no exception, no session left."""
    wsgi, client = app
    ours, theirs = gevent.socket.socketpair()
    theirs.sendall(b"".join(frames))
    theirs.shutdown(socket.SHUT_WR)
    try:
        response = client.get(path, headers=HANDSHAKES[dialect], expect_errors=True,
                              extra_environ={SOCKET_KEY: ours, READER_KEY: None})
        answer = b""
        while chunk := theirs.recv(65536):
            answer += chunk
    finally:
        ours.close()
        theirs.close()
    assert response.status_int == 101
    assert answer.startswith(b"HTTP/1.1 101 ")
    assert no_session_left(wsgi)
