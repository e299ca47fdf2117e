"""The chat's side of the forums (no Plone here): ``POST /activity`` tells many
rooms' talkers and last lines at once, ``POST <room>/topic`` (signed with the
token secret) gives a room its topic's title and a link back. Real server,
rooms of each test's own."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from piratechat.chat.runtime.member_list import body_signature
from piratechat.web.topics import signed_body
from tests.conftest import scratch_zodb_uri
from tests.functional.test_socket import SockJSClient
from tests.support.server import LiveServer

SECRET = "topic-rooms-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def chat():
    server = LiveServer(env={"PIRATECHAT_ZODB_URI": scratch_zodb_uri(),
                             "PIRATECHAT_TOKEN_SECRET": SECRET})
    yield server.start()
    server.stop()


def tell(chat: str, room: str, title: str, url: str, secret: str = SECRET, body=None):
    signed, signature = signed_body(secret, title, url)
    return requests.post(f"{chat}/rooms/{room}/topic", data=signed if body is None else body,
                         headers={"X-PirateChat-Signature": signature})


def test_activity_tells_each_rooms_talkers_and_last_line_in_one_answer(chat):
    busy, idle, unknown = (f"{what}-{uuid.uuid4().hex[:6]}" for what in ("busy", "idle", "none"))
    assert tell(chat, idle, "Idle topic", "http://site.example/forums/general/idle").ok
    client = SockJSClient(chat)
    try:
        client.join("Lookout", room=busy)
        client.send({"type": "say", "text": "Sail ho!"})
        said = client.line_saying("Sail ho!")
        answer = requests.post(f"{chat}/activity", json={"rooms": [busy, idle, unknown]})
        assert answer.status_code == 200
        rooms = answer.json()["rooms"]
        assert rooms[busy]["talking"] == 1 and rooms[busy]["last_line"][:19] == said["at"][:19]
        assert rooms[idle] == {"talking": 0, "last_line": None}
        assert rooms[unknown] == {"talking": 0, "last_line": None}
    finally:
        client.close()


def test_a_room_told_its_topic_shows_the_title_and_a_link_back(chat):
    room = "topic-" + uuid.uuid4().hex[:6]
    url = f"http://site.example/forums/general/{room}"
    answer = tell(chat, room, "  Where   is the map  ", url)
    assert answer.status_code == 200 and answer.json()["title"] == "Where is the map"
    page = requests.get(f"{chat}/rooms/{room}/").text
    assert '<h2 id="room-title">Where is the map</h2>' in page
    assert f'<a id="topic-link" href="{url}">' in page
    assert tell(chat, room, "Where the map was", url).ok  # a topic edited: the room follows
    assert '<h2 id="room-title">Where the map was</h2>' in requests.get(
        f"{chat}/rooms/{room}/").text


@pytest.mark.parametrize("how, status", [
    ("another secret", 403), ("stale", 403), ("javascript", 400), ("not json", 403)])
def test_only_the_site_tells_a_room_its_topic_and_only_an_http_address(chat, how, status):
    room = "forged-" + uuid.uuid4().hex[:6]
    if how == "another secret":
        answer = tell(chat, room, "Free gold", "https://evil.example/", secret="guess")
    elif how == "stale":
        body = json.dumps({"title": "Old", "url": "https://site.example/",
                           "at": int(time.time()) - 3600}).encode()
        answer = requests.post(f"{chat}/rooms/{room}/topic", data=body, headers={
            "X-PirateChat-Signature": body_signature(SECRET, body)})
    elif how == "javascript":
        answer = tell(chat, room, "Click", "javascript:alert(1)")
    else:  # a body other than the one signed
        answer = tell(chat, room, "Free gold", "https://site.example/", body=b"not json")
    assert answer.status_code == status and answer.json()["error"]
    assert "topic-link" not in requests.get(f"{chat}/rooms/{room}/").text


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b"\xff\xfe", 400), (b'{"rooms": "lobby"}', 400), (b"[]", 400),
    (b'{"rooms": [1]}', 400), (b'{"rooms": ["Not A Slug"]}', 400),
    (json.dumps({"rooms": [f"r{n}" for n in range(501)]}).encode(), 413)])
def test_a_bad_activity_request_gets_a_sentence(chat, body, status):
    answer = requests.post(f"{chat}/activity", data=body)
    assert answer.status_code == status and answer.json()["error"]
