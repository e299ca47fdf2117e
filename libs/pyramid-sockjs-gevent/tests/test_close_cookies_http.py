"""SockJS protocol, "JSESSIONID cookie", "Handling close", "Http 1.0 and 1.1
chunking" and "JSON Unicode Encoding"."""

import json
import re
import time

from sockjs_client import GET, POST, Connection, pending, stream, wait_until
from test_xhr import url_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# --- JSESSIONID cookie ----------------------------------------------------------------------


def assert_cookie(r, value="dummy"):
    parts = [p.strip() for p in r["set-cookie"].split(";")]
    assert parts[0] == f"JSESSIONID={value}" and parts[1].lower() == "path=/"


def test_jsessionid_cookie_section_info_says_needed_and_sets_none(inproc):
    r = GET(inproc.cookie + "/info")
    assert r.status == 200 and r["set-cookie"] is None
    assert json.loads(r.body)["cookie_needed"] is True


def test_jsessionid_cookie_section_xhr_sets_and_echoes(inproc):
    r = POST(url_of(inproc.cookie) + "/xhr")
    assert (r.status, r.body) == (200, b"o\n")
    assert_cookie(r)
    r = POST(url_of(inproc.cookie) + "/xhr", headers={"Cookie": "JSESSIONID=abcdef"})
    assert r.body == b"o\n"
    assert_cookie(r, "abcdef")


def test_jsessionid_cookie_section_streaming_transports(server):
    """Every transport's answer goes through one function (session_headers);
    one streaming transport on the wire shows it applies to streams too."""
    r, conn = stream("GET", url_of(server.cookie) + "/eventsource")
    conn.close()
    assert r.status == 200
    assert_cookie(r)


def test_jsessionid_cookie_section_jsonp(inproc):
    url = url_of(inproc.cookie)
    r = GET(url + "/jsonp?c=%63allback")
    assert r.status == 200 and r.body == b'/**/callback("o");\r\n'
    assert_cookie(r)
    r = POST(url + "/jsonp_send", body="d=%5B%22x%22%5D", headers=FORM)
    assert (r.status, r.body) == (200, b"ok")
    assert_cookie(r)


def test_jsessionid_cookie_section_unsafe_values_are_not_echoed(inproc):
    r = POST(url_of(inproc.cookie) + "/xhr", headers={"Cookie": 'JSESSIONID="a b"'})
    assert_cookie(r)


def test_jsessionid_cookie_section_not_set_unless_needed(inproc):
    assert POST(url_of(inproc.echo) + "/xhr")["set-cookie"] is None


# --- Handling close ---------------------------------------------------------------------------


def test_handling_close_section_close_frame(server):
    url = url_of(server.close)
    r1, c1 = stream("POST", url + "/xhr_streaming")
    r2 = c2 = None
    try:
        c1.read_chunk()
        assert c1.read_chunk() == b"o\n"
        assert c1.read_chunk() == b'c[3000,"Go away!"]\n'
        r2, c2 = stream("POST", url + "/xhr_streaming")
        c2.read_chunk()
        assert c2.read_chunk() == b'c[3000,"Go away!"]\n'
        assert c1.read_chunk() == b"" and c2.read_chunk() == b""
    finally:
        c1.close()
        if c2:
            c2.close()


INTERRUPTED_OR_NEW = (b"o\n", b'c[1002,"Connection interrupted"]\n')


def test_handling_close_section_abort_xhr_streaming(server):
    url = url_of(server.echo)
    r1, c1 = stream("POST", url + "/xhr_streaming")
    c1.read_chunk()
    assert c1.read_chunk() == b"o\n"
    r2, c2 = stream("POST", url + "/xhr_streaming")
    c2.read_chunk()
    assert c2.read_chunk() == b'c[2010,"Another connection still open"]\n'
    assert c2.read_chunk() == b""
    c2.close()
    c1.close()  # and at once, as the protocol suite does:
    r3, c3 = stream("POST", url + "/xhr_streaming")
    try:
        c3.read_chunk()
        assert c3.read_chunk() in INTERRUPTED_OR_NEW
    finally:
        c3.close()


def test_handling_close_section_abort_xhr_polling_is_noticed_while_idle(server):
    """A dropped long poll is noticed at once, not at the next heartbeat (25 s)."""
    url = url_of(server.echo)
    assert POST(url + "/xhr").body == b"o\n"
    waiting = pending("POST", url + "/xhr")
    assert wait_until(lambda: server.attached(url))
    assert POST(url + "/xhr").body == b'c[2010,"Another connection still open"]\n'
    waiting.close()  # and at once, as the protocol suite does: answered, not left to
    # the heartbeat (25 s; a read timeout of 10 s would fail the request)
    assert POST(url + "/xhr", timeout=10).body == b'c[1002,"Connection interrupted"]\n'


# --- Http 1.0 and 1.1 chunking -------------------------------------------------------------


