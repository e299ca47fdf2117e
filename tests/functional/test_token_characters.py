"""A ``join`` whose ``token`` holds characters that are not ASCII (issue 25,
finding 1): the HMAC comparison refused them with a TypeError, and the client
got no answer at all. Now it is the chat's ``bad_token``, and nothing is logged
as an error; over a real socket, to a live server with member tokens on."""

from __future__ import annotations

import uuid

import pytest

from piratechat.chat.core.tokens import BadToken, issue, verify
from tests.conftest import scratch_zodb_uri
from tests.functional.test_socket import SockJSClient
from tests.support.server import LiveServer

SECRET = "the secret " + uuid.uuid4().hex


def spoilt(name: str) -> list[str]:
    """Tokens with a character that is not ASCII in the signature or the payload."""
    payload, signature = issue(SECRET, name).split(".")
    return [payload + "." + signature[:-1] + "é", payload + "." + signature[:-1] + "\ud800",
            payload + "é." + signature, "日本." + signature, "\u00ff.\u00ff"]


# ids of their own: the tokens differ every run (a new SECRET), and pytest-xdist's
# workers must collect the same tests
@pytest.mark.parametrize("token", spoilt("Anne"), ids=[
    "signature-e-acute", "signature-surrogate", "payload-e-acute", "payload-cjk", "y-diaeresis"])
def test_verify_calls_a_token_with_other_characters_malformed(token):
    with pytest.raises(BadToken, match="malformed"):
        verify(SECRET, token)


@pytest.fixture(scope="module")
def server():
    live = LiveServer(env={"PIRATECHAT_TOKEN_SECRET": SECRET,
                           "PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    live.start()
    yield live
    live.stop()


def test_a_join_with_such_a_token_gets_bad_token_and_no_traceback(server):
    name = "Anne " + uuid.uuid4().hex[:8]
    client = SockJSClient(server.url)
    try:
        for token in spoilt(name):
            client.send({"type": "join", "name": name, "room": "tokens-" + name[-8:],
                         "token": token})
            error = client.next()
            assert (error["type"], error["code"]) == ("error", "bad_token"), (token, error)
        client.join(name, token=issue(SECRET, name))  # the connection is still usable
    finally:
        client.close()
    logged = "".join(server.output)
    assert "Traceback" not in logged and " ERROR " not in logged, logged[-3000:]
