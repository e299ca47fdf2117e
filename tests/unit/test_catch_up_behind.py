"""A (re)joining member on a process whose view of the history is behind the
lines that reached it another way, as in a cluster: a ZEO client learns of
another process's commit a moment after Redis tells of it (issue 25, finding
6: members that rejoined through nginx after a fault counted lines twice and
out of order).

Two Chats in one test process share one history (tests/unit/test_cluster_chat.py);
each reads it through a view that can be told to lag, as a ZEO client's does.
The member joins as ChatSession.on_join does: hub first, then the history,
then ``caught_up``. Every member must get each line once, in ``seq`` order.
"""

from __future__ import annotations

import json

import gevent

from piratechat.chat.runtime.service import Chat
from tests.unit.test_cluster_chat import ProcessHistory, cluster, say, settle


class LaggingView(ProcessHistory):
    """A process's view of the shared history that shows lines up to
    ``shown`` only (None: all), as a storage client that has not yet heard
    of the newest commits."""

    shown: int | None = None

    def _cut(self, lines):
        return [line for line in lines if self.shown is None or line["seq"] <= self.shown]

    def since(self, room, after, limit):
        last, lines = self.shared.since(room, after, limit)
        if self.shown is not None:
            last = min(last, self.shown)
        return last, self._cut(lines)

    def after(self, room, seq, limit):
        return self._cut(self.shared.after(room, seq, limit))

    def epoch(self, room):
        return self.shared.epoch(room)


def lagging_cluster() -> list[Chat]:
    chats = cluster()
    for chat in chats:
        view = LaggingView(chat.history.shared)
        view.listeners = chat.history.listeners
        chat.history = view
        chat.sequencer.history = view
    return chats


class Joiner:
    """A member joining as ChatSession.on_join does, maybe with ``after``
    and the epoch it knew."""

    def __init__(self, chat: Chat, room: str, after: int | None = None, epoch=None,
                 before_caught_up=None):
        self.messages: list[dict] = []
        chat.join(room, self)
        same_epoch = epoch is not None and epoch == chat.history.epoch(room)
        last, backlog = chat.catch_up(room, after, same_epoch=same_epoch)
        self.messages += backlog
        if before_caught_up is not None:
            before_caught_up()
        chat.caught_up(room, self, last, seen=after if same_epoch else None)

    def send(self, message, encoded=None) -> bool:
        texts = [message] if isinstance(message, str) else message.texts
        self.messages += [json.loads(text) for text in texts]
        return True

    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.messages if m["type"] == "line"]

    def kinds(self) -> set[str]:
        return {m["type"] for m in self.messages}


def test_a_rejoin_past_a_lagging_view_gets_no_line_again_and_no_reset():
    one, two = lagging_cluster()
    Joiner(two, "deck")  # two serves the room
    for n in range(1, 5):
        say(one, "deck", f"line {n}")
    settle(one, two)
    two.history.shown = 3  # two has not heard of line 4's commit yet...
    # ... but a member that saw line 4 (on one) comes back through two
    back = Joiner(two, "deck", after=4, epoch=one.history.epoch("deck"))
    say(one, "deck", "line 5")
    settle(one, two)
    assert back.seqs() == [5]  # only what it had not seen
    assert "reset" not in back.kinds()


def test_a_join_gets_the_lines_the_hub_had_before_it_that_its_read_missed():
    one, two = lagging_cluster()
    first = Joiner(two, "deck")
    say(one, "deck", "line 1")
    settle(one, two)
    two.history.shown = 0  # line 1 reached two through the broker, not yet its view
    late = Joiner(two, "deck", after=0, epoch=one.history.epoch("deck"),
                  before_caught_up=lambda: setattr(two.history, "shown", None))
    say(one, "deck", "line 2")
    settle(one, two)
    assert first.seqs() == [1, 2]
    assert late.seqs() == [1, 2]  # line 1 once, though its read did not show it


def test_two_joins_that_read_at_different_times_each_get_every_line():
    """The room is not yet followed on ``two``: Ann's read shows line 1 only;
    lines 2 and 3 come before Bob's read, which shows them and starts the
    room's sequence past Ann's read. Ann must still get lines 2 and 3."""
    one, two = lagging_cluster()
    say(one, "deck", "line 1")
    settle(one, two)
    bob: list[Joiner] = []

    def meanwhile():
        say(one, "deck", "line 2")
        say(one, "deck", "line 3")
        settle(one)
        bob.append(Joiner(two, "deck"))

    ann = Joiner(two, "deck", before_caught_up=meanwhile)
    say(one, "deck", "line 4")
    settle(one, two)
    gevent.sleep(0)
    assert bob[0].seqs() == [1, 2, 3, 4]
    assert ann.seqs() == [1, 2, 3, 4]
