"""The hub (chat/runtime/hub.py): lines go out from its deliverer greenlet, a room's
lines queued together as one batch; a member catching up holds them.

Real gevent throughout; ``hub.drain()`` waits until what was queued is sent.
"""

from __future__ import annotations

import json
import logging

import gevent
import pytest

from piratechat.chat.runtime import hub as hub_module
from piratechat.chat.runtime.hub import Hub

WINDOW_MS = 100.0  # long beside the microseconds a test's publishing takes


class Member:
    """Stands in for a SockJS session: the hub only ever calls ``send``,
    with one Outgoing per batch. ``batches`` keeps each batch's seqs."""

    def __init__(self):
        self.batches: list[list[int]] = []
        self.rooms: list[str] = []  # each line's room

    def send(self, message, encoded: str | None = None) -> bool:
        lines = [json.loads(text) for text in message.texts]
        self.batches.append([line["seq"] for line in lines])
        self.rooms += [line["room"] for line in lines]
        return True

    @property
    def got(self) -> list[int]:
        return [seq for batch in self.batches for seq in batch]


def line(seq: int, room: str = "deck") -> str:
    return json.dumps({"type": "line", "seq": seq, "room": room})


def live(hub: Hub, room: str, *members: Member) -> None:
    for member in members:
        hub.join(room, member)
        hub.caught_up(room, member, 0)


def test_live_members_get_lines_and_joiners_after_catching_up():
    hub, old, new = Hub(), Member(), Member()
    live(hub, "deck", old)
    hub.join("deck", new)
    for seq in (4, 5, 6):
        assert hub.deliver("deck", line(seq)) == 2
    hub.drain()
    assert old.batches == [[4, 5, 6]] and new.got == []  # published in one go: one batch
    hub.caught_up("deck", new, 5)  # its read covered up to 5
    assert new.got == [6]
    hub.deliver("deck", line(7))
    hub.drain()
    assert old.got == [4, 5, 6, 7] and new.got == [6, 7]


def test_rooms_are_separate_and_leaving_stops_delivery():
    hub, deck, hold = Hub(), Member(), Member()
    live(hub, "deck", deck)
    live(hub, "hold", hold)
    hub.deliver("deck", line(1))
    hub.drain()
    assert deck.got == [1] and hold.got == []
    hub.leave("deck", deck)
    assert hub.deliver("deck", line(2)) == 0 and "deck" not in hub.rooms
    hub.drain()
    hub.caught_up("deck", deck, 9)  # after leaving: nothing happens
    assert deck.got == [1]


def test_lines_piled_up_during_a_fan_out_go_out_together_next(monkeypatch):
    """No window: what is published while a fan-out yields is the next batch."""
    monkeypatch.setattr(hub_module, "YIELD_EVERY", 2)
    hub, members = Hub(), [Member() for _ in range(9)]
    live(hub, "deck", *members)
    hub.deliver("deck", line(1))
    gevent.sleep(0)  # the deliverer starts line 1, and yields after two members
    assert not hub._ready and members[0].got == [1] and members[-1].got == []
    hub.deliver("deck", line(2))
    hub.deliver("deck", line(3))
    hub.drain()
    assert all(member.batches == [[1], [2, 3]] for member in members)


def test_order_is_kept_per_room_whoever_publishes(monkeypatch):
    """Greenlets publish to two rooms while fan-outs yield: every member gets
    its room's lines in order, once each."""
    monkeypatch.setattr(hub_module, "YIELD_EVERY", 2)
    hub = Hub(coalesce_ms=1)
    rooms = {"deck": [Member() for _ in range(5)], "hold": [Member() for _ in range(4)]}
    for room, members in rooms.items():
        live(hub, room, *members)
    both = Member()  # the hub lets a session be in two rooms: its lines keep each room's order
    live(hub, "deck", both)
    live(hub, "hold", both)
    sent = {"deck": iter(range(1, 31)), "hold": iter(range(1, 31))}  # a room numbers in order

    def publish(n):
        for i in range(10):
            room = ("deck", "hold")[(n + i) % 2]
            hub.deliver(room, line(next(sent[room]), room))
            gevent.sleep(0.0005 * (i % 3))

    gevent.joinall([gevent.spawn(publish, n) for n in range(6)])
    hub.drain()
    for members in rooms.values():
        assert all(member.got == list(range(1, 31)) for member in members)
    for room in rooms:
        got = [seq for seq, r in zip(both.got, both.rooms, strict=True) if r == room]
        assert got == list(range(1, 31))


def test_a_lone_line_is_not_held_for_the_window():
    hub, member = Hub(coalesce_ms=WINDOW_MS), Member()
    live(hub, "deck", member)
    hub.deliver("deck", line(1))
    hub.drain()
    assert member.got == [1] and not hub.holding  # at once: the room was quiet
    assert not hub._delivering  # nothing waits: the deliverer ended
    hub.deliver("deck", line(2))  # the room was just sent to: held for the window...
    hub.deliver("deck", line(3))  # ...with what follows it
    gevent.sleep(0)
    assert member.got == [1] and hub.holding
    hub.drain()
    assert member.batches == [[1], [2, 3]]  # ...then goes out, together


