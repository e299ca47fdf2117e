"""The remote translator in a real server: a slow or broken service never stops the chat.

Each server here is ``piratechat serve`` (monkey-patched gevent) whose
default translator is ``remote``, pointed at a real HTTP service on
loopback run by the test (tests/support/arrpi_server.py). Clients speak
the protocol over SockJS's WebSocket (tests/support/chat_clients.py).
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.arrpi_server import ArrpiServer, answer
from tests.support.chat_clients import joined
from tests.support.server import LiveServer


def serve(service: ArrpiServer, **settings: str):
    env = {"PIRATECHAT_TRANSLATOR": "remote", "PIRATECHAT_REMOTE_URL": service.url}
    env.update({"PIRATECHAT_" + key.upper(): value for key, value in settings.items()})
    server = LiveServer(env=env)
    return server, server.start()


@pytest.fixture(scope="module")
def patient():
    """A service whose calls may take long (30 s reads), one call at a time."""
    with ArrpiServer() as service:
        server, url = serve(service, remote_read_timeout="30", remote_max_calls="1")
        yield service, url
        server.stop()


@pytest.fixture(scope="module")
def impatient():
    """A service given 0.3 s to connect and 0.3 s per read."""
    with ArrpiServer() as service:
        server, url = serve(service, remote_connect_timeout="0.3", remote_read_timeout="0.3")
        yield service, url
        server.stop()


def room() -> str:
    return "remote-" + uuid.uuid4().hex[:12]


def test_a_working_service_translates_the_room(impatient):
    service, url = impatient
    service.mode = "ok"
    ann = joined(url, room(), "Ann")
    ann.say("Hello, friend")
    line = ann.line_of("Hello, friend")
    assert (line["translation"], line["translator"]) == (answer("Hello, friend"), "remote")
    assert "fallback" not in line
    ann.close()


def test_while_a_call_waits_others_chat_on_and_the_cap_falls_back_at_once(patient):
    """The proof that a call does not block the hub: with reads allowed 30 s and
    the service holding Ann's call, Bob's line (over the cap of one call) must
    come back at once, before Ann's."""
    service, url = patient
    service.mode = "hold"
    where = room()
    ann, bob = joined(url, where, "Ann"), joined(url, where, "Bob")
    ann.say("Hello, friend")
    service.wait_for_request()
    bob.say("Hello mate")
    bobs = bob.line_of("Hello mate")
    assert (bobs["translation"], bobs["translator"], bobs["fallback"]) == (
        "Avast mate",
        "pirate",
        "remote",
    )
    service.release()
    anns = ann.line_of("Hello, friend")
    assert (anns["translation"], anns["translator"]) == (answer("Hello, friend"), "remote")
    assert "fallback" not in anns
    assert anns["seq"] > bobs["seq"]
    assert service.asked == ["Hello, friend"]
    ann.close()
    bob.close()


@pytest.mark.parametrize("mode", ["hang", "error", "html", "huge", "drip"])
def test_lines_keep_flowing_with_the_fallback_when_the_service_fails(impatient, mode):
    service, url = impatient
    service.mode = mode
    where = room()
    ann, bob = joined(url, where, "Ann"), joined(url, where, "Bob")
    for speaker, text in [(ann, "Hello, friend"), (bob, "My friends want beer."), (ann, "Yes")]:
        speaker.say(text)
        for listener in (ann, bob):
            line = listener.line_of(text)
            assert (line["translator"], line["fallback"]) == ("pirate", "remote")
    assert line["translation"] == "Aye"
    service.mode = "ok"
    ann.say("Hello again")
    line = bob.line_of("Hello again")
    assert (line["translation"], line["translator"]) == (answer("Hello again"), "remote")
    ann.close()
    bob.close()
