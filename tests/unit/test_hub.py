"""The hub holds live lines for a member that is catching up (chat/hub.py)."""

from __future__ import annotations

import json

from piratechat.chat.hub import Hub


class Member:
    """Stands in for a SockJS session: the hub only ever calls ``send``."""

    def __init__(self):
        self.got: list[int] = []

    def send(self, text: str, encoded: str | None = None) -> bool:
        self.got.append(json.loads(text)["seq"])
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
