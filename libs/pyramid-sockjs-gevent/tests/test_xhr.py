"""SockJS protocol, "XhrPolling" and "XhrStreaming"."""

import uuid

import pytest
import sockjs_servers
from sockjs_client import OPTIONS, POST, stream
from test_static_urls import NO_CACHE, assert_preflight

inproc = sockjs_servers.inproc  # the fixture, also for modules that import these tests (nginx)


def url_of(base: str) -> str:
    return f"{base}/000/{uuid.uuid4().hex}"


def assert_not_cached(r):
    assert r["cache-control"] == NO_CACHE
    assert r["expires"] is None and r["last-modified"] is None


def assert_cors(r, origin="test"):
    assert r["access-control-allow-origin"] == origin
    assert r["access-control-allow-credentials"] == "true"


# --- XhrPolling: "/*/*/xhr", "/*/*/xhr_send" ---------------------------------------------


@pytest.mark.parametrize("suffix", ["/xhr", "/xhr_send", "/xhr_streaming"])
@pytest.mark.parametrize("origin", ["test", "null"])
def test_xhr_polling_section_options(inproc, suffix, origin):
    r = OPTIONS(inproc.echo + "/abc/abc" + suffix,
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert_preflight(r, origin, "OPTIONS, POST")


def test_xhr_polling_section_transport(server):
    url = url_of(server.echo)
    r = POST(url + "/xhr", headers={"Origin": "test"})
    assert (r.status, r.body) == (200, b"o\n")
    assert r["content-type"].replace(" ", "") == "application/javascript;charset=UTF-8"
    assert_cors(r)
    assert_not_cached(r)
    r = POST(url + "/xhr_send", body='["x"]', headers={"Origin": "test"})
    assert (r.status, r.body) == (204, b"")
    assert r["content-type"].replace(" ", "") == "text/plain;charset=UTF-8"
    assert_cors(r)
    assert_not_cached(r)
    r = POST(url + "/xhr")
    assert (r.status, r.body) == (200, b'a["x"]\n')


def test_xhr_polling_section_invalid_session(inproc):
    assert POST(url_of(inproc.echo) + "/xhr_send", body='["x"]').status == 404


def test_xhr_polling_section_invalid_json(inproc):
    url = url_of(inproc.echo)
    assert POST(url + "/xhr").body == b"o\n"
    r = POST(url + "/xhr_send", body='["x')
    assert r.status == 500 and b"Broken JSON encoding." in r.body
    r = POST(url + "/xhr_send", body="")
    assert r.status == 500 and b"Payload expected." in r.body
    r = POST(url + "/xhr_send", body='["a"]')
    assert (r.status, r.body) == (204, b"")
    assert POST(url + "/xhr").body == b'a["a"]\n'


def test_xhr_polling_section_content_types(inproc):
    url = url_of(inproc.echo)
    POST(url + "/xhr")
    types = ["text/plain", "T", "application/json", "application/xml", "",
             "application/json; charset=utf-8", "text/xml; charset=utf-8", "text/xml"]
    for content_type in types:
        r = POST(url + "/xhr_send", body='["a"]', headers={"Content-Type": content_type})
        assert (r.status, r.body) == (204, b"")
    assert POST(url + "/xhr").body == b"a[" + b",".join([b'"a"'] * len(types)) + b"]\n"


@pytest.mark.parametrize("asked, allowed", [("a, b, c", "a, b, c"), ("", None), (None, None)])
def test_xhr_polling_section_request_headers_cors(inproc, asked, allowed):
    h = {"Origin": "test", "Access-Control-Request-Method": "POST"}
    if asked is not None:
        h["Access-Control-Request-Headers"] = asked
    r = OPTIONS(url_of(inproc.echo) + "/xhr", headers=h)
    assert r.status == 204
    assert_cors(r)
    assert r["access-control-allow-headers"] == allowed


def test_xhr_polling_section_sending_empty_frame(inproc):
    url = url_of(inproc.echo)
    POST(url + "/xhr")
    assert POST(url + "/xhr_send", body="[]").status == 204
    assert POST(url + "/xhr_send", body='["a"]').status == 204
    assert POST(url + "/xhr").body == b'a["a"]\n'


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_xhr_polling_section_wrong_method_is_405(inproc, method):
    from sockjs_client import http

    r = http(method, url_of(inproc.echo) + "/xhr")
    assert r.status == 405 and r["allow"] == "OPTIONS, POST"
    assert r["content-type"] is None and r.body == b""


def test_xhr_polling_section_too_large_body_is_413_not_a_crash(inproc):
    url = url_of(inproc.echo)
    POST(url + "/xhr")
    r = POST(url + "/xhr_send", body='["' + "x" * (64 * 1024) + '"]')
    assert r.status == 413
    assert POST(url + "/xhr_send", body='["ok"]').status == 204


# --- XhrStreaming: "/*/*/xhr_streaming" -----------------------------------------------------


def test_xhr_streaming_section_transport_each_frame_its_own_chunk(server):
    url = url_of(server.echo)
    r, conn = stream("POST", url + "/xhr_streaming", headers={"Origin": "test"})
    try:
        assert r.status == 200
        assert r["content-type"].replace(" ", "") == "application/javascript;charset=UTF-8"
        assert_cors(r)
        assert_not_cached(r)
        assert r["transfer-encoding"] == "chunked" and r["content-length"] is None
        assert conn.read_chunk() == b"h" * 2048 + b"\n"  # the prelude, a chunk of its own
        assert conn.read_chunk() == b"o\n"
        assert POST(url + "/xhr_send", body='["x"]').status == 204
        assert conn.read_chunk() == b'a["x"]\n'
    finally:
        conn.close()


def test_xhr_streaming_section_response_limit(server):
    """The test server ends a streaming response after 4,096 bytes of frames."""
    url = url_of(server.echo)
    r, conn = stream("POST", url + "/xhr_streaming")
    try:
        assert conn.read_chunk()  # prelude
        assert conn.read_chunk() == b"o\n"
        msg = '"' + "x" * 128 + '"'
        for _ in range(31):
            assert POST(url + "/xhr_send", body="[" + msg + "]").status == 204
            assert conn.read_chunk() == ("a[" + msg + "]\n").encode()
        assert conn.read_chunk() == b""  # the response ended
    finally:
        conn.close()
    # the session lives on: the next receiver continues it
    POST(url + "/xhr_send", body='["after"]')
    assert POST(url + "/xhr").body == b'a["after"]\n'
