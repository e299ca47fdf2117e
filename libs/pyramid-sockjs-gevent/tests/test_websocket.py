"""SockJS protocol, "WebSocket protocols: /*/*/websocket" and "Raw WebSocket url"."""

import json
import socket
import uuid

import pytest
import websocket
from sockjs_client import GET, POST, Connection, http, stream, wait_until


def ws_url(base: str, path: str = "") -> str:
    return "ws" + base[len("http"):] + (path or f"/000/{uuid.uuid4().hex}/websocket")


def assert_closed(ws):
    """The server ended the connection: a close frame, then nothing."""
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        for _ in range(3):
            if not ws.recv():
                raise websocket.WebSocketConnectionClosedException()


# --- WebsocketHttpErrors ---------------------------------------------------------------------


def test_websocket_http_errors_section_plain_get_is_400(inproc):
    assert GET(inproc.echo + "/0/0/websocket").status == 400


def test_websocket_http_errors_section_invalid_connection_header_is_400(inproc):
    r = GET(inproc.echo + "/0/0/websocket", headers={"Upgrade": "WebSocket", "Connection": "close"})
    assert r.status == 400


@pytest.mark.parametrize("h", [{"Upgrade": "WebSocket", "Connection": "Upgrade"}, {}])
def test_websocket_http_errors_section_only_get(inproc, h):
    r = POST(inproc.echo + "/0/0/websocket", headers=h)
    assert r.status == 405 and r["allow"] == "GET"
    assert r["content-type"] is None and r.body == b""


def test_websocket_http_errors_section_disabled_websocket_is_404(inproc):
    h = {"Upgrade": "websocket", "Connection": "Upgrade",
         "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw=="}
    assert GET(inproc.wsoff + "/0/0/websocket", headers=h).status == 404
    assert GET(inproc.wsoff + "/websocket", headers=h).status == 404


# --- Websocket (RFC 6455 / hybi-13, and hybi-07/08) ------------------------------------------


def test_websocket_section_transport(server):
    ws = websocket.create_connection(ws_url(server.echo), timeout=5)
    try:
        assert ws.recv() == "o"
        ws.send('["a"]')
        assert ws.recv() == 'a["a"]'
    finally:
        ws.close()


def test_websocket_section_close(server):
    ws = websocket.create_connection(ws_url(server.close), timeout=5)
    assert ws.recv() == "o"
    assert ws.recv() == 'c[3000,"Go away!"]'
    assert_closed(ws)
    ws.close()


def test_websocket_section_headers_sanity(server):
    for version, connection in [("13", "Upgrade"), ("8", "keep-alive, Upgrade"), ("7", "Upgrade")]:
        url = server.echo + f"/000/{uuid.uuid4().hex}/websocket"
        r, conn = stream("GET", url, headers={
            "Upgrade": "websocket", "Connection": connection, "Sec-WebSocket-Version": version,
            "Sec-WebSocket-Origin": "http://asd", "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw==",
        })
        conn.close()
        assert r.status == 101
        assert r["sec-websocket-accept"] == "HSmrc0sMlYUkAGmm5OPpG2HaGWk="
        assert r["connection"].lower() == "upgrade" and r["upgrade"].lower() == "websocket"
        assert r["content-length"] is None


def test_websocket_section_unsupported_version_is_426(inproc):
    r = GET(inproc.echo + "/0/0/websocket", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "99",
        "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw=="})
    assert r.status == 426 and "13" in r["sec-websocket-version"]


def test_websocket_section_empty_frames_are_ignored(server):
    ws = websocket.create_connection(ws_url(server.echo), timeout=5)
    try:
        assert ws.recv() == "o"
        ws.send("")
        ws.send("[]")
        ws.send('["a"]')
        assert ws.recv() == 'a["a"]'
    finally:
        ws.close()


def test_websocket_section_reuse_session_id(server):
    url = ws_url(server.echo)
    ws1 = websocket.create_connection(url, timeout=5)
    ws2 = websocket.create_connection(url, timeout=5)
    try:
        assert (ws1.recv(), ws2.recv()) == ("o", "o")
        ws1.send('["a"]')
        ws2.send('["b"]')
        assert (ws1.recv(), ws2.recv()) == ('a["a"]', 'a["b"]')
    finally:
        ws1.close()
        ws2.close()
    ws1 = websocket.create_connection(url, timeout=5)
    try:
        assert ws1.recv() == "o"
        ws1.send('["a"]')
        assert ws1.recv() == 'a["a"]'
    finally:
        ws1.close()


