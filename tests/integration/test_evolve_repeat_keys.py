"""Evolve step 6: a room's stored client ids become per-sender repeat keys
(chat/core/senders.py), for the lines the room still checks for repeats."""

from __future__ import annotations

from datetime import UTC, datetime

from piratechat.chat.core.senders import repeat_key, sender
from piratechat.rooms import evolve as evolution
from piratechat.rooms.lines import Chunk
from piratechat.rooms.resources import ClientIds, Root


def key(name: str, client_id: str) -> str:
    """What a client without a sender key, chatting as ``name``, is known by."""
    return repeat_key(sender(None, name), client_id)


def author(n: int) -> str:
    return "Ann" if n % 2 else "Bo"


def test_step_6_keys_the_ids_a_room_still_checks_by_their_author(monkeypatch):
    monkeypatch.setattr(ClientIds, "keep", 20)  # the same rule, at a size a test can fill
    root = Root()
    room = root.rooms.add("deck")
    for n in range(1, 101):  # as schema 5 stored them: the client id itself
        room.append(author(n), datetime.now(UTC), f"line {n}", "x", "shout", repeat_key=f"id-{n}")
    evolution.step_6({evolution.ROOT_KEY: root})
    found = [n for n in range(1, 101) if room.repeat_of(key(author(n), f"id-{n}")) is not None]
    assert found == list(range(found[0], 101)) and found[0] <= 100 - 20  # the last 20, at least
    assert all(room.repeat_of(key(author(n), f"id-{n}")).seq == n for n in found)
    assert room.repeat_of("id-100") is None  # a bare id is nobody's line now
    assert room.repeat_of(key("Bo", "id-99")) is None  # Ann's id is not Bo's
    assert room.history.line(1).repeat_key == "id-1"  # older lines: left alone, unmatchable
    assert len(room.client_ids) <= 20 + 2 * Chunk.size
    assert room.append("Ann", datetime.now(UTC), "again", "x", "shout",
                       repeat_key=key("Ann", "id-100")).seq == 101  # a new line, not Bo's
