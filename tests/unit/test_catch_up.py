"""What a joining client is sent before live lines (Chat.catch_up), on MemoryHistory."""

from __future__ import annotations

import pytest
from pyramid.registry import Registry

from piratechat.broker.local import LocalBroker
from piratechat.chat.core.messages import dumps, now
from piratechat.chat.runtime.service import Chat
from piratechat.settings import Settings
from piratechat.storage.memory import MemoryHistory


def chat_with(lines: int, text: str = "ahoy", **settings) -> Chat:
    chat = Chat(Settings(**settings), Registry("test"), MemoryHistory(), LocalBroker())
    for n in range(1, lines + 1):
        chat.history.append("deck", {"author": "Ann", "text": f"{text} {n}",
                                     "translation": text, "translator": "echo", "at": now()})
    return chat


def seqs(messages: list[dict]) -> list[int]:
    return [m["seq"] for m in messages if m["type"] == "line"]


def test_a_new_client_gets_the_recent_lines():
    last, messages = chat_with(8, recent_lines=5).catch_up("deck", None)
    assert last == 8 and seqs(messages) == [4, 5, 6, 7, 8]
    assert all(m["type"] == "line" for m in messages)  # no gap: it never saw any


def test_a_returning_client_gets_everything_after_what_it_saw():
    last, messages = chat_with(8, recent_lines=2).catch_up("deck", 3)
    assert last == 8 and seqs(messages) == [4, 5, 6, 7, 8]
    assert chat_with(8).catch_up("deck", 8) == (8, [])


def test_more_missed_than_max_backlog_is_announced_as_a_gap_before_the_newest():
    last, messages = chat_with(20, max_backlog=5).catch_up("deck", 2)
    assert last == 20
    assert messages[0] == {"type": "gap", "room": "deck", "after": 2, "before": 16}
    assert seqs(messages) == [16, 17, 18, 19, 20]


def test_an_after_beyond_the_room_resets_the_client():
    last, messages = chat_with(3, recent_lines=2).catch_up("deck", 99)
    assert messages[0] == {"type": "reset", "room": "deck", "seq": 3}
    assert last == 3 and seqs(messages) == [2, 3]


@pytest.mark.parametrize("after", [None, 0])
def test_a_catch_up_fits_in_half_the_clients_queue(after):
    chat = chat_with(40, text="y" * 1000, max_queue=20_000)
    last, messages = chat.catch_up("deck", after)
    lines = [m for m in messages if m["type"] == "line"]
    assert last == 40 and seqs(lines)[-1] == 40 and len(lines) < 40
    assert sum(len(dumps(m)) for m in lines) <= 10_000
    if after is not None:
        assert messages[0] == {"type": "gap", "room": "deck", "after": 0,
                               "before": lines[0]["seq"]}


def test_a_single_huge_line_is_still_sent():
    chat = chat_with(1, text="z" * 5000, max_queue=1000)
    assert seqs(chat.catch_up("deck", None)[1]) == [1]


def test_an_empty_room():
    assert chat_with(0).catch_up("galley", None) == (0, [])
    assert chat_with(0).catch_up("galley", 0) == (0, [])
