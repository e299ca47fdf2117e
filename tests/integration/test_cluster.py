"""One conversation across two PirateChat processes behind nginx, on ZEO and
Redis (piratechat/cluster/local.py starts them all, each on a free port).

Every client, whichever process and transport it landed on, must see every
line once, in one order, numbered without gaps, and the history (CLI and
HTTP) must hold exactly that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid

import pytest
from sockjs_client import GET

from piratechat.cluster.local import LocalCluster
from tests.support.chat_clients import PollingClient, WebSocketClient
from tests.support.server import HIGH_LIMITS, ROOT

CLIENTS = 200  # of which POLLING use xhr-polling: each poll must reach the session's process
POLLING = 20
SENDERS = 10
LINES = 1000  # in total, LINES // SENDERS by each sender
# Clients here read only after the says (a browser answers pings at once): no
# idle-ping cut of a client that is busy writing on a slow (traced) server.
FAST = {"PIRATECHAT_LINES_PER_SECOND": "100000", "PIRATECHAT_BURST": "100000",
        "PIRATECHAT_WS_PING_INTERVAL": "600", **HIGH_LIMITS}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(2, str(tmp_path_factory.mktemp("cluster")), env=FAST)
    running.start()
    yield running
    running.stop()


def stored(cluster: LocalCluster, room: str) -> list[dict]:
    """The room's history through ``piratechat history --json`` (read-only, on ZEO)."""
    env = cluster.process_env()
    completed = subprocess.run(
        [sys.executable, "-m", "piratechat.cli", "history", room, "--json", "--limit", "100000",
         "--ini", str(ROOT / "production.ini")],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def over_http(url: str, room: str) -> list[dict]:
    lines, after = [], 0
    while True:
        page = json.loads(GET(f"{url}/rooms/{room}/history?after={after}&limit=1000").body)
        if not page["lines"]:
            return lines
        lines += page["lines"]
        after = page["lines"][-1]["seq"]


def test_two_hundred_clients_agree_on_a_thousand_lines(cluster):
    room = "cluster-" + uuid.uuid4().hex[:8]
    clients = [PollingClient(cluster.url) if n < POLLING else WebSocketClient(cluster.url)
               for n in range(CLIENTS)]
    # and one on each process directly, so both surely have members
    clients += [WebSocketClient(f"http://127.0.0.1:{chat.port}") for chat in cluster.chats]
    try:
        for n, client in enumerate(clients):
            client.join(room, f"P{n}")
        senders = clients[-SENDERS:]

        def talk(s: int, sender) -> None:
            for n in range(LINES // SENDERS):
                sender.say_stored(f"{s}-{n}")

        threads = [threading.Thread(target=talk, args=pair) for pair in enumerate(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        print("says refused by the storage, and said again:", sum(c.refused for c in senders))
        expected = {f"{s}-{n}" for s in range(SENDERS) for n in range(LINES // SENDERS)}
        first = None
        for client in clients:
            got = client.lines(LINES)
            assert [line["seq"] for line in got] == list(range(1, LINES + 1))  # no gap, no double
            assert {line["text"] for line in got} == expected  # nothing lost
            first = first or got
            assert got == first  # one order, the same lines, for everyone
    finally:
        for client in clients:
            client.close()
    assert stored(cluster, room) == first
    assert over_http(cluster.url, room) == first
