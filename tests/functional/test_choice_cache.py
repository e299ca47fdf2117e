"""The room's translator choice, cached per process until it changes
(chat/runtime/choice.py): two Chats on one FileStorage database, each with its own
writer, history and choice cache, brokers on one LocalBus, stand for two
processes."""

from __future__ import annotations

import json
from functools import partial

import pytest

from piratechat.broker.local import LocalBroker, LocalBus
from piratechat.chat.runtime.choice import REUSE_SECONDS, _choose
from piratechat.chat.runtime.service import Chat
from piratechat.interfaces import IDatabase, IWriter, provide
from piratechat.rooms.evolve import evolve
from piratechat.settings import Settings
from piratechat.storage.database import open_database
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer
from piratechat.translators.registry import standalone
from tests.unit.test_cluster_chat import Member


@pytest.fixture
def processes(tmp_path):
    db = open_database(f"file://{tmp_path}/Data.fs")
    evolve(db)
    bus = LocalBus()
    chats = []
    for _ in range(2):
        registry = standalone({"piratechat.translators": "pirate bard"})
        writer = Writer(db)
        provide(registry, db, IDatabase)
        provide(registry, writer, IWriter)
        chats.append(Chat(Settings(), registry, ZODBHistory(db, writer), LocalBroker(bus)))
    yield chats
    for chat in chats:
        chat.close()
        chat.registry.getUtility(IWriter).close()
    db.close()


def behind_their_backs(chat: Chat, room: str, name: str) -> None:
    """Store a choice without telling anyone, as if its notice was lost."""
    chat.registry.getUtility(IWriter).submit(partial(_choose, room, name, None, None))


def kept_by_two(one: Chat, two: Chat) -> Member:
    """A line in "deck" on one; Bob joins it on two, whose choice is read and kept."""
    one.say("deck", "Ann", "ahoy")
    bob = Member(two, "deck", "Bob")
    assert two.translator("deck").name == "pirate"
    return bob


def later(chat: Chat, seconds: float = 10 * REUSE_SECONDS) -> None:
    clock = chat.room_translators.clock
    chat.room_translators.clock = lambda: clock() + seconds


def test_a_choice_made_in_one_process_is_used_at_once_in_the_other(processes):
    one, two = processes
    one.say("deck", "Ann", "ahoy")
    ann, bob = Member(one, "deck", "Ann"), Member(two, "deck", "Bob")
    assert two.translator("deck").name == "pirate"  # read, and kept
    one.choose_translator("deck", "bard", "Ann")
    assert one.translator("deck").name == two.translator("deck").name == "bard"
    assert [m["name"] for m in bob.of("translator")] == ["bard"]
    two.choose_translator("deck", "pirate", "Bob")
    assert one.translator("deck").name == "pirate"
    assert ann.of("translator")[-1]["name"] == "pirate"


def test_a_room_with_members_here_is_not_read_again_until_told(processes):
    """No expiry: a busy process does not re-read every room on a tick."""
    one, two = processes
    kept_by_two(one, two)
    behind_their_backs(one, "deck", "bard")
    later(two)
    assert two.translator("deck").name == "pirate"  # kept: nobody said it changed


def test_the_choice_is_read_again_when_members_come_back(processes):
    """Nobody here: notices stopped reaching this process, so what it kept is dropped."""
    one, two = processes
    kept_by_two(one, two).leave()
    behind_their_backs(one, "deck", "bard")  # two hears nothing of it: nobody there
    Member(two, "deck", "Cid")
    assert two.translator("deck").name == "bard"


def test_the_choice_is_read_again_after_the_broker_reconnects(processes):
    """Notices may have been lost while the broker was away."""
    one, two = processes
    kept_by_two(one, two)
    behind_their_backs(one, "deck", "bard")
    two.reconnected()
    assert two.translator("deck").name == "bard"


def test_a_notice_during_a_read_wins_over_what_the_read_saw(processes, monkeypatch):
    """A ZEO client may still see the old choice after the notice of the new one."""
    one, two = processes
    one.say("deck", "Ann", "ahoy")
    Member(two, "deck", "Bob")  # nothing read yet
    cache = two.room_translators
    stale_read = cache._stored

    def read_then_hear_of_bard(db, room):
        seen = stale_read(db, room)
        two.receive(room, json.dumps({"type": "translator", "room": room, "name": "bard"}))
        return seen

    monkeypatch.setattr(cache, "_stored", read_then_hear_of_bard)
    assert cache.choice("deck") == "bard"
    assert two.translator("deck").name == "bard"


def test_a_room_nobody_here_is_in_is_read_again_after_a_while(processes):
    """Its notices do not reach this process: the reading is reused briefly only."""
    one, two = processes
    one.say("deck", "Ann", "ahoy")
    assert two.translator("deck").name == "pirate"
    behind_their_backs(one, "deck", "bard")
    assert two.translator("deck").name == "pirate"
    later(two)
    assert two.translator("deck").name == "bard"
