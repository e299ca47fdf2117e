"""SockJS answers known hosts only (issue 25, finding 7): a page on a rebound
DNS name (evil.example resolving to the chat's address) sends its own name as
Host and as Origin, so the origin check alone lets it in; every SockJS URL,
every transport and the raw WebSocket included, refuses a Host that
``allowed_hosts`` does not name, with a 400 and a sentence."""

from __future__ import annotations

import http.client
import uuid

import pytest

EVIL = "evil.example"

WEBSOCKET_HEADERS = {
    "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def session_path(transport: str) -> str:
    return f"/sockjs/000/{uuid.uuid4().hex}/{transport}"


#: (method, path, headers, body) of every kind of SockJS request.
REQUESTS = {
    "greeting": ("GET", "/sockjs", {}, None),
    "info": ("GET", "/sockjs/info", {}, None),
    "info-preflight": ("OPTIONS", "/sockjs/info", {}, None),
    "iframe": ("GET", "/sockjs/iframe.html", {}, None),
    "raw-websocket": ("GET", "/sockjs/websocket", WEBSOCKET_HEADERS, None),
    "websocket": ("GET", "websocket", WEBSOCKET_HEADERS, None),
    "xhr": ("POST", "xhr", {}, b""),
    "xhr_send": ("POST", "xhr_send", {"Content-Type": "text/plain"}, b'["hi"]'),
    "xhr_streaming": ("POST", "xhr_streaming", {}, b""),
    "eventsource": ("GET", "eventsource", {}, None),
    "htmlfile": ("GET", "htmlfile?c=callback", {}, None),
    "jsonp": ("GET", "jsonp?c=callback", {}, None),
    "jsonp_send": ("POST", "jsonp_send", {"Content-Type": "application/x-www-form-urlencoded"},
                   b"d=%5B%22hi%22%5D"),
}


def ask(live_server: str, name: str, host: str) -> tuple[int, str]:
    method, path, headers, body = REQUESTS[name]
    if not path.startswith("/"):
        path = session_path(path)
    address = live_server[len("http://"):].rstrip("/")
    connection = http.client.HTTPConnection(address, timeout=10)
    try:
        connection.request(method, path, body=body, headers={
            **headers, "Host": host, "Origin": f"http://{host}"})
        answer = connection.getresponse()
        # a refusal is short; anything else may stream: read its start only
        return answer.status, answer.read(200).decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.parametrize("name", list(REQUESTS))
def test_a_host_not_allowed_is_refused(live_server, name):
    status, text = ask(live_server, name, f"{EVIL}:{live_server.rsplit(':', 1)[1]}")
    assert status == 400
    assert "does not answer for that host name" in text


@pytest.mark.parametrize("name", ["info", "iframe", "raw-websocket", "xhr"])
def test_an_allowed_host_is_answered(live_server, name):
    status, _ = ask(live_server, name, live_server[len("http://"):].rstrip("/"))
    assert status in (101, 200, 204)
