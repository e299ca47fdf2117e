"""The ILastRead contract, one suite run against LocalLastRead and RedisLastRead
(the machine's Redis, under a prefix of this test's own)."""

from __future__ import annotations

import pytest
from zope.interface.verify import verifyObject

from piratechat.interfaces import ILastRead
from piratechat.unread.local import LocalLastRead
from piratechat.unread.redis import RedisLastRead
from tests.support.process_views import process_views


@pytest.fixture(params=["local", "redis"])
def view(request, redis_url, broker_prefix):
    """``view()``: one more process's view of one set of marks (no TTL, no clock:
    marks only move forward, and a reader's expire long after any test)."""
    kinds = (lambda ttl, clock: LocalLastRead()), (
        lambda client, ttl, prefix, clock: RedisLastRead(client, prefix))
    with process_views(request.param, redis_url, broker_prefix, *kinds) as (views, _):
        yield views


def test_provides_the_interface(view):
    assert verifyObject(ILastRead, view())


def test_a_mark_is_seen_by_every_process(view):
    one, two = view(), view()
    assert one.mark("reader-a", "deck", 5) == 5
    assert two.marks("reader-a", ["deck", "hold"]) == {"deck": 5}
    assert two.marks("reader-b", ["deck"]) == {}


def test_marks_only_move_forward(view):
    one, two = view(), view()
    one.mark("r", "deck", 7)
    assert two.mark("r", "deck", 3) == 7
    assert two.mark("r", "deck", 9) == 9
    assert one.marks("r", ["deck"]) == {"deck": 9}


def test_zero_is_a_mark(view):
    one = view()
    assert one.mark("r", "empty", 0) == 0
    assert one.marks("r", ["empty"]) == {"empty": 0}


def test_readers_and_rooms_are_apart(view):
    one = view()
    one.mark("r1", "deck", 4)
    one.mark("r1", "hold", 2)
    one.mark("r2", "deck", 1)
    assert one.marks("r1", ["deck", "hold"]) == {"deck": 4, "hold": 2}
    assert one.marks("r2", ["deck", "hold"]) == {"deck": 1}
    assert one.marks("r1", []) == {}
