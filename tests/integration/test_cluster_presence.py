"""Presence across two processes behind nginx: told once per change, and a
client that goes away leaves it within the bound docs/protocol.md states.

Each test has its own rooms and members; the cluster (Redis, ZEO, two
processes, nginx) is the module's.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
from sockjs_client import POST

from piratechat.cluster.local import LocalCluster
from tests.integration.test_cluster import FAST
from tests.integration.test_cluster_faults import on
from tests.support.chat_clients import WebSocketClient

DISCONNECT = 2  # seconds (disconnect_delay)
PRESENCE_TTL = 60  # far beyond the test: a leave must not wait for an expiry
#: docs/protocol.md: a member whose client went away without a word leaves
#: within disconnect_delay + 1 s (and a second of slack here for a busy machine).
LEAVE_BOUND = DISCONNECT + 1 + 1


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(2, str(tmp_path_factory.mktemp("presence")), env={
        **FAST, "PIRATECHAT_DISCONNECT_DELAY": str(DISCONNECT),
        "PIRATECHAT_PRESENCE_TTL": str(PRESENCE_TTL)})
    running.start()
    yield running
    running.stop()


class VanishingPoller:
    """An xhr-polling client through nginx that goes away as a closed tab
    does: its pending poll's connection is closed, and nothing comes again."""

    def __init__(self, url: str):
        self.address = urlsplit(url)
        self.base = f"{url}/sockjs/000/{uuid.uuid4().hex}"
        assert POST(self.base + "/xhr").text == "o\n"

    def send(self, message: dict) -> None:
        response = POST(self.base + "/xhr_send", body=json.dumps([json.dumps(message)]))
        assert response.status == 204, response.body

    def poll(self) -> str:
        return POST(self.base + "/xhr").text

    def vanish(self, polling: bool) -> None:
        """Go away: ``polling``, in the middle of a poll (sent, then its
        connection closed unread); else between two polls (nothing more)."""
        if not polling:
            return
        sock = socket.create_connection((self.address.hostname, self.address.port), timeout=5)
        path = urlsplit(self.base).path + "/xhr"
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {self.address.netloc}\r\n"
                     "Content-Length: 0\r\n\r\n".encode())
        sock.close()


def presence_stream(client: WebSocketClient, until) -> list[dict]:
    """The presence messages ``client`` gets until ``until(messages)`` holds."""
    got: list[dict] = []
    while not until(got):
        message = client.next()
        if message["type"] in ("presence", "enter", "leave"):
            got.append(message)
    return got


@pytest.mark.parametrize("polling", [True, False], ids=["mid-poll", "between-polls"])
def test_a_vanished_polling_client_leaves_presence_within_the_bound(cluster, polling):
    room = "vanish-" + uuid.uuid4().hex[:8]
    watcher = on(cluster, 0)
    watcher.join(room, "Wat", presence=True)
    assert watcher.next_of("presence")["count"] == 1
    poller = VanishingPoller(cluster.url)
    poller.send({"type": "join", "name": "Polly", "room": room, "presence": True})
    entered = watcher.next_of("enter")
    assert entered["name"] == "Polly"
    assert '\\"presence\\"' in poller.poll()  # it joined and was told who is here

    poller.vanish(polling)
    gone = time.monotonic()
    left = watcher.next_of("leave")
    took = time.monotonic() - gone
    print(f"left presence {took:.1f} s after its client went away")
    assert (left["id"], left["name"]) == (entered["id"], "Polly")
    assert took <= LEAVE_BOUND
    watcher.close()


def test_members_joining_on_both_processes_at_once_are_each_told_once(cluster):
    """Joins racing each other (and the presence lists being read) on two
    processes: every member's list plus its enters and leaves name each
    other member once, and never itself after its own list."""
    room = "race-" + uuid.uuid4().hex[:8]
    count = 16
    clients = [on(cluster, n % 2) for n in range(count)]
    ids: dict[int, str] = {}
    barrier = threading.Barrier(count)

    def join(n: int) -> None:
        barrier.wait(10)
        clients[n].join(room, f"M{n}", presence=True)

    threads = [threading.Thread(target=join, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        for n, client in enumerate(clients):
            stream = presence_stream(client, lambda got: got and (
                len(known(got)) == count))
            listed = {m["id"] for m in stream[0]["members"]}
            ids[n] = next(m["id"] for m in stream[0]["members"] if m["name"] == f"M{n}")
            enters = [m["id"] for m in stream[1:] if m["type"] == "enter"]
            assert len(enters) == len(set(enters)), f"M{n} was told of one enter twice"
            assert not listed & set(enters), f"M{n} was told of an enter its list held"
        # and nothing more comes: no late duplicate
        for client in clients:
            client.send({"type": "say", "text": "done"})
            extra = []
            while (message := client.next())["type"] != "line":
                extra.append(message)
            assert [m for m in extra if m["type"] == "enter"] == []
    finally:
        for client in clients:
            client.close()


def known(stream: list[dict]) -> set[str]:
    """The ids a member knows are here after its presence messages so far."""
    here = {m["id"] for m in stream[0]["members"]}
    for message in stream[1:]:
        if message["type"] == "enter":
            here.add(message["id"])
        else:
            here.discard(message["id"])
    return here
