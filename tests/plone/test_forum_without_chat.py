"""A site whose chat does not answer (``PIRATECHAT_PLONE_CHAT_URL`` names a port
nobody listens on): a topic is saved anyway, and the forum's list shows it,
without its room's liveliness and saying why. Its own site and server."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import scratch_zodb_uri
from tests.plone.conftest import make_site
from tests.plone.test_forum_rooms import post_topic
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def site_without_chat():
    instance = Path(tempfile.mkdtemp(prefix="piratechat-plone-nochat-"))
    make_site(instance)
    server = LiveServer(ini="plone.ini", env={
        "PIRATECHAT_PLONE_VAR": str(instance), "PIRATECHAT_ZODB_URI": scratch_zodb_uri(),
        "PIRATECHAT_PLONE_CHAT_URL": "http://127.0.0.1:9/chat"})
    yield server.start(timeout=300)
    server.stop()


def test_without_the_chat_the_forums_list_shows_its_topics_without_their_rooms(
        site_without_chat):
    title = "Becalmed " + uuid.uuid4().hex[:6]
    _, room = post_topic(site_without_chat, title)
    answer = requests.get(f"{site_without_chat}/forums/general")
    assert answer.status_code == 200
    assert f'data-room="{room}"' in answer.text and title in answer.text
    assert 'class="topic-live"' not in answer.text
    assert 'id="chat-silent"' in answer.text
