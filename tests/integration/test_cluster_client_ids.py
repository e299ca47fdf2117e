"""Client ids across the processes of a cluster (issue 25, finding 3): a resend on
another process is still its sender's repeat; another member, on either process,
neither sees the id nor can spend it.

Two PirateChat processes on ZEO and Redis (piratechat/cluster/local.py); each
client talks to one process directly, so which process holds whom is known.
"""

from __future__ import annotations

import json
import secrets
import uuid

import pytest
from sockjs_client import GET

from piratechat.cluster.local import LocalCluster
from tests.support.chat_clients import Client, WebSocketClient


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(2, str(tmp_path_factory.mktemp("cluster")))
    running.start()
    yield running
    running.stop()


def on(cluster: LocalCluster, process: int) -> WebSocketClient:
    return WebSocketClient(f"http://127.0.0.1:{cluster.chats[process].port}", timeout=30)


def answer_to_say(client: Client, client_id: str) -> dict:
    """``said`` or the repeat ``line`` for the sender's ``say`` with ``client_id``."""
    while True:
        message = client.next()
        assert message["type"] != "error", message
        if ((message["type"] == "said" or message.get("repeat"))
                and message.get("client_id") == client_id):
            return message


def test_a_resend_on_another_process_is_a_repeat_and_nobody_else_gets_the_id(cluster):
    room, key = "ids-" + uuid.uuid4().hex[:8], secrets.token_urlsafe(16)
    clients = []
    try:
        bob = on(cluster, 1)  # the other process: hears Alice through the broker
        clients.append(bob)
        bob.join(room, "Bob")
        alice = on(cluster, 0)
        clients.append(alice)
        alice.join(room, "Alice", sender_key=key)
        alice.send({"type": "say", "text": "Hello, friend", "client_id": "alice-1"})
        alice.close()  # cut before its answer
        heard = bob.line_of("Hello, friend")
        assert heard["seq"] == 1 and "client_id" not in heard

        again = on(cluster, 1)  # back, on the other process, with its key
        clients.append(again)
        again.join(room, "Alice", sender_key=key, after=0)
        again.send({"type": "say", "text": "Hello, friend", "client_id": "alice-1"})
        answer = answer_to_say(again, "alice-1")  # its join sent line 1: said, not a copy
        assert (answer["type"], answer["seq"], answer.get("repeat")) == ("said", 1, None)

        mallory = on(cluster, 0)  # takes Alice's next id first, on the first process
        clients.append(mallory)
        mallory.join(room, "Mallory", sender_key=secrets.token_urlsafe(16))
        mallory.send({"type": "say", "text": "I am a fool", "client_id": "alice-2"})
        assert answer_to_say(mallory, "alice-2")["seq"] == 2
        again.line_of("I am a fool")
        again.send({"type": "say", "text": "the beer", "client_id": "alice-2"})
        told = answer_to_say(again, "alice-2")
        assert (told["type"], told["seq"]) == ("said", 3)

        assert [line["text"] for line in bob.lines(3)] == [
            "Hello, friend", "I am a fool", "the beer"]
        assert not any("client_id" in line for line in bob.seen + mallory.seen)
        page = json.loads(GET(f"{cluster.url}/rooms/{room}/history").body)
        assert [(line["author"], line["text"]) for line in page["lines"]] == [
            ("Alice", "Hello, friend"), ("Mallory", "I am a fool"), ("Alice", "the beer")]
        assert "alice-" not in json.dumps(page)
    finally:
        for client in clients:
            client.close()
