"""Names in a room are unique across the processes of a cluster (IRoomNames in
its Redis), and a process killed without a word holds its names no longer
than ``presence_ttl`` after its last refresh.

Each test has its own rooms and names; the cluster (Redis, ZEO, two
processes, nginx) is the module's.
"""

from __future__ import annotations

import signal
import time
import uuid

import pytest

from piratechat.cluster.local import LocalCluster
from tests.integration.test_cluster import FAST
from tests.integration.test_cluster_faults import on
from tests.support.chat_clients import WebSocketClient

TTL = 3  # seconds (presence_ttl, which names share): short, so a dead process's go soon
FREED_WITHIN = 60  # seconds the test waits for that, at most (a busy machine)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(2, str(tmp_path_factory.mktemp("names")), env={
        **FAST, "PIRATECHAT_PRESENCE_TTL": str(TTL)})
    running.start()
    yield running
    running.stop()


def attempt(client: WebSocketClient, room: str, name: str) -> dict:
    """``joined``, or the error the join got."""
    client.send({"type": "join", "room": room, "name": name})
    while True:
        answer = client.next()
        if answer["type"] in ("joined", "error"):
            return answer


def test_two_processes_refuse_the_second_of_two_equal_names_in_one_room(cluster):
    room = "names-" + uuid.uuid4().hex[:8]
    first, second = on(cluster, 0), on(cluster, 1)
    try:
        assert attempt(first, room, "Long John")["type"] == "joined"
        for alike in ("Long John", "LONG  JOHN", "L\u043eng John"):  # a Cyrillic о
            refused = attempt(second, room, alike)
            assert (refused["type"], refused.get("code")) == ("error", "name_taken"), refused
        assert attempt(second, "other-" + room, "Long John")["type"] == "joined"  # another room
        assert attempt(second, room, "Short John")["type"] == "joined"  # goes on
        first.close()  # gives it up: the other process may have it now
        assert wait_for_join(second, room, "Long John")["name"] == "Long John"
    finally:
        second.close()


def test_a_killed_processs_names_are_freed_after_the_ttl(cluster):
    room = "names-" + uuid.uuid4().hex[:8]
    survivor = on(cluster, 0)
    doomed = cluster.add_process()  # this test's own, to kill
    victim = WebSocketClient(f"http://127.0.0.1:{doomed.port}", timeout=30)
    try:
        assert attempt(victim, room, "Israel Hands")["type"] == "joined"
        assert attempt(survivor, room, "Israel Hands")["code"] == "name_taken"
        doomed.stop(signal.SIGKILL)  # no close, no release: only the expiry frees it
        assert wait_for_join(survivor, room, "Israel Hands")["name"] == "Israel Hands"
    finally:
        survivor.close()


def wait_for_join(client: WebSocketClient, room: str, name: str) -> dict:
    """Join ``room`` as ``name`` as soon as it is free (``FREED_WITHIN`` at most)."""
    deadline = time.monotonic() + FREED_WITHIN
    while True:
        answer = attempt(client, room, name)
        if answer["type"] == "joined" or time.monotonic() > deadline:
            assert answer["type"] == "joined", answer
            return answer
        assert answer["code"] == "name_taken", answer
        time.sleep(0.2)  # polling a condition, bounded by the deadline