def test_http10_section_synchronous_keep_alive(server):
    conn = Connection(server.echo)
    try:
        r = conn.request("GET", server.echo, headers={"Connection": "Keep-Alive"}, http="1.0")
        assert r.status == 200 and r.http in ("1.0", "1.1")
        assert r["transfer-encoding"] is None
        assert int(r["content-length"]) == 19
        assert conn.read(19) == b"Welcome to SockJS!\n"
        if (r["connection"] or "").lower() == "keep-alive":
            r = conn.request("GET", server.echo, headers={"Connection": "Keep-Alive"}, http="1.0")
            assert r.status == 200
        else:
            assert conn.closed()
    finally:
        conn.close()


def test_http10_section_streaming_closes_the_connection(server):
    url = url_of(server.close)
    conn = Connection(url)
    try:
        r = conn.request("POST", url + "/xhr_streaming", headers={"Connection": "Keep-Alive"},
                         http="1.0")
        assert r.status == 200
        assert r["transfer-encoding"] is None and r["content-length"] is None
        assert (r["connection"] or "close").lower() == "close"
        assert conn.read(2049)[:1] == b"h"
        assert conn.read(2) == b"o\n"
        assert conn.read(19) == b'c[3000,"Go away!"]\n'
        assert conn.closed()
    finally:
        conn.close()


def test_http11_section_synchronous_keep_alive(server):
    conn = Connection(server.echo)
    try:
        r = conn.request("GET", server.echo, headers={"Connection": "Keep-Alive"})
        assert (r["connection"] or "").lower() in ("keep-alive", "")
        if r["content-length"]:
            assert conn.read(int(r["content-length"])) == b"Welcome to SockJS!\n"
        else:
            assert conn.read_chunk() == b"Welcome to SockJS!\n" and conn.read_chunk() == b""
        assert conn.request("GET", server.echo, headers={"Connection": "Keep-Alive"}).status == 200
    finally:
        conn.close()


def test_http11_section_streaming_one_frame_per_chunk(server):
    url = url_of(server.close)
    conn = Connection(url)
    try:
        r = conn.request("POST", url + "/xhr_streaming", headers={"Connection": "Keep-Alive"})
        assert r.status == 200 and r["transfer-encoding"].lower() == "chunked"
        assert r["content-length"] is None
        assert conn.read_chunk()[:1] == b"h"
        assert conn.read_chunk() == b"o\n"
        assert conn.read_chunk() == b'c[3000,"Go away!"]\n'
        assert conn.read_chunk() == b""
    finally:
        conn.close()


def test_http11_section_every_request_starts_answering_within_a_second(server):
    """The suite's client gives up after 1 s; so do we, for every kind of request."""
    url = url_of(server.echo)
    requests = [("GET", server.echo, None), ("GET", server.echo + "/info", None),
                ("GET", server.echo + "/iframe.html", None), ("POST", url + "/xhr", None),
                ("POST", url + "/xhr_send", '["x"]'), ("POST", url + "/xhr", None),
                ("POST", url_of(server.echo) + "/xhr_streaming", None),
                ("GET", url_of(server.echo) + "/eventsource", None),
                ("GET", url_of(server.echo) + "/htmlfile?c=x", None),
                ("GET", url_of(server.echo) + "/jsonp?c=x", None)]
    for method, target, body in requests:
        conn = Connection(target, timeout=1.0)
        try:
            started = time.monotonic()
            assert conn.request(method, target, body=body).status in (200, 204)
            assert time.monotonic() - started < 1.0
        finally:
            conn.close()


# --- JSON Unicode Encoding ------------------------------------------------------------------

ESCAPABLE_BY_SERVER = re.compile("[\x00-\x1f\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]")
SERVER_KILLER = "".join(chr(i) for i in range(255, 65536) if ESCAPABLE_BY_SERVER.match(chr(i)))
SERVER_KILLER_ESCAPED = '"' + "".join(f"\\u{ord(c):04x}" for c in SERVER_KILLER) + '"'


def test_json_unicode_encoding_section_server_encodes(inproc):
    url = url_of(inproc.echo)
    POST(url + "/xhr")
    payload = json.dumps([SERVER_KILLER], ensure_ascii=False)  # the characters themselves
    assert POST(url + "/xhr_send", body=payload).status == 204
    body = POST(url + "/xhr").body.decode().strip()
    assert body[2:-1] == SERVER_KILLER_ESCAPED


def test_json_unicode_encoding_section_server_decodes(inproc):
    """Everything a client escapes comes back as the same characters."""
    client_escaped = "".join(chr(i) for i in range(0xD800) if i < 0x20 or 0x7F <= i <= 0x9F
                             or 0x2000 <= i <= 0x20FF or 0x0300 <= i <= 0x0362)
    client_escaped += "\ufeff\ufff0\uffff\ud800"[:3]
    url = url_of(inproc.echo)
    POST(url + "/xhr")
    payload = "[" + json.dumps(client_escaped) + "]"  # ASCII, every char \\uXXXX-escaped
    assert POST(url + "/xhr_send", body=payload).status == 204
    received = POST(url + "/xhr").body.decode().strip()[2:-1]
    assert json.loads(received) == client_escaped
