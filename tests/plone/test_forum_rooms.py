"""Forums that know the chat: a forum's list shows how lively each topic's room
is (one request to the chat for all of them: POST /chat/activity), and a
topic's room page shows the topic's title and a link back to it (the site
tells the room, signed: web/topics.py). Each test posts its own topic."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from piratechat.plone import config, topic_rooms
from tests.functional.test_socket import SockJSClient
from tests.plone.conftest import MEMBERS
from tests.plone.test_chat_apart import chat_apart  # noqa: F401 (a fixture)
from tests.plone.test_site import authenticator, login


def post_topic(site_url: str, title: str) -> tuple[str, str]:
    """A topic posted by Mary in the General forum: its URL and its room's slug."""
    session = login(site_url, MEMBERS[1])
    token = authenticator(session.get(f"{site_url}/forums/general/++add++Topic").text)
    answer = session.post(f"{site_url}/forums/general/++add++Topic", data={
        "form.widgets.IBasic.title": title, "form.widgets.body": "Who has the map?",
        "form.buttons.save": "Save", "_authenticator": token})
    assert answer.status_code == 200 and title in answer.text
    room = re.search(r'id="topic-room" href="[^"]*/rooms/([^"/]+)/"', answer.text).group(1)
    return answer.url.rstrip("/").removesuffix("/view"), room


def listed(site_url: str, room: str) -> str:
    """What the forum's list says of the topic whose room is ``room``."""
    page = requests.get(f"{site_url}/forums/general").text
    item = re.search(rf'<li class="forum-topic" data-room="{room}">(.*?)</li>', page, re.S)
    assert item, f"the topic of {room} is not listed"
    found = re.search(r'<p class="topic-live">([^<]*)</p>', item.group(1))
    return found.group(1) if found else ""


def test_a_forums_list_shows_who_is_talking_in_each_topics_room_and_its_last_line(site_url):
    title = "Talk of the cove " + uuid.uuid4().hex[:6]
    _, room = post_topic(site_url, title)
    assert listed(site_url, room) == "quiet · no lines yet"
    client = SockJSClient(site_url + "/chat")
    try:
        client.join("Lookout " + uuid.uuid4().hex[:6], room=room)
        client.send({"type": "say", "text": "Sail ho!"})
        client.line_saying("Sail ho!")
        assert listed(site_url, room) == "1 talking · last line just now"
    finally:
        client.close()


def test_a_topics_room_page_shows_its_title_and_a_link_back_to_it(site_url):
    title = "Maps and legends " + uuid.uuid4().hex[:6]
    topic, room = post_topic(site_url, title)
    page = requests.get(f"{site_url}/chat/rooms/{room}/").text
    assert re.search(r'<h2 id="room-title">' + re.escape(title) + "</h2>", page)
    link = re.search(r'<a id="topic-link" href="([^"]+)">', page)
    assert link and link.group(1) == topic


def test_only_the_site_may_say_which_topic_a_room_is_for(site_url):
    room = "forged-" + uuid.uuid4().hex[:6]
    body = json.dumps({"title": "Free gold", "url": "https://evil.example/", "at": 0})
    answer = requests.post(f"{site_url}/chat/rooms/{room}/topic", data=body,
                           headers={"X-PirateChat-Signature": "0" * 64})
    assert answer.status_code == 403
    assert "topic-link" not in requests.get(f"{site_url}/chat/rooms/{room}/").text


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b'{"rooms": "lobby"}', 400), (b'{"rooms": ["Not A Slug"]}', 400),
    (json.dumps({"rooms": [f"r{n}" for n in range(501)]}).encode(), 413)])
def test_bad_activity_requests_get_a_sentence(site_url, body, status):
    answer = requests.post(f"{site_url}/chat/activity", data=body)
    assert answer.status_code == status and answer.json()["error"]


def test_the_site_asks_a_chat_of_its_own_and_goes_without_when_it_does_not_answer(
        site_url, chat_apart):  # noqa: F811
    chat = chat_apart(f"{site_url}/@@crew-nav?current=chat")
    room = "apart-" + uuid.uuid4().hex[:6]
    client = SockJSClient(chat)
    saved = config.CHAT_URL
    try:
        client.join("Lookout", room=room)
        config.CHAT_URL = chat
        rooms = topic_rooms.activity(None, [room, "lobby"])
        assert rooms[room]["talking"] == 1 and rooms[room]["last_line"] is None
        config.CHAT_URL = "http://127.0.0.1:9"  # nobody listens there
        assert topic_rooms.activity(None, [room]) is None
    finally:
        config.CHAT_URL = saved
        client.close()
