"""Behind the cluster's nginx, each client is its own address for the limits.

The probe of issue 25: ``piratechat cluster`` set no ``trusted_proxies``, so
every process saw nginx's one address for everybody; an attacker's 179
connections left a victim 4 of 10 and a 429. Here two loopback source
addresses (127.0.0.2, the attacker, and 127.0.0.3, the victim) connect
through nginx: the attacker filling its connection limit on every process
must not refuse the victim.
"""

from __future__ import annotations

import json
import socket
import uuid

import pytest
import websocket

from piratechat.cluster.local import LocalCluster
from tests.integration.test_cluster import FAST

LIMIT = 3  # connections per address, per process


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(2, str(tmp_path_factory.mktemp("addresses")),
                           env={**FAST, "PIRATECHAT_ADDRESS_CONNECTIONS": str(LIMIT)})
    running.start()
    yield running
    running.stop()


def connect_from(source: str, cluster: LocalCluster, room: str) -> tuple[websocket.WebSocket,
                                                                         dict]:
    """A WebSocket to the cluster's nginx from ``source`` that joins ``room``;
    the connection and the first answer (``joined``, or the refusal)."""
    sock = socket.socket()
    sock.settimeout(30)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", cluster.port))
    url = f"ws://127.0.0.1:{cluster.port}/sockjs/000/{uuid.uuid4().hex}/websocket"
    ws = websocket.create_connection(url, timeout=30, socket=sock)
    assert ws.recv() == "o"
    ws.send(json.dumps([json.dumps({"type": "join", "room": room, "name": "N" + uuid.uuid4()
                                    .hex[:6]})]))
    while True:
        frame = ws.recv()
        if frame.startswith("a"):
            for message in map(json.loads, json.loads(frame[1:])):
                if message["type"] in ("joined", "error"):
                    return ws, message
        elif frame.startswith("c"):
            return ws, {"type": "closed", "frame": frame}


def test_one_address_at_its_limit_does_not_refuse_another(cluster):
    room = "addresses-" + uuid.uuid4().hex[:8]
    opened, refused = [], []
    try:
        # More than both processes allow one address: every process refuses it.
        for _ in range(LIMIT * len(cluster.chats) * 4):
            ws, answer = connect_from("127.0.0.2", cluster, room)
            opened.append(ws)
            if answer["type"] != "joined":
                refused.append(answer.get("code"))
        assert "too_many_connections" in refused, refused  # the attacker hit its limit
        for _ in range(LIMIT):
            ws, answer = connect_from("127.0.0.3", cluster, room)
            opened.append(ws)
            assert answer["type"] == "joined", answer  # the victim is someone else
    finally:
        for ws in opened:
            ws.close()
