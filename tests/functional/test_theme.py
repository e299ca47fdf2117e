"""The Diazo theme, through the ini files' pipeline (WebTest, no network).

Pages carry the theme; everything else is routed past it: every response under
the SockJS prefix (HTML ones too: iframe.html, htmlfile), the JSON history,
static files and the favicon are byte for byte what the app answers with the
theme off.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time

import pytest
from paste.deploy import loadapp
from pyramid_sockjs_gevent.pyramid import endpoint
from webtest import TestApp

from piratechat.interfaces import IChat
from piratechat.web.theming import ThemeFilter
from tests.conftest import scratch_zodb_uri
from tests.support.server import ROOT

THEME_HEADER = 'id="theme-header"'


def load(ini: str, theme: str) -> TestApp:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIRATECHAT_ZODB_URI", scratch_zodb_uri())
        patch.setenv("PIRATECHAT_THEME", theme)
        return TestApp(loadapp(f"config:{ini}", relative_to=str(ROOT)))


@pytest.fixture(scope="module")
def themed():
    return load("development.ini", "on")


@pytest.fixture(scope="module")
def plain():
    return load("development.ini", "off")


@pytest.mark.parametrize("ini", ["development.ini", "production.ini"])
def test_both_ini_files_theme_the_pages_and_a_setting_turns_it_off(ini):
    assert THEME_HEADER in load(ini, "on").get("/").text
    assert THEME_HEADER not in load(ini, "off").get("/").text


@pytest.mark.parametrize(
    "path", ["/", "/rooms/treasure-island/", "/rooms/%E6%97%A5%E6%9C%AC%E8%AA%9E/"]
)
def test_themed_pages_pour_the_chat_into_the_theme(themed, path):
    page = themed.get(path)
    assert page.content_type == "text/html"
    html = page.html
    assert html.find("header", id="theme-header") and not html.find(id="header")
    chat = html.find("main", id="chat")
    assert chat.find("input", id="line")["name"] == "line"
    assert chat.find("button", id="send")["name"] == "send"
    side = html.find(id="theme-sidebar")
    assert side.find("form", id="new-room") and side.find("ul", id="presence") is not None
    assert side.find(id="presence-heading").text == "Who is here"
    links = [link["href"] for link in html.find_all("link", rel="stylesheet")]
    assert links[-1] == "/theme/css/theme.css" and links[0].endswith("/static/chat.css")
    assert themed.get(links[-1]).content_type == "text/css"
    assert html.find("a", class_="brand")["href"] == "http://localhost/"


def test_the_error_page_is_themed_too(themed):
    page = themed.post("/rooms/", {"room": "../x"}, status=400)
    assert THEME_HEADER in page.text and page.html.find(id="reason")


@pytest.mark.parametrize("path", ["/", "/rooms/deck/"])
def test_no_inline_script_or_style_themed_or_not(themed, plain, path):
    for app in (themed, plain):
        html = app.get(path).html
        assert not html.find("style") and not html.find(style=True)
        assert all(script.get("src") and not script.text.strip()
                   for script in html.find_all("script"))
        assert not any(attr.startswith("on") for tag in html.find_all(True) for attr in tag.attrs)


#: Requests under the SockJS prefix (HTML answers among them: iframe.html), then the
#: JSON history, static files and the favicon.
SESSION = "/sockjs/000/theme-same"
JOIN = json.dumps({"type": "join", "name": "Ann", "room": "byte-for-byte"})
REQUESTS = [
    ("GET", "/sockjs", None), ("GET", "/sockjs/", None),
    ("GET", "/sockjs/info", None), ("OPTIONS", "/sockjs/info", None),
    ("GET", "/sockjs/iframe.html", None), ("GET", "/sockjs/iframe-v1.2.html", None),
    ("POST", SESSION + "/xhr", None), ("POST", SESSION + "/xhr_send", json.dumps([JOIN])),
    ("POST", SESSION + "/xhr", None), ("POST", SESSION + "/xhr_send", "["),
    ("GET", "/sockjs/000/nosuch/jsonp?c=cb", None),
    ("POST", "/sockjs/000/nosuch/xhr_send", "[]"),
    ("GET", "/sockjs/000/s405/xhr", None), ("GET", "/sockjs/websocket", None),
    ("GET", "/rooms/byte-for-byte/history", None), ("GET", "/rooms/x/history?after=x", None),
    ("GET", "/static/chat.css", None), ("GET", "/static/chat.js", None),
    ("GET", "/favicon.ico", None),
]


def answer(app: TestApp, method: str, path: str, body: str | None, clock) -> tuple:
    """Status, every header and the body, as bytes would show them."""
    clock.setattr(time, "time", lambda: 1_800_000_000.0)  # Expires headers are made from it
    response = app.request(path, method=method, body=(body or "").encode(),
                           headers={"Origin": "http://example.org"}, expect_errors=True)
    # Each app has a database of its own, so a history epoch of its own (16 hex digits).
    body = re.sub(rb"(epoch\W{1,6})[0-9a-f]{16}", rb"\1<the database's>", response.body)
    return response.status, sorted(response.headerlist), body


def test_responses_under_sockjs_and_json_are_byte_for_byte_the_same(themed, plain, monkeypatch):
    monkeypatch.setattr(endpoint._entropy, "randint", lambda low, high: 42)
    for method, path, body in REQUESTS:
        with_theme = answer(themed, method, path, body, monkeypatch)
        without = answer(plain, method, path, body, monkeypatch)
        assert with_theme == without, (method, path)
        if path == "/sockjs/iframe.html":
            page = with_theme[2]
            assert b"<!DOCTYPE html>" in page and THEME_HEADER.encode() not in page


def test_the_history_is_plain_json(themed):
    history = themed.get("/rooms/deck/history").json
    assert len(history.pop("epoch")) == 16
    assert history == {"room": "deck", "last": 0, "lines": []}


def test_the_theme_folder_serves_no_rules(themed):
    themed.get("/theme/rules.xml", status=404)


@pytest.fixture
def theme_copy(tmp_path):
    folder = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", folder)
    return folder


def page_app(reload: bool, folder):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [b'<html><head><title>t</title></head><body><main id="chat">chat</main></body>'
                b"</html>"]

    return TestApp(ThemeFilter(app, folder, reload=reload))


def edit_motto(folder, motto: str) -> None:
    index = folder / "index.html"
    text = re.sub(r'<p class="motto">[^<]*</p>', f'<p class="motto">{motto}</p>',
                  index.read_text())
    index.write_text(text)
    stat = index.stat()  # a new mtime even within the file system's clock tick
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_in_development_a_theme_edit_shows_on_the_next_request(theme_copy):
    app = page_app(True, theme_copy)
    assert "Avast, a new motto" not in app.get("/").text
    edit_motto(theme_copy, "Avast, a new motto")
    assert "Avast, a new motto" in app.get("/").text


def test_in_production_the_compiled_theme_is_kept(theme_copy):
    app = page_app(False, theme_copy)
    before = app.get("/").text
    edit_motto(theme_copy, "Avast, a new motto")
    assert app.get("/").text == before


def test_a_kept_themed_page_is_never_stale(themed):
    """Pages are kept by their content: a page that changed is themed afresh."""
    first = themed.get("/rooms/kept/")
    assert themed.get("/rooms/kept/").body == first.body
    chat = themed.app.app.registry.getUtility(IChat)
    chat.say("newly-busy", "Ann", "Hello, friend")  # the recent rooms' list changes
    again = themed.get("/rooms/kept/")
    assert again.body != first.body and 'data-room="newly-busy"' in again.text
    assert THEME_HEADER in again.text and int(again.headers["Content-Length"]) == len(again.body)


def test_head_of_a_page_is_answered_as_diazo_would(themed):
    head = themed.head("/rooms/kept/")
    assert head.status_int == 200 and head.content_type == "text/html" and not head.body


def test_the_designers_theme_opens_from_the_file_system():
    """theme/index.html: local files only, each there, no inline script or style."""
    from bs4 import BeautifulSoup

    folder = ROOT / "theme"
    page = BeautifulSoup((folder / "index.html").read_text(), "html.parser")
    refs = [tag.get("href") or tag.get("src") for tag in page.find_all(["link", "img", "script"])]
    assert refs and all(not re.match(r"^([a-z]+:|//|/)", ref) for ref in refs), refs
    assert all((folder / ref).is_file() for ref in refs)
    css = (folder / "css" / "theme.css").read_text()
    for ref in re.findall(r'url\("?([^")]+)"?\)', css):
        assert not re.match(r"^([a-z]+:|//|/)", ref) and (folder / "css" / ref).resolve().is_file()
    assert not page.find("style") and not page.find(style=True)
    # Scripts from files only (theme/js/site.js: the menu button), none inline.
    assert all(script.get("src") and not script.string for script in page.find_all("script"))
    for name in ("theme-header", "theme-sidebar", "theme-content", "theme-css"):
        assert page.find(id=name), name  # what rules.xml pours the app into
