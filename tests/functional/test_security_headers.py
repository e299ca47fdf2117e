"""Safe pages (issue 13, finding 8): security headers, no inline script or
style, URLs from known hosts only, and an origin allow-list for WebSocket
and CORS. (The SockJS test server still answers any origin: libs/pyramid-sockjs-gevent/tests.)"""

from __future__ import annotations

import pytest
import websocket
from webtest import TestApp

from piratechat import main
from tests.support.server import LiveServer


def app_with(fresh_zodb_uri, **env) -> TestApp:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
        for name, value in env.items():
            patch.setenv("PIRATECHAT_" + name.upper(), value)
        return TestApp(main({}))


@pytest.fixture(scope="module")
def app(fresh_zodb_uri):
    return app_with(fresh_zodb_uri)


@pytest.mark.parametrize("path", ["/", "/rooms/lobby/", "/rooms/lobby/history",
                                  "/static/chat.js", "/rooms/a%2Fb/"])
def test_pages_carry_the_security_headers(app, path):
    response = app.get(path, expect_errors=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/rooms/lobby/", "/rooms/%2E%2E/"])
def test_pages_hold_no_inline_script_or_style(app, path):
    html = app.get(path, expect_errors=True).html
    assert html.find("style") is None
    for script in html.find_all("script"):
        assert script.get("src") and not script.text.strip()
    for tag in html.find_all(True):
        assert "style" not in tag.attrs
        assert not [name for name in tag.attrs if name.startswith("on")], tag


def test_the_sockjs_iframe_page_may_be_framed_by_its_own_origin(app):
    response = app.get("/sockjs/iframe.html")
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_a_forged_host_does_not_rewrite_the_page(app):
    refused = app.get("/", headers={"Host": "evil.example"}, status=400)
    assert "does not answer for that host" in refused.text
    assert app.post("/rooms/", {"room": "x"}, headers={"Host": "evil.example:80"},
                    status=400)
    assert app.get("/", headers={"Host": "127.0.0.1:6543"}, status=200)


def test_with_public_url_every_page_url_is_built_from_it(fresh_zodb_uri):
    app = app_with(fresh_zodb_uri, public_url="https://chat.example.org")
    page = app.get("/", headers={"Host": "evil.example"})
    urls = [page.html.find("main", id="chat")["data-sockjs-url"],
            page.html.find("form", id="new-room")["action"],
            *(script["src"] for script in page.html.find_all("script")),
            page.html.find("link")["href"]]
    assert all(url.startswith("https://chat.example.org/") for url in urls), urls
    assert app.post("/rooms/", {"room": "deck"},
                    headers={"Host": "evil.example"}).location.startswith(
                        "https://chat.example.org/rooms/deck/")


def test_cors_answers_only_allowed_origins(app):
    evil = app.get("/sockjs/info", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Credentials" not in evil.headers
    own = app.get("/sockjs/info", headers={"Origin": "http://localhost"})
    assert own.headers["Access-Control-Allow-Origin"] == "http://localhost"
    assert own.headers["Access-Control-Allow-Credentials"] == "true"
    preflight = app.options("/sockjs/000/abc/xhr", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    refused = app.post("/sockjs/000/evil/xhr", headers={"Origin": "http://evil.example"},
                       status=403)
    assert "Origin not allowed" in refused.text


def test_allowed_origins_adds_other_pages(fresh_zodb_uri):
    app = app_with(fresh_zodb_uri, allowed_origins="https://blog.example.org")
    other = app.get("/sockjs/info", headers={"Origin": "https://blog.example.org"})
    assert other.headers["Access-Control-Allow-Origin"] == "https://blog.example.org"
    assert "Access-Control-Allow-Origin" not in app.get(
        "/sockjs/info", headers={"Origin": "http://localhost"}).headers
    iframe = app.get("/sockjs/iframe.html")
    assert iframe.headers["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://blog.example.org")


@pytest.fixture(scope="module")
def live():
    server = LiveServer()
    yield server.start()
    server.stop()


@pytest.mark.parametrize("path", ["/sockjs/websocket", "/sockjs/000/origin/websocket"])
def test_websockets_from_other_origins_are_refused(live, path):
    url = "ws" + live[4:] + path
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, timeout=10, origin="http://evil.example")
    assert refused.value.status_code == 403
    assert b"Origin not allowed" in refused.value.resp_body
    own = websocket.create_connection(url, timeout=10, origin=live)
    own.close()
    bare = websocket.create_connection(url, timeout=10, suppress_origin=True)  # not a browser
    bare.close()
