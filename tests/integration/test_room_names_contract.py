"""The IRoomNames contract, one suite run against RoomNames (one process's
memory) and RedisRoomNames (the machine's Redis, under a prefix of this
test's own; each ``view()`` stands for one more process). Time is a clock
the test moves; nothing waits."""

from __future__ import annotations

import pytest
import redis
from zope.interface.verify import verifyObject

from piratechat.broker.redis import pooled_client
from piratechat.chat.core.messages import ChatError
from piratechat.chat.core.names import RoomNames
from piratechat.chat.runtime.names_redis import RedisRoomNames
from piratechat.interfaces import IRoomNames
from tests.support.process_views import TTL, process_views


class Holder:
    """A connection holding a name (the chat's session)."""


@pytest.fixture(params=["local", "redis"])
def shared(request, redis_url, broker_prefix):
    """``shared()``: one more process's view of one state of names, and the clock."""
    with process_views(request.param, redis_url, broker_prefix, RoomNames, RedisRoomNames) as views:
        yield views


def refused(names, room: str, name: str, holder) -> str:
    with pytest.raises(ChatError) as error:
        names.take(room, name, holder)
    assert error.value.code == "name_taken"
    return str(error.value)


def test_provides_the_interface(shared):
    view, _ = shared
    assert verifyObject(IRoomNames, view())


def test_a_name_is_held_once_per_room_seen_from_every_process(shared):
    view, _ = shared
    one, two = view(), view()
    ann, ann_again, bob = Holder(), Holder(), Holder()
    one.take("deck", "Ann", ann)
    assert "'Ann' is already in the room 'deck'" in refused(two, "deck", "Ann", bob)
    assert "(as 'Ann')" in refused(two, "deck", "ANN", ann_again)  # a look-alike: one name
    two.take("hold", "Ann", bob)  # another room: free
    one.take("deck", "Ann", ann)  # its own name, again: fine
    two.take("deck", "Bob", bob)  # bob moves: gives up "Ann" in the hold
    one.take("hold", "Ann", ann_again)


def test_a_name_is_free_once_released_or_its_holder_takes_another(shared):
    view, _ = shared
    one, two = view(), view()
    ann, bob = Holder(), Holder()
    one.take("deck", "Ann", ann)
    one.take("deck", "Anne", ann)  # a new name: the old one is free
    two.take("deck", "Ann", bob)
    refused(one, "deck", "Ann", ann)  # a refused take keeps what it held
    refused(two, "deck", "Anne", bob)
    one.release(ann)
    one.release(ann)  # twice: nothing
    two.take("deck", "Anne", bob)
    two.release(bob)
    one.take("deck", "Anne", ann)


def test_a_refreshed_name_outlives_the_ttl(shared):
    view, clock = shared
    live, other = view(), view()
    bob, kim = Holder(), Holder()
    live.take("deck", "Bob", bob)
    for _ in range(4):  # well past the ttl, refreshed every ttl / 3
        clock.now += TTL / 3
        assert live.refresh() == []
    refused(other, "deck", "Bob", kim)


def test_the_names_of_a_process_that_died_expire(shared, request):
    if "local" in request.node.name:
        pytest.skip("one process's memory dies with it: nobody is left to hold its names")
    view, clock = shared
    dead, other = view(), view()
    ann, kim = Holder(), Holder()
    dead.take("deck", "Ann", ann)  # its process dies: never refreshed
    clock.now += TTL - 1
    refused(other, "deck", "Ann", kim)
    clock.now += 1
    other.take("deck", "Ann", kim)  # the dead process's name is free
    assert dead.refresh() == [ann]  # ... and its holder, were it alive, told so


def test_a_name_that_expired_but_is_still_free_is_held_again_by_a_refresh(shared):
    view, clock = shared
    one, two = view(), view()
    ann, bob = Holder(), Holder()
    one.take("deck", "Ann", ann)
    clock.now += TTL + 1  # a refresh came late (Redis was down, say)
    assert one.refresh() == []
    refused(two, "deck", "Ann", bob)


def test_with_redis_unreachable_a_process_checks_its_own_names_and_carries_on():
    """Not the contract: what RedisRoomNames does while Redis is down (as presence,
    the chat carries on): this process's names are still unique."""
    from piratechat.cluster.processes import free_port

    client = pooled_client(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    names = RedisRoomNames(client, TTL, "piratechat-test-down:")
    ann, bob = Holder(), Holder()
    names.take("deck", "Ann", ann)
    assert "(as 'Ann')" in refused(names, "deck", "ANN", bob)
    names.take("deck", "Anne", ann)  # a new name: the old one is free here
    names.take("deck", "Ann", bob)
    names.release(bob)
    names.release(ann)
    assert len(names) == 0
    names.take("deck", "Bob", bob)
    with pytest.raises(redis.RedisError):  # the refreshing greenlet logs it and goes on
        names.refresh()
    client.close()


def test_a_holder_of_the_same_owner_gives_way_and_no_other(shared):
    """A client back on another connection (its process was killed) keeps its
    name when its join says who it is (``owner``: its sender key's digest)."""
    view, _ = shared
    one, two = view(), view()
    old, back, stranger, anonymous = Holder(), Holder(), Holder(), Holder()
    one.take("deck", "Ann", old, owner="ann's browser")
    refused(two, "deck", "Ann", anonymous)
    with pytest.raises(ChatError):
        two.take("deck", "Ann", stranger, owner="someone else")
    two.take("deck", "Ann", back, owner="ann's browser")  # her, back through two
    refused(one, "deck", "Ann", anonymous)
