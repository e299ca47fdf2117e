"""Presence in a room (chat/runtime/roster.py): who is told of whom, and what an outage does.

Real parts: the hub, an in-process broker pair (another process's view), the
in-memory presence with a clock the test moves, and for outages a Redis
presence pointed at a port nobody listens on (what a Redis that is down
looks like to the chat).
"""

from __future__ import annotations

import json
import socket

import pytest

from piratechat.broker.local import LocalBroker, LocalBus
from piratechat.broker.redis import pooled_client
from piratechat.chat.runtime.hub import Hub
from piratechat.chat.runtime.roster import Roster
from piratechat.presence.local import LocalPresence
from piratechat.presence.redis import RedisPresence

TTL = 30.0


class Member:
    """Stands in for a session: what the hub sends it, and whether it hears presence."""

    def __init__(self, presence: bool = True):
        self.presence = presence
        self.got: list[dict] = []

    def send(self, payload, encoded=None) -> bool:
        self.got.append(json.loads(payload))
        return True

    def kinds(self) -> list[tuple[str, str]]:
        return [(m["type"], m.get("name", "")) for m in self.got]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world():
    """A roster of this process, with the other process's broker listening."""
    bus = LocalBus()
    here, there = LocalBroker(bus), LocalBroker(bus)
    heard: list[dict] = []
    there.subscribe(lambda room, payload: heard.append(json.loads(payload)))
    clock = Clock()
    hub = Hub()
    roster = Roster(LocalPresence(TTL, clock), here, hub, limit=3)
    yield roster, hub, clock, heard
    roster.close()


def live(hub: Hub, room: str, member: Member) -> Member:
    hub.join(room, member)
    hub.caught_up(room, member, 0)
    return member


def down_presence() -> RedisPresence:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return RedisPresence(pooled_client(f"redis://127.0.0.1:{port}/0"), TTL)


def test_enter_and_leave_are_told_to_those_who_hear_presence_here_and_elsewhere(world):
    roster, hub, _, heard = world
    listener, deaf = live(hub, "deck", Member()), live(hub, "deck", Member(presence=False))
    roster.listening["deck"] = 1  # the listener's own join asked for presence
    ann = roster.enter("deck", "Ann", hears=False)
    roster.leave("deck", ann, hears=False)
    assert listener.kinds() == [("enter", "Ann"), ("leave", "Ann")]
    assert deaf.got == []
    assert [(m["type"], m["name"]) for m in heard] == [("enter", "Ann"), ("leave", "Ann")]


def test_the_listing_counts_everyone_and_a_crowded_room_gets_no_notices(world):
    roster, hub, _, heard = world
    ids = [roster.enter("deck", name, hears=True) for name in ["Ann", "Bob", "Cid"]]
    listing = roster.listing("deck")
    assert listing["count"] == 3 and [m["name"] for m in listing["members"]] == [
        "Ann", "Bob", "Cid"]
    roster.enter("deck", "Dan", hears=True)  # over the limit of 3: crowded
    heard.clear()
    roster.enter("deck", "Eve", hears=True)
    assert heard == []
    assert roster.listing("deck")["count"] == 5 and "deck" in roster.crowded
    for member_id in ids:
        roster.leave("deck", member_id, hears=True)
    assert roster.listing("deck")["count"] == 2 and "deck" not in roster.crowded


def test_a_member_leaving_twice_is_announced_once(world):
    roster, _, _, heard = world
    ann = roster.enter("deck", "Ann", hears=False)
    roster.leave("deck", ann, hears=False)
    roster.leave("deck", ann, hears=False)
    assert [m["type"] for m in heard] == ["enter", "leave"]
    assert roster.here == {}


def test_a_dead_process_members_are_swept_and_ours_refreshed(world):
    roster, _, clock, heard = world
    other = roster.presence  # another process's member, in the shared presence
    other.enter("deck", "ghost-1", "Ghost")
    roster.enter("deck", "Ann", hears=False)
    clock.now += TTL - 1
    roster.heartbeat()  # Ann refreshed, the ghost not yet expired
    clock.now += 2
    heard.clear()
    roster.heartbeat()
    assert heard == [{"type": "leave", "room": "deck", "id": "ghost-1", "name": "Ghost"}]
    assert [m["name"] for m in roster.listing("deck")["members"]] == ["Ann"]


def test_an_entry_swept_meanwhile_is_entered_again_and_announced(world):
    roster, _, clock, heard = world
    ann = roster.enter("deck", "Ann", hears=False)
    roster.presence.leave("deck", ann, "Ann")  # as a sweep after an outage would
    heard.clear()
    roster.heartbeat()
    assert heard == [{"type": "enter", "room": "deck", "id": ann, "name": "Ann"}]


def test_with_presence_down_the_chat_carries_on_from_what_it_knows(world, caplog):
    roster, hub, _, heard = world
    roster.presence = down_presence()
    listener = live(hub, "deck", Member())
    ann = roster.enter("deck", "Ann", hears=True)  # not stored, still told
    assert listener.kinds() == [("enter", "Ann")]
    listing = roster.listing("deck")  # from this process's members
    assert (listing["count"], listing["members"]) == (1, [{"id": ann, "name": "Ann"}])
    roster.heartbeat()  # fails, logged, nothing told
    roster.leave("deck", ann, hears=True)  # cannot be removed: expires, a sweep tells
    assert listener.kinds() == [("enter", "Ann")]
    assert [m["type"] for m in heard] == ["enter"]
    failures = [r.getMessage() for r in caplog.records if "presence:" in r.getMessage()]
    assert [f.split(" ")[1] for f in failures] == ["entering", "reading", "refreshing",
                                                    "leaving"]
