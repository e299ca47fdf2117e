"""The storage server down at start, and restarted mid-conversation, on ZEO and on
PostgreSQL (RelStorage): servers of the test's own, a real chat server process.

A process whose storage is down still starts and answers: pages say 503, a
join or a say gets ``unavailable`` (after ``storage_timeout``, 2 s here), and
once the storage is back the chat goes on: no line anyone saw is lost, none
is shown twice, the numbers have no gaps.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from tests.functional.test_socket import SockJSClient
from tests.support.server import LiveServer
from tests.support.storage_servers import PostgresServer, ZEOServer

TIMEOUT = "2"  # storage_timeout, seconds


@pytest.fixture(params=["zeo", "postgres"])
def storage(request):
    """A storage server of this test's own, not started yet, and its URI."""
    server = ZEOServer() if request.param == "zeo" else PostgresServer()
    yield server
    server.remove()


def uri_of(server) -> str:
    return server.uri if isinstance(server, ZEOServer) else server.uri()


@pytest.fixture
def chat_server(storage):
    started: list[LiveServer] = []

    def start() -> str:
        server = LiveServer(env={"PIRATECHAT_ZODB_URI": uri_of(storage),
                                 "PIRATECHAT_STORAGE_TIMEOUT": TIMEOUT})
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def history_of(url: str, room: str) -> dict:
    with urllib.request.urlopen(f"{url}/rooms/{room}/history?limit=1000", timeout=30) as answer:
        return json.loads(answer.read())


def next_answer(client: SockJSClient, text: str) -> dict:
    """The line saying ``text`` or the error that refused it."""
    while True:
        message = client.next()
        if message["type"] == "error" or (message["type"] == "line" and message["text"] == text):
            return message


def say_until_stored(client: SockJSClient, text: str, tries: int = 40) -> dict:
    """Say ``text`` until it is stored (each refusal takes up to storage_timeout)."""
    for _ in range(tries):
        client.send({"type": "say", "text": text})
        answer = next_answer(client, text)
        if answer["type"] == "line":
            return answer
        assert answer["code"] == "unavailable", answer
    raise AssertionError(f"{text!r} was never stored")


def join_until_joined(client: SockJSClient, room: str, tries: int = 40,
                      name: str = "Ann") -> dict:
    for _ in range(tries):  # names are unique in a room: each client its own
        client.send({"type": "join", "name": name, "room": room})
        while True:
            message = client.next()
            if message["type"] in ("joined", "error"):
                break
        if message["type"] == "joined":
            return message
        assert message["code"] == "unavailable", message
    raise AssertionError("never joined")


def test_down_at_start_the_process_serves_and_answers_then_chats_once_it_is_up(
        storage, chat_server):
    url = chat_server()  # returns once the port is open: it did not wait for the storage
    assert status_of(url + "/") == 503
    assert status_of(url + "/static/chat.css") == 200
    client = SockJSClient(url)
    try:
        room = "deck-" + uuid.uuid4().hex[:8]
        client.send({"type": "join", "name": "Ann", "room": room})
        assert client.next()["code"] == "unavailable"
        client.send({"type": "say", "text": "anyone?"})
        assert client.next()["code"] == "not_joined"  # the join was refused, nothing half-done
        storage.start()
        joined = join_until_joined(client, room)
        line = say_until_stored(client, "ahoy")
        assert (line["seq"], line["epoch"]) == (1, joined["epoch"])
        assert status_of(url + "/") == 200
        assert [m["text"] for m in history_of(url, room)["lines"]] == ["ahoy"]
    finally:
        client.close()


def test_restarted_while_running_a_say_is_refused_and_no_seen_line_is_lost_or_doubled(
        storage, chat_server):
    storage.start()
    url = chat_server()
    room = "hold-" + uuid.uuid4().hex[:8]
    ann, bob = SockJSClient(url), SockJSClient(url)
    try:
        join_until_joined(ann, room)
        join_until_joined(bob, room, name="Bob")
        for n in range(3):
            say_until_stored(ann, f"before {n}")
        storage.stop()
        ann.send({"type": "say", "text": "during"})
        refused = next_answer(ann, "during")
        assert (refused["type"], refused["code"]) == ("error", "unavailable")
        storage.start()
        after = say_until_stored(ann, "after")
        bob_saw = []
        while not bob_saw or bob_saw[-1]["text"] != "after":
            message = bob.next()
            assert message["type"] != "error", message
            if message["type"] == "line":
                bob_saw.append(message)
        assert [m["seq"] for m in bob_saw] == list(range(1, after["seq"] + 1))
        assert [m["text"] for m in bob_saw] == ["before 0", "before 1", "before 2", "after"]
        assert history_of(url, room)["lines"] == bob_saw  # kept exactly what was shown
        assert len({m["epoch"] for m in bob_saw}) == 1
    finally:
        ann.close()
        bob.close()