def test_websocket_section_broken_json_terminates(server):
    ws = websocket.create_connection(ws_url(server.echo), timeout=5)
    assert ws.recv() == "o"
    ws.send('["a')
    assert_closed(ws)
    ws.close()


def test_websocket_section_haproxy_hixie76(server):
    """Hixie-76: the 101 head goes out before the client's nonce is read."""
    url = server.echo + f"/000/{uuid.uuid4().hex}/websocket"
    conn = Connection(url)
    try:
        r = conn.request("GET", url, headers={
            "Connection": "Upgrade", "Upgrade": "WebSocket", "Origin": server.url,
            "Sec-WebSocket-Key1": "4 @1  46546xW%0l 1 5",
            "Sec-WebSocket-Key2": "12998 5 Y3 1  .P00",
        })
        assert r.status == 101
        assert r["connection"].lower() == "upgrade" and r["upgrade"].lower() == "websocket"
        assert r["sec-websocket-location"] == "ws" + url[len("http"):]
        assert r["sec-websocket-origin"] == server.url
        assert r["content-length"] is None
        conn.send(b"aaaaaaaa")
        assert conn.read(16) == b"\xca4\x00\xd8\xa5\x08G\x97,\xd5qZ\xba\xbfC{"
        assert conn.read(3) == b"\x00o\xff"  # the open frame, Hixie-76 framed
        conn.send(b'\x00["hi"]\xff')
        assert conn.read(9) == b'\x00a["hi"]\xff'
        conn.send(b"\xff\x00")  # closing handshake
        assert conn.read(2) == b"\xff\x00"
        assert conn.closed()
    finally:
        conn.close()


def test_websocket_section_socket_close_ends_the_session(fast):
    """A WebSocket session lives and dies with its socket: none is left behind."""
    sockets = [websocket.create_connection(ws_url(fast.echo), timeout=5) for _ in range(5)]
    for ws in sockets:
        assert ws.recv() == "o"
    assert fast.sessions()["echo"] >= 5
    for ws in sockets:
        ws.sock.shutdown(socket.SHUT_RDWR)  # no close frame: a dropped connection
        ws.sock.close()
    assert wait_until(lambda: fast.sessions()["echo"] == 0, timeout=3)


def test_websocket_section_heartbeat(fast):
    ws = websocket.create_connection(ws_url(fast.echo), timeout=5)
    try:
        assert ws.recv() == "o"
        assert ws.recv() == "h"
    finally:
        ws.close()


# --- Raw WebSocket url: "/websocket" --------------------------------------------------------


def test_raw_websocket_section_transport(server):
    ws = websocket.create_connection(ws_url(server.echo, "/websocket"), timeout=5)
    try:
        ws.send("Hello world!\uffff")
        assert ws.recv() == "Hello world!\uffff"
    finally:
        ws.close()


def test_raw_websocket_section_close(server):
    ws = websocket.create_connection(ws_url(server.close, "/websocket"), timeout=5)
    try:
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(frame.data[:2], "big") == 3000
        assert frame.data[2:] == b"Go away!"
    finally:
        ws.close()


def test_raw_websocket_section_bad_handshake_is_400(inproc):
    assert http("GET", inproc.echo + "/websocket").status == 400


IDLE = 100  # idle WebSockets held open at once


def _greenlets(server) -> int:
    return json.loads(GET(server.url + "/greenlets").body)["alive"]


@pytest.mark.parametrize("path", ["/websocket", "/0/idle/websocket"])
def test_an_idle_websocket_holds_no_greenlet(server, path):
    """After the handshake the view returns and the hub watches the socket:
    a hundred idle WebSockets (raw and SockJS-framed) add no greenlet, each
    still answers at once, and all are gone once they close."""
    before = _greenlets(server)
    sockets = []
    try:
        for _ in range(IDLE):
            ws = websocket.create_connection(ws_url(server.echo, path), timeout=5)
            sockets.append(ws)
            if path != "/websocket":
                assert ws.recv() == "o"
        assert _greenlets(server) - before < 10
        for n, ws in enumerate(sockets):  # every one still reads and writes
            ws.send(f"{n}" if path == "/websocket" else f'["{n}"]')
            assert ws.recv() == (f"{n}" if path == "/websocket" else f'a["{n}"]')
        assert _greenlets(server) - before < 10
    finally:
        for ws in sockets:
            ws.close()
    assert wait_until(lambda: server.sessions()["echo"] == 0, timeout=10)
