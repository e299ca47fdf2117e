"""A join racing commits, made to happen every time.

A joining client is sent the room's stored lines, then live ones. Lines
committed while its read runs must reach it exactly once: one committed just
before the read is both in the read and published to the room (sent twice if
live lines are not checked against the read); one committed just after the
read is only published (lost if the client joins the room after reading).
The test makes both happen during the read, through the real app (ZODB,
writer, hub) and SockJS's xhr transport.
"""

from __future__ import annotations

import json
import uuid

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.interfaces import IChat, IDatabase, IHistory, IWriter


@pytest.fixture
def app(fresh_zodb_uri, monkeypatch):
    monkeypatch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
    application = main({})
    yield TestApp(application)
    application.registry.getUtility(IWriter).close()
    application.registry.getUtility(IDatabase).close()


def conversation(app: TestApp, *messages: dict) -> list[dict]:
    """Open an xhr session, send ``messages``, and return what the server answered."""
    base = f"/sockjs/000/{uuid.uuid4().hex}"
    assert app.post(base + "/xhr").text == "o\n"
    app.post(base + "/xhr_send", json.dumps([json.dumps(m) for m in messages]),
             content_type="text/plain")
    app.app.registry.getUtility(IChat).hub.drain()  # live lines go out from the hub's greenlet
    frame = app.post(base + "/xhr").text
    assert frame.startswith("a[")
    return [json.loads(m) for m in json.loads(frame[1:])]


@pytest.mark.parametrize("after", [None, 0, 1])
def test_lines_committed_during_a_joins_read_are_sent_once_in_order(app, after):
    registry = app.app.registry
    chat, history = registry.getUtility(IChat), registry.getUtility(IHistory)
    chat.say("deck", "Ann", "said before anyone joined")
    read = history.since_with_epoch  # what a join reads (Chat.joining_read)

    def since_while_others_talk(room, after, limit):
        chat.say(room, "Bob", "committed just before the read")
        snapshot = read(room, after, limit)
        chat.say(room, "Bob", "committed just after the read")
        return snapshot

    history.since_with_epoch = since_while_others_talk  # the app's own history, racing itself
    join = {"type": "join", "name": "Cid", "room": "deck"}
    if after is not None:
        join["after"] = after
    answer = conversation(app, join)
    assert answer[0]["type"] == "joined"
    lines = [(m["seq"], m["text"]) for m in answer if m["type"] == "line"]
    expected = [(1, "said before anyone joined"), (2, "committed just before the read"),
                (3, "committed just after the read")]
    assert lines == expected[after or 0:]
