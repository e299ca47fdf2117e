"""The Redis broker's wire cost: a burst of lines is one Redis message.

Redis and redis-py spend about as much per message as per line inside one,
and every process reads every message (its own too, to skip it): so what one
process publishes between two round trips goes as one batch.
"""

from __future__ import annotations

import time

import gevent
from gevent.event import Event

from piratechat.broker.redis import PUBLISH_TIMEOUT, RedisBroker, pooled_client


def raw_messages(redis_url: str, channel: str):
    """A subscription to ``channel`` that sees the Redis messages themselves."""
    pubsub = pooled_client(redis_url).pubsub()
    pubsub.subscribe(channel)
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"
    return pubsub


def test_a_burst_of_lines_is_one_redis_message_and_arrives_whole(redis_url, broker_prefix):
    one, two = RedisBroker(redis_url, broker_prefix), RedisBroker(redis_url, broker_prefix)
    got = []
    two.subscribe(lambda room, message: got.append((room, message)))
    try:
        assert one.subscribed.wait(5) and two.subscribed.wait(5)
        wire = raw_messages(redis_url, one.channel)
        burst = [(f"room-{n % 7}", f'{{"type": "line", "seq": {n}, "text": "ä\\n{n}"}}')
                 for n in range(50)]
        for room, message in burst:  # in one go: the publisher runs after the loop
            one.publish(room, message)
        deadline = time.monotonic() + 10
        while len(got) < len(burst) and time.monotonic() < deadline:
            gevent.sleep(0.01)  # the listener greenlet delivers meanwhile
        assert got == burst  # every line, intact, in order
        messages = []
        while (item := wire.get_message(timeout=0.5)) is not None:
            messages.append(item)
        assert len(messages) == 1
        wire.close()
    finally:
        one.close()
        two.close()


def test_a_burst_of_calls_beyond_the_pool_waits_for_connections(redis_url, broker_prefix):
    """500 members leaving at once are 500 presence calls on the broker's
    client, more than its pool's 100 connections: each waits for one (the
    pool's "Too many connections" failed them, and a PUBLISH among them)."""
    broker = RedisBroker(redis_url, broker_prefix)
    try:
        key = broker_prefix + "burst"
        calls = [gevent.spawn(broker.client.zadd, key, {f"member-{n}": n}) for n in range(500)]
        gevent.joinall(calls, timeout=60, raise_error=True)
        assert broker.client.zcard(key) == 500
        broker.client.delete(key)
    finally:
        broker.close()


def kill_connection(client, name: str) -> None:
    """Cut the Redis connection named ``name`` from the server's side."""
    ids = [c["id"] for c in client.client_list() if c["name"] == name]
    assert len(ids) == 1, f"no single connection named {name}"
    client.client_kill_filter(_id=ids[0])


def test_a_subscription_cut_by_redis_is_back_and_says_so(redis_url, broker_prefix):
    """The listener waits in one read for ever: a connection Redis closes
    ends that read, and the listener subscribes again and calls on_reconnect
    (the chat's catch-up), so lines published after that reach it."""
    one, two = RedisBroker(redis_url, broker_prefix), RedisBroker(redis_url, broker_prefix)
    back = Event()
    two.on_reconnect(back.set)
    got = []
    two.subscribe(lambda room, message: got.append(message))
    try:
        assert one.subscribed.wait(5) and two.subscribed.wait(5)
        assert back.wait(5)  # the first subscription says so too
        back.clear()
        kill_connection(one.client, two.name("listener"))
        assert back.wait(10), "no on_reconnect after the subscription was cut"
        assert two.subscribed.wait(5)
        one.publish("lobby", "after")
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            gevent.sleep(0.01)
        assert got == ["after"]
    finally:
        one.close()
        two.close()


def test_an_idle_subscription_stays(redis_url, broker_prefix):
    """No socket timeout on the subscription: minutes without a line are no
    reason to reconnect (each reconnect makes the chat read its history)."""
    broker = RedisBroker(redis_url, broker_prefix)
    reconnects = []
    broker.on_reconnect(lambda: reconnects.append(1))
    try:
        assert broker.subscribed.wait(5)
        gevent.sleep(PUBLISH_TIMEOUT + 1)  # silence longer than any socket timeout
        assert broker.subscribed.is_set()
        assert reconnects == [1]  # the first subscription only
    finally:
        broker.close()


def test_publishing_comes_back_after_its_connection_was_cut(redis_url, broker_prefix):
    """The publisher's connection killed: a batch may be lost (at most once),
    the next ones go on a new connection."""
    one, two = RedisBroker(redis_url, broker_prefix), RedisBroker(redis_url, broker_prefix)
    got = []
    two.subscribe(lambda room, message: got.append(message))
    try:
        assert one.subscribed.wait(5) and two.subscribed.wait(5)
        one.publish("lobby", "before")
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            gevent.sleep(0.01)
        kill_connection(one.client, one.name("publisher"))
        sent = 0
        deadline = time.monotonic() + 10
        while got[-1:] != [str(sent)] and time.monotonic() < deadline:
            sent += 1
            one.publish("lobby", str(sent))
            gevent.sleep(0.05)
        assert got[-1] == str(sent)
        assert len(got) == len(set(got))  # nothing twice
        assert one.healthy()
    finally:
        one.close()
        two.close()
