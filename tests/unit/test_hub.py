"""The hub holds live lines for a member that is catching up (chat/hub.py)."""

from __future__ import annotations

import json

import pytest

from piratechat.chat.hub import Hub


class Member:
    """Stands in for a SockJS session: the hub only ever calls ``send``."""

    def __init__(self):
        self.got: list[int] = []

    def send(self, text, encoded: str | None = None) -> bool:
        self.got.append(json.loads(getattr(text, "text", text))["seq"])  # str or Outgoing
        return True


def line(seq: int) -> str:
    return json.dumps({"type": "line", "seq": seq, "room": "deck"})


def test_live_members_get_lines_at_once_and_joiners_after_catching_up():
    hub, old, new = Hub(), Member(), Member()
    hub.join("deck", old)
    hub.caught_up("deck", old, 0)
    hub.join("deck", new)
    for seq in (4, 5, 6):
        assert hub.deliver("deck", line(seq)) == 2
    assert old.got == [4, 5, 6] and new.got == []
    hub.caught_up("deck", new, 5)  # its read covered up to 5
    assert new.got == [6]
    hub.deliver("deck", line(7))
    assert old.got == [4, 5, 6, 7] and new.got == [6, 7]


def test_rooms_are_separate_and_leaving_stops_delivery():
    hub, deck, hold = Hub(), Member(), Member()
    for room, member in (("deck", deck), ("hold", hold)):
        hub.join(room, member)
        hub.caught_up(room, member, 0)
    hub.deliver("deck", line(1))
    assert deck.got == [1] and hold.got == []
    hub.leave("deck", deck)
    assert hub.deliver("deck", line(2)) == 0 and "deck" not in hub.rooms
    hub.caught_up("deck", deck, 9)  # after leaving: nothing happens
    assert deck.got == [1]


def test_big_rooms_yield_without_reordering_lines(monkeypatch):
    """Two greenlets publish while a fan-out yields: every member still gets
    the lines in the order they were published, once each."""
    import gevent

    from piratechat.chat import hub as hub_module

    monkeypatch.setattr(hub_module, "YIELD_EVERY", 2)
    hub, members = Hub(), [Member() for _ in range(9)]
    for member in members:
        hub.join("deck", member)
        hub.caught_up("deck", member, 0)
    gevent.joinall([gevent.spawn(hub.deliver, "deck", line(seq)) for seq in (1, 2, 3)])
    assert all(member.got == [1, 2, 3] for member in members)


@pytest.mark.parametrize("read_up_to, expected", [(4, [5, 6]), (5, [6])])
def test_catching_up_during_a_yield_neither_loses_nor_repeats(monkeypatch, read_up_to, expected):
    import gevent

    from piratechat.chat import hub as hub_module

    monkeypatch.setattr(hub_module, "YIELD_EVERY", 1)
    hub, live, joiner = Hub(), Member(), Member()
    hub.join("deck", live)
    hub.caught_up("deck", live, 0)
    hub.join("deck", joiner)  # held while it reads history
    delivering = gevent.spawn(hub.deliver, "deck", line(5))  # yields after ``live``
    catching_up = gevent.spawn(hub.caught_up, "deck", joiner, read_up_to)
    gevent.joinall([delivering, catching_up])
    hub.deliver("deck", line(6))
    assert live.got == [5, 6] and joiner.got == expected
