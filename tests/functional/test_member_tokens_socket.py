"""Members join under their name with a token (docs/protocol.md, "Members"), over a
real socket: a forged, expired or borrowed token is refused, and once a member
chatted, nobody joins under their name without their token."""

import time
import uuid

import pytest

from piratechat.chat.core.tokens import issue
from tests.conftest import scratch_zodb_uri
from tests.functional.test_socket import SockJSClient
from tests.support.server import LiveServer

SECRET = "the secret " + uuid.uuid4().hex


@pytest.fixture(scope="module")
def server():
    live = LiveServer(env={"PIRATECHAT_TOKEN_SECRET": SECRET,
                           "PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    yield live.start()
    live.stop()


@pytest.fixture
def client(server):
    c = SockJSClient(server)
    yield c
    c.close()


def member() -> str:
    return "Anne " + uuid.uuid4().hex[:8]


def test_a_member_joins_and_speaks_under_the_tokens_name(client):
    name = member()
    joined = client.join(name, token=issue(SECRET, name))
    assert joined["name"] == name
    client.send({"type": "say", "text": "Hello, friend"})
    assert client.line_saying("Hello, friend")["author"] == name


def test_the_name_may_be_left_to_the_token(client):
    name = member()
    client.send({"type": "join", "token": issue(SECRET, name)})
    assert client.next_of("joined")["name"] == name


@pytest.mark.parametrize("why, token", [
    ("forged", lambda name: issue("not the secret", name)),
    ("expired", lambda name: issue(SECRET, name, ttl=60, now=time.time() - 120)),
    ("malformed", lambda name: "nonsense"),
])
def test_a_bad_token_is_refused_and_the_connection_stays(client, why, token):
    name = member()
    client.send({"type": "join", "name": name, "token": token(name)})
    error = client.next()
    assert (error["type"], error["code"]) == ("error", "bad_token"), why
    assert client.join("Someone else")["name"] == "Someone else"


def test_a_token_for_another_name_is_refused(client):
    client.send({"type": "join", "name": "Long John", "token": issue(SECRET, member())})
    error = client.next()
    assert (error["code"], error["message"]) == ("bad_token", "The token is for another name.")


def test_an_anonymous_nickname_may_not_be_a_members_name(server, client):
    name = member()
    client.join(name, token=issue(SECRET, name))
    other = SockJSClient(server)
    try:
        for taken in (name, name.upper(), "  " + name.replace(" ", "   ") + " "):
            other.send({"type": "join", "name": taken})
            assert other.next()["code"] == "name_taken"
        assert other.join("Pirate 1234")["name"] == "Pirate 1234"
    finally:
        other.close()
