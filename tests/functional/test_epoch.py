"""The epoch of a room's history, as a client sees it: in ``joined``, in every
``line``, in the history URL; another database, another epoch."""

from __future__ import annotations

import json
import urllib.request
import uuid

from tests.functional.test_socket import SockJSClient
from tests.support.server import LiveServer


def test_joined_lines_and_history_carry_one_epoch(live_server):
    room = "epoch-" + uuid.uuid4().hex[:8]
    client = SockJSClient(live_server)
    try:
        joined = client.join("Ann", room=room)
        epoch = joined["epoch"]
        assert isinstance(epoch, str) and len(epoch) == 16
        client.send({"type": "say", "text": "ahoy"})
        assert client.line_saying("ahoy")["epoch"] == epoch
    finally:
        client.close()
    with urllib.request.urlopen(f"{live_server}/rooms/{room}/history", timeout=10) as answer:
        history = json.loads(answer.read())
    assert history["epoch"] == epoch and [line["epoch"] for line in history["lines"]] == [epoch]


def test_a_new_database_is_a_new_epoch(live_server, fresh_zodb_uri):
    other = LiveServer(env={"PIRATECHAT_ZODB_URI": fresh_zodb_uri()})
    url = other.start()
    try:
        first, second = SockJSClient(live_server), SockJSClient(url)
        try:
            assert first.join("Ann")["epoch"] != second.join("Ann")["epoch"]
        finally:
            first.close()
            second.close()
    finally:
        other.stop()
