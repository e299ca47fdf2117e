"""SockJS protocol, "Static URLs": the greeting, the iframe page, /info."""

import json
import re
import socket

import pytest
from sockjs_client import GET, OPTIONS, http

NO_CACHE = "no-store, no-cache, no-transform, must-revalidate, max-age=0"


def assert_no_body_no_type(r):
    assert r["content-type"] is None and r.body == b""


def assert_cached_for_a_year(r):
    assert "public" in r["cache-control"]
    assert re.search(r"max-age=[1-9][0-9]{6}", r["cache-control"])
    assert r["expires"]


def assert_preflight(r, origin, methods):
    """The protocol's verify_options: cacheable 204 with the CORS answer."""
    assert r.status == 204
    assert_cached_for_a_year(r)
    assert int(r["access-control-max-age"]) > 1_000_000
    assert r["access-control-allow-methods"] == methods
    assert r.body == b""
    assert r["access-control-allow-origin"] == origin
    assert r["access-control-allow-credentials"] == "true"


# --- Greeting url: "/" ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/"])
def test_greeting_section_greeting(inproc, suffix):
    r = GET(inproc.echo + suffix)
    assert r.status == 200
    assert r["content-type"].replace(" ", "") == "text/plain;charset=UTF-8"
    assert r.body == b"Welcome to SockJS!\n"
    assert r["set-cookie"] is None


@pytest.mark.parametrize("suffix", ["/a", "/a.html", "//", "///", "/a/a", "/a/a/", "/a/"])
def test_greeting_section_not_found(inproc, suffix):
    assert GET(inproc.echo + suffix).status == 404


def test_greeting_section_wrong_method_is_405_with_allow(inproc):
    r = http("POST", inproc.echo)
    assert r.status == 405 and r["allow"] == "GET"
    assert_no_body_no_type(r)


# --- IFrame page: "/iframe*.html" ------------------------------------------------------

IFRAME = re.compile(
    r"""^<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="(?P<sockjs_url>[^"]*)"></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe\(\);
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>$"""
)


@pytest.mark.parametrize(
    "suffix",
    [
        "/iframe.html",
        "/iframe-a.html",
        "/iframe-.html",
        "/iframe-0.1.2.html",
        "/iframe-0.1.2abc-dirty.2144.html",
        "/iframe-a.html?t=1234",
        "/iframe-0.1.2.html?t=123414",
        "/iframe-0.1.2abc-dirty.2144.html?t=qweqweq123",
    ],
)
def test_iframe_page_section_simple_versioned_and_queried_urls(inproc, suffix):
    r = GET(inproc.echo + suffix)
    assert r.status == 200
    assert r["content-type"].replace(" ", "") == "text/html;charset=UTF-8"
    assert_cached_for_a_year(r)
    assert r["etag"] and r["last-modified"] is None
    match = IFRAME.match(r.text.strip())
    assert match and match.group("sockjs_url").startswith(("/", "http"))
    assert r["set-cookie"] is None


@pytest.mark.parametrize(
    "suffix",
    ["/iframe.htm", "/iframe", "/IFRAME.HTML", "/IFRAME", "/iframe.HTML", "/iframe.xml",
     "/iframe-/.html"],
)
def test_iframe_page_section_invalid_urls(inproc, suffix):
    assert GET(inproc.echo + suffix).status == 404


def test_iframe_page_section_cacheability_etag_and_304(inproc):
    r1, r2 = GET(inproc.echo + "/iframe.html"), GET(inproc.echo + "/iframe.html")
    assert r1["etag"] and r1["etag"] == r2["etag"]
    r = GET(inproc.echo + "/iframe.html", headers={"If-None-Match": r1["etag"]})
    assert r.status == 304
    assert_no_body_no_type(r)
    assert r["etag"] == r1["etag"]


# --- Info test: "/info" ---------------------------------------------------------------


