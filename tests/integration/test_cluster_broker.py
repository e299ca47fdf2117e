"""The Redis broker's wire cost: a burst of lines is one Redis message.

Redis and redis-py spend about as much per message as per line inside one,
and every process reads every message (its own too, to skip it): so what one
process publishes between two round trips goes as one batch.
"""

from __future__ import annotations

import time

import gevent

from piratechat.broker.redis import RedisBroker, connect


def raw_messages(redis_url: str, channel: str):
    """A subscription to ``channel`` that sees the Redis messages themselves."""
    pubsub = connect(redis_url).pubsub()
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
