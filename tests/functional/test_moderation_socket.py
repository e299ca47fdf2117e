"""Moderation over a real server (issue 22): lines taken back, mutes, bans, slow
mode, read-only rooms, rules set on a group reaching its rooms, and the log.

Each test makes its own rooms (POST /rooms/, which hands over the owner's key)
and its own names.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest

from piratechat.chat.core.tokens import issue
from tests.support.chat_clients import WebSocketClient, joined
from tests.support.server import LiveServer

SECRET = "moderation-test-secret"
CHIEF = "Chief Moderator"  # the ``moderators`` setting: moderates every room


@pytest.fixture(scope="module")
def url():
    server = LiveServer(env={"PIRATECHAT_TOKEN_SECRET": SECRET,
                             "PIRATECHAT_MODERATORS": CHIEF})
    yield server.start()
    server.stop()


def make_room(url: str, group: str | None = None) -> tuple[str, str]:
    slug = "mod-" + uuid.uuid4().hex[:10]
    form = f"room={slug}" + (f"&group={group}" if group else "")
    request = urllib.request.Request(url + "/rooms/", data=form.encode(),
                                     headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return slug, json.load(answer)["owner_key"]


def member(url: str, room: str, name: str) -> WebSocketClient:
    client = WebSocketClient(url, timeout=10)
    client.join(room, name, token=issue(SECRET, name))
    return client


def history(url: str, room: str) -> dict:
    with urllib.request.urlopen(f"{url}/rooms/{room}/history", timeout=10) as answer:
        return json.load(answer)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def said(client: WebSocketClient, text: str, client_id: str | None = None) -> dict:
    """Say ``text`` and return its ``said`` answer (with its seq)."""
    client.send({"type": "say", "text": text, **({"client_id": client_id} if client_id
                                                 else {})})
    return client.next_of("said")


def retract(client: WebSocketClient, seq: int, **extra) -> dict:
    client.send({"type": "retract", "seq": seq, **extra})
    return client.answer("retracted")


def moderate(client: WebSocketClient, action: str, **extra) -> dict:
    client.send({"type": "moderate", "action": action, **extra})
    return client.answer("moderated")


def say_answer(client: WebSocketClient, text: str) -> dict:
    """The answer to a line: its ``said``, or the error refusing it."""
    client.say(text)
    return client.answer("said")


def test_the_owner_takes_a_line_back_and_every_member_loses_it(url):
    room, key = make_room(url)
    owner, guest = joined(url, room, unique("Owner")), joined(url, room, unique("Guest"))
    text = unique("a line said in error")
    seq = said(guest, text)["seq"]
    assert owner.line_of(text)["seq"] == seq
    assert retract(owner, seq, key=key) == {"type": "retracted", "room": room, "seq": seq}
    assert guest.next_of("retracted") == {"type": "retracted", "room": room, "seq": seq}
    stored = [line for line in history(url, room)["lines"] if line["seq"] == seq]
    assert stored[0]["retracted"] is True and stored[0]["text"] == ""
    assert stored[0]["translation"] == "" and text not in json.dumps(history(url, room))
    newcomer = WebSocketClient(url, timeout=10)
    newcomer.join(room, unique("Late"))
    backlog = newcomer.lines(1)
    assert backlog[0]["seq"] == seq and backlog[0]["retracted"] and backlog[0]["text"] == ""
    after = said(guest, unique("next"))
    assert after["seq"] == seq + 1  # nothing renumbers


def test_the_author_takes_back_their_own_line_and_not_anothers(url):
    room, _ = make_room(url)
    ann, bob = joined(url, room, unique("Ann")), joined(url, room, unique("Bob"))
    own = said(ann, unique("mine"), client_id="ann-1")["seq"]
    other = said(bob, unique("bob's"), client_id="bob-1")["seq"]
    refused = retract(ann, other, client_id="bob-1")  # another browser's id proves nothing
    assert refused["type"] == "error" and refused["code"] == "not_allowed"
    assert retract(ann, own, client_id="ann-1")["seq"] == own
    assert bob.next_of("retracted")["seq"] == own
    late = said(bob, unique("late"), client_id="bob-2")["seq"]
    assert retract(ann, late, client_id="bob-2")["code"] == "not_allowed"


def test_a_member_takes_back_their_own_line_by_name(url):
    room, _ = make_room(url)
    name = unique("Member")
    client = member(url, room, name)
    seq = said(client, unique("member line"))["seq"]
    assert retract(client, seq)["seq"] == seq


def test_a_moderator_named_by_the_owner_takes_any_line_back(url):
    room, key = make_room(url)
    owner = joined(url, room, unique("Owner"))
    mod_name = unique("Mod")
    assert moderate(owner, "moderator", name=mod_name, key=key)["name"] == mod_name
    mod, guest = member(url, room, mod_name), joined(url, room, unique("Guest"))
    seq = said(guest, unique("rude"))["seq"]
    assert retract(mod, seq)["seq"] == seq
    nobody = joined(url, room, unique("Nobody"))
    seq2 = said(guest, unique("ok"))["seq"]
    assert retract(nobody, seq2)["code"] == "not_allowed"
    assert moderate(nobody, "slow", seconds=5)["code"] == "not_allowed"


def test_a_muted_name_is_refused_and_free_again_when_the_mute_ends(url):
    room, key = make_room(url)
    owner, name = joined(url, room, unique("Owner")), unique("Loud")
    loud = joined(url, room, name)
    assert moderate(owner, "mute", name=name, seconds=2, key=key)["seconds"] == 2
    refused = say_answer(loud, unique("still talking"))
    assert refused["code"] == "muted" and refused["wait"] >= 1
    deadline = time.monotonic() + 10
    while True:  # the mute ends on its own: no unmute is sent
        answer = say_answer(loud, unique("back"))
        if answer["type"] == "said":
            break
        assert answer["code"] == "muted" and time.monotonic() < deadline
        time.sleep(0.2)


def test_slow_mode_on_a_group_reaches_a_room_made_after_it_was_set(url):
    group = "grp-" + uuid.uuid4().hex[:8]
    first, key = make_room(url, group)
    chief = member(url, first, CHIEF)
    assert moderate(chief, "slow", seconds=60, scope="group")["scope"] == "group"
    later, _ = make_room(url, group)
    pirate = joined(url, later, unique("Pirate"))
    assert say_answer(pirate, unique("one"))["type"] == "said"
    refused = say_answer(pirate, unique("two"))
    assert refused["code"] == "slow_mode" and 50 <= refused["wait"] <= 60
    outside, _ = make_room(url)  # not in the group: no slow mode
    free = joined(url, outside, unique("Free"))
    assert say_answer(free, unique("one"))["type"] == "said"
    assert say_answer(free, unique("two"))["type"] == "said"
    # The owner of a room (no group moderator) cannot set the group's rules.
    owner = joined(url, first, unique("Owner"))
    assert moderate(owner, "slow", seconds=1, scope="group", key=key)["code"] == "not_allowed"


def test_a_read_only_room_refuses_lines_and_still_shows_its_history(url):
    room, key = make_room(url)
    owner, guest = joined(url, room, unique("Owner")), joined(url, room, unique("Guest"))
    kept = unique("before closing")
    said(guest, kept)
    assert moderate(owner, "read_only", on=True, key=key)["on"] is True
    assert guest.next_of("rules") == {"type": "rules", "room": room, "slow": 0,
                                      "read_only": True}
    assert say_answer(guest, unique("after"))["code"] == "read_only"
    assert kept in [line["text"] for line in history(url, room)["lines"]]
    late = WebSocketClient(url, timeout=10)
    joined_message = late.join(room, unique("Reader"))
    assert joined_message["rules"]["read_only"] is True and not joined_message["moderator"]
    assert late.lines(1)[0]["text"] == kept
    moderate(owner, "clear", rule="read_only", key=key)
    assert say_answer(guest, unique("open again"))["type"] == "said"


def test_a_banned_address_cannot_say_or_join(url):
    room, key = make_room(url)
    owner, name = joined(url, room, unique("Owner")), unique("Troll")
    troll = joined(url, room, name)
    # Everyone here comes from 127.0.0.1: the owner is spared by being the owner.
    assert moderate(owner, "ban", name=name, seconds=60, key=key)["name"] == name
    assert say_answer(troll, unique("hello?"))["code"] == "banned"
    again = WebSocketClient(url, timeout=10)
    again.send({"type": "join", "room": room, "name": unique("Troll2")})
    assert again.answer("joined")["code"] == "banned"
    moderate(owner, "unban", address="127.0.0.1", key=key)
    assert say_answer(troll, unique("back"))["type"] == "said"


def test_the_log_shows_each_action_to_moderators_only(url):
    room, key = make_room(url)
    owner, guest = joined(url, room, unique("Owner")), joined(url, room, unique("Guest"))
    seq = said(guest, unique("oops"))["seq"]
    retract(owner, seq, key=key)
    moderate(owner, "mute", name="Someone", seconds=30, key=key)
    moderate(owner, "slow", seconds=3, key=key)
    moderate(owner, "clear", rule="slow", key=key)
    owner.send({"type": "log", "key": key})
    entries = owner.answer("log")["entries"]
    assert [e["action"] for e in entries] == ["retract", "mute", "slow", "clear"]
    assert entries[0]["seq"] == seq and entries[1]["name"] == "Someone"
    assert all(e["by"] == owner_name(owner) for e in entries) and all(e["at"] for e in entries)
    guest.send({"type": "log"})
    assert guest.answer("log")["code"] == "not_allowed"


def owner_name(client: WebSocketClient) -> str:
    return client.joined_name


@pytest.fixture(autouse=True)
def _remember_names(monkeypatch):
    """Clients remember the name they joined with (the log names who acted)."""
    original = WebSocketClient.join

    def join(self, room, name="Tester", **extra):
        self.joined_name = name
        return original(self, room, name, **extra)

    monkeypatch.setattr(WebSocketClient, "join", join)
