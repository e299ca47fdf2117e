"""The IPresence contract, one suite run against LocalPresence and
RedisPresence (the machine's Redis, under a prefix of this test's own).
Time is a clock the test moves; nothing waits."""

from __future__ import annotations

import pytest
from zope.interface.verify import verifyObject

from piratechat.interfaces import IPresence
from piratechat.presence.local import LocalPresence
from piratechat.presence.redis import RedisPresence
from tests.support.process_views import TTL, process_views


@pytest.fixture(params=["local", "redis"])
def shared(request, redis_url, broker_prefix):
    """``shared()``: one more process's view of one presence state, and the clock."""
    kinds = LocalPresence, RedisPresence
    with process_views(request.param, redis_url, broker_prefix, *kinds) as views:
        yield views


def test_provides_the_interface(shared):
    view, _ = shared
    assert verifyObject(IPresence, view())


def test_enter_and_leave_seen_by_every_process(shared):
    view, _ = shared
    one, two = view(), view()
    one.enter("deck", "a1", "Ann")
    two.enter("deck", "b1", "Bob")
    two.enter("hold", "b2", "Bob")
    assert one.members("deck", 10) == (2, [{"id": "a1", "name": "Ann"},
                                           {"id": "b1", "name": "Bob"}])
    assert two.leave("deck", "a1", "Ann") is True
    assert one.leave("deck", "a1", "Ann") is False  # gone already: announced once
    assert one.members("deck", 10) == (1, [{"id": "b1", "name": "Bob"}])
    assert one.members("hold", 10) == (1, [{"id": "b2", "name": "Bob"}])
    assert one.members("nobody-here", 10) == (0, [])


def test_the_list_is_cut_the_count_is_not(shared):
    view, _ = shared
    presence = view()
    for n in range(7):
        presence.enter("crowd", f"id{n}", f"Pirate {n}")
    count, listed = presence.members("crowd", 3)
    assert count == 7 and len(listed) == 3
    assert listed == sorted(listed, key=lambda m: (m["name"], m["id"]))
    assert presence.members("crowd", 0) == (7, [])


def test_members_not_refreshed_expire_and_are_swept_once(shared):
    view, clock = shared
    live, dead = view(), view()
    live.enter("deck", "l1", "Live")
    dead.enter("deck", "d1", "Dead")
    clock.now += TTL * 2 / 3
    assert live.refresh("deck", {"l1": "Live"}) == []  # still there: nothing gone
    clock.now += TTL * 2 / 3  # the dead one's entry is past its ttl, the live one's is not
    assert live.members("deck", 10) == (1, [{"id": "l1", "name": "Live"}])
    swept = [live.sweep("deck"), dead.sweep("deck")]
    assert sorted(swept, key=len) == [[], [{"id": "d1", "name": "Dead"}]]
    assert live.sweep("deck") == []


def test_refresh_enters_again_what_was_swept(shared):
    view, clock = shared
    one, other = view(), view()
    one.enter("deck", "a1", "Ann")
    clock.now += TTL + 1  # a long outage: no refresh
    assert other.sweep("deck") == [{"id": "a1", "name": "Ann"}]
    assert one.refresh("deck", {"a1": "Ann", "a2": "Ann"}) == ["a1", "a2"]
    assert other.members("deck", 10)[0] == 2
    assert one.refresh("deck", {"a1": "Ann"}) == []


def test_counts_tells_many_rooms_at_once_without_the_expired(shared):
    view, clock = shared
    one, two = view(), view()
    one.enter("bow", "a1", "Ann")
    two.enter("bow", "b1", "Bob")
    one.enter("stern", "a2", "Ann")
    clock.now += TTL / 2
    two.enter("stern", "b2", "Bob")
    clock.now += TTL / 2 + 1  # the first three expired, Bob's stern entry not
    two.enter("bow", "c1", "Cy")
    assert one.counts(["bow", "stern", "nobody-here"]) == {"bow": 1, "stern": 1,
                                                             "nobody-here": 0}
    assert one.counts([]) == {}
