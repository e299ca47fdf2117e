"""The sequencer (chat/runtime/sequencer.py): a room's lines reach the hub in seq
order, each once, from the process's own history and the broker alike;
what the broker lost is read from the history."""

from __future__ import annotations

import gevent

from piratechat.chat.core.messages import dumps, now
from piratechat.chat.runtime import sequencer as sequencer_module
from piratechat.chat.runtime.hub import Hub
from piratechat.chat.runtime.sequencer import Sequencer
from piratechat.storage.memory import MemoryHistory
from tests.unit.test_hub import Member


def setup(lines: int = 0):
    history = MemoryHistory()
    for n in range(lines):
        history.append("deck", {"author": "Ann", "text": str(n), "translation": str(n),
                                "translator": "pirate", "at": now()})
    hub = Hub()
    member = Member()
    hub.join("deck", member)
    sequencer = Sequencer(hub, history)
    return history, hub, sequencer, member


def stored(history: MemoryHistory, seq: int) -> str:
    return dumps(history.after("deck", seq - 1, 1)[0])


def test_lines_in_order_pass_straight_through():
    history, hub, sequencer, member = setup(3)
    hub.caught_up("deck", member, 0)
    sequencer.start("deck", 0)
    for seq in (1, 2, 3):
        sequencer.offer("deck", stored(history, seq), seq)
    hub.drain(5)
    assert member.got == [1, 2, 3]


def test_out_of_order_lines_are_put_back_in_order_and_doubles_dropped():
    history, hub, sequencer, member = setup(4)
    hub.caught_up("deck", member, 0)
    sequencer.start("deck", 0)
    for seq in (2, 1, 2, 4, 1, 3, 4):
        sequencer.offer("deck", stored(history, seq), seq)
    hub.drain(5)
    assert member.got == [1, 2, 3, 4]


def test_lines_before_the_first_join_read_are_held_until_it(monkeypatch):
    history, hub, sequencer, member = setup(5)
    for seq in (5, 4):  # arrive while the joining member reads up to 3
        sequencer.offer("deck", stored(history, seq), seq)
    hub.caught_up("deck", member, 3)
    sequencer.start("deck", 3)
    hub.drain(5)
    assert member.got == [4, 5]


def test_a_line_the_broker_lost_is_read_from_the_history(monkeypatch):
    monkeypatch.setattr(sequencer_module, "GAP_WAIT", 0.001)
    history, hub, sequencer, member = setup(5)
    hub.caught_up("deck", member, 0)
    sequencer.start("deck", 0)
    for seq in (1, 2, 5):  # 3 and 4 never come through the broker
        sequencer.offer("deck", stored(history, seq), seq)
    filler = sequencer._fillers["deck"]
    filler.join(5)
    hub.drain(5)
    assert member.got == [1, 2, 3, 4, 5]


def test_resync_reads_what_was_said_while_the_broker_was_away():
    history, hub, sequencer, member = setup(2)
    hub.caught_up("deck", member, 2)
    sequencer.start("deck", 2)
    for n in range(3):  # said on another process during an outage: nothing came
        history.append("deck", {"author": "Bob", "text": str(n), "translation": str(n),
                                "translator": "pirate", "at": now()})
    sequencer.resync()
    gevent.joinall(list(sequencer._fillers.values()), timeout=5)
    hub.drain(5)
    assert member.got == [3, 4, 5]
    sequencer.offer("deck", stored(history, 4), 4)  # the broker's late copy: dropped
    hub.drain(5)
    assert member.got == [3, 4, 5]


def test_a_room_nobody_is_in_is_not_tracked():
    history, hub, sequencer, member = setup(1)
    sequencer.offer("elsewhere", dumps({"type": "line", "seq": 9, "room": "elsewhere"}), 9)
    assert "elsewhere" not in sequencer.next and "elsewhere" not in sequencer.held
    hub.caught_up("deck", member, 0)
    sequencer.start("deck", 0)
    hub.leave("deck", member)
    sequencer.forget("deck")
    assert sequencer.next == {} and sequencer.held == {}
