"""A room's parrot and its owner (issue 13, finding 7).

Whoever made a room with POST /rooms/ holds its key and may lock the
parrot; nobody else can then change it. Choosing a parrot in a room nobody
made stores nothing.
"""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.chat.core.messages import ChatError
from piratechat.interfaces import IChat, IDatabase, IWriter
from piratechat.storage.database import reading
from tests.support.chat_clients import joined
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def url():
    server = LiveServer()
    yield server.start()
    server.stop()


def make_room(url: str) -> tuple[str, str]:
    slug = "owned-" + uuid.uuid4().hex[:10]
    request = urllib.request.Request(url + "/rooms/", data=f"room={slug}".encode(),
                                     headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        body = json.load(answer)
        assert answer.status == 201
        cookie = answer.headers["Set-Cookie"]
    assert body["room"] == slug and len(body["owner_key"]) >= 32
    assert f"piratechat_owner={body['owner_key']}" in cookie
    assert f"Path=/rooms/{slug}/" in cookie
    return slug, body["owner_key"]


def test_the_owner_locks_the_parrot_and_nobody_else_can_change_it(url):
    room, key = make_room(url)
    owner, guest = joined(url, room, "Owner"), joined(url, room, "Guest")
    assert guest.choose("bard")["type"] == "translator"  # unlocked: anyone may
    assert owner.choose("pirate", key=key, lock=True)["type"] == "translator"
    refused = guest.choose("bard")
    assert refused["code"] == "locked" and "locked its parrot" in refused["message"]
    wrong = guest.choose("bard", key="not-the-key")
    assert wrong["code"] == "bad_key"
    assert guest.choose("bard", lock=False)["code"] == "bad_key"
    assert owner.choose("bard", key=key)["name"] == "bard"  # the owner still may
    assert owner.choose("pirate", key=key, lock=False)["name"] == "pirate"
    assert guest.choose("bard")["name"] == "bard"  # unlocked again


def test_the_key_is_issued_once_to_whoever_made_the_room(url):
    room, _ = make_room(url)
    request = urllib.request.Request(url + "/rooms/", data=f"room={room}".encode(),
                                     headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200 and "owner_key" not in json.load(answer)
        assert answer.headers["Set-Cookie"] is None


def test_a_key_of_another_room_does_not_own_this_one(url):
    room, _ = make_room(url)
    _, other_key = make_room(url)
    assert joined(url, room, "Mallory").choose("bard", key=other_key)["code"] == "bad_key"


def test_choosing_a_parrot_in_an_unused_room_stores_no_room(fresh_zodb_uri, monkeypatch):
    monkeypatch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
    app = TestApp(main({}))
    chat = app.app.registry.getUtility(IChat)
    with pytest.raises(ChatError) as refused:
        chat.choose_translator("nobody-here", "bard", "Mallory")
    assert refused.value.code == "no_room"
    with reading(app.app.registry.getUtility(IDatabase)) as root:
        assert "nobody-here" not in root.rooms
    assert chat.translator("nobody-here").name == "pirate"
    app.app.registry.getUtility(IWriter).close()
    app.app.registry.getUtility(IDatabase).close()
