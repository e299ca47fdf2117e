"""The IBroker contract (piratechat/interfaces.py), one suite run against
every implementation: the in-process LocalBroker, and RedisBroker on a real
Redis (the machine's, under a prefix of this test's own).

Two brokers on one bus stand for two processes.
"""

from __future__ import annotations

import gevent
import pytest
from gevent.event import Event
from zope.interface.verify import verifyObject

from piratechat.broker import make_broker
from piratechat.broker.local import LocalBroker, LocalBus
from piratechat.broker.redis import RedisBroker
from piratechat.interfaces import IBroker
from tests.support.redis_server import free_port


class Inbox:
    """What one broker's subscriber got; ``wait(n)`` until it holds n messages."""

    def __init__(self, broker):
        self.got: list[tuple[str, str]] = []
        self._enough = Event()
        self._want = 0
        broker.subscribe(self.receive)

    def receive(self, room: str, message: str) -> None:
        self.got.append((room, message))
        if len(self.got) >= self._want:
            self._enough.set()

    def wait(self, count: int, timeout: float = 10) -> list[tuple[str, str]]:
        self._want = count
        if len(self.got) < count:
            self._enough.clear()
            self._enough.wait(timeout)
        return self.got


@pytest.fixture(params=["local", "redis"])
def bus(request, redis_url, broker_prefix):
    """``bus()`` makes one more broker on a bus of this test's own."""
    made = []
    local_bus = LocalBus()

    def new():
        if request.param == "local":
            broker = LocalBroker(local_bus)
        else:
            broker = RedisBroker(redis_url, broker_prefix)
            assert broker.subscribed.wait(10), "no subscription to Redis"
        made.append(broker)
        return broker

    yield new
    for broker in made:
        broker.close()


def test_provides_the_interface(bus):
    assert verifyObject(IBroker, bus())


def test_a_message_reaches_the_other_brokers_intact(bus):
    one, two, three = bus(), bus(), bus()
    inbox_two, inbox_three = Inbox(two), Inbox(three)
    message = '{"type": "line", "seq": 1, "text": "Ahoy, 日本語 \\n with\\nnewlines"}'
    one.publish("treasure-island", message)
    assert inbox_two.wait(1) == [("treasure-island", message)]
    assert inbox_three.wait(1) == [("treasure-island", message)]


def test_never_to_itself(bus):
    one, two = bus(), bus()
    mine, theirs = Inbox(one), Inbox(two)
    one.publish("lobby", "first")
    two.publish("lobby", "second")
    assert theirs.wait(1) == [("lobby", "first")]
    assert mine.wait(1) == [("lobby", "second")]  # only the other's message, not its own


def test_in_publish_order_per_publisher_across_rooms(bus):
    one, two = bus(), bus()
    inbox = Inbox(two)
    sent = [(f"room-{n % 7}", str(n)) for n in range(500)]
    for room, message in sent:
        one.publish(room, message)
    assert inbox.wait(len(sent)) == sent


def test_healthy_when_connected(bus):
    assert bus().healthy() is True


def test_nothing_after_close(bus):
    one, two, three = bus(), bus(), bus()
    closed, open_ = Inbox(two), Inbox(three)
    two.close()
    one.publish("lobby", "after close")
    assert open_.wait(1) == [("lobby", "after close")]
    gevent.sleep(0.1)  # a delivery to the closed one would have come with the other
    assert closed.got == []


def test_publish_neither_blocks_nor_raises_when_redis_is_down():
    broker = RedisBroker(f"redis://127.0.0.1:{free_port()}/0", "nobody:")
    try:
        for n in range(100):
            broker.publish("lobby", str(n))  # returns at once; dropped
        assert broker.healthy() is False
    finally:
        broker.close()


def test_make_broker_by_url(redis_url):
    assert isinstance(make_broker(""), LocalBroker)
    broker = make_broker(redis_url, "piratechat-test-url:")
    try:
        assert isinstance(broker, RedisBroker)
    finally:
        broker.close()
    with pytest.raises(ValueError, match="broker_url"):
        make_broker("amqp://127.0.0.1/")