def test_a_quiet_rooms_line_is_not_held_while_another_room_is():
    """Many small rooms: a busy room's window holds that room's lines only."""
    hub, deck, hold = Hub(coalesce_ms=WINDOW_MS), Member(), Member()
    live(hub, "deck", deck)
    live(hub, "hold", hold)
    hub.deliver("deck", line(1))
    hub.drain()
    hub.deliver("deck", line(2))  # deck was just sent to: held for the window...
    gevent.sleep(0)
    assert deck.got == [1] and hub.holding
    hub.deliver("hold", line(1, "hold"))  # ...but a line of a quiet room goes at once
    gevent.sleep(0)  # the deliverer wakes and runs once
    assert hold.got == [1] and deck.got == [1] and hub.holding
    hub.deliver("hold", line(2, "hold"))  # now hold is busy too: held
    gevent.sleep(0)
    assert hold.got == [1]
    hub.drain()
    assert deck.batches == [[1], [2]] and hold.batches == [[1], [2]]


@pytest.mark.parametrize("window_ms, batches", [(0, [[1], [2], [3], [4], [5], [6]]),
                                                (WINDOW_MS, [[1], [2, 3, 4, 5, 6]])])
def test_the_window_gathers_lines_that_keep_coming(window_ms, batches):
    """Lines a turn of the event loop apart: one send each without a window;
    with one, a lone first line at once, then the rest together."""
    hub, member = Hub(coalesce_ms=window_ms), Member()
    live(hub, "deck", member)
    for seq in range(1, 7):
        hub.deliver("deck", line(seq))
        gevent.sleep(0)  # the deliverer runs
    hub.drain()
    assert member.batches == batches
    print(f"coalesce_ms={window_ms}: {len(member.batches) / 6:.2f} sends per line")
    gevent.sleep(0)  # the deliverer's greenlet ends once nothing waits
    assert not hub._delivering and not hub.holding


def test_a_room_quiet_for_a_window_is_sent_to_at_once_again():
    hub, member = Hub(coalesce_ms=10), Member()
    live(hub, "deck", member)
    hub.deliver("deck", line(1))
    hub.drain()
    gevent.sleep(0.02)  # more than the window since the room's last send
    hub.deliver("deck", line(2))
    assert not hub.holding
    hub.drain()
    assert member.batches == [[1], [2]]


@pytest.mark.parametrize("read_up_to", [0, 2, 3])
@pytest.mark.parametrize("window_ms", [0, WINDOW_MS])
def test_joining_while_lines_are_queued_neither_loses_nor_repeats(read_up_to, window_ms):
    """Lines 1-3 are published, not yet sent, when a member joins; its read
    of the history covered ``read_up_to`` of them."""
    hub, old, joiner = Hub(coalesce_ms=window_ms), Member(), Member()
    live(hub, "deck", old)
    for seq in (1, 2, 3):
        hub.deliver("deck", line(seq))
    hub.join("deck", joiner)
    hub.caught_up("deck", joiner, read_up_to)  # before the deliverer ran
    hub.drain()
    assert joiner.got == [seq for seq in (1, 2, 3) if seq > read_up_to]
    hub.deliver("deck", line(4))
    hub.drain()
    assert old.got == [1, 2, 3, 4] and joiner.got[-1] == 4
    assert joiner.got == [seq for seq in (1, 2, 3, 4) if seq > read_up_to]
    assert hub.rooms["deck"][joiner] is None  # live: the cheap path again


@pytest.mark.parametrize("read_up_to, expected", [(4, [5, 6]), (5, [6])])
def test_catching_up_during_a_yield_neither_loses_nor_repeats(monkeypatch, read_up_to, expected):
    monkeypatch.setattr(hub_module, "YIELD_EVERY", 1)
    hub, old, joiner, late = Hub(), Member(), Member(), Member()
    live(hub, "deck", old)
    hub.join("deck", joiner)  # held while it reads history
    live(hub, "deck", late)
    hub.deliver("deck", line(5))
    gevent.sleep(0)  # the deliverer yields after ``old``, before ``joiner``
    assert old.got == [5] and late.got == []
    hub.caught_up("deck", joiner, read_up_to)
    hub.drain()
    hub.deliver("deck", line(6))
    hub.drain()
    assert old.got == late.got == [5, 6] and joiner.got == expected


def test_a_member_whose_send_fails_does_not_stop_the_others(caplog):
    class Broken(Member):
        def send(self, message, encoded=None):
            raise RuntimeError("boom")

    hub, first, broken, last = Hub(), Member(), Broken(), Member()
    live(hub, "deck", first, broken, last)
    with caplog.at_level(logging.ERROR, logger="piratechat.chat.runtime.hub"):
        hub.deliver("deck", line(1))
        hub.drain()
        hub.deliver("deck", line(2))
        hub.drain()
    assert first.got == last.got == [1, 2]
    assert [r.exc_info[1].args for r in caplog.records] == [("boom",), ("boom",)]

