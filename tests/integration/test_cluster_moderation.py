"""Moderation across two PirateChat processes on ZEO and Redis (issue 22): a rule
changed on one process reaches a room's members on the other at once, though
that process read the room's rules a moment before and would reuse them for
ten minutes (``rules_reuse_seconds``); a line taken back on one process is
taken back on every page of the other."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from piratechat.cluster.local import LocalCluster
from tests.support.chat_clients import WebSocketClient
from tests.support.server import HIGH_LIMITS


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(2, str(tmp_path_factory.mktemp("cluster")),
                           env={"PIRATECHAT_RULES_REUSE_SECONDS": "600", **HIGH_LIMITS})
    running.start()
    yield running
    running.stop()


def on(cluster: LocalCluster, process: int, room: str, name: str) -> WebSocketClient:
    client = WebSocketClient(f"http://127.0.0.1:{cluster.chats[process].port}", timeout=10)
    client.join(room, name)
    return client


def make_room(url: str) -> tuple[str, str]:
    slug = "clu-" + uuid.uuid4().hex[:10]
    request = urllib.request.Request(url + "/rooms/", data=f"room={slug}".encode(),
                                     headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return slug, json.load(answer)["owner_key"]


def answer_to_say(client: WebSocketClient, text: str) -> dict:
    client.say(text)
    return client.answer("said")


def test_a_rule_set_on_one_process_holds_on_the_other_at_once(cluster):
    room, key = make_room(f"http://127.0.0.1:{cluster.chats[0].port}")
    owner, guest = on(cluster, 0, room, "Owner"), on(cluster, 1, room, "Guest")
    assert answer_to_say(guest, "before")["type"] == "said"  # process 1 read the rules
    owner.send({"type": "moderate", "action": "read_only", "on": True, "key": key})
    assert owner.answer("moderated")["on"] is True
    assert guest.next_of("rules")["read_only"] is True
    assert answer_to_say(guest, "after")["code"] == "read_only"


def test_a_line_taken_back_on_one_process_is_gone_from_the_other(cluster):
    room, key = make_room(f"http://127.0.0.1:{cluster.chats[1].port}")
    owner, guest = on(cluster, 1, room, "Owner"), on(cluster, 0, room, "Guest")
    guest.say("regrettable")
    seq = owner.line_of("regrettable")["seq"]
    owner.send({"type": "retract", "seq": seq, "key": key})
    assert guest.next_of("retracted") == {"type": "retracted", "room": room, "seq": seq}
    late = on(cluster, 0, room, "Late")
    assert late.lines(1)[0]["retracted"] is True and late.lines(1)[0]["text"] == ""
