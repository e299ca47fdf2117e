"""The IReadingCache contract (piratechat/interfaces.py), run against each
implementation: what chat/runtime/readings.py relies on from a reading cache."""

from __future__ import annotations

import pytest
from zope.interface.verify import verifyObject

from piratechat.chat.core.reading_cache import ReadingCache
from piratechat.interfaces import IReadingCache

IMPLEMENTATIONS = {"memory": ReadingCache}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def make(request):
    return IMPLEMENTATIONS[request.param]


def test_it_provides_the_interface(make):
    cache = make(size=3)
    assert verifyObject(IReadingCache, cache, tentative=True)
    assert cache.size == 3


def test_a_kept_value_comes_back_and_an_unknown_key_is_none(make):
    cache = make(size=3)
    cache.put(("deck", 1, "bard"), "words")
    assert cache.get(("deck", 1, "bard")) == "words"
    assert cache.get(("deck", 1, "pirate")) is None
    assert len(cache) == 1


def test_put_replaces(make):
    cache = make(size=3)
    cache.put("k", "old")
    cache.put("k", "new")
    assert (cache.get("k"), len(cache)) == ("new", 1)


def test_it_keeps_at_most_size_dropping_the_least_recently_used(make):
    cache = make(size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")  # a use: b is now the least recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_it_stays_bounded_however_many_are_put(make):
    cache = make(size=10)
    for n in range(1000):
        cache.put(n, n)
    assert len(cache) == 10
    assert [cache.get(n) for n in range(990, 1000)] == list(range(990, 1000))


def test_a_size_below_one_is_refused(make):
    with pytest.raises(ValueError):
        make(size=0)