def test_info_section_basic(inproc):
    r = GET(inproc.echo + "/info", headers={"Origin": "test"})
    assert r.status == 200
    assert r["content-type"].replace(" ", "") == "application/json;charset=UTF-8"
    assert r["set-cookie"] is None
    assert r["cache-control"] == NO_CACHE
    assert r["expires"] is None and r["last-modified"] is None
    assert r["access-control-allow-origin"] == "test"
    assert r["access-control-allow-credentials"] == "true"
    data = json.loads(r.body)
    assert data["websocket"] is True
    assert data["cookie_needed"] in (True, False)
    assert data["origins"] == ["*:*"]
    assert isinstance(data["entropy"], int) and 0 <= data["entropy"] < 2**32


def test_info_section_without_origin_allows_any_without_credentials(inproc):
    r = GET(inproc.echo + "/info")
    assert r["access-control-allow-origin"] == "*"
    assert r["access-control-allow-credentials"] is None


def test_info_section_entropy_differs(inproc):
    values = {json.loads(GET(inproc.echo + "/info").body)["entropy"] for _ in range(3)}
    assert len(values) == 3


@pytest.mark.parametrize("origin", ["test", "null"])
def test_info_section_options(inproc, origin):
    r = OPTIONS(inproc.echo + "/info",
                headers={"Origin": origin, "Access-Control-Request-Method": "OPTIONS, GET"})
    assert_preflight(r, origin, "OPTIONS, GET")


def test_info_section_options_null_origin_is_echoed(inproc):
    r = OPTIONS(inproc.echo + "/info",
                headers={"Origin": "null", "Access-Control-Request-Method": "POST"})
    assert r.status == 204 and r.body == b""
    assert r["access-control-allow-origin"] == "null"


def test_info_section_disabled_websocket(inproc):
    r = GET(inproc.wsoff + "/info")
    assert r.status == 200 and json.loads(r.body)["websocket"] is False


def test_info_section_wrong_method_is_405(inproc):
    r = http("DELETE", inproc.echo + "/info")
    assert r.status == 405 and r["allow"] == "OPTIONS, GET"
    assert_no_body_no_type(r)


# --- Ours: which pages may connect, and refusing what the server cannot hold ----------------


@pytest.fixture(scope="module")
def own_origin():
    from pyramid_sockjs_gevent import testserver
    from webtest import TestApp

    return TestApp(testserver.make_app(origins=("self",), websocket_only=True), lint=False)


@pytest.mark.parametrize("origin, host, allowed", [
    ("http://chat.example", "chat.example", True),
    ("https://chat.example", "chat.example:443", True),
    ("http://chat.example:8080", "chat.example:8080", True),
    ("http://chat.example:8080", "chat.example", True),  # a proxy passing $host
    ("http://evil.example", "chat.example", False),
    ("http://chat.example:9", "chat.example:8080", False),
    ("null", "chat.example", False),
])
def test_only_the_pages_own_origin_may_open_a_websocket(own_origin, origin, host, allowed):
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Origin": origin, "Host": host,
               "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw=="}
    for path in ("/echo/websocket", "/echo/0/0/websocket"):
        r = own_origin.get(path, headers=upgrade, expect_errors=True)
        # allowed: past the origin check, only the missing socket stops it (in-process: 501)
        assert r.status_int == (501 if allowed else 403), (path, r.status)
    info = own_origin.get("/echo/info", headers={"Origin": origin, "Host": host})
    assert (info.headers.get("Access-Control-Allow-Origin") == origin) == allowed


def test_websocket_only_refuses_the_other_transports(own_origin):
    assert own_origin.post("/echo/0/0/xhr", expect_errors=True).status_int == 404


def test_a_new_session_past_the_descriptor_headroom_is_503():
    from pyramid_sockjs_gevent import testserver
    from pyramid_sockjs_gevent.runtime import descriptors
    from pyramid_sockjs_gevent.runtime.hijack import SOCKET_KEY
    from webtest import TestApp

    app = TestApp(testserver.make_app(fd_headroom=1 << 30), lint=False)
    with socket.socket() as sock:  # any descriptor of this process stands for the client's
        environ = {SOCKET_KEY: sock}
        assert descriptors.near_limit(environ, 1 << 30)
        assert not descriptors.near_limit(environ, 0) and not descriptors.near_limit({}, 5)
        r = app.post("/echo/0/0/xhr", extra_environ=environ, expect_errors=True)
    assert r.status_int == 503 and r.headers["Retry-After"] == "5"
