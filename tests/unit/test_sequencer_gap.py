"""The sequencer's give-up path (chat/runtime/sequencer.py, ``_skip_gap``): lines that
never show in the history do not stall a room for ever; its members are told
where the gap is, then get the lines after it, in order."""

from __future__ import annotations

import json

from piratechat.chat.core.messages import dumps, now
from piratechat.chat.runtime import sequencer as sequencer_module
from piratechat.chat.runtime.hub import Hub
from piratechat.chat.runtime.sequencer import Sequencer
from piratechat.storage.memory import MemoryHistory


class Member:
    """Keeps every message the hub sends it, lines and notices alike."""

    def __init__(self):
        self.messages: list[dict] = []

    def send(self, message, encoded: str | None = None) -> bool:
        texts = [message] if isinstance(message, str) else message.texts  # a notice, or a batch
        self.messages += [json.loads(text) for text in texts]
        return True


def test_lines_missing_from_the_history_become_a_gap_and_the_room_goes_on(monkeypatch):
    monkeypatch.setattr(sequencer_module, "GAP_WAIT", 0.001)
    monkeypatch.setattr(sequencer_module, "MAX_WAIT", 0.005)
    monkeypatch.setattr(sequencer_module, "GIVE_UP", 0.05)
    history = MemoryHistory()
    for n in range(2):
        history.append("deck", {"author": "Ann", "text": str(n), "translation": str(n),
                                "translator": "pirate", "at": now()})
    hub, member = Hub(), Member()
    hub.join("deck", member)
    hub.caught_up("deck", member, 2)
    sequencer = Sequencer(hub, history)
    sequencer.start("deck", 2)
    # Lines 5 and 6 come through the broker; 3 and 4 never reach this history.
    for seq in (5, 6):
        sequencer.offer("deck", dumps({"type": "line", "room": "deck", "seq": seq,
                                       "author": "Bob", "text": "far", "translation": "far",
                                       "translator": "pirate", "at": now()}), seq)
    sequencer._fillers["deck"].join(5)
    hub.drain(5)
    assert [(m["type"], m.get("seq"), m.get("after"), m.get("before"))
            for m in member.messages] == [("gap", None, 2, 5), ("line", 5, None, None),
                                          ("line", 6, None, None)]
    assert sequencer.next["deck"] == 7 and "deck" not in sequencer.held
