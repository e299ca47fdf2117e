"""Two chat processes in one test process: two Chats, each with its own hub
and its own view of one history, brokers on one LocalBus. Lines, translator
notices and presence said on one reach members of the other."""

from __future__ import annotations

import json

import gevent

from piratechat.broker.local import LocalBroker, LocalBus
from piratechat.chat.runtime.service import Chat
from piratechat.settings import Settings
from piratechat.storage.memory import MemoryHistory
from piratechat.translators.bard import BardTranslator
from piratechat.translators.registry import standalone


class ProcessHistory:
    """One process's IHistory over a storage all processes share: appends
    are announced to this process's subscribers only, as ZODBHistory does."""

    def __init__(self, shared: MemoryHistory):
        self.shared = shared
        self.listeners = []

    def append(self, room, line):
        stored = self.shared.append(room, line)
        for listener in self.listeners:
            listener(stored)
        return stored

    def subscribe(self, callback):
        self.listeners.append(callback)

    def since(self, room, after, limit):
        return self.shared.since(room, after, limit)

    def recent(self, room, limit):
        return self.shared.recent(room, limit)

    def after(self, room, seq, limit):
        return self.shared.after(room, seq, limit)


class Member:
    """A session as the hub and the roster see it: ``send`` and ``presence``."""

    def __init__(self, chat: Chat, room: str, name: str, presence: bool = True):
        self.presence = presence
        self.messages: list[dict] = []
        self.chat, self.room = chat, room
        self.presence_told = []  # as a joining session: notices wait for its list
        chat.join(room, self)
        last, _ = chat.catch_up(room, None)
        self.member_id = chat.roster.enter(room, name, presence)
        if presence:
            self.messages += chat.roster.listing_for(room, self)
        chat.caught_up(room, self, last)

    def send(self, message, encoded=None) -> bool:
        texts = [message] if isinstance(message, str) else message.texts
        self.messages += [json.loads(text) for text in texts]
        return True

    def leave(self) -> None:
        self.chat.leave(self.room, self)
        self.chat.roster.leave(self.room, self.member_id, self.presence)

    def of(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == kind]


def cluster(count: int = 2) -> list[Chat]:
    bus, shared = LocalBus(), MemoryHistory()
    chats = []
    for _ in range(count):
        registry = standalone({"piratechat.translators": "pirate bard"})
        chats.append(Chat(Settings(), registry, ProcessHistory(shared), LocalBroker(bus)))
    for chat in chats[1:]:  # one presence state for all, as Redis is
        chat.roster.presence = chats[0].roster.presence
    return chats


def say(chat: Chat, room: str, text: str) -> dict:
    return chat.say(room, "Ann", text)


def settle(*chats: Chat) -> None:
    for chat in chats:
        gevent.joinall(list(chat.sequencer._fillers.values()), timeout=5)
        chat.hub.drain(5)


def test_lines_said_on_either_process_reach_both_in_one_order():
    one, two = cluster()
    ann, bob = Member(one, "deck", "Ann"), Member(two, "deck", "Bob")
    for n in range(10):
        say(one if n % 2 else two, "deck", f"line {n}")
    settle(one, two)
    assert [m["seq"] for m in ann.of("line")] == list(range(1, 11))
    assert ann.of("line") == bob.of("line")


def test_the_translator_choice_reaches_every_process():
    one, two = cluster()
    bob = Member(two, "deck", "Bob")
    one.choose_translator("deck", "bard", "Ann")
    assert bob.of("translator") == [{"type": "translator", "room": "deck", "name": "bard",
                                     "title": BardTranslator.title, "by": "Ann"}]
    assert two.translator("deck").name == "bard"  # used at once for the next line there


def test_presence_across_processes():
    one, two = cluster()
    ann = Member(one, "deck", "Ann")
    bob = Member(two, "deck", "Bob")
    bot = Member(two, "deck", "Bot", presence=False)
    assert bob.of("presence")[0]["count"] == 2  # Ann and Bob himself (Bot came after)
    assert [m["name"] for m in bob.of("presence")[0]["members"]] == ["Ann", "Bob"]
    assert [m["name"] for m in ann.of("enter")] == ["Bob", "Bot"]  # her own is in her list
    bob.leave()
    assert [(m["name"], m["id"]) for m in ann.of("leave")] == [("Bob", bob.member_id)]
    assert bot.messages == []  # asked for no presence: told nothing
    assert one.roster.listing("deck")["count"] == 2


def test_a_dead_process_members_are_swept_and_announced_once():
    one, two = cluster()
    clock = [1_900_000_000.0]
    for chat in (one, two):
        chat.roster.presence.clock = lambda: clock[0]
    shared = one.roster.presence
    ann = Member(one, "deck", "Ann")
    Member(two, "deck", "Bob")  # its process dies: no more heartbeats from it
    clock[0] += shared.ttl * 2 / 3
    one.roster.heartbeat()
    assert ann.of("leave") == []
    clock[0] += shared.ttl * 2 / 3
    one.roster.heartbeat()
    assert [m["name"] for m in ann.of("leave")] == ["Bob"]
    one.roster.heartbeat()
    assert len(ann.of("leave")) == 1


def test_history_lines_of_another_process_fill_a_gap():
    one, two = cluster()
    ann = Member(one, "deck", "Ann")
    two.broker.close()  # process two is cut off from the bus: its lines reach nobody
    for n in range(3):
        say(two, "deck", f"unheard {n}")
    say(one, "deck", "heard")  # seq 4: one sees 1-3 missing and reads them
    settle(one)
    assert [m["text"] for m in ann.of("line")] == ["unheard 0", "unheard 1", "unheard 2", "heard"]


class HeartbeatDuringEnter:
    """Presence whose ``enter`` lets the roster's heartbeat run before it
    writes, as a gevent switch during the Redis round trip does."""

    def __init__(self, presence, roster):
        self.presence, self.roster = presence, roster

    def enter(self, room, member_id, name):
        self.roster.heartbeat()
        self.presence.enter(room, member_id, name)

    def __getattr__(self, name):
        return getattr(self.presence, name)


def test_a_heartbeat_during_an_enter_does_not_announce_it_twice():
    one, two = cluster()
    heard = []  # what process one hears from the bus (members filter repeats)
    one.broker.subscribe(lambda room, message: heard.append(json.loads(message)))
    two.roster.presence = HeartbeatDuringEnter(two.roster.presence, two.roster)
    Member(two, "deck", "Bob")
    Member(two, "deck", "Kim")  # Bob is refreshed while Kim is entered
    assert [m["name"] for m in heard if m["type"] == "enter"] == ["Bob", "Kim"]
