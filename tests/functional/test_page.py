"""The page and the SockJS endpoints through WebTest (no network)."""

import json

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.interfaces import IChat, IWriter


@pytest.fixture(scope="module")
def app():
    return TestApp(main({}, **{"piratechat.heartbeat_delay": "1"}))


def test_page_has_the_form_the_story_needs(app):
    page = app.get("/")
    assert page.content_type == "text/html"
    form = page.html.find("form", id="say")
    assert form.find("input", id="line")["name"] == "line"
    assert form.find("button", id="send")["name"] == "send"
    assert page.html.find("ol", id="messages") is not None


def test_page_loads_sockjs_client_from_this_server(app):
    page = app.get("/")
    sources = [s["src"] for s in page.html.find_all("script")]
    assert any(s.endswith("/static/vendor/sockjs.min.js") for s in sources)
    assert all(s.startswith("http://localhost/") for s in sources)
    script = app.get("/static/vendor/sockjs.min.js")
    assert b"SockJS" in script.body


def test_sockjs_greeting_and_info(app):
    assert app.get("/sockjs").text == "Welcome to SockJS!\n"
    info = app.get("/sockjs/info")
    body = json.loads(info.text)
    assert body["websocket"] is True and body["cookie_needed"] is False
    assert body["origins"] == ["*:*"] and isinstance(body["entropy"], int)
    assert info.headers["Cache-Control"].startswith("no-store")


def test_xhr_polling_conversation(app):
    base = "/sockjs/000/sess1"
    assert app.post(base + "/xhr").text == "o\n"
    join = json.dumps({"type": "join", "name": "Ann"})
    say = json.dumps({"type": "say", "text": "Hello, friend"})
    sent = app.post(base + "/xhr_send", json.dumps([join, say]), content_type="text/plain")
    assert sent.status_int == 204
    # xhr_send answers once the says are read; the line is shown after its commit
    assert app.app.registry.getUtility(IWriter).drain(10)
    app.app.registry.getUtility(IChat).hub.drain(10)
    frame = app.post(base + "/xhr").text
    assert frame.startswith("a[")
    messages = [json.loads(m) for m in json.loads(frame[1:])]
    joined = {"type": "joined", "room": "lobby", "name": "Ann"}
    assert messages[0].items() >= joined.items()
    line = messages[-1]
    assert line["type"] == "line" and line["author"] == "Ann"
    assert line["text"] == "Hello, friend" and line["translation"] == "Avast, mate"
    assert line["translator"] == "pirate" and line["seq"] >= 1 and line["at"].endswith("Z")


def test_xhr_send_to_unknown_session_is_404(app):
    app.post("/sockjs/000/nosuch/xhr_send", '["x"]', status=404)


@pytest.mark.parametrize(
    "body, answer", [("", "Payload expected."), ("[", "Broken JSON encoding.")]
)
def test_xhr_send_bad_bodies(app, body, answer):
    app.post("/sockjs/000/bad1/xhr")
    response = app.post("/sockjs/000/bad1/xhr_send", body, status=500)
    assert response.text == answer


def test_wrong_method_is_405_with_allow(app):
    response = app.get("/sockjs/000/s405/xhr", status=405)
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize("path", ["/sockjs/a.b/c/xhr", "/sockjs/a/c.d/xhr", "/sockjs/a/b/nope"])
def test_bad_session_urls_are_404(app, path):
    app.post(path, status=404)
