"""Faults in a cluster of two processes behind nginx, each test with Redis
and ZEO of its own: Redis stopped and started again mid-conversation, one
PirateChat process killed (SIGKILL) while the other chats on.

What must hold: a process that loses Redis keeps serving its own members,
comes back by itself and catches them up from the history; no line anyone
saw is lost, none is shown twice; a dead process's members leave presence.
"""

from __future__ import annotations

import signal
import uuid

import pytest

from piratechat.cluster.local import LocalCluster
from piratechat.cluster.processes import redis_server
from tests.integration.test_cluster import FAST, stored
from tests.support.chat_clients import WebSocketClient

PRESENCE_TTL = 2  # seconds: a dead process's members leave within 4/3 of it


@pytest.fixture
def cluster(tmp_path):
    running = LocalCluster(2, str(tmp_path), env={**FAST,
                                                  "PIRATECHAT_PRESENCE_TTL": str(PRESENCE_TTL)})
    running.start()
    yield running
    running.stop()


def on(cluster: LocalCluster, index: int) -> WebSocketClient:
    """A client connected straight to process ``index`` (no nginx: we know where it is)."""
    return WebSocketClient(f"http://127.0.0.1:{cluster.chats[index].port}", timeout=30)


def seqs(lines: list[dict]) -> list[int]:
    return [line["seq"] for line in lines]


def test_redis_stopped_and_started_again_mid_conversation(cluster):
    room = "redis-" + uuid.uuid4().hex[:8]
    ann, bob = on(cluster, 0), on(cluster, 1)
    ann.join(room, "Ann")
    bob.join(room, "Bob")
    ann.say_stored("a1")
    bob.say_stored("b1")
    assert len(ann.lines(2)) == len(bob.lines(2)) == 2

    cluster.redis.stop(signal.SIGKILL)
    ann.say_stored("a2")  # each process still serves its own members
    for text in ("b2", "b3", "b4"):
        bob.say_stored(text)

    cluster.redis = redis_server(cluster.redis.port, cluster.folder).start()
    # Ann's process missed b2-b4 (and Ann said nothing since): only its
    # catch-up from the history after reconnecting can bring them.
    assert {line["text"] for line in ann.lines(6)} >= {"b2", "b3", "b4"}
    bob.say_stored("b5")  # after the catch-up: reaches Ann only if resubscribed
    assert ann.lines(7)[-1]["text"] == "b5"
    ann.say_stored("a3")
    assert bob.lines(8)[-1]["text"] == "a3"

    assert seqs(ann.seen) == seqs(bob.seen) == list(range(1, 9))  # no gap, nothing twice
    assert ann.seen == bob.seen
    assert stored(cluster, room) == ann.seen
    ann.close()
    bob.close()


def test_a_killed_process_loses_no_line_and_its_members_leave(cluster):
    room = "kill-" + uuid.uuid4().hex[:8]
    ann, kim = on(cluster, 0), on(cluster, 1)
    ann.join(room, "Ann", presence=True)
    kim.join(room, "Kim", presence=True)
    kim_id = next(m for m in iter(ann.next, None) if m["type"] == "enter" and m["name"] == "Kim")
    for n in range(5):
        ann.say_stored(f"a{n}")
        kim.say_stored(f"k{n}")
    seen_by_kim = kim.lines(10)

    cluster.chats[1].stop(signal.SIGKILL)
    left = ann.next_of("leave")  # within PRESENCE_TTL * 4/3; the recv timeout bounds it
    assert (left["name"], left["id"]) == ("Kim", kim_id["id"])

    for n in range(5, 10):  # the other process chats on, numbering goes on
        ann.say_stored(f"a{n}")
    assert seqs(ann.lines(15)) == list(range(1, 16))

    back = WebSocketClient(cluster.url, timeout=30)  # Kim comes back, through nginx
    back.join(room, "Kim", after=seen_by_kim[-1]["seq"])
    assert back.lines(5) == ann.seen[10:15]  # exactly what was missed, once
    history = stored(cluster, room)
    assert history == ann.seen  # every line anyone saw is kept, as it was seen
    assert history[:10] == seen_by_kim
    ann.close()
    back.close()
