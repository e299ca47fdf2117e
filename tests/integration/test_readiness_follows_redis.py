"""``/readyz`` follows the broker's real state: 503 while Redis is gone, 200
again once Redis answers, whether or not anyone says a line after that.

The probe of issue 25 saw ``/readyz`` stay 503 ("broker unavailable") 55 s
after Redis was back, until a line was published: a PUBLISH had failed during
the outage, and only another PUBLISH could tell the broker it worked again. A
load balancer that routes by readiness would never have sent traffic back.
Here a redis-server of the test's own is stopped and started again.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sockjs_client import GET

from tests.support.chat_clients import WebSocketClient
from tests.support.redis_server import RedisServer
from tests.support.server import LiveServer


@pytest.fixture
def redis():
    server = RedisServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def server(redis):
    running = LiveServer(env={"PIRATECHAT_BROKER_URL": redis.url})
    running.start()
    yield running
    running.stop()


def readiness(url: str) -> tuple[int, dict]:
    response = GET(url + "/readyz")
    return response.status, json.loads(response.body)


def until_ready(url: str, ready: bool, timeout: float) -> dict:
    """Poll ``/readyz`` until it says ``ready`` (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = readiness(url)
        if (status == 200) == ready:
            return body
        assert time.monotonic() < deadline, f"/readyz still {status} {body} after {timeout} s"
        time.sleep(0.1)  # polling a condition, bounded by the deadline


def connections(url: str) -> float:
    """Open SockJS sessions, as /metrics counts them."""
    body = GET(url + "/metrics").body.decode()
    return sum(float(line.split()[-1]) for line in body.splitlines()
               if line.startswith("piratechat_connections{"))


def test_readiness_comes_back_with_redis_without_any_line(server, redis):
    until_ready(server.url, True, 30)
    member = WebSocketClient(server.url, timeout=30)
    member.join("ready-" + uuid.uuid4().hex[:8], "Ann")
    redis.stop()
    assert until_ready(server.url, False, 15)["broker"] == "unavailable"
    # A line said while Redis is gone is stored, and its PUBLISH fails: the
    # state the probe left the broker in. Then the member leaves, so that
    # nothing is published when Redis is back (no presence to enter again).
    member.say_stored("said during the outage")
    member.close()
    deadline = time.monotonic() + 15
    while connections(server.url):
        assert time.monotonic() < deadline, "the member's session was never closed"
        time.sleep(0.05)  # polling a condition, bounded by the deadline
    redis.start()
    # Nobody says anything now: readiness must come from Redis answering.
    assert until_ready(server.url, True, 15)["broker"] == "ok"
