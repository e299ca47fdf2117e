"""The chat in a process of its own (as behind nginx), showing the site's navigation
fetched from the site over HTTP; and still a working page when the site is down."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import requests

from tests.conftest import scratch_zodb_uri
from tests.support.server import ROOT, LiveServer

INI = """
[app:main]
use = egg:piratechat#main
filter-with = theme
pyramid.default_locale_name = en
piratechat.token_url = /@@chat-token

[filter:theme]
use = egg:piratechat#theme
theme_folder = {root}/theme
piratechat.theme = on
site_nav = {site_nav}

[server:main]
use = egg:piratechat#gevent
host = 127.0.0.1
port = 0
"""


@pytest.fixture
def chat_apart(request):
    servers = []

    def start(site_nav: str) -> str:
        ini = Path(tempfile.mkdtemp(prefix="piratechat-apart-")) / "chat.ini"
        ini.write_text(INI.format(root=ROOT, site_nav=site_nav))
        server = LiveServer(ini=str(ini), env={"PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def test_a_chat_of_its_own_shows_the_sites_navigation(site_url, chat_apart):
    chat = chat_apart(f"{site_url}/@@crew-nav?current=chat")
    page = requests.get(chat + "/rooms/tortuga/").text
    assert '<div id="crew">' in page and 'href="/forums"' in page
    assert 'aria-current="page">Chat</a>' in page
    assert 'id="theme-menu"' in page and 'id="new-room"' in page and 'id="presence"' in page


def test_without_the_site_the_chat_page_works_without_the_navigation(chat_apart):
    chat = chat_apart("http://127.0.0.1:9/@@crew-nav?current=chat")
    answer = requests.get(chat + "/")
    assert answer.status_code == 200 and 'id="chat"' in answer.text
    assert 'id="crew"' not in answer.text and 'id="theme-menu"' not in answer.text
