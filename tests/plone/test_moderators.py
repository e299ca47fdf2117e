"""The site's say in the chat's moderation (issue 22): a topic's room is in its
forum's group of rooms and owned by the member who posted the topic, who
moderates it from their chat token; other members do not. Each test posts its
own topic."""

from __future__ import annotations

import uuid

from piratechat.plone.moderators import forum_group
from tests.functional.test_socket import SockJSClient
from tests.plone.conftest import MEMBERS, MODERATORS
from tests.plone.test_forum_rooms import post_topic
from tests.plone.test_site import login


def member_client(site_url: str, member) -> tuple[SockJSClient, dict]:
    """A chat client of ``member`` (logged in to the site), and its token answer."""
    token = login(site_url, member).get(f"{site_url}/@@chat-token").json()
    return SockJSClient(site_url + "/chat"), token


def join(client: SockJSClient, token: dict, room: str) -> dict:
    """Join ``room`` with the member's token: ``joined`` (an error fails the test)."""
    client.send({"type": "join", "name": token["name"], "room": room, "token": token["token"]})
    while True:
        message = client.next()
        assert message["type"] != "error", message
        if message["type"] == "joined":
            return message


def test_the_member_who_posted_a_topic_moderates_its_room_and_others_do_not(site_url):
    _, room = post_topic(site_url, "Who took the rum " + uuid.uuid4().hex[:6])
    mary, mary_token = member_client(site_url, MEMBERS[1])  # posted it
    anne, anne_token = member_client(site_url, MEMBERS[0])
    try:
        assert join(mary, mary_token, room)["moderator"] is True
        assert join(anne, anne_token, room)["moderator"] is False
        text = "Anne's rude remark " + uuid.uuid4().hex[:6]
        anne.send({"type": "say", "text": text})
        seq = mary.line_saying(text)["seq"]
        mary.send({"type": "retract", "seq": seq})
        assert mary.next_of("retracted") == {"type": "retracted", "room": room, "seq": seq}
        mary.send({"type": "moderate", "action": "slow", "seconds": 30, "scope": "group"})
        refused = mary.next_of("error")  # the room's owner is no moderator of its forum
        assert refused["code"] == "not_allowed"
    finally:
        mary.close()
        anne.close()


def test_a_reviewer_moderates_everywhere_and_a_forums_editor_its_topics_rooms(site_url):
    _, room = post_topic(site_url, "Whose parrot " + uuid.uuid4().hex[:6])
    elsewhere = "plain-" + uuid.uuid4().hex[:8]  # a room of no forum
    rita, rita_token = member_client(site_url, MODERATORS[0])
    ed, ed_token = member_client(site_url, MODERATORS[1])
    anne, anne_token = member_client(site_url, MEMBERS[0])  # not the topic's author
    try:
        assert join(rita, rita_token, elsewhere)["moderator"] is True
        assert join(ed, ed_token, elsewhere)["moderator"] is False
        assert join(ed, ed_token, room)["moderator"] is True
        join(anne, anne_token, room)
        ed.send({"type": "moderate", "action": "slow", "seconds": 60, "scope": "group"})
        assert ed.next_of("moderated")["scope"] == "group"  # the forum's rooms
        anne.send({"type": "say", "text": "one"})
        anne.next_of("said")
        anne.send({"type": "say", "text": "two"})
        assert anne.next_of("error")["code"] == "slow_mode"
        ed.send({"type": "moderate", "action": "slow", "seconds": 60, "scope": "chat"})
        assert ed.next_of("error")["code"] == "not_allowed"  # not the whole chat
    finally:
        for client in (rita, ed, anne):
            client.close()


def test_a_forums_group_is_a_slug_of_its_id():
    assert forum_group("general") == "forum-general"
    long = forum_group("x" * 300)
    assert len(long) <= 64 and long.startswith("forum-xxx") and long != forum_group("x" * 299)
